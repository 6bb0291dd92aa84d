"""A pattern's matches over a page found with less work: the very list
``finditer`` gives, by a cheaper route where the pattern's shape allows one.

Why: a rule's scan is the regex engine trying the whole pattern at every
position of the page, and two shapes the rule files use make every try
costly although nearly every one fails:

* a first branch that only skips (``^row(*SKIP)(*FAIL)|space``: a row of
  names keeps its spaces): the alternation anchored at line starts keeps
  the engine from jumping to the characters the other branch needs, so the
  whole page is stepped through (newspaper.han-space: 20× the time of its
  two branches scanned apart);
* zero-width conditions in front of what the pattern consumes (page
  furniture looking three lines up and down around every line start): the
  conditions are tried at every line, although the text the pattern must
  consume (a date) stands on few.

All are answered exactly, never by guessing:

* ``A(*SKIP)(*FAIL)|B`` (A holding no capturing group, B no verb): at each
  position the engine tries A, and where A matches it skips to A's end with
  no match; else it tries B.  So the matches are B's (``B.search``) up to
  the next place A matches (``A.search``), where the scan jumps past A's
  match, and so on: two fast scans in step.  An A opening on ``^`` in every
  branch is searched for as ``\\n`` + A from the newline before each line
  start (the engine looks for ``^`` at every character, but for a
  character by its fast search).
* a pattern whose every branch starts at a line start (``^``) and holds,
  in its top-level sequence, a zero-width condition that may look past its
  line (a newline, ``\\s`` or a dot-all in a look-around): without its
  conditions the pattern is weaker (it matches wherever the pattern does,
  and more), so only the line starts where the stripped pattern matches
  can hold a match, and the whole pattern is tried there (``match`` at
  that position: look-behinds and ``^`` see the page as the scan does), in
  order, from where the last match ended.  (Conditions within their line
  cost about what the candidates' calls would: such patterns are searched
  for as the next shape.)
* a pattern whose every branch opens on ``^`` (page furniture, a line of
  its own): the engine's search tries ``^`` at every character of the page,
  but a pattern opening on a character is looked for by that character
  first.  ``\\n`` + the pattern without its ``^`` matches from the newline
  before every place the pattern matches after one, and nowhere else (a
  look-behind sees the same characters), so it finds the line starts to
  ``match`` at; the text's start is tried by the pattern itself.  Over the
  5 MB slice of ``make bench``'s pages, the rule engine's scans took 1.47 s
  before and 0.68 s after (the skip branch of newspaper.han-space, 0.61 →
  0.16 s, searched so too).

Anything else (back-references, other verbs, ``\\G`` or ``\\K``, POSIX
classes, version-1 syntax, a shape not understood), an empty match, or a
stripped pattern that does not compile: the plain scan.  The plans are
checked against ``finditer`` for every default rule on every text the
rule engine scans while the fixture pages are cleaned, and small patterns
of both shapes on random strings (tests/test_scanplan.py).  The time limit is the whole
scan's, as before: the plan's calls share it.
"""
from __future__ import annotations

import time
from typing import Callable

import regex

from .prefilter import class_end

# a construct whose meaning the plans do not reason about: plain scan
# (back-references, conditionals, recursion, branch resets, comments,
# inline flags that change the syntax (verbose, version 1) or the scan's
# direction (reverse), POSIX classes)
_UNSAFE = regex.compile(r"\\[1-9gGKk]|\(\?(?:P=|P>|\(|&|R|\d|[+-]|\||#)|\(\?[a-zA-Z]*[xVr]|\[:")
_SKIP_FAIL = ("(*SKIP)(*FAIL)", "(*SKIP)(*F)")
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_QUANT = regex.compile(r"(?:[*+?]|\{\d*,?\d*\})[?+]?")

Scan = Callable[[str, float], list]


class _Parse(Exception):
    """A pattern the splitter does not read: plain scan."""


def _group_end(p: str, i: int) -> int:
    """Index just past the group opening at ``p[i] == '('``."""
    depth, j, n = 0, i, len(p)
    while j < n:
        c = p[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(p, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise _Parse(p)


def _class_end(p: str, i: int) -> int:
    j = class_end(p, i)
    if j is None:
        raise _Parse(p)
    return j


def _items(p: str) -> list[str]:
    """The top-level items of ``p`` (a group, a class or an escape with its
    quantifier, a single character); ``|`` is an item of its own."""
    out, i, n = [], 0, len(p)
    while i < n:
        c = p[i]
        if c == "(":
            j = _group_end(p, i)
        elif c == "[":
            j = _class_end(p, i)
        elif c == "\\":
            j = i + 2
            if j <= n and p[i + 1] in "pPNx" and j < n and p[j] == "{":
                k = p.find("}", j)
                if k < 0:
                    raise _Parse(p)
                j = k + 1
        else:
            j = i + 1
        if c != "|":
            q = _QUANT.match(p, j)
            if q:
                j = q.end()
        out.append(p[i:j])
        i = j
    return out


def _branches(p: str) -> list[list[str]]:
    """Top-level alternatives, each as its list of items."""
    out, cur = [], []
    for item in _items(p):
        if item == "|":
            out.append(cur)
            cur = []
        else:
            cur.append(item)
    out.append(cur)
    return out


def _zero_width(item: str) -> bool:
    """A lookaround, or a non-capturing group of alternatives each made of
    lookarounds only, with no quantifier after it."""
    if item.startswith(_LOOKAROUND):
        return item.endswith(")") and _group_end(item, 0) == len(item)
    if item.startswith("(?:") and _group_end(item, 0) == len(item):
        return all(alt and all(_zero_width(x) for x in alt) for alt in _branches(item[3:-1]))
    return False


_NEGATED_CLASS = regex.compile(r"\[\^(?:\\.|[^\]\\])*\]")


def _reads_other_lines(item: str) -> bool:
    """Whether a condition may look past its own line (a newline, ``\\s`` or
    a dot-all): the costly kind, tried at every line start."""
    rest = _NEGATED_CLASS.sub("", item)
    return "\\n" in rest or "\\s" in rest or "(?s" in rest


def _captures(p: str) -> bool:
    """Whether ``p`` holds a capturing group."""
    for item in _items(p):
        if item.startswith("("):
            if not item.startswith("(?") or (item.startswith(("(?P<", "(?<"))
                                             and not item.startswith(("(?<=", "(?<!"))):
                return True
            if _captures(item[1:_group_end(item, 0) - 1]):
                return True
    return False


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("regex timed out")
    return left


def _skip_then(skip: regex.Pattern, rest: regex.Pattern, whole: regex.Pattern) -> Scan:
    """``skip(*SKIP)(*FAIL)|rest``: rest's matches, the text ``skip``
    matches passed over.  The next place each matches from the scan's
    position is kept while the scan has not passed its start: where a
    pattern matches at a position does not depend on where the scan began."""
    rest_search, skip_search = rest.search, _span_search(skip)

    def scan(text: str, timeout: float) -> list:
        deadline = time.monotonic() + timeout
        out, pos, s, m = [], 0, None, None
        while True:
            if m is None or m.start() < pos:
                m = rest_search(text, pos, timeout=_remaining(deadline))
                if m is None:
                    return out
            if s is None or s[0] < pos:
                s = skip_search(text, pos, deadline)
                if s is None:  # no skip further on: the rest's matches as they come
                    out.append(m)
                    if m.end() == m.start():
                        break
                    for m in rest.finditer(text, m.end(), timeout=_remaining(deadline)):
                        if m.end() == m.start():
                            break
                        out.append(m)
                    else:
                        return out
                    break
            if s[0] <= m.start():  # the skip comes first (at one position, its branch is tried first)
                if s[1] == s[0]:
                    break
                pos = s[1]
            else:
                if m.end() == m.start():
                    break
                out.append(m)
                pos = m.end()
        # an empty match or an empty skip: the engine's rule for the next
        # position is not modelled; the plain scan answers
        return list(whole.finditer(text, timeout=_remaining(deadline)))

    return scan


def _after_newline(pattern: regex.Pattern) -> regex.Pattern | None:
    """For a pattern whose every branch opens on ``^`` (MULTILINE: the start
    of the text or right after a ``\\n``, nowhere else): the pattern with
    each ``^`` turned into a ``\\n`` the match consumes, so that it matches
    from the newline before every place the pattern matches after one, and
    only there (the characters a look-behind sees are the same).  Why: the
    engine's own search tries ``^`` at every character of the page, while a
    pattern that opens on a character is searched for that character first
    (see the module docstring for the figures).  None when a branch does
    not open on ``^``."""
    try:
        branches = _branches(pattern.pattern)
    except _Parse:
        return None
    if not all(b[:1] == ["^"] for b in branches):
        return None
    try:
        return regex.compile("\\n(?:" + "|".join("".join(b[1:]) for b in branches) + ")", pattern.flags)
    except regex.error:
        return None


def _line_search(pattern: regex.Pattern, after_nl: regex.Pattern):
    """``search(text, pos, deadline)``: the span of ``pattern.search(text,
    pos)``, ``pattern`` opening on ``^`` in every branch: at the text's
    start by ``pattern`` itself, elsewhere by ``after_nl`` (see above) from
    the newline that ends the line before ``pos``."""
    match, after = pattern.match, after_nl.search

    def search(text: str, pos: int, deadline: float):
        if pos == 0:
            m = match(text, 0, timeout=_remaining(deadline))
            if m is not None:
                return m.span()
        elif pos > len(text):
            return None
        m = after(text, pos - 1 if pos else 0, timeout=_remaining(deadline))
        return None if m is None else (m.start() + 1, m.end())

    return search


def _span_search(pattern: regex.Pattern):
    """``search(text, pos, deadline)``: the span of ``pattern.search(text,
    pos)`` or None; from the newline before each line start when every
    branch opens on ``^`` (``_line_search``)."""
    after_nl = _after_newline(pattern)
    if after_nl is not None:
        return _line_search(pattern, after_nl)

    def search(text: str, pos: int, deadline: float):
        m = pattern.search(text, pos, timeout=_remaining(deadline))
        return None if m is None else m.span()

    return search


def _each_match(find, whole: regex.Pattern, text: str, timeout: float) -> list:
    """``whole``'s matches, tried only where ``find`` (a ``search(text, pos,
    deadline)`` giving a span or None) says one may start, in order, from
    where the last match ended: what ``finditer`` gives."""
    match = whole.match
    deadline = time.monotonic() + timeout
    out, pos = [], 0
    while True:
        c = find(text, pos, deadline)
        if c is None:
            return out
        at = c[0]
        m = match(text, at, timeout=_remaining(deadline))
        if m is None:
            if at >= len(text):  # (a search from past the end finds the end again)
                return out
            pos = at + 1
        elif m.end() == at:  # an empty match: not modelled
            return list(whole.finditer(text, timeout=_remaining(deadline)))
        else:
            out.append(m)
            pos = m.end()


def _candidates(weak: regex.Pattern, whole: regex.Pattern) -> Scan:
    """The pattern tried only at the line starts where ``weak`` (the pattern
    without its top-level zero-width conditions) matches, in order, from
    where its last match ended."""
    find = _span_search(weak)

    def scan(text: str, timeout: float) -> list:
        return _each_match(find, whole, text, timeout)

    return scan


def _line_starts(whole: regex.Pattern, after_nl: regex.Pattern) -> Scan:
    """A pattern opening on ``^`` in every branch, searched for from the
    newline before each line start (see ``_after_newline``), and matched
    where that finds it: the match ``finditer`` gives there."""
    find = _line_search(whole, after_nl)

    def scan(text: str, timeout: float) -> list:
        return _each_match(find, whole, text, timeout)

    return scan


def plan(pattern: regex.Pattern) -> Scan:
    """The cheapest exact way to list ``pattern``'s matches (see the module
    docstring)."""
    plain = _plain(pattern)
    p = pattern.pattern
    if "\\G" in p or _UNSAFE.search(p) or pattern.flags & (regex.VERBOSE | regex.V1 | regex.REVERSE):
        return plain
    try:
        branches = _branches(p)
    except _Parse:
        return plain
    flags = pattern.flags
    skips = 0
    while skips < len(branches) and "".join(branches[skips]).endswith(_SKIP_FAIL):
        skips += 1
    if skips:
        if skips == len(branches):
            return plain
        skip_src = "|".join("".join(b).removesuffix("(*SKIP)(*FAIL)").removesuffix("(*SKIP)(*F)")
                            for b in branches[:skips])
        rest_src = "|".join("".join(b) for b in branches[skips:])
        if "(*" in skip_src or "(*" in rest_src or _captures(skip_src):
            return plain
        try:
            skip, rest = regex.compile(skip_src, flags), regex.compile(rest_src, flags)
        except regex.error:
            return plain
        return _skip_then(skip, rest, pattern)
    if "(*" in p:
        return plain
    stripped, changed = [], False
    for b in branches:
        rest = [item for item in b if not _zero_width(item)]
        changed |= any(_reads_other_lines(item) for item in b if _zero_width(item))
        if not rest or rest[0] != "^":
            return plain
        stripped.append("".join(rest))
    if not changed:  # conditions within their line cost about what the candidates' calls would
        after_nl = _after_newline(pattern)
        return plain if after_nl is None else _line_starts(pattern, after_nl)
    try:
        weak = regex.compile("|".join(stripped), flags)
    except regex.error:
        return plain
    return _candidates(weak, pattern)


def _plain(pattern: regex.Pattern) -> Scan:
    finditer = pattern.finditer

    def scan(text: str, timeout: float) -> list:
        return list(finditer(text, timeout=timeout))
    return scan


_PLANS: dict[tuple[str, int], Scan] = {}


def finder(pattern: regex.Pattern) -> Scan:
    """``pattern``'s plan, made once: ``finder(p)(text, timeout)`` is
    ``list(p.finditer(text, timeout=timeout))``."""
    key = (pattern.pattern, pattern.flags)
    scan = _PLANS.get(key)
    if scan is None:
        scan = _PLANS[key] = plan(pattern)
    return scan
