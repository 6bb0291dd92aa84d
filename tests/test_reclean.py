"""Cleaning clean text changes nothing: an article this program wrote,
cleaned again, comes back as it was.

Two ways it is cleaned again: ``normalize fix ARTICLE.md`` (the whole file
back, its front matter as it stands) and ``normalize run`` over a folder of
articles taken as raw input (one article per file, the same body, what the
article is kept from its front matter).  On the committed sample output
(clean/) and on a thread of each board family (tests/fixtures/forum), where
typed lines that end no sentence and ``> `` quote blocks once came back
joined and stripped."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from normalize import settled_fix
from normalize.cli import main
from normalize.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "clean").glob("*/*.md"))
FORUM = sorted((ROOT / "tests" / "fixtures" / "forum").glob("*.txt"))
# what an article is, as its front matter says (not how it was cleaned: source, flags, changes, stamp)
DESCRIPTIVE = ("title", "kicker", "subtitle", "authors", "editors", "dateline", "date", "source_org",
               "continued_from", "continued_on", "images", "forum")


def split(text: str) -> tuple[dict, str]:
    """Front matter and body of an article file, read with PyYAML."""
    assert text.startswith("---\n")
    end = text.index("\n---\n", 3)
    return yaml.safe_load(text[4:end + 1]), text[end + 5:]


def thread_posts(pipe) -> list[tuple[str, str]]:
    """(name, Markdown) of every post of every fixture thread."""
    out = []
    for p in FORUM:
        arts, _doc = pipe.clean(p.read_text(encoding="utf-8"), {"path": f"raw/{p.name}", "stem": p.stem})
        out += [(f"{p.stem}-{i + 1:02d}", a.to_markdown()) for i, a in enumerate(arts)]
    return out


def test_the_fixtures_hold_what_once_changed(pipe):
    """The cases are there: a post of two typed lines ending no sentence, and
    a quote block, in the discuz-text thread; empty posts too."""
    posts = dict(thread_posts(pipe))
    assert "\n\n家门口的公园改造好了\n\n大家有空去看看\n" in posts["discuz-text-01"]
    assert "\n\n> 家门口的公园改造好了……\n\n周末带孩子去看看。\n" in posts["discuz-text-02"]
    assert split(posts["discuz-text-03"])[1] == "\n\n"
    assert len(ARTICLES) >= 13


@pytest.mark.parametrize("source", ["clean", "forum"])
def test_fix_gives_an_article_back_byte_for_byte(pipe, source):
    arts = ([(p.name, p.read_text(encoding="utf-8")) for p in ARTICLES] if source == "clean"
            else thread_posts(pipe))
    changed = [name for name, text in arts if settled_fix(pipe, text)[0] != text]
    assert changed == []


@pytest.mark.parametrize("source", ["clean", "forum"])
def test_run_over_articles_gives_their_bodies_and_what_they_are_back(pipe, source):
    arts = ([(p.name, p.read_text(encoding="utf-8")) for p in ARTICLES] if source == "clean"
            else thread_posts(pipe))
    for name, text in arts:
        got, doc = pipe.clean(text, {"path": f"in/{name}.md", "sha256": None, "stem": name})
        assert len(got) == 1, name
        old, body = split(text)
        new, new_body = split(got[0].to_markdown())
        assert new_body == body, name
        assert {k: new[k] for k in DESCRIPTIVE} == {k: old[k] for k in DESCRIPTIVE}, name
        assert new["source"]["path"] == f"in/{name}.md"
        # the old front matter is not text of the page: kept whole in removed.jsonl
        front = text[:text.index("\n---\n", 3) + 4]
        assert [r.text for r in doc.removed if r.rule == "article.front-matter"] == [front]


def test_fix_on_the_command_line_prints_the_article(tmp_path):
    article = ARTICLES[0]
    res = CliRunner().invoke(main, ["fix", str(article)])
    assert res.exit_code == 0, res.output
    assert res.output == article.read_text(encoding="utf-8")


def test_a_changed_rule_set_still_applies_to_an_article(tmp_path):
    """The text stages still run on an article: only its layout is taken as
    written.  A rule added later changes the body; the front matter stays."""
    (tmp_path / "local.toml").write_text(
        'description = "test: a later spelling"\nafter = "newspaper"\n[[rule]]\nid = "later"\n'
        'message = "a later spelling"\npattern = "周末"\nreplace = "星期六"\n'
        'fixes = [["周末去", "星期六去"]]\nkeeps = ["周日"]\n', encoding="utf-8")
    pipe = Pipeline([tmp_path])
    text = dict(thread_posts(Pipeline()))["discuz-text-02"]
    out = settled_fix(pipe, text)[0]
    assert out == text.replace("周末", "星期六")


def test_a_converters_stray_marker_and_printed_lines_are_still_raw_text(pipe):
    """Not weakened for raw pages: a PDF converter's ``> `` is furniture, and
    a front matter that is not ours (a web page's, another tool's) is not
    read as an article of ours."""
    raw = "> 杨永强说，今年的收成\n不错。\n"
    assert settled_fix(pipe, raw)[0] == "杨永强说，今年的收成不错。\n"
    web = "---\nlayout: post\ntitle: 财经早餐\n---\n\n> 杨永强说，今年的收成\n\n不错。\n"
    assert settled_fix(pipe, web)[0] == "杨永强说，今年的收成不错。\n"
    other = "---\nid: x\nsource: y\n---\n\n> 杨永强说，今年的收成\n\n不错。\n"  # no normalizer stamp
    assert "> " not in settled_fix(pipe, other)[0]


def test_markup_is_a_true_or_false_setting_of_a_rule(tmp_path):
    from normalize.rules import RuleError, load_rule_file
    f = tmp_path / "local.toml"
    f.write_text('description = "test"\n[[rule]]\nid = "x"\nmessage = "m"\npattern = "a"\nreplace = ""\n'
                 'markup = "yes"\nfixes = [["a", ""]]\nkeeps = ["b"]\n', encoding="utf-8")
    with pytest.raises(RuleError, match="'markup' must be true or false"):
        load_rule_file(f)


def test_run_over_a_folder_of_articles(tmp_path):
    """The whole command: articles copied out of an output folder (the
    discuz-text thread's posts and the samples) and run as raw input."""
    out1, raw2, out2 = tmp_path / "out1", tmp_path / "raw2", tmp_path / "out2"
    runner = CliRunner()
    res = runner.invoke(main, ["run", str(ROOT / "tests" / "fixtures" / "forum" / "discuz-text.txt"),
                               "--out", str(out1), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    raw2.mkdir()
    sources = sorted(out1.glob("*/*.md")) + ARTICLES
    for i, p in enumerate(sources):
        (raw2 / f"{i:02d}.md").write_bytes(p.read_bytes())
    res = runner.invoke(main, ["run", str(raw2), "--out", str(out2), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    for i, p in enumerate(sources):
        got = sorted((out2 / f"{i:02d}").glob("*.md"))
        assert len(got) == 1, p
        assert split(got[0].read_text(encoding="utf-8"))[1] == split(p.read_text(encoding="utf-8"))[1], p


def test_an_article_is_not_split_again(pipe):
    """Where an article began was read when it was written: a report that
    holds a second dateline (two reports under one headline) stays one."""
    text = ARTICLES[0].read_text(encoding="utf-8").rstrip("\n") + (
        "\n\n新华社北京6月20日电（记者李忠发）中共中央总书记20日在钓鱼台国宾馆会见来访的客人。\n\n"
        "两国领导人在亲切友好的气氛中深入交谈。\n")
    assert settled_fix(pipe, text)[0] == text
    got, _doc = pipe.clean(text, {"path": "in/x.md", "sha256": None, "stem": "x"})
    assert len(got) == 1
    assert split(got[0].to_markdown())[1] == split(text)[1]
    assert got[0].meta["authors"] == split(text)[0]["authors"]


def test_gaps_are_not_looked_for_again_in_an_article_of_ours(pipe):
    """The gaps stage judged the whole raw page, whose own words are evidence
    (`日厂` three times on a page, never after a digit, is a word there); an
    article of ours is not judged again on its body alone.  A raw page with
    the same body does get the gap."""
    raw = "实施产业帮扶项目个，惠及群众。\n"
    assert "□" in settled_fix(pipe, raw)[0]
    arts, _doc = pipe.clean("本报讯 这是一篇报道，说了很多话。\n", {"path": "raw/a.txt", "stem": "a"})
    ours = arts[0].to_markdown().replace("这是一篇报道，说了很多话。", raw.strip())
    fixed = settled_fix(pipe, ours)[0]
    assert "项目个" in fixed and "□" not in fixed


REPLY = """*****

####  甲
##### 1#       楼主       发表于 2022-3-28 13:02

开个帖子聊聊大制作翻车的游戏。

*****

####  乙
##### 2#       发表于 2022-3-28 15:58

<blockquote><a href="https://bbs.example.com/forum.php?mod=redirect&amp;pid=5" target="_blank">丙 发表于 2022-3-28 13:16</a>

巴比伦陨落怎么说？</blockquote>
一直翻车状态 只不过那时候翻了一圈而已

*****

####  丁
##### 3#       发表于 2022-3-28 16:04

又是一个钓鱼的，先定义下翻车，然后日厂近几年有大制作游戏么包括任天堂塞尔达算一个然后呢宫崎英高的老头环也算他大制作，还有其他大制作么。
"""


def test_a_replys_short_last_line_is_spaced_as_the_paragraph_it_becomes(pipe):
    """A short line that ends a reply, over the long one that opens the next
    post, reads as a heading to the unwrapper, but nothing follows it in its post: it is written as a paragraph, so
    house style spaces it as one the first time, not when it is cleaned again."""
    arts, _doc = pipe.clean(REPLY, {"path": "raw/t-forum.txt", "stem": "t-forum"})
    reply = arts[1].to_markdown()
    assert split(reply)[1].endswith("\n> 巴比伦陨落怎么说？\n\n一直翻车状态只不过那时候翻了一圈而已\n")
    assert settled_fix(pipe, reply)[0] == reply


def test_a_headline_left_with_nothing_under_it_is_spaced_as_the_heading_it_becomes(pipe):
    """A short line after an article's last paragraph (a reader's place and
    name, the rest of a credits line) is read as a headline; with no text
    under it, it stays in the article before as a sub-heading.  The spaces
    of a headline are those of a sub-heading (one between two phrases), so
    it does not change when the article is cleaned again."""
    raw = ("影响公益宣传功能\n\n笔者前些天去公园游玩，发现公益宣传栏上许多见义勇为人物及其相关介绍损毁严重。"
           "希望有关部门及时予以更换。\n\n河南鄢陵县  邢先生\n")
    arts, _doc = pipe.clean(raw, {"path": "raw/letter.txt", "stem": "letter"})
    body = split(arts[-1].to_markdown())[1]
    assert "\n## 河南鄢陵县 邢先生\n" in body
    assert settled_fix(pipe, arts[-1].to_markdown())[0] == arts[-1].to_markdown()
