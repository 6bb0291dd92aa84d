"""Boilerplate out, its information into metadata, no sentence lost with it
(must-drop / must-keep snippets per sample, in the style of trafilatura)."""
from __future__ import annotations

import json

import pytest
import regex

from conftest import SAMPLES
from normalize.pipeline import Pipeline

MUST = {
    "000": {"drop": [], "keep": ["本报讯 江苏省如皋市长江镇去年以来凝心聚力", "聚力项目建设，确保实现工业投入3年500亿元。"]},
    "001": {"drop": ["![](", "本版主编", "😑", "#### ", "> ", "●", "■", "上接一版", "视点"],
            "keep": ["党建品牌联创，在建强基层组织中强化引领力。", "有效发挥了党员的先锋模范作用。",
                     "杨永强说，生有涯而学无涯", "“3”，就是实施“三大工程”。"]},
    "002": {"drop": ["注册", "发新话题", "回复该主题", "[复制链接]", "1#", "中科获平安医院殊荣", "39.net",
                     "分享 转发", "TOP", "内容来源", "本期编辑", "溧阳市融媒体中心"],
            "keep": ["近百年来，无论时代风云怎么变幻", "“农村富不富，关键看支部。”",
                     "党建强、则发展强，党建强、则服务强，党建强、则民生强。"]},
}


@pytest.mark.parametrize("key", sorted(MUST))
def test_must_drop_and_must_keep(sample_runs, key):
    arts, _doc = sample_runs[key]
    bodies = "\n".join(a.to_markdown().split("\n---\n", 1)[1] for a in arts)
    for s in MUST[key]["drop"]:
        assert s not in bodies, s
    for s in MUST[key]["keep"]:
        assert s in bodies, s


def test_forum_metadata(sample_runs):
    arts, _doc = sample_runs["002"]
    meta = arts[0].meta
    assert meta["title"] == "撤县设市之激荡三十年三十领航溧阳融"
    assert meta["forum"] == {"floor": 1, "author": None, "time": None, "site": "溧阳市",
                             "thread": "撤县设市之激荡三十年三十领航溧阳融"}
    assert meta["source_org"] == "溧阳市融媒体中心"
    assert meta["authors"] == [{"name": "韩一宁", "role": "记者"}]
    assert meta["editors"] == [{"name": "顾琰", "role": "编辑"}]


def test_furniture_metadata(sample_runs):
    arts, _doc = sample_runs["001"]
    assert all({"name": "武曼晖", "role": "主编"} in a.meta["editors"] for a in arts)
    assert [a.meta["continued_from"] for a in arts].count("一版") == 1


def test_images_go_to_metadata_caption_stays():
    pipe = Pipeline()
    arts = pipe.clean("老党员的故事\n\n记者 张芙\n\n![](media/p1.png)\n\n老党员彭承温\n\n"
                      "本报讯 彭承温今年95岁，现在和女儿一起生活。\n")[0]
    assert arts[0].meta["images"] == ["media/p1.png"]
    assert ("caption", "老党员彭承温") in arts[0].blocks


def test_replies_go_to_removed_when_only_the_first_post_is_kept():
    pipe = Pipeline(settings={"forum_posts": "first"})
    page = "1# 楼主 | 发表于 2019-5-3 08:12\n\n正文第一段，讲述了全市的发展。\n\n2# 网友甲 | 发表于 2019-5-3 09:00\n\n顶一个，写得好！\n\nTOP\n"
    arts, doc = pipe.clean(page)
    assert len(arts) == 1
    assert "顶一个" not in arts[0].text
    assert any("顶一个" in r.text and r.rule == "forum.reply" for r in doc.removed)
    assert arts[0].meta["forum"] == {"floor": 1, "author": None, "time": "2019-05-03T08:12", "site": None,
                                     "thread": None}


def test_thread_title_kept_when_the_post_has_its_own_headline(pipe):
    page = ("溧阳论坛\n\n注册\n\n转：好消息 [复制链接]\n\n1# 楼主\n\n全县新建农村公路\n\n记者 王晓明\n\n"
            "本报讯 今年以来，全县新建农村公路二十公里。\n")
    meta = pipe.clean(page)[0][0].meta
    assert meta["title"] == "全县新建农村公路"
    assert meta["forum"]["thread"] == "转：好消息" and meta["forum"]["site"] == "溧阳论坛"


def test_url_inside_a_sentence_stays(pipe):
    text = "市民可登录 https://example.org/a.html 查询，也可拨打热线。\n"
    assert "https://example.org/a.html" in pipe.fix(text)[0]


def test_no_prose_removed_silently(pipe, sample_runs):
    """A removed piece with 20 or more Han characters needs a rule whose own
    examples show it removing such a piece."""
    by_id = {r.id: r for r in pipe.rules}
    for key, (_arts, doc) in sample_runs.items():
        for r in doc.removed:
            if len(regex.findall(r"\p{Han}", r.text)) < 20:
                continue
            rule = by_id.get(r.rule)
            assert rule is not None, (key, r)
            assert any(len(regex.findall(r"\p{Han}", b)) - len(regex.findall(r"\p{Han}", a)) >= 20
                       for b, a in rule.fixes), (key, r.rule, r.text)


def test_removed_jsonl_records_rule_and_line(tmp_path):
    from click.testing import CliRunner
    from normalize.cli import main
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(SAMPLES[2]), "--out", str(out)])
    recs = [json.loads(l) for l in (out / SAMPLES[2].stem / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {"rule": "forum.spam-link", "line": 12,
            "text": "中科获平安医院殊荣\u00a0https://m.39.net/pf/a_6010154.html"} in recs
    assert all(set(r) == {"rule", "line", "text"} for r in recs)


def test_replies_kept_as_a_section_when_asked():
    pipe = Pipeline(settings={"keep_replies": True, "forum_posts": "first"})
    page = ("1# 楼主 | 发表于 2019-5-3 08:12\n\n正文第一段，讲述了全市的发展。\n\n"
            "2# 网友甲 | 发表于 2019-5-3 09:00\n\n顶一个，写得好！\n\n3# 网友乙 | 发表于 2019-5-3 10:30\n\n支持。\n\nTOP\n")
    arts, doc = pipe.clean(page)
    assert arts[0].blocks == [("p", "正文第一段，讲述了全市的发展。"), ("h", "回复"),
                              ("p", "2# · 网友甲 · 2019-5-3 09:00"), ("p", "顶一个，写得好！"),
                              ("p", "3# · 网友乙 · 2019-5-3 10:30"), ("p", "支持。")]
    assert not [r for r in doc.removed if r.rule == "forum.reply"]
