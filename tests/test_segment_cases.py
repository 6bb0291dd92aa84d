"""The case table ``tests/cases/segment.toml``: small raw pages and the
articles they must give.  A known failure is an xfail that must fail (strict):
when the code starts passing it, the test fails until the list is updated."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from normalize import clean_text

TABLE = tomllib.loads((Path(__file__).parent / "cases" / "segment.toml").read_text(encoding="utf-8"))
KNOWN = set(TABLE["known_failures"])


def _params():
    out = []
    for case in TABLE["case"]:
        marks = [pytest.mark.xfail(strict=True, reason="known failure")] if case["id"] in KNOWN else []
        out.append(pytest.param(case, id=case["id"], marks=marks))
    return out


def _body_start(article) -> str:
    for kind, text in article.blocks:
        return ("## " + text) if kind == "h" else text
    return ""


def article_end(article) -> str:
    return article.blocks[-1][1] if article.blocks else ""


def test_known_failures_are_cases():
    assert KNOWN <= {c["id"] for c in TABLE["case"]}


@pytest.mark.parametrize("case", _params())
def test_case(case):
    arts = clean_text(case["raw"].lstrip("\n"))
    want = case["article"]
    assert len(arts) == len(want), [a.title for a in arts]
    for got, exp in zip(arts, want):
        for key in ("title", "kicker", "subtitle", "date", "dateline"):
            if key in exp:
                assert got.meta[key] == exp[key], key
        if exp.get("untitled"):
            assert got.title is None
        if "authors" in exp:
            assert [p["name"] for p in got.meta["authors"] or []] == exp["authors"]
        if "first" in exp:
            assert _body_start(got).startswith(exp["first"])
        if "last" in exp:
            assert article_end(got).endswith(exp["last"])
        if "paragraphs" in exp:
            assert len(got.blocks) == len(exp["paragraphs"]), got.blocks
            for (_kind, text), start in zip(got.blocks, exp["paragraphs"]):
                assert text.startswith(start)
