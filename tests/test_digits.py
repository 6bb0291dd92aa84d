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


WITNESS = ("记者 王晓明\n\n本报讯 今年以来，全县新建的农村公路全长35公里，惠及群众12万人。"
           "全市共有120名党员干部参与了46栋楼宇的值守工作。\n\n全县大会召开\n")


def test_witness_fills_every_gap_and_cites_it(tmp_path):
    from click.testing import CliRunner
    from normalize.cli import main
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a_paper.txt").write_text(WITNESS, encoding="utf-8")
    stripped = WITNESS.replace("35", "").replace("120", "").replace("46", "")
    (raw / "b_repost.txt").write_text(stripped, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert res.exit_code == 0, res.output
    assert "3 gaps filled" in res.output
    art = (out / "b_repost" / "01.md").read_text(encoding="utf-8")
    assert "□" not in art.split("\n---\n", 1)[1]
    assert "全长35公里" in art and "共有120名" in art and "46栋" in art
    import yaml
    fm = yaml.safe_load(art[4:art.index("\n---\n", 4) + 1])
    gap_flags = [f for f in fm["flags"] if f["rule"].startswith("digits.")]
    assert len(gap_flags) == 3
    assert all(f["message"].startswith("filled from raw/a_paper.txt") for f in gap_flags)
    assert fm["changes"]["collate.witness"] == 3
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    assert '"collate.witness": 3' in manifest
    # a second pass has nothing left to fill
    again = CliRunner().invoke(main, ["collate", str(out)])
    assert "0 gaps filled" in again.output


def test_no_witness_no_fill(tmp_path):
    from normalize.collate import collate
    from click.testing import CliRunner
    from normalize.cli import main
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.txt").write_text(WITNESS.replace("35", ""), encoding="utf-8")
    (raw / "c.txt").write_text(WITNESS.replace("35", "").replace("农村", "乡村"), encoding="utf-8")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(raw), "--out", str(out)])
    assert collate(out) == {"articles_changed": 0, "gaps_filled": 0}


def test_corrections_file_fills_and_is_recorded(tmp_path):
    from normalize.pipeline import Pipeline
    (tmp_path / "corrections.toml").write_text('''
[[correction]]
file = "b.txt"
context = "全长□公里"
text = "全长35公里"
note = "print edition"
''', encoding="utf-8")
    pipe = Pipeline(settings={"corrections": str(tmp_path / "corrections.toml")})
    arts, doc = pipe.clean("本报讯 这条公路全长公里，串联全市景点。\n", {"path": "raw/b.txt"})
    assert "全长35公里" in arts[0].text
    assert arts[0].meta["changes"]["corrections.file"] == 1
    flag = next(f for f in arts[0].meta["flags"] if f["rule"].startswith("digits."))
    assert flag["message"].startswith("filled from corrections.toml (print edition)")
    other, _ = pipe.clean("本报讯 这条公路全长公里，串联全市景点。\n", {"path": "raw/c.txt"})
    assert "全长□公里" in other[0].text
