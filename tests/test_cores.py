"""The three cores (linecore: unwrap's per-line work; rulecore: a rule set
applied to a text; gapcore: the gaps stage's per-unit scores) against their
pure-Python reference.

Every implementation registered in ``IMPLEMENTATIONS`` gets the inputs the
reference got while the pipeline cleaned a page, and must return what the
reference returned (or fail the same way).  Pages are the repo's fixtures:
slices of the sample scans and forum pages, and column pages set from the
fixture paragraphs, drawn at random.  A mutant of the reference (one
threshold moved, the address protection dropped) must be caught by the same
comparison: the check can fail (for gapcore: a cutoff moved, the chains or
the word list dropped).  The unwrap case table's pages are replayed
too: each shows one heuristic, so every feature and mark bit is met.  The contracts' invariants are checked on
every implementation too.
"""
from __future__ import annotations

import copy
import json
import random
import tomllib
from array import array
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as hs

from damage import set_column
from normalize import gapcore, gaps as gaps_module, linecore, rulecore, rules as rules_module, unwrap as unwrap_module

ROOT = Path(__file__).resolve().parent.parent
PAGES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))] + \
        [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "fixtures" / "forum").glob("*.txt"))]
# addresses and code spans among the text the protected rules edit (spaces, commas, colons)
ADDRESSES = ("据介绍,详情见 http://www.example.cn/a,b:c;d?e!f 网站 。\n"
             "联系邮箱 wang.li@example.com ,或访问 www.example.org/x(1) 。\n"
             "代码 `a, b; c` 中国 `x : y` 文字。\n")
# a headline broken after its dash (no fixture page has one)
DASHES = "春天的故事——\n记一位乡村教师\n本报记者 王晓明\n她在山里教了三十年书，学生遍布全国各地。\n"
# a page of speech (the gaps stage reads it as such: 一 left out, words read as one)
SPEECH = ("他昨天发了条微博，说这是个好办法吧？\n\n你也加个好友呗，反正不要钱嘛。\n\n"
          "高个子的人穿什么都好看啊，身材线条好呀。\n\n实施产业帮扶项目个吧，覆盖全县呢。\n")
# the unwrap case table's raw pages: one heuristic each (HTML blocks, empty form fields, opening titles …)
CASE_PAGES = [c["raw"] for c in tomllib.loads((ROOT / "tests" / "cases" / "unwrap.toml").read_text(encoding="utf-8"))["case"]]
PARAGRAPHS = json.loads((ROOT / "tests" / "fixtures" / "paragraphs.json").read_text(encoding="utf-8"))
LINE_IMPLS = sorted(linecore.IMPLEMENTATIONS)
RULE_IMPLS = sorted(rulecore.IMPLEMENTATIONS)
GAP_IMPLS = sorted(gapcore.IMPLEMENTATIONS)


@contextmanager
def recording():
    """Every call the pipeline makes to the cores while cleaning, with a copy
    of its inputs (taken before the call) and the reference's answer."""
    calls = {"features": [], "decide": [], "rules": [], "gaps": []}
    ref_features, ref_decide = linecore.IMPLEMENTATIONS["python"]
    ref_rules = rulecore.IMPLEMENTATIONS["python"]
    ref_gaps = gapcore.IMPLEMENTATIONS["python"]

    def features(*args):
        snap = copy.deepcopy(args)
        out = ref_features(*args)
        calls["features"].append((snap, out))
        return out

    def decide(*args):
        snap = copy.deepcopy(args)
        out = ref_decide(*args)
        calls["decide"].append((snap, out))
        return out

    def apply(*args):
        snap = tuple(a if isinstance(a, (str, bytes, type(None))) else copy.copy(a) for a in args)
        try:
            out = ref_rules(*args)
        except (rulecore.PatternTimeout, rulecore.NoFixedPoint) as exc:
            calls["rules"].append((snap, exc))
            raise
        calls["rules"].append((snap, out))
        return out

    def score(text, spans, tables, colloquial):
        snap = (text, array("i", spans), tables, colloquial)  # the tables: the model's, never altered
        out = ref_gaps(text, spans, tables, colloquial)
        calls["gaps"].append((snap, out))
        return out

    saved = unwrap_module.FEATURES, unwrap_module.DECIDE, rules_module.APPLY, gaps_module.SCORE_UNITS
    unwrap_module.FEATURES, unwrap_module.DECIDE, rules_module.APPLY, gaps_module.SCORE_UNITS = \
        features, decide, apply, score
    try:
        yield calls
    finally:
        unwrap_module.FEATURES, unwrap_module.DECIDE, rules_module.APPLY, gaps_module.SCORE_UNITS = saved


def calls_of(pipe, text: str) -> dict:
    with recording() as calls:
        pipe.clean(text, {"path": "page.txt", "stem": "page"})
    return calls


def column_page(rnd: random.Random) -> str:
    """A headline, a byline and a few fixture paragraphs set in a column."""
    cells = rnd.randint(10, 20)
    paras = rnd.sample(PARAGRAPHS, rnd.randint(1, min(4, len(PARAGRAPHS))))
    lines = [rnd.choice(["春耕时节农技服务到田间", "## 小标题", "▲ 图为农民在田间劳作"]), "本报记者 王晓明"]
    for p in paras:
        lines += set_column(p, cells)
        if rnd.random() < 0.3:
            lines.append("")
    return "\n".join(lines) + "\n"


def page_slice(rnd: random.Random) -> str:
    lines = rnd.choice(PAGES).split("\n")
    a = rnd.randrange(len(lines))
    return "\n".join(lines[a:a + rnd.randint(1, 150)]) + "\n"


def same(impl_out, ref_out) -> bool:
    if isinstance(ref_out, Exception):
        return type(impl_out) is type(ref_out) and vars(impl_out) == vars(ref_out)
    return impl_out == ref_out


def differences(calls: dict, features, decide, apply) -> list[str]:
    """Where an implementation's answers differ from the reference's."""
    out = []
    for args, ref in calls["features"]:
        if not same(features(*copy.deepcopy(args)), ref):
            out.append(f"line_features on {len(args[0])} lines")
    for args, ref in calls["decide"]:
        if not same(decide(*copy.deepcopy(args)), ref):
            out.append(f"decide_joins on {len(args[0])} lines")
    for args, ref in calls["rules"]:
        try:
            got = apply(*args)
        except (rulecore.PatternTimeout, rulecore.NoFixedPoint) as exc:
            got = exc
        if not same(got, ref):
            out.append(f"apply_rule_set with {len(args[3])} rules")
    return out


def gap_differences(calls: dict, score) -> list[str]:
    """Where a gapcore implementation's answers differ from the reference's."""
    return [f"score_units on {len(args[1]) // 2} units" for args, ref in calls["gaps"]
            if score(args[0], array("i", args[1]), *args[2:]) != ref]


def impls(line_name: str, rule_name: str):
    return (*linecore.IMPLEMENTATIONS[line_name], rulecore.IMPLEMENTATIONS[rule_name])


@pytest.fixture(scope="module")
def fixture_calls(pipe):
    return [calls_of(pipe, page) for page in PAGES + [ADDRESSES, DASHES, SPEECH] + CASE_PAGES] + \
           [calls_of(pipe, column_page(random.Random(seed))) for seed in range(6)]


@pytest.mark.parametrize("line_impl", LINE_IMPLS)
@pytest.mark.parametrize("rule_impl", RULE_IMPLS)
def test_every_implementation_answers_as_the_reference_on_the_fixture_pages(fixture_calls, line_impl, rule_impl):
    assert sum(len(c["decide"]) for c in fixture_calls) >= len(PAGES)
    assert sum(len(c["rules"]) for c in fixture_calls) > 10 * len(PAGES)
    for calls in fixture_calls:
        assert differences(calls, *impls(line_impl, rule_impl)) == []


@pytest.mark.parametrize("gap_impl", GAP_IMPLS)
def test_every_gap_implementation_answers_as_the_reference_on_the_fixture_pages(fixture_calls, gap_impl):
    gap_calls = [c for calls in fixture_calls for c in calls["gaps"]]
    # pages of both kinds, and units that pass: the comparison meets every branch's answer
    assert {args[3] for args, _ref in gap_calls} == {True, False}
    assert sum(len(ref[0]) for _args, ref in gap_calls) >= 17  # sample 002's gaps at least
    for calls in fixture_calls:
        assert gap_differences(calls, gapcore.IMPLEMENTATIONS[gap_impl]) == []


@pytest.mark.parametrize("line_impl", LINE_IMPLS)
@pytest.mark.parametrize("rule_impl", RULE_IMPLS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(seed=hs.integers(0, 2 ** 32 - 1), column=hs.booleans())
def test_every_implementation_answers_as_the_reference_on_random_pages(pipe, line_impl, rule_impl, seed, column):
    rnd = random.Random(seed)
    page = column_page(rnd) if column else page_slice(rnd)
    if rnd.random() < 0.2:
        page += ADDRESSES
    calls = calls_of(pipe, page)
    assert differences(calls, *impls(line_impl, rule_impl)) == []
    for name in GAP_IMPLS:
        assert gap_differences(calls, gapcore.IMPLEMENTATIONS[name]) == []


LINE_BITS = ("ENDED", "SOFT", "HEADLINE", "DATELINE", "WORDS", "PAREN", "INNER_STOP", "DATELINE_TAIL",
             "DASH_START", "DASHES_START", "DASHES_END", "HANGS", "COLON_END", "HTML_BLOCK", "FIELDS",
             "EDITORS_NOTE", "SPREAD", "GOES_ON", "NO_JOIN", "BLANK_BREAK")


def test_the_fixture_pages_meet_every_line_bit(fixture_calls):
    """A core that drops or misreads a feature or mark bit is compared on a
    line that has it."""
    seen = 0
    for calls in fixture_calls:
        for (_texts, _widths, bits, *_rest), _ref in calls["decide"]:
            for b in bits:
                seen |= b
    assert [n for n in LINE_BITS if not seen & getattr(linecore, n)] == []


def test_the_comparison_catches_a_moved_threshold_and_dropped_protection(fixture_calls):
    features, decide = linecore.IMPLEMENTATIONS["python"]
    apply = rulecore.IMPLEMENTATIONS["python"]

    def decide_indent_3(texts, widths, bits, balance, kinds, params):
        p = linecore.UnwrapParams(*params)
        return decide(texts, widths, bits, balance, kinds, p.__class__(**{**_fields(p), "indent_slack": 3}))

    def apply_unprotected(text, origin, kinds, rules, params):
        return apply(text, origin, kinds, [r._replace(protect=False) for r in rules], params)

    def features_no_soft(texts, params):
        widths, bits, balance = features(texts, params)
        return widths, array("I", (b & ~linecore.SOFT for b in bits)), balance

    found = [differences(c, features, decide_indent_3, apply) for c in fixture_calls]
    assert any(found)
    found = [differences(c, features, decide, apply_unprotected) for c in fixture_calls]
    assert any(d for d in found)
    found = [differences(c, features_no_soft, decide, apply) for c in fixture_calls]
    assert any(found)


def test_the_gap_comparison_catches_a_moved_cutoff_and_dropped_tables(fixture_calls):
    score = gapcore.IMPLEMENTATIONS["python"]

    def mutant(**change):
        def run(text, spans, tables, colloquial):
            return score(text, spans, tables._replace(**{k: f(getattr(tables, k)) for k, f in change.items()}),
                         colloquial)
        return run

    for m in (mutant(cutoffs=lambda c: {u: v - 0.5 for u, v in c.items()}),
              mutant(chains=lambda _c: frozenset()), mutant(words=lambda _w: frozenset()),
              mutant(spoken=lambda _s: {})):
        assert any(gap_differences(c, m) for c in fixture_calls)


@pytest.mark.parametrize("gap_impl", GAP_IMPLS)
def test_the_stage_scan_leaves_out_only_units_the_core_drops(fixture_calls, gap_impl):
    """The stage hands the core the spans of ``core_scan``, which skips a
    unit after a character that alone drops it; every span of the full scan
    gives the same answer, and the full scan's extra spans are met."""
    score = gapcore.IMPLEMENTATIONS[gap_impl]
    scan = gaps_module.model().scan
    extra = 0
    for calls in fixture_calls:
        for (text, spans, tables, colloquial), ref in calls["gaps"]:
            full = array("i", [k for m in scan.finditer(text) for k in m.span()])
            extra += len(full) - len(spans)
            assert score(text, full, tables, colloquial) == ref
    assert extra > 0


def test_the_stage_scan_finds_what_its_plain_form_finds(fixture_calls):
    """``core_scan`` looks behind a unit after matching it (a speed-up): its
    spans are those of the plain form, the lookbehind first, on every
    fixture page and where the lookbehind meets a page's start or a unit of
    two characters."""
    import regex
    gm = gaps_module.model()
    drops = "".join(sorted(gapcore.LEFT_DROPS | {gapcore.GAP}))
    plain = regex.compile(f"(?<![0-9{regex.escape(drops)}])" + gm.pattern.pattern)
    assert gm.core_scan is not gm.scan  # (the model's units allow the narrow scan)
    two = next(u for u in gm.units if len(u) == 2)
    texts = [text for calls in fixture_calls for (text, *_), _ in calls["gaps"]]
    texts += ["个人", f"{two}米", f"3{two}", f"万{two}", f"\n{two}", "一个", "□个", "a个", "\n个", "x" + two[0] + two]
    found = 0
    for text in texts:
        spans = [m.span() for m in gm.core_scan.finditer(text)]
        assert spans == [m.span() for m in plain.finditer(text)], text
        found += len(spans)
    assert found > 100


@pytest.mark.parametrize("gap_impl", GAP_IMPLS)
def test_score_units_keeps_its_invariants(fixture_calls, gap_impl):
    score = gapcore.IMPLEMENTATIONS[gap_impl]
    for calls in fixture_calls:
        for (text, spans, tables, colloquial), _ref in calls["gaps"]:
            given_spans = array("i", spans)
            offsets, units, scores = score(text, given_spans, tables, colloquial)
            assert given_spans == spans  # input untouched
            assert len(offsets) == len(units) == len(scores)
            assert list(offsets) == sorted(set(offsets))
            starts = dict(zip(spans[0::2], spans[1::2]))
            for i, u, sc in zip(offsets, units, scores):
                assert text[i:starts[i]] == u and sc > tables.cutoffs[u]
                assert i == 0 or text[i - 1] not in gapcore.LEFT_DROPS


def _fields(p) -> dict:
    return {f: getattr(p, f) for f in p.__dataclass_fields__}


@pytest.mark.parametrize("line_impl", LINE_IMPLS)
def test_decide_joins_keeps_its_invariants(fixture_calls, line_impl):
    _features, decide = linecore.IMPLEMENTATIONS[line_impl]
    seen_goes_on = seen_no_join = 0
    for calls in fixture_calls:
        for args, _ref in calls["decide"]:
            texts, widths, bits, balance, kinds_in, params = copy.deepcopy(args)
            kinds, joins = decide(texts, widths, bits, balance, kinds_in, params)
            assert (texts, widths, bits, balance, kinds_in) == args[:5]  # inputs untouched
            assert len(kinds) == len(texts) and len(joins) == max(0, len(texts) - 1)
            assert set(joins) <= {0, 1}
            for i, (a, b) in enumerate(zip(kinds_in, kinds)):
                assert a == b or a == linecore.TEXT, (i, a, b)
            for i, j in enumerate(joins):
                if bits[i] & linecore.NO_JOIN:
                    seen_no_join += 1
                    assert j == 0
                elif bits[i] & linecore.GOES_ON:
                    seen_goes_on += 1
                    assert j == 1
                elif j:
                    assert kinds[i + 1] in (linecore.TEXT, linecore.CAPTION) or kinds[i] == linecore.TITLE \
                        or kinds[i] == kinds[i + 1] == linecore.H, i
    assert seen_no_join  # the forum fixtures' post headers


@pytest.mark.parametrize("rule_impl", RULE_IMPLS)
def test_apply_rule_set_keeps_its_invariants(fixture_calls, rule_impl):
    apply = rulecore.IMPLEMENTATIONS[rule_impl]
    changed = 0
    for calls in fixture_calls:
        for args, ref in calls["rules"]:
            if isinstance(ref, Exception):
                continue
            text, origin, kinds, rules, params = args
            res = apply(text, array("i", origin), kinds, rules, params)
            assert len(res.origin) == len(res.text)
            assert len({len(c) for c in (res.change_rule, res.change_line, res.change_before, res.change_after)}) == 1
            assert len({len(c) for c in (res.flag_rule, res.flag_line, res.flag_text)}) == 1
            assert all(0 <= n < len(rules) for n in res.change_rule + res.flag_rule + res.note_rule)
            assert all(rules[n].replacement is not None for n in res.change_rule)
            if not len(res.change_rule):
                assert res.text == text and res.origin == origin
            else:
                changed += 1
                assert res.text != text or len(res.change_rule) >= 2  # edits that undo each other aside
            # every raw line the text holds was a raw line of the input
            assert set(res.origin) <= set(origin) | {1}
    assert changed


def test_a_rule_that_never_settles_is_named_by_the_core():
    rule = rulecore.CoreRule(pattern="甲(?=乙)", replacement="甲甲", literal=True, flag=False, kinds=0,
                             protect=False, notes=(), needs=None)
    params = (5.0, 5.0, 4, 8)
    for name, apply in rulecore.IMPLEMENTATIONS.items():
        with pytest.raises(rulecore.NoFixedPoint) as err:
            apply("甲乙\n", array("i", [1, 1, 1]), None, [rule], params)
        assert (err.value.level, err.value.rules) == ("rule", [0]), name
