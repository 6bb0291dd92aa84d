"""Missing numbers: every gap marked and flagged, filled only from evidence."""
from __future__ import annotations

from normalize.pipeline import Pipeline

GAPS_002 = ["□年6月，我市在全市□个村级", "升格为党委，□个村级", "于□年12月", "全市共有□名党员干部参与了□栋楼宇",
            "全长□公里", "各地的□余批次约□多人次", "□0余名驾驶员、□多条交通线", "带动□名新锐", "“五四运动”□周年",
            "□余户建档立卡", "在全市□个农村网格", "生。□年，原溧城镇", "工作。□年10月"]


def test_gaps_in_forum_sample(sample_runs):
    arts, _doc = sample_runs["002"]
    text = "\n".join(t for _k, t in arts[0].blocks)
    for g in GAPS_002:
        assert g in text, g
    assert text.count("□") == 17
    flags = arts[0].meta["flags"]
    assert sum(f["rule"].startswith("digits.") for f in flags) == 17
    assert all({"rule", "line", "text", "message"} == set(f) for f in flags)


def test_no_gaps_in_clean_text(pipe):
    text = ("今年6月，一个人和多个部门在年底前完成了数十亿元的项目，上万名群众参与，百余名干部到场，"
            "月亮升起，万一出错也不怕。全市个人所得税收入增长，全市所有村都通了公路。\n")
    out, doc = pipe.fix(text)
    assert "□" not in out and not [f for f in doc.flags if f.rule.startswith("digits.")]


def test_gap_marker_is_a_setting():
    pipe = Pipeline(settings={"gap_marker": "〓"})
    assert pipe.fix("全长公里。\n")[0] == "全长〓公里。\n"
