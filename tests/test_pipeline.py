"""The stage list governs: pipeline.toml and the `after` of added rule files
decide every stage and its place; the gap marker is one setting; a rule file
that never settles is an error naming its rules."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from normalize import clean_text
from normalize.cli import main
from normalize.pipeline import Pipeline, default_rules_dir
from normalize.rules import RuleError, Unsettled

RULE = '''
[[rule]]
id = "{id}"
message = "{id}"
pattern = '{pattern}'
replace = "{replace}"
fixes = [["{fix_in}", "{fix_out}"]]
keeps = ["正文"]
'''


def rule_file(path, description="local", head="", rules=()):
    text = f'description = "{description}"\n{head}\n' + "".join(RULE.format(**r) for r in rules)
    path.write_text(text, encoding="utf-8")
    return path


def order(folder, stages):
    (folder / "pipeline.toml").write_text(
        'description = "order"\nstages = [' + ", ".join(f'"{s}"' for s in stages) + "]\n", encoding="utf-8")


def test_page_scope_file_added_without_after_runs_before_unwrap(tmp_path):
    rule_file(tmp_path / "footer.toml", head='scope = "page"', rules=[dict(
        id="footer", pattern="^FOOTER$", replace="", fix_in="FOOTER", fix_out="")])
    pipe = Pipeline([tmp_path])
    names = [s.name for s in pipe.stages]
    assert names.index("footer") == names.index("unwrap") - 1
    page = "本报讯 全县召开大会，部署今年工作，会议要求各地抓好落实\nFOOTER\n各部门要各司其职。\n"
    out, doc = pipe.fix(page)
    assert "FOOTER" not in out
    assert [(r.rule, r.text) for r in doc.removed] == [("footer.footer", "FOOTER")]


def test_page_scope_file_after_unwrap_is_refused(tmp_path):
    rule_file(tmp_path / "footer.toml", head='scope = "page"\nafter = "punctuation"', rules=[dict(
        id="footer", pattern="^FOOTER$", replace="", fix_in="FOOTER", fix_out="")])
    with pytest.raises(RuleError, match="before unwrap"):
        Pipeline([tmp_path])


def test_added_files_after_one_stage_run_in_the_order_loaded(tmp_path):
    for name in ("a_first", "b_second"):
        rule_file(tmp_path / f"{name}.toml", head='after = "newspaper"', rules=[dict(
            id="x", pattern="旧", replace="新", fix_in="旧", fix_out="新")])
    names = [s.name for s in Pipeline([tmp_path]).stages]
    assert names[names.index("newspaper"):names.index("newspaper") + 3] == ["newspaper", "a_first", "b_second"]


def test_no_unwrap_in_the_list_each_line_is_a_block(tmp_path):
    order(tmp_path, ["unicode", "segment"])
    pipe = Pipeline([tmp_path], default_rules=False)
    assert "unwrap" not in [s.name for s in pipe.stages]
    doc = pipe.run_text_stages("全县召开大会，部署\n  今年工作。\n\n记者 王晓明\n")
    assert [(k, t) for k, t, _f, _l in doc.blocks()] == [("p", "全县召开大会，部署"), ("p", "今年工作。"),
                                                           ("p", "记者 王晓明")]
    assert [(f, l) for _k, _t, f, l in doc.blocks()] == [(1, 1), (2, 2), (4, 4)]


def test_no_segment_in_the_list_the_page_is_one_article(tmp_path):
    shutil.copytree(default_rules_dir(), tmp_path / "rules")
    names = [s for s in Pipeline().order if s != "segment"]
    order(tmp_path / "rules", names)
    pipe = Pipeline([tmp_path / "rules"], default_rules=False)
    page = "全县大会召开\n\n记者 王晓明\n\n本报讯 全县召开大会，部署今年工作。\n\n全市大会召开\n\n记者 李华\n\n本报讯 全市召开大会。\n"
    arts, _doc = pipe.clean(page, {"path": "raw/p.txt", "stem": "p"})
    assert len(arts) == 1 and len(Pipeline().clean(page)[0]) == 2
    assert arts[0].meta["id"] == "p-01" and arts[0].meta["title"] is None
    assert "记者 王晓明" in arts[0].text and "全市大会召开" in arts[0].text
    assert arts[0].meta["source"]["lines"] == [1, 11]


def test_segment_must_come_last(tmp_path):
    order(tmp_path, ["unicode", "segment", "unwrap"])
    with pytest.raises(RuleError, match="last stage"):
        Pipeline([tmp_path], default_rules=False)


def test_no_stage_list_no_builtin_stages(tmp_path):
    rule_file(tmp_path / "local.toml", rules=[dict(id="x", pattern="旧", replace="新", fix_in="旧", fix_out="新")])
    pipe = Pipeline([tmp_path], default_rules=False)
    assert [s.name for s in pipe.stages] == ["local"]
    assert pipe.fix("旧县名,\n")[0] == "新县名,\n"


def test_rules_that_undo_each_other_name_themselves(tmp_path):
    rule_file(tmp_path / "swing.toml", rules=[
        dict(id="there", pattern="甲(?=乙)", replace="丙", fix_in="甲乙", fix_out="丙乙"),
        dict(id="back", pattern="丙(?=乙)", replace="甲", fix_in="丙乙", fix_out="甲乙")])
    pipe = Pipeline([tmp_path])
    with pytest.raises(Unsettled) as err:
        pipe.fix("这里甲乙相连。\n")
    assert err.value.rule_ids == ["swing.back", "swing.there"]
    assert "swing.toml" in str(err.value)


def test_a_rule_that_feeds_itself_is_an_error(tmp_path):
    rule_file(tmp_path / "grow.toml", rules=[
        dict(id="grow", pattern="甲(?=乙)", replace="甲甲", fix_in="甲乙", fix_out="甲甲乙")])
    with pytest.raises(Unsettled, match="grow.grow"):
        Pipeline([tmp_path]).fix("甲乙\n")


def test_an_unsettled_page_fails_alone_in_a_run(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    rule_file(rules / "swing.toml", rules=[
        dict(id="there", pattern="甲(?=乙)", replace="丙", fix_in="甲乙", fix_out="丙乙"),
        dict(id="back", pattern="丙(?=乙)", replace="甲", fix_in="丙乙", fix_out="甲乙")])
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("本报讯 这里甲乙相连。\n", encoding="utf-8")
    (raw / "b.txt").write_text("本报讯 全县召开大会。\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(tmp_path / "out"), "--rules", str(rules)])
    assert res.exit_code == 1
    assert "Traceback" not in res.output and "swing.back, swing.there" in res.output
    assert (tmp_path / "out" / "b" / "01.md").is_file() and not (tmp_path / "out" / "a").exists()


def test_gap_in_replace_is_the_marker_setting_and_rules_are_not_rewritten(tmp_path):
    rule_file(tmp_path / "local.toml", rules=[
        dict(id="km", pattern="长(?=公里)", replace="长{gap}", fix_in="长公里", fix_out="长□公里")])
    odd = Pipeline([tmp_path], settings={"gap_marker": "〓"})
    plain = Pipeline([tmp_path])
    assert odd.fix("全长公里。\n")[0] == "全长〓公里。\n"
    assert plain.fix("全长公里。\n")[0] == "全长□公里。\n"
    assert [r.replace for r in plain.rules if r.id == "local.km"] == ["长{gap}"]
    assert all(not r.check_examples() for r in odd.rules)   # examples speak of □ whatever the setting


def test_a_filled_gap_says_so_whatever_the_marker(tmp_path):
    (tmp_path / "corrections.toml").write_text('''
[[correction]]
file = "b.txt"
context = "全长〓公里"
text = "全长35公里"
''', encoding="utf-8")
    pipe = Pipeline(settings={"corrections": str(tmp_path / "corrections.toml"), "gap_marker": "〓"})
    arts, _doc = pipe.clean("本报讯 这条公路全长公里，串联全市景点。\n", {"path": "raw/b.txt"})
    assert "全长35公里" in arts[0].text
    flag = next(f for f in arts[0].meta["flags"] if f["rule"].startswith("digits."))
    assert flag["message"].startswith("filled from corrections.toml")


def test_collate_fills_gaps_written_with_another_marker(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "normalize.toml").write_text('gap_marker = "〓"\n', encoding="utf-8")
    page = "本报讯 今年以来，全县新建的农村公路全长35公里，惠及群众12万人。\n"
    (raw / "a_paper.txt").write_text(page, encoding="utf-8")
    (raw / "b_repost.txt").write_text(page.replace("35", ""), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert res.exit_code == 0, res.output
    assert "1 gaps filled" in res.output
    art = (out / "b_repost" / "01.md").read_text(encoding="utf-8")
    assert "全长35公里" in art and "〓" not in art.split("\n---\n", 1)[1]
    assert "filled from raw/a_paper.txt" in art


def test_fix_reports_unsettled_rules_without_a_traceback(tmp_path):
    rule_file(tmp_path / "swing.toml", rules=[
        dict(id="there", pattern="甲(?=乙)", replace="丙", fix_in="甲乙", fix_out="丙乙"),
        dict(id="back", pattern="丙(?=乙)", replace="甲", fix_in="丙乙", fix_out="甲乙")])
    res = CliRunner().invoke(main, ["fix", "-", "--rules", str(tmp_path)], input="这里甲乙相连。\n")
    assert res.exit_code == 2   # a rule error; an uncaught exception would be 1
    assert "swing.back, swing.there" in res.output


def test_added_files_after_each_other(tmp_path):
    rule_file(tmp_path / "a_second.toml", head='after = "b_first"', rules=[dict(
        id="x", pattern="旧", replace="新", fix_in="旧", fix_out="新")])
    rule_file(tmp_path / "b_first.toml", head='after = "lookalike"', rules=[dict(
        id="y", pattern="老", replace="新", fix_in="老", fix_out="新")])
    names = [s.name for s in Pipeline([tmp_path]).stages]
    assert names[names.index("lookalike"):names.index("lookalike") + 3] == ["lookalike", "b_first", "a_second"]
    rule_file(tmp_path / "b_first.toml", head='after = "a_second"', rules=[dict(
        id="y", pattern="老", replace="新", fix_in="老", fix_out="新")])
    with pytest.raises(RuleError, match="circle"):
        Pipeline([tmp_path])


def test_corrections_and_collate_with_the_marker_black_square(tmp_path, monkeypatch):
    """■ is also a bullet some pages use: as the gap marker it is still
    filled by corrections, by run --collate and by the collate command,
    which reads the marker from the raw folder's normalize.toml."""
    monkeypatch.chdir(tmp_path)
    raw = Path("raw")
    raw.mkdir()
    (raw / "normalize.toml").write_text('gap_marker = "■"\ncorrections = "corrections.toml"\n', encoding="utf-8")
    (raw / "corrections.toml").write_text(
        '[[correction]]\nfile = "c.txt"\ncontext = "全长■公里"\ntext = "全长35公里"\n', encoding="utf-8")
    page = "本报讯 今年以来，全县新建的农村公路全长35公里，惠及群众12万人。\n"
    (raw / "a_paper.txt").write_text(page, encoding="utf-8")
    (raw / "b_repost.txt").write_text(page.replace("35", ""), encoding="utf-8")
    (raw / "c.txt").write_text("本报讯 这条公路全长公里，串联全市景点。\n", encoding="utf-8")
    for args in (["run", "raw", "--out", "o1", "--collate"], ["run", "raw", "--out", "o2"], ["collate", "o2"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
        if args[0] == "collate" or "--collate" in args:
            assert "1 gaps filled in 1 articles" in res.output
    for out in ("o1", "o2"):
        for name in ("b_repost", "c"):
            art = Path(out, name, "01.md").read_text(encoding="utf-8")
            assert "全长35公里" in art and "■" not in art, (out, name)


def test_an_edited_corrections_file_is_read_again_in_the_same_process(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "normalize.toml").write_text('corrections = "corrections.toml"\n', encoding="utf-8")
    (raw / "b.txt").write_text("本报讯 这条公路全长公里，串联全市景点。\n", encoding="utf-8")
    out = tmp_path / "out"
    for number in ("35", "36"):
        (raw / "corrections.toml").write_text(
            f'[[correction]]\nfile = "b.txt"\ncontext = "全长□公里"\ntext = "全长{number}公里"\n', encoding="utf-8")
        res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--force", "--jobs", "1"])
        assert res.exit_code == 0, res.output
        assert f"全长{number}公里" in (out / "b" / "01.md").read_text(encoding="utf-8")


def test_an_edited_rule_file_is_read_again_in_the_same_process(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.txt").write_text("本报讯 旧县名人民政府召开大会。\n", encoding="utf-8")
    out = tmp_path / "out"
    for new in ("新县名", "另县名"):
        rule_file(rules / "local.toml", rules=[
            dict(id="county", pattern="旧县名", replace=new, fix_in="旧县名", fix_out=new)])
        res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--rules", str(rules), "--jobs", "1"])
        assert res.exit_code == 0, res.output
        assert f"{new}人民政府" in (out / "b" / "01.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("module, field", [("unwrap", "long"), ("segment", "glued_body_min"),
                                           ("structure", "byline_longest")])
def test_a_changed_heuristic_parameter_changes_the_rules_stamp(monkeypatch, module, field):
    import dataclasses
    import importlib
    mod = importlib.import_module(f"normalize.{module}")
    before = Pipeline().hash
    monkeypatch.setattr(mod, "PARAMS", dataclasses.replace(mod.PARAMS, **{field: getattr(mod.PARAMS, field) + 1}))
    assert Pipeline().hash != before


def test_a_correction_names_one_file_by_its_path_not_every_file_of_its_name(tmp_path, monkeypatch):
    """``file = "b.txt"`` beside raw/ is raw/b.txt only, not raw/s1/b.txt nor
    raw/s2/b.txt; a sub-folder's file is named by its path under the input
    folder, by the path run shows, or from a corrections file in its folder."""
    monkeypatch.chdir(tmp_path)
    page = "本报讯 这条公路全长公里，串联全市景点。\n"
    for d in ("raw", "raw/s1", "raw/s2", "raw/s3"):
        Path(d).mkdir()
        Path(d, "b.txt").write_text(page, encoding="utf-8")
    entry = '[[correction]]\nfile = "{}"\ncontext = "全长□公里"\ntext = "全长{}公里"\n'
    Path("raw/normalize.toml").write_text('corrections = "corrections.toml"\n', encoding="utf-8")
    Path("raw/corrections.toml").write_text(entry.format("b.txt", 10) + entry.format("s1/b.txt", 11)
                                            + entry.format("raw/s3/b.txt", 13), encoding="utf-8")
    Path("raw/s2/normalize.toml").write_text('corrections = "corrections.toml"\n', encoding="utf-8")
    Path("raw/s2/corrections.toml").write_text(entry.format("b.txt", 12), encoding="utf-8")
    res = CliRunner().invoke(main, ["run", "raw", "--out", "out"])
    assert res.exit_code == 0, res.output
    for art, km in (("out/b/01.md", 10), ("out/s1/b/01.md", 11), ("out/s2/b/01.md", 12), ("out/s3/b/01.md", 13)):
        text = Path(art).read_text(encoding="utf-8").split("\n---\n", 1)[1]
        assert f"全长{km}公里" in text and text.count("全长") == 1, (art, text)


def test_which_sources_a_correction_names():
    from normalize.corrections import Correction, applies
    c = Correction("b.txt", "x", "y", "", "corrections.toml", ("/", "w", "raw"))
    assert applies(c, "raw/b.txt") and applies(c, "b.txt")
    assert not applies(c, "raw/s1/b.txt") and not applies(c, "other/s1/b.txt")
    sub = Correction("b.txt", "x", "y", "", "corrections.toml", ("/", "w", "raw", "s1"))
    assert applies(sub, "raw/s1/b.txt") and not applies(sub, "raw/s2/b.txt")
    assert applies(Correction("s1/b.txt", "x", "y", "", "c", ()), "raw/s1/b.txt")
    assert not applies(Correction("s1/b.txt", "x", "y", "", "c", ()), "raw/t/s1/b.txt")


@pytest.mark.parametrize("raw, clean", [
    ("同比增长 12.5 %，增速加快。", "同比增长12.5%，增速加快。"),   # no gap before a spaced-off %
    ("气温 30 ℃，千分之 8.5 ‰。", "气温30℃，千分之8.5‰。"),
    ("比上年增长5.1%.", "比上年增长5.1%。"),
])
def test_a_number_keeps_its_symbol_and_no_gap_is_made(raw, clean):
    (art,) = clean_text(raw + "\n")
    assert art.text.strip() == clean and not art.meta["flags"]
