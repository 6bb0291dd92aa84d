"""Case tables: small raw pages and what a stage must make of them.

Why tables: one case per heuristic, each small enough to read at a glance,
so that breaking a heuristic breaks a named case (scripts/mutate.py checks
that it does).  The format is in tests/cases/README.md.  A table's
``known_failures`` lists cases the code gets wrong today; such a case must
still fail, so the list cannot go stale when the code improves.
"""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from normalize.pipeline import Pipeline, default_rules_dir

CASES = Path(__file__).parent / "cases"
TABLES = {p.stem: t for p in sorted(CASES.glob("*.toml"))
          if "stages" in (t := tomllib.loads(p.read_text(encoding="utf-8")))}  # segment.toml: test_segment_cases.py
_PIPES: dict[tuple[str, ...], Pipeline] = {}


def pipeline(stages: list[str], tmp: Path) -> Pipeline:
    """A pipeline running exactly ``stages`` (pipeline.toml names), the
    default rule files they name and no other."""
    key = tuple(stages)
    if key not in _PIPES:
        folder = tmp / ("stages-" + str(len(_PIPES)))
        folder.mkdir()
        names = [s.replace("{preset}", "newspaper") for s in stages]
        for name in names:
            src = default_rules_dir() / f"{name}.toml"
            if src.is_file():
                shutil.copy(src, folder / src.name)
        (folder / "pipeline.toml").write_text(
            'description = "case table"\nstages = [' + ", ".join(f'"{n}"' for n in names) + "]\n", encoding="utf-8")
        _PIPES[key] = Pipeline([folder], default_rules=False)
    return _PIPES[key]


def outcome(pipe: Pipeline, case: dict):
    """What the case's expectation speaks of: blocks, or articles."""
    if "blocks" in case:
        doc = pipe.run_text_stages(case["raw"])
        return [[k, t] for k, t, _f, _l in doc.blocks()]
    arts, _doc = pipe.clean(case["raw"], {"path": "raw/case.txt", "stem": "case"})
    got = []
    for art, want in zip(arts, case["articles"] + [{}] * len(arts)):
        row = {}
        for key in want or ("title",):
            if key == "body":
                row[key] = [[k, t] for k, t in art.blocks]
            elif key in ("authors", "editors"):
                row[key] = [p["name"] for p in art.meta[key] or []]
            else:
                row[key] = art.meta[key]
        got.append(row)
    return got


def expected(case: dict):
    return case["blocks"] if "blocks" in case else case["articles"]


def _params():
    for name, table in TABLES.items():
        for case in table["case"]:
            yield pytest.param(name, case, id=f"{name}:{case['id']}")


@pytest.mark.parametrize("table", TABLES)
def test_table_is_well_formed(table):
    data = TABLES[table]
    assert isinstance(data.get("stages"), list) and data["stages"], "a table names the stages it runs"
    ids = [c["id"] for c in data["case"]]
    assert len(ids) == len(set(ids)), "case ids are unique"
    assert set(data.get("known_failures", [])) <= set(ids), "known_failures names cases of this table"
    for c in data["case"]:
        assert c.get("heuristic") and c.get("raw"), f"{c['id']}: says which heuristic, gives a raw page"
        assert ("blocks" in c) != ("articles" in c), f"{c['id']}: expects blocks or articles"


@pytest.mark.parametrize("table,case", list(_params()))
def test_case(table, case, tmp_path_factory):
    data = TABLES[table]
    pipe = pipeline(data["stages"], tmp_path_factory.getbasetemp())
    got, want = outcome(pipe, case), expected(case)
    if case["id"] in data.get("known_failures", []):
        assert got != want, f"{case['id']} passes now: take it off known_failures"
    else:
        assert got == want, f"{case['heuristic']}"


def test_article_expectations_compare_what_they_name(tmp_path):
    """The runner's reading of an ``articles`` expectation (for segment tables)."""
    pipe = pipeline(["unwrap", "segment"], tmp_path)
    raw = "全县大会召开\n\n记者 王晓明\n\n本报讯 全县召开大会。\n\n全市大会召开\n\n记者 李华\n\n本报讯 全市召开大会。\n"
    want = [{"title": "全县大会召开", "authors": ["王晓明"]}, {"title": "全市大会召开", "body": [["p", "本报讯 全市召开大会。"]]}]
    assert outcome(pipe, {"raw": raw, "articles": want}) == want
    assert outcome(pipe, {"raw": raw, "articles": want[:1]}) != want[:1]   # an article more than expected
