"""Every rule proves itself with its own examples; broken rule files stop the run."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from normalize.cli import main
from normalize.pipeline import Pipeline
from normalize.rules import RuleError, load_rule_file

ALL_RULES = Pipeline().rules + [r for name in ("copywriting",) for r in Pipeline(settings={"preset": name}).rules
                                if r.id.startswith(name)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_examples(rule):
    assert rule.check_examples() == []


def test_rules_cli_test_passes():
    res = CliRunner().invoke(main, ["rules", "--test"])
    assert res.exit_code == 0, res.output
    assert "0 example failures" in res.output


GOOD = '''description = "x"
[[rule]]
id = "a"
message = "m"
pattern = 'a'
replace = "b"
fixes = [["a", "b"]]
keeps = ["c"]
'''

BROKEN = {
    "bad-toml": ('description = "x"\n[[rule]\n', None, "bad TOML"),
    "bad-regex": (GOOD.replace("pattern = 'a'", "pattern = '(a'"), "a", "does not compile"),
    "missing-field": (GOOD.replace('message = "m"\n', ""), "a", "missing or empty 'message'"),
    "duplicate-id": (GOOD + GOOD.split('description = "x"\n')[1], "a", "duplicate id"),
    "no-keeps": (GOOD.replace('keeps = ["c"]\n', ""), "a", "needs examples"),
    "bad-kind": (GOOD.replace('fixes =', 'in = ["para"]\nfixes ='), "a", "unknown block kind"),
    "stray-group": (GOOD.replace("pattern = 'a'", "pattern = '(?P<forum_autor>a)'"), "a", "forum_autor"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_rule_file_names_file_rule_and_problem(tmp_path, name):
    text, rid, problem = BROKEN[name]
    f = tmp_path / "mine.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_rule_file(f)
    msg = str(exc.value)
    assert str(f) in msg and problem in msg
    if rid:
        assert f"rule {rid}" in msg


def test_broken_rule_file_stops_run_before_any_output(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(BROKEN["bad-regex"][0], encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("本报讯 今天天气很好。\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--rules", str(rules)])
    assert res.exit_code == 2
    assert "mine.toml" in res.output and "rule a" in res.output and "does not compile" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


def test_added_rule_replaces_default_with_same_id(tmp_path):
    (tmp_path / "punctuation.toml").write_text('''description = "local"
[[rule]]
id = "comma"
message = "keep half-width commas"
pattern = 'NEVER-MATCHES'
replace = ","
fixes = [["NEVER-MATCHES", ","]]
keeps = ["近年来,镇赉县"]
''', encoding="utf-8")
    pipe = Pipeline([tmp_path])
    assert [r.message for r in pipe.rules if r.id == "punctuation.comma"] == ["keep half-width commas"]
    assert "近年来,镇赉县" in pipe.fix("近年来,镇赉县立足县域实际。\n")[0]


def test_added_rule_file_runs_as_its_own_stage(tmp_path):
    (tmp_path / "local.toml").write_text('''description = "an archive's own fix"
after = "newspaper"
[[rule]]
id = "county"
message = "old county name"
pattern = '旧县名'
replace = "新县名"
fixes = [["旧县名", "新县名"]]
keeps = ["县名"]
''', encoding="utf-8")
    pipe = Pipeline([tmp_path])
    names = [s.name for s in pipe.stages]
    assert names.index("local") == names.index("newspaper") + 1
    assert pipe.fix("旧县名召开会议。\n")[0] == "新县名召开会议。\n"


def test_no_default_rules_starts_from_nothing():
    pipe = Pipeline(default_rules=False)
    assert pipe.rules == []
    assert pipe.fix("近年来,镇赉县\n")[0] == "近年来,镇赉县\n"


def test_a_rule_matching_its_own_output_fails_its_example_not_the_program(tmp_path):
    """(?<=\\d)万 -> 万元 matches what it wrote: a FAIL line naming the
    rule, no traceback; the page it would run on fails, the batch goes on."""
    (tmp_path / "local.toml").write_text(GOOD.replace("pattern = 'a'", "pattern = '(?<=\\d)万'")
                                         .replace('replace = "b"', 'replace = "万元"')
                                         .replace('fixes = [["a", "b"]]', 'fixes = [["投资5万", "投资5万元"]]'),
                                         encoding="utf-8")
    res = CliRunner().invoke(main, ["rules", "--test", "--rules", str(tmp_path)])
    assert res.exit_code == 1 and (res.exception is None or isinstance(res.exception, SystemExit)), res.output
    assert f"FAIL {tmp_path / 'local.toml'} [rule a]: fix '投资5万': no fixed point" in res.output
    assert "local.a" in res.output


def test_a_rule_file_with_an_upper_case_suffix_is_read(tmp_path):
    """``Local.TOML`` (saved so on Windows) is a rule file like ``local.toml``:
    skipped, its rules would silently not run."""
    (tmp_path / "Local.TOML").write_text(GOOD, encoding="utf-8")
    pipe = Pipeline([tmp_path])
    assert "Local.a" in [r.id for r in pipe.rules]


def test_an_upper_case_pipeline_toml_gives_the_stage_order(tmp_path):
    (tmp_path / "local.toml").write_text(GOOD, encoding="utf-8")  # a -> b
    (tmp_path / "other.toml").write_text(GOOD.replace('"a"', '"o"').replace("'a'", "'b'")
                                         .replace('replace = "b"', 'replace = "c"')
                                         .replace('[["a", "b"]]', '[["b", "c"]]'), encoding="utf-8")  # b -> c
    (tmp_path / "PIPELINE.TOML").write_text('stages = ["other", "local"]\n', encoding="utf-8")
    pipe = Pipeline([tmp_path], default_rules=False)
    assert [s.name for s in pipe.stages] == ["other", "local"]
    assert pipe.fix("a\n")[0] == "b\n"


def test_the_name_rows_of_han_space_start_as_structures_names_do():
    """newspaper.han-space spells the characters a name starts with out in
    its pattern (a rule file holds no code); they are structure's list."""
    import regex

    from normalize import structure
    from normalize.pipeline import default_rules_dir
    rule = next(r for r in load_rule_file(default_rules_dir() / "newspaper.toml").rules if r.id.endswith("han-space"))
    classes = {frozenset(c) for c in regex.findall(r"\[([^\]\\^]{100,})\]", rule.pattern)}
    assert classes == {frozenset(structure._NAME_FIRST)}
