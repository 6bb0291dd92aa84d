"""scanplan: a pattern's matches by a cheaper route are ``finditer``'s, exactly.

Every default rule whose pattern gets a plan is run both ways on every text
the rule engine scans while the fixture pages are cleaned (and on pages made
of the rules' own examples); small patterns of both shapes are checked on
random strings, empty matches and zero-length skips among them.  Two broken
plans (the skips ignored, the conditions never checked) must be caught by
the same comparison: the check can fail.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings, strategies as hs

from normalize import rulecore, scanplan

ROOT = Path(__file__).resolve().parent.parent
PAGES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))] + \
        [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "fixtures" / "forum").glob("*.txt"))]
# rows of names and spaced sentences, a page header's date beside 第N版 and one not beside it
EXTRA = ("王小明 李小红 张大伟 刘芳\n近日 全市 召开 安全生产 工作会议\n常道恢弘 鸣神永恒\n英格兰 不列颠，苏格兰 威尔士\n"
         "本报讯 江苏省如皋市 开展 活动\n本报北京3月4日电 记者 从国家统计局获悉\n\n"
         "第04版：要闻\n2024年3月5日 星期二\n\n2024年3月5日 星期二\n他说 今年 的 工作 很多。\n\n"
         "人民日报\n\n\n2023年12月1日 星期五 第 3 版\n")
# a date with its weekday that is no page header: nothing of one within three lines
NOTICE = "会议通知\n2024年3月5日 星期二\n今天召开会议，请各位准时参加。\n请带好材料，按时到场，不得迟到。\n会场在三楼。\n"


def kind(scan) -> str:
    return scan.__qualname__.split(".")[0].lstrip("_")


def found(matches) -> list:
    return [(m.span(), m.groups(), m.groupdict()) for m in matches]


@pytest.fixture(scope="module")
def scanned(pipe):
    """(pattern, text) for every scan the rule engine makes on the pages."""
    seen: dict[str, set[str]] = {}
    plain = rulecore.finder

    def recording(pattern):
        scan = plain(pattern)

        def run(text, limit):
            seen.setdefault(pattern, set()).add(text)
            return scan(text, limit)
        return run

    examples = "\n".join(t for r in pipe.rules for t in [b for b, _a in r.fixes] + r.flags + r.keeps) + "\n"
    rulecore.finder = recording
    try:
        for page in PAGES + [EXTRA, NOTICE, examples]:
            pipe.clean(page, {"path": "page.txt", "stem": "page"})
    finally:
        rulecore.finder = plain
    return seen


def planned(pipe) -> list:
    return [(r.id, r.regex) for r in pipe.rules if kind(scanplan.plan(r.regex)) != "plain"]


def test_the_default_rules_have_both_kinds_of_plan(pipe):
    kinds = {rid: kind(scanplan.plan(p)) for rid, p in planned(pipe)}
    assert kinds.get("newspaper.han-space") == "skip_then"
    assert kinds.get("furniture.page-header-day") == "candidates"
    assert kinds.get("furniture.bare-page-number") == "line_starts"


def test_every_plan_finds_what_finditer_finds_on_the_scanned_texts(pipe, scanned):
    texts = sorted({t for ts in scanned.values() for t in ts})
    assert len(texts) > 50
    for rid, pattern in planned(pipe):
        scan = scanplan.plan(pattern)
        for text in texts:
            assert found(scan(text, 5.0)) == found(pattern.finditer(text)), (rid, text[:80])


def _ignore_skips(pattern):
    """A broken plan: the branch that only skips left out."""
    src = pattern.pattern.split("(*SKIP)(*FAIL)|", 1)[1]
    rest = regex.compile(src, pattern.flags)
    return lambda text, limit: list(rest.finditer(text))


def _unchecked(pattern):
    """A broken plan: the stripped pattern's matches taken as they are."""
    weak = None
    for b in [scanplan._branches(pattern.pattern)]:
        weak = regex.compile("|".join("".join(x for x in alt if not scanplan._zero_width(x)) for alt in b),
                             pattern.flags)
    return lambda text, limit: list(weak.finditer(text))


def test_the_comparison_catches_a_broken_plan(pipe, scanned):
    texts = sorted({t for ts in scanned.values() for t in ts})
    rules = dict(planned(pipe))
    for rid, broken in (("newspaper.han-space", _ignore_skips), ("furniture.page-header-day", _unchecked)):
        pattern = rules[rid]
        scan = broken(pattern)
        assert any(found(scan(t, 5.0)) != found(pattern.finditer(t)) for t in texts), rid


SHAPES = [
    r"^ab(*SKIP)(*FAIL)|b",
    r"^(?=a)a*(*SKIP)(*F)|a|b+",
    r"x(*SKIP)(*FAIL)|^y (*SKIP)(*FAIL)|[xy]",
    r"^(?=a)a*(*SKIP)(*FAIL)|b*",               # the rest matches empty: the plain scan answers
    r"a*(*SKIP)(*FAIL)|b",                     # a skip of nothing: the plain scan answers
    r"(?<=a\n)^b+|^(?=[^\n]*c)(?!\s)(?P<c>c)",
    r"^(?:(?<=\n\n)|(?=\S+\n\S))[ab]+",
    r"^ ?(?:(?<=^ ?(?:a|xb)[^\n]{0,3}\n(?:[^\n]{0,5}\n){0,2} ?)|(?=[^\n]{0,3}\n(?:[^\n]{0,5}\n){0,2}c))(?P<d>a+)",
    r"^(?=b\n)",                               # empty matches only
    r"(?<=\n)^c?(?=\n)",
    r"(?i)^ab(*SKIP)(*FAIL)|b",                # a global flag: the branches scanned apart keep it
    r"^(?=(?i)[^\n]*\nA)b",
    r"^a(*SKIP)(*FAIL)|^ b\n?(*SKIP)(*FAIL)|[ab]",  # skips all at line starts: searched from the newline before
    r"^(?<=\n)a+(*SKIP)(*FAIL)|a",              # a look-behind in such a skip sees the newline it followed
    r"^(?=[ab]+ [ab]+$)[^\n]*(*SKIP)(*FAIL)|(?<=[ab]) +(?=[ab])",  # han-space's shape
    r"^ *(?P<x>a+)b?$|^c",                      # line starts only, conditions none: searched from the newline before
    r"^(?<!a\n)b+",
    r"^ab+(*SKIP)(*FAIL)|x\na|b",                # a match of the rest running over a skip's start
]


@pytest.mark.parametrize("source", SHAPES)
def test_each_shape_gets_a_plan(source):
    assert kind(scanplan.plan(regex.compile(source, regex.MULTILINE))) != "plain"


@settings(max_examples=1000, deadline=None)
@given(text=hs.text(alphabet="abAB xyc\n", max_size=40), n=hs.integers(0, len(SHAPES) - 1))
def test_small_patterns_find_what_finditer_finds(text, n):
    pattern = regex.compile(SHAPES[n], regex.MULTILINE)
    assert found(scanplan.plan(pattern)(text, 5.0)) == found(pattern.finditer(text))


@pytest.mark.parametrize("source", [r"(a)(*SKIP)(*FAIL)|b", r"^(?=(a))\1", r"(?x)^(?=a\n) a", r"(?<=a\n)b",
                                    r"^foo(?r)", r"(?ri)^a(*SKIP)(*FAIL)|b"])
def test_shapes_it_does_not_reason_about_are_scanned_plainly(source):
    assert kind(scanplan.plan(regex.compile(source, regex.MULTILINE))) == "plain"


@pytest.mark.parametrize("source", [r"^a(?=b\n)?", r"^(?=[^\n]*a)a"])
def test_conditions_quantified_or_within_their_line_are_not_stripped(source):
    # only searched for from the newline before each line start, conditions and all
    assert kind(scanplan.plan(regex.compile(source, regex.MULTILINE))) == "line_starts"


@pytest.mark.parametrize("source, route", [(r"^(?:a|aa)+c(*SKIP)(*FAIL)|x", "skip_then"),
                                           (r"^(?:a|aa)+c", "line_starts")])
def test_a_plan_keeps_the_scan_s_time_limit(source, route):
    pattern = regex.compile(source, regex.MULTILINE)
    assert kind(scanplan.plan(pattern)) == route
    t = time.monotonic()
    with pytest.raises(TimeoutError):
        scanplan.plan(pattern)("x\n" + "a" * 40 + "d\n", 0.2)
    assert time.monotonic() - t < 5


@pytest.mark.parametrize("text", [" b\na", "a\n b\na b", " b\n b\na"])
def test_a_skip_at_the_line_start_where_the_last_skip_ended_is_found(text):
    # the skip, searched from the newline before a line start, must see the
    # line that starts right where the scan stands
    pattern = regex.compile(r"^a(*SKIP)(*FAIL)|^ b\n?(*SKIP)(*FAIL)|[ab]", regex.MULTILINE)
    assert found(scanplan.plan(pattern)(text, 5.0)) == found(pattern.finditer(text))


@pytest.mark.parametrize("text", ["x\nabbb", "x\nabbbx\nab", "abx\nabb"])
def test_a_skip_a_match_ran_over_is_searched_for_again_past_it(text):
    # the rest's match x\na covers the line start where the skip ^ab+ would
    # begin: the scan never stands there, so the b's after it are matches
    pattern = regex.compile(r"^ab+(*SKIP)(*FAIL)|x\na|b", regex.MULTILINE)
    assert kind(scanplan.plan(pattern)) == "skip_then"
    assert found(scanplan.plan(pattern)(text, 5.0)) == found(pattern.finditer(text))
