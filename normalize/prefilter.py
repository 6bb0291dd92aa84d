"""What text a rule's pattern cannot match without: a cheap test before the scan.

Why: most rules match on few pages (forum chrome on forum scrapes, page
furniture on PDF pages), yet a regex scan of a page costs about as much
whether it finds something or not.  If every match of a pattern needs one of
a few literal strings somewhere in the text (``注册`` or ``登录`` for the
login bar), a page holding none of them is skipped with a handful of
substring tests, which run many times faster than the scan.  Archivists add
rules without saying anything of this: the strings are read off the pattern.

The analysis must be *sound*: when it returns strings, a text without any of
them has no match.  So it answers ``None`` (always scan) for anything it does
not fully understand: a syntax of the regex module that the standard
library's parser reads differently, case-insensitive matching, large
character classes, negative look-arounds.  Positive look-arounds count: what
they look at is in the text too.
"""
from __future__ import annotations

import regex

try:  # the standard library's regex parser: private, so every failure means "no prefilter"
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - other Pythons
    sre_parse = sre_c = None

MAX_STRINGS = 32
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())  # \s (a superset of it)
_SPACE = {"CATEGORY_SPACE", "CATEGORY_UNI_SPACE"}
_NOT_SPACE = {"CATEGORY_NOT_SPACE", "CATEGORY_UNI_NOT_SPACE"}
# \p{..}, \P{..}, \pL: any of a large set, for the standard parser a "match anything" class
_PROPERTY = regex.compile(r"\\[pP](?:\{[^}]*\}|\w)")
# a '{' that does not start a counted repeat (regex's fuzzy matching '{e<=1}')
_ODD_BRACE = regex.compile(r"(?<!\\)(?:\\\\)*\{(?!\d*,?\d*\})")
_POSIX = regex.compile(r"\[:\^?[a-z]+:\]")  # [[:alpha:]]


class _Unknown(Exception):
    """A construct the analysis does not handle: no prefilter."""


def required_strings(pattern: str) -> tuple[str, ...] | None:
    """Strings at least one of which any text matched by ``pattern`` contains,
    or None when no such short list can be proven."""
    if sre_parse is None:
        return None
    try:
        source = _for_stdlib(pattern)
        tree = sre_parse.parse(source)
        # ignore case: literals do not hold; verbose: comments may hold brackets
        # that the rewriting above took for a class
        if tree.state.flags & (sre_c.SRE_FLAG_IGNORECASE | sre_c.SRE_FLAG_VERBOSE):
            return None
        found = _seq(list(tree))
    except Exception:  # noqa: BLE001 - any parser or analysis failure: scan always
        return None
    if not found:
        return None
    return tuple(sorted(_minimal(found)))


def _for_stdlib(pattern: str) -> str:
    """Rewrite the regex-module spellings that have no standard equivalent
    into ones that are weaker (match more), never stronger."""
    if _ODD_BRACE.search(_PROPERTY.sub("", pattern)) or _POSIX.search(pattern) or "(?V" in pattern:
        raise _Unknown(pattern)
    out, i, n = [], 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            m = _PROPERTY.match(pattern, i)
            if m:
                out.append(r"[\s\S]")
                i = m.end()
            elif pattern[i + 1] in "KG":  # match-start reset and search anchor: no text needed
                i += 2
            else:
                out.append(pattern[i:i + 2])
                i += 2
        elif ch == "[":
            j = class_end(pattern, i)
            if j is None:
                raise _Unknown(pattern)
            cls = pattern[i:j]
            out.append(r"[\s\S]" if _PROPERTY.search(cls) else cls)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def class_end(pattern: str, i: int) -> int | None:
    """Index just past the character class that opens at ``i``, or None
    where it cannot be read (a nested set, the regex module's syntax, or no
    end): the caller then gives up on the pattern.  Shared with scanplan."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
            continue
        if pattern[j] == "[":  # a nested set
            return None
        if pattern[j] == "]":
            return j + 1
        j += 1
    return None


def _minimal(strings: set[str]) -> set[str]:
    """Drop strings that contain another one: finding the shorter suffices."""
    return {s for s in strings if not any(t != s and t in s for t in strings)}


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more telling of two requirements: longer strings, then fewer."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b, key=lambda s: (-min(map(len, s)), len(s), sorted(s)))


def _seq(items: list) -> set[str] | None:
    """Requirement of a sequence: every element must match, so the best
    single element's requirement holds; runs of literals make one string."""
    best, run = None, []
    for op, arg in items + [(None, None)]:
        if op is sre_c.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            best = _better(best, {"".join(run)})
            run = []
        if op is not None:
            best = _better(best, _item(op, arg))
    return best


def _item(op, arg) -> set[str] | None:
    name = str(op)
    if name == "IN":
        return _chars(arg)
    if name == "BRANCH":
        out: set[str] = set()
        for branch in arg[1]:
            got = _seq(list(branch))
            if got is None:
                return None
            out |= got
        out = _minimal(out)
        return out if len(out) <= MAX_STRINGS else None
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, body = arg
        return _seq(list(body)) if low >= 1 else None
    if name == "SUBPATTERN":
        _group, add_flags, _del, body = arg
        if add_flags & (sre_c.SRE_FLAG_IGNORECASE | sre_c.SRE_FLAG_VERBOSE):
            raise _Unknown("ignore case or verbose")
        return _seq(list(body))
    if name == "ATOMIC_GROUP":
        return _seq(list(arg))
    if name == "ASSERT":  # positive look-ahead or look-behind: its text is there too
        return _seq(list(arg[1]))
    if name in ("AT", "ANY", "ASSERT_NOT", "NOT_LITERAL", "GROUPREF", "CATEGORY"):
        return None
    raise _Unknown(name)  # GROUPREF_EXISTS and anything newer


def _chars(items) -> set[str] | None:
    """The characters a class matches, when they are few."""
    items = list(items)
    if items and str(items[0][0]) == "NEGATE":
        rest = items[1:]
        if not any(str(op) == "CATEGORY" and str(a) in _NOT_SPACE for op, a in rest):
            return None
        return {c for c in WHITESPACE if not any(_member(c, op, a) for op, a in rest)} or None
    out: set[str] = set()
    for op, a in items:
        name = str(op)
        if name == "LITERAL":
            out.add(chr(a))
        elif name == "RANGE" and a[1] - a[0] < MAX_STRINGS:
            out.update(chr(c) for c in range(a[0], a[1] + 1))
        elif name == "CATEGORY" and str(a) in _SPACE:
            out.update(WHITESPACE)
        else:
            return None
    return out if len(out) <= MAX_STRINGS else None


def _member(c: str, op, a) -> bool:
    """Whether ``c`` is in one item of a negated class (False when unsure,
    which keeps ``c`` in the answer: more strings, still sound)."""
    name = str(op)
    if name == "LITERAL":
        return c == chr(a)
    if name == "RANGE":
        return a[0] <= ord(c) <= a[1]
    if name == "CATEGORY" and str(a) in _NOT_SPACE:
        return not c.isspace()
    return False
