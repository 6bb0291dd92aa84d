"""The prefilter may skip a text only when the pattern cannot match it."""
from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings, strategies as hs

from normalize.pipeline import Pipeline
from normalize.prefilter import required_strings

RULES = Pipeline().rules + [r for r in Pipeline(settings={"preset": "copywriting"}).rules
                            if r.id.startswith("copywriting")]


@pytest.mark.parametrize("pattern, strings", [
    (r"^[^\S\n]*(?:立即注册|注册|登录)[^\S\n]*$", ("注册", "登录")),   # a longer one holding a shorter goes
    (r"本帖最后由[^\n]{1,60}编辑", ("本帖最后由",)),                   # the longest literal run wins
    (r"(?<=\p{Han})[^\S\n]+(?=[，。])", ("。", "，")),                 # look-ahead text is in the text
    (r"a\Kb", ("ab",)),                                                 # \K resets the match, not the text
    (r"(?:x|\d)y", ("y",)),
    (r"[ab]{2,}c?", ("a", "b")),
    (r"(a)\1", ("a",)),                                                # what the group holds
])
def test_strings_read_off_the_pattern(pattern, strings):
    assert required_strings(pattern) == strings


@pytest.mark.parametrize("pattern", [
    r"(?i)注册",             # case-insensitive: literals do not hold
    r"(?i:TOP)",
    r"(?x) 注 册  # a comment",  # verbose: a comment may look like a class
    r"(?<!x)y?",             # nothing needed
    r"注册{e<=1}",           # regex's fuzzy matching: the standard parser would misread it
    r"[[:alpha:]]x",         # POSIX class
    r"[[a-z]--[aeiou]]",     # nested set
    r"(?V1)ab",
    r"\p{Han}+",             # too many characters
    r"(?|a|b)",              # branch reset: not the standard syntax
])
def test_unknown_or_weak_patterns_always_scan(pattern):
    assert required_strings(pattern) is None


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_example_that_matches_passes_the_prefilter(rule):
    for text in [b for b, _ in rule.fixes] + rule.flags + rule.keeps:
        if rule.regex.search(text):
            assert rule.may_match(text), text


ALPHABET = sorted({c for r in RULES for s in (r.needs or ()) for c in s}
                  | set("注册登录记者本报讯 \n，。、“”\"'(),:;?!-0123456789年个第《》#>王晓明"))


@settings(max_examples=300, deadline=None)
@given(hs.text(alphabet=ALPHABET, max_size=60))
def test_no_rule_is_skipped_on_a_text_it_matches(text):
    for rule in RULES:
        if rule.regex.search(text):
            assert rule.may_match(text), (rule.id, text)


def test_a_page_without_forum_chrome_skips_forum_rules():
    page = "本报讯 今年以来，全县新建农村公路。\n"
    skipped = {r.id for r in RULES if not r.may_match(page)}
    assert {"forum.login", "forum.buttons", "forum.attachment", "furniture.page-editors"} <= skipped
    assert all(not regex.search(r.regex, page) for r in RULES if r.id in skipped)
