"""Forum threads: one article per post, per board family; quotes as
blockquotes; chrome out; every Han character accounted for.

Each fixture in tests/fixtures/forum is a small thread in one board family's
layout (made for these tests, in the shapes real copies of such boards take).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
import regex
import yaml
from click.testing import CliRunner

from normalize.cli import main
from normalize.pipeline import Pipeline
from normalize.posts import iso_time
from normalize.rules import RuleError

ROOT = Path(__file__).resolve().parent.parent
FORUM = ROOT / "tests" / "fixtures" / "forum"
SCHEMA = json.loads((ROOT / "normalize" / "schema" / "article.schema.json").read_text(encoding="utf-8"))
FAMILIES = ("forum-discuz-html", "forum-discuz-text", "forum-tieba", "forum-phpbb", "forum-comments")

# fixture -> per article: (title, floor, author, time, blocks)
EXPECTED = {
    "discuz-html": [
        ("全县新建农村公路二十公里", 1, None, "2019-05-03T08:12",
         [("p", "今年以来，全县新建农村公路二十公里，沿线村民出行更方便了。")]),
        (None, 2, "网友甲", "2019-05-03T09:00", [("p", "顶一个，写得好！")]),
        (None, 3, "网友乙", "2019-05-03T10:30", [("p", "我们村的路也修好了。")]),
    ],
    "discuz-text": [
        (None, 1, "老张", "2022-08-24T02:17", [("p", "家门口的公园改造好了"), ("p", "大家有空去看看")]),
        (None, 2, "小李", "2022-08-24T02:29", [("quote", "家门口的公园改造好了……"), ("p", "周末带孩子去看看。")]),
        (None, 3, "王五", "2022-08-24T03:01", []),   # a photo and its attachment block only
        (None, 4, "赵六", "2022-08-24T03:10", []),   # a blocked post
    ],
    "tieba": [
        ("家乡的老桥修好了", 1, "张三", "2021-03-05T12:30", [("p", "家乡的老桥修好了，大家有空回来看看。")]),
        (None, 2, "李四", "2021-03-05T12:41", [("p", "修得真漂亮，过年回去走一走。")]),
        (None, 3, "王五", "2021-03-05T13:02", [("p", "支持！")]),
    ],
    "phpbb": [
        ("社区公园改造方案讨论", None, "张三", "2019-05-03T09:12", [("p", "公园改造方案已经公示，欢迎大家提意见。")]),
        (None, None, "李四", "2019-05-03T10:00",
         [("quote", "公园改造方案已经公示，欢迎大家提意见。"), ("p", "希望多种一些树。")]),
    ],
    "comments": [
        ("全县新建农村公路二十公里", "article", None, None,
         [("p", "本报讯 今年以来，全县新建农村公路二十公里，沿线村民出行更方便了。")]),
        (None, None, "张三", "2020-06-01T12:00", [("p", "路修好了，回家方便多了。")]),
        (None, None, "李四", "2020-06-01T12:30", [("p", "希望也修修我们村的路。")]),
    ],
}


def _clean(pipe, name):
    text = (FORUM / f"{name}.txt").read_text(encoding="utf-8")
    return pipe.clean(text, {"path": f"forum/{name}.txt", "stem": name})


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_one_article_per_post(pipe, name):
    arts, _doc = _clean(pipe, name)
    got = []
    for a in arts:
        f = a.meta["forum"]
        floor = "article" if f is None else f["floor"]
        got.append((a.meta["title"], floor, f and f["author"], f and f["time"], a.blocks))
    assert got == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_thread_is_read_by_its_own_family_only(pipe, name):
    text = (FORUM / f"{name}.txt").read_text(encoding="utf-8")
    applies = [s.name for s in pipe.stages if s.name in FAMILIES and s.rules.applies(text)]
    assert applies == [f"forum-{name}"]


def test_no_family_reads_a_newspaper_page(pipe):
    from conftest import SAMPLES
    for p in SAMPLES[:2]:
        text = p.read_text(encoding="utf-8")
        assert not [s.name for s in pipe.stages if s.name in FAMILIES and s.rules.applies(text)], p.name
    for text in ("网友评论说，这件事办得好。\n张三 2020-06-01 12:00\n", "他住在3楼2021-03-05搬来的那户。\n",
                 "1#楼的看法很好。\n", "由居民议事会讨论决定。\n"):
        assert not [s.name for s in pipe.stages if s.name in FAMILIES and s.rules.applies(text)], text


def test_thread_metadata(pipe):
    arts, _doc = _clean(pipe, "discuz-html")
    assert arts[0].meta["forum"]["site"] == "溧阳论坛"
    assert {a.meta["forum"]["thread"] for a in arts} == {"全县新建农村公路二十公里"}
    arts, _doc = _clean(pipe, "tieba")
    assert arts[0].meta["forum"]["site"] == "溧阳吧"
    arts, _doc = _clean(pipe, "discuz-text")
    # a board's smiley is decoration (removed, under forum.smiley); a photo is an image of the post
    assert arts[0].meta["images"] == [] and arts[0].meta["changes"].get("forum.smiley") == 1
    assert arts[2].meta["images"] == ["https://img.example.com/forum/202208/24/park.jpg"]


CHROME = ["发表于", "楼主", "本帖最后由", "来自", "客户端", "下载", "上传", "<img", "<blockquote", "<a ", "</a>",
          "#####", "*****", "[quote", "[/quote", "回复", "赞(", "只看", "由 ", "»", "Re:", "吧】", "作者被禁止",
          "论坛助手", "[复制链接]", "TOP", "网友评论", "条评论"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_chrome_left_in_bodies(pipe, name):
    arts, _doc = _clean(pipe, name)
    for a in arts:
        body = a.to_markdown().split("\n---\n", 1)[1]
        assert not [c for c in CHROME if c in body], (name, a.meta["id"], body)


def test_quotes_are_blocks_of_their_own(pipe):
    arts, _doc = _clean(pipe, "discuz-text")
    md = arts[1].to_markdown()
    assert "\n> 家门口的公园改造好了……\n\n周末带孩子去看看。\n" in md
    # a quote head, edit notes and signatures go to removed.jsonl under their rules
    _arts, doc = _clean(pipe, "discuz-text")
    rules = {r.rule for r in doc.removed}
    assert {"forum-discuz-text.quote-head", "forum.edited-by", "forum.signature", "forum.attachment",
            "forum.image", "forum.blocked", "forum-discuz-text.floor"} <= rules


def test_a_quote_left_open_ends_at_the_next_post(pipe):
    page = ("####  甲  \n##### 1#  楼主  发表于 2022-8-24 02:17\n\n<blockquote>乙 发表于 2022-8-24 02:00\n引的话\n\n"
            "*****\n\n####  丙  \n##### 2#  发表于 2022-8-24 02:30\n\n丙的回复。\n")
    arts, _doc = pipe.clean(page)
    assert [a.blocks for a in arts] == [[("quote", "引的话")], [("p", "丙的回复。")]]


def test_lines_of_two_posts_are_never_joined(pipe):
    page = "1# 甲 | 发表于 2019-5-3 08:12\n没有句号的一行\n2# 乙 | 发表于 2019-5-3 09:00\n另一行也没有句号\n"
    arts, _doc = pipe.clean(page)
    assert [a.blocks for a in arts] == [[("p", "没有句号的一行")], [("p", "另一行也没有句号")]]


def test_typed_lines_are_paragraphs_on_boards_that_keep_them(pipe):
    """The plain-text archive keeps each line as typed (paragraphs = "lines"):
    lines without final punctuation are not joined, a short one is no heading;
    the web copy joins a repost's broken lines as on any page."""
    posts = "\n*****\n\n####  甲  \n##### 1#  楼主  发表于 2022-8-24 02:17\n\n第一行没有句号\n第二行很长也没有句号但是比第一行长很多很多很多很多很多很多很多很多很多很多\n\n第三行\n"
    arts, _doc = pipe.clean(posts)
    assert arts[0].blocks == [("p", "第一行没有句号"),
                              ("p", "第二行很长也没有句号但是比第一行长很多很多很多很多很多很多很多很多很多很多"),
                              ("p", "第三行")]
    repost = "1#\n\n党组织的工作落实最终靠的是\n\n一支敢打硬仗、能打胜仗的党员队伍。\n"
    assert pipe.clean(repost)[0][0].blocks == [("p", "党组织的工作落实最终靠的是一支敢打硬仗、能打胜仗的党员队伍。")]


def test_paragraphs_setting_of_a_rule_file_is_checked(tmp_path):
    (tmp_path / "board.toml").write_text('description = "x"\nparagraphs = "words"\n', encoding="utf-8")
    with pytest.raises(RuleError, match="paragraphs"):
        Pipeline(rule_dirs=[tmp_path])


def test_first_post_only_sends_replies_to_removed():
    pipe = Pipeline(settings={"forum_posts": "first"})
    arts, doc = _clean(pipe, "discuz-text")
    assert len(arts) == 1 and arts[0].meta["forum"]["floor"] == 1
    replies = [r for r in doc.removed if r.rule == "forum.reply"]
    assert [r.text for r in replies] == ["家门口的公园改造好了……\n周末带孩子去看看。"]


def test_first_post_only_with_a_reply_section():
    pipe = Pipeline(settings={"forum_posts": "first", "keep_replies": True})
    arts, doc = _clean(pipe, "tieba")
    assert arts[0].blocks == [("p", "家乡的老桥修好了，大家有空回来看看。"), ("h", "回复"),
                              ("p", "2# · 李四 · 2021-03-05 12:41"), ("p", "修得真漂亮，过年回去走一走。"),
                              ("p", "3# · 王五 · 2021-03-05 13:02"), ("p", "支持！")]
    assert not [r for r in doc.removed if r.rule == "forum.reply"]
    arts, _doc = _clean(pipe, "phpbb")
    assert arts[0].blocks[-3:] == [("p", "李四 · 2019年 5月 3日, 10:00"),
                                   ("quote", "公园改造方案已经公示，欢迎大家提意见。"), ("p", "希望多种一些树。")]


def test_forum_posts_setting_is_checked():
    with pytest.raises(RuleError, match="forum_posts"):
        Pipeline(settings={"forum_posts": "some"})


def test_iso_time():
    assert iso_time("2022-8-24 02:17") == "2022-08-24T02:17"
    assert iso_time("2019年 5月 3日, 09:12") == "2019-05-03T09:12"
    assert iso_time("2021-03-05") == "2021-03-05"
    assert iso_time("2021-03-05 12:30:09") == "2021-03-05T12:30:09"
    assert iso_time("3小时前") is None and iso_time("2021-13-05") is None
    assert iso_time("2021-02-30 10:00") is None and iso_time("2024-02-29") == "2024-02-29"


def _letters(text):
    return regex.findall(r"[\p{Han}0-9A-Za-z]", text)


@pytest.mark.parametrize("setting", [{}, {"forum_posts": "first"}])
def test_every_han_character_of_a_thread_is_accounted_for(tmp_path, setting):
    """Every Han character of each thread is in a post's body or front matter,
    or in removed.jsonl; the front matter passes the schema."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for p in FORUM.glob("*.txt"):
        (raw / p.name).write_bytes(p.read_bytes())
    if setting:
        (raw / "normalize.toml").write_text('forum_posts = "first"\n', encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    for p in sorted(FORUM.glob("*.txt")):
        kept = Counter()
        for md in (out / p.stem).glob("*.md"):
            text = md.read_text(encoding="utf-8")
            fm = yaml.safe_load(text.split("---\n", 2)[1])
            jsonschema.validate(fm, SCHEMA)
            for k in ("source", "flags", "changes", "normalizer", "id"):
                fm.pop(k)
            kept.update(_letters(text.split("\n---\n", 1)[1] + json.dumps(fm, ensure_ascii=False)))
        for line in (out / p.stem / "removed.jsonl").read_text(encoding="utf-8").splitlines():
            kept.update(_letters(json.loads(line)["text"]))
        missing = Counter(_letters(p.read_text(encoding="utf-8"))) - kept
        assert not missing, (p.name, dict(missing))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_rule_edits_a_clean_post_again(pipe, name):
    """Cleaning a clean post again changes no character.  Its blocks may
    change: without its board's chrome the post reads as any page, where a
    `>` line is a converter's stray marker and lines ending no sentence join."""
    arts, _doc = _clean(pipe, name)
    for a in arts:
        body = "\n\n".join(t for _k, t in a.blocks)
        if body:
            again = pipe.fix(body + "\n")[0]
            assert regex.sub(r"\s", "", again) == regex.sub(r"\s", "", body), (name, a.meta["id"])


def test_first_post_only_keeps_none_of_the_replies_metadata():
    """The replies' images, changes and flags stay with the replies (in
    removed.jsonl), not in the kept post's front matter."""
    pipe = Pipeline(settings={"forum_posts": "first"})
    arts, doc = _clean(pipe, "discuz-text")
    last = arts[0].meta["source"]["lines"][1]
    reply_start = min(r.line for r in doc.removed if r.rule == "forum.reply")
    assert last < reply_start
    assert not any("park.jpg" in i for i in arts[0].meta["images"])
    assert any("park.jpg" in r.text for r in doc.removed)
    assert sum(arts[0].meta["changes"].values()) == sum(1 for c in doc.changes if c.line <= last)
    assert all(f["line"] <= last for f in arts[0].meta["flags"])


def test_first_post_with_a_reply_section_covers_the_replies_lines():
    pipe = Pipeline(settings={"forum_posts": "first", "keep_replies": True})
    text = (FORUM / "discuz-text.txt").read_text(encoding="utf-8")
    arts, _doc = pipe.clean(text, {"path": "forum/discuz-text.txt", "stem": "discuz-text"})
    assert len(arts) == 1
    lines = text.split("\n")
    last_reply = max(n for n, line in enumerate(lines, 1) if "赵六" in line)  # the 4th post's header
    assert arts[0].meta["source"]["lines"][1] >= last_reply
    assert any("park.jpg" in i for i in arts[0].meta["images"])
