"""The rule engine's core: a rule set applied to a text, plain data in and out.

Why a module of its own: a rule stage is a regex scan plus bookkeeping (which
match to keep, the text and the raw-line array rebuilt, a change record for
every edit, flags and captured notes), and the bookkeeping costs about as
much as the scan.  Both are the part a native core will take over, so they
are written here against plain data: a text, its array of raw line numbers,
the block kinds, and each rule as a tuple of strings and numbers.  No
:class:`~normalize.doc.Doc`, no :class:`~normalize.rules.Rule`, no callbacks.
This pure-Python version is the reference: ``tests/test_cores.py`` runs every
implementation in ``IMPLEMENTATIONS`` on random pages of the repo's fixtures
and compares it with this one.  ``rules.apply_rules`` turns rule objects into
:class:`CoreRule` tuples and the result back into the Doc's records.

The contract, ``apply_rule_set(text, origin, kinds, rules, params) -> RuleSetResult``:

* ``text``: the page (str); ``origin``: ``array('i')``, the raw line number of
  every character, ``len(origin) == len(text)``; ``kinds``: ``bytes``, a kind
  code (:data:`KIND_CODES`) per block of the text (blocks are separated by
  ``"\\n\\n"``), or ``None`` before unwrapping (no kind applies then).
* ``rules``: a sequence of :class:`CoreRule`.  Rules with a ``replacement``
  edit; they run in order, each to its own fixed point (it is run again
  while its last pass changed the text, at most ``max_rule_passes`` passes),
  and the whole list again while a pass over it changed anything (at most
  ``max_file_passes``); a rule is not run again on a text no rule changed
  since it last changed nothing.  Rules without a replacement only flag;
  they run once each, in order, on the settled text.
* One pass of one rule: nothing when the page has block kinds and none of
  the rule's, or the text holds none of its ``needs``.  Else every match of
  the pattern (``regex`` module, MULTILINE) over the whole text, left to
  right, non-overlapping (``finditer``'s list, found by the cheaper exact
  route :mod:`normalize.scanplan` plans for some shapes of pattern); with ``protect``, minus the matches inside a
  protected span (:data:`PROTECTED`: web and e-mail addresses, code spans)
  and matches of only spaces touching one; minus matches starting in a
  block whose kind the rule does not list.  For each kept match, in order:
  a note per named group in ``notes`` that captured something (its raw
  line is that of the match start); the replacement (literal, or the
  match's expansion of the template), an edit when it differs from the
  match; a flag when the rule only flags or has ``flag``: the replacement
  (or the match) with up to 6 characters either side on its line,
  stripped, at most 80 characters.  The edits are then applied at once:
  inserted characters take the raw line of the edit's start (``doc.splice``,
  the same plain-data step ``Doc.edit`` uses).
* ``params``: ``(timeout, timeout_per_mb, max_rule_passes, max_file_passes)``:
  a pass of one pattern may take ``timeout + timeout_per_mb * len(text) / 1e6``
  seconds.

``RuleSetResult`` columns, each list in the order the events happened:
changes (``change_rule``, ``change_line``: ``array('i')``; ``change_before``,
``change_after``: lists of str), flags (``flag_rule``, ``flag_line``,
``flag_text``), notes (``note_rule``, ``note_line``, ``note_key``,
``note_value``); rule numbers index ``rules``.  ``text`` and ``origin`` are
the same objects as given when nothing changed.  Errors: :class:`PatternTimeout`
(the rule's number and the limit), :class:`NoFixedPoint` (``"rule"`` and the
rule's number, or ``"file"`` and the numbers of the rules that changed the
text in the last pass, ascending).
"""
from __future__ import annotations

import bisect
from array import array
from typing import Callable, NamedTuple

import regex

from . import scanplan
from .doc import splice

KIND_NAMES = ("p", "h", "title", "byline", "caption", "quote")
KIND_CODES = {name: code for code, name in enumerate(KIND_NAMES)}
BLOCK_SEP = "\n\n"
# What a rule with ``protect`` never edits: web addresses, e-mail addresses,
# Markdown code spans, HTML tags and character references (a converter's
# tables: colspan="2" and &lt; are markup, not Chinese text), and the spaces
# that bound them (a space taken from after a link glues the next words to
# its address, and the next pass reads them as part of it).  An address
# runs to a space or a full-width mark, and to a , ; ! ? or " only when
# Chinese text follows it (…/news,他说: the sentence goes on, not the
# address); Han inside an address (/wiki/北京) is part of it.
PROTECTED = (
    r'(?:(?:https?|ftp)://|www\.)(?:[^\s。，、；：！？“”‘’《》（）,;!?"]|[,;!?"](?![^\S\n]?[\p{Han}“‘（《]))+',  # web addresses
    # e-mail addresses, from the start of a run only (a run of Han is not tried at every character)
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    r"(`+)[^`\n]+?\1",                                    # Markdown code spans
    # HTML tags: a name, then attributes (name, or name=value) only, so that
    # x<y 且 a>b is not one
    r"""</?[A-Za-z][A-Za-z0-9]*(?:[^\S\n]+[A-Za-z_:][\w:.-]*(?:[^\S\n]*=[^\S\n]*(?:"[^"\n]*"|'[^'\n]*'|[^\s"'<>=`]+))?)*[^\S\n]*/?>""",
    r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});",  # character references
)


class CoreRule(NamedTuple):
    pattern: str                    # the source, compiled with the regex module, MULTILINE
    replacement: str | None         # None: the rule only flags; a template unless ``literal``
    literal: bool                   # the replacement holds no backslash: inserted as it is
    flag: bool                      # a replacing rule also flags every match
    kinds: int                      # bit (1 << code) per block kind it applies to; 0: every kind
    protect: bool                   # leaves protected spans and the spaces bounding them alone
    notes: tuple[str, ...]          # named groups whose captures are notes
    needs: tuple[str, ...] | None   # a text without any of these cannot match; None: always scan


class RuleSetResult(NamedTuple):
    text: str
    origin: array
    change_rule: array
    change_line: array
    change_before: list
    change_after: list
    flag_rule: array
    flag_line: array
    flag_text: list
    note_rule: array
    note_line: array
    note_key: list
    note_value: list


class PatternTimeout(Exception):
    def __init__(self, rule: int, seconds: float):
        self.rule, self.seconds = rule, seconds
        super().__init__(f"rule {rule} ran past {seconds:.3g} s")


class NoFixedPoint(Exception):
    def __init__(self, level: str, rules: list[int]):
        self.level, self.rules = level, rules
        super().__init__(f"no fixed point ({level}): rules {rules}")


_COMPILED: dict[str, regex.Pattern] = {}


def compiled(pattern: str) -> regex.Pattern:
    c = _COMPILED.get(pattern)
    if c is None:
        c = _COMPILED[pattern] = regex.compile(pattern, regex.MULTILINE)
    return c


_FINDERS: dict[str, Callable[[str, float], list]] = {}


def finder(pattern: str) -> Callable[[str, float], list]:
    """``finder(p)(text, limit)``: the matches ``compiled(p).finditer``
    gives, by the plan :mod:`normalize.scanplan` finds for the pattern."""
    f = _FINDERS.get(pattern)
    if f is None:
        f = _FINDERS[pattern] = scanplan.finder(compiled(pattern))
    return f


_PROTECTED = tuple(regex.compile(p) for p in PROTECTED)
_span = type(regex.match("", "")).span


def may_match(needs: tuple[str, ...] | None, text: str) -> bool:
    """False only when a pattern needing one of ``needs`` cannot match
    ``text``.  A string's characters are tested one by one first: ``in``
    finds one character many times faster than a string of several Han."""
    if needs is None:
        return True
    for s in needs:
        if len(s) == 1:
            if s in text:
                return True
        elif all(c in text for c in s) and s in text:
            return True
    return False


def protected_spans(text: str, limit: float) -> tuple[list[int], list[int], set[int]]:
    """Starts and ends of the protected spans of ``text``, in order, and both
    ends as a set (overlapping spans merged)."""
    spans = []
    if "`" in text or "@" in text or "://" in text or "www." in text or "<" in text or "&" in text:
        for pattern in _PROTECTED:  # each kind alone: an e-mail glued to a link must not hide the link
            spans += [m.span() for m in pattern.finditer(text, timeout=limit)]
    starts, ends = [], []
    for a, b in sorted(spans):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends, set(starts) | set(ends)


def unprotected(matches: list, spans: tuple[list[int], list[int], set[int]]) -> list:
    """The matches that touch no protected span: none inside one, and no
    match of spaces alone right before or after one."""
    starts, ends, edges = spans
    if not starts:
        return matches
    kept = []
    for m in matches:
        a, b = m.span()
        k = bisect.bisect_right(ends, a)  # the first span that ends after a
        if k < len(starts) and (starts[k] < b if a < b else starts[k] < a):
            continue  # inside a protected span
        if a < b and (a in edges or b in edges) and m.group(0).isspace():
            continue  # a space bounding one
        kept.append(m)
    return kept


def block_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find(BLOCK_SEP)
    while i != -1:
        starts.append(i + len(BLOCK_SEP))
        i = text.find(BLOCK_SEP, i + len(BLOCK_SEP))
    return starts


class _Page:
    """The text being edited and the columns recorded so far."""

    def __init__(self, text, origin, kinds, params):
        self.text, self.origin, self.kinds = text, origin, kinds
        self.timeout, self.per_mb = params[0], params[1]
        self.kind_mask = 0
        if kinds is not None:
            for k in set(kinds):
                self.kind_mask |= 1 << k
        self.spans = None     # (text, protected spans) of the text they were found in
        self.starts = None    # (text, block starts)
        self.changes = (array("i"), array("i"), [], [])
        self.flags = (array("i"), array("i"), [])
        self.notes = (array("i"), array("i"), [], [])

    def limit(self) -> float:
        return self.timeout + self.per_mb * len(self.text) / 1e6

    def once(self, n: int, rule: CoreRule) -> bool:
        """One pass of rule ``n``; True when it edited the text."""
        text, kinds = self.text, self.kinds
        mask = rule.kinds if kinds is not None else 0
        if (mask and not mask & self.kind_mask) or not may_match(rule.needs, text):
            return False
        limit = self.limit()
        try:
            matches = finder(rule.pattern)(text, limit)
        except TimeoutError:
            raise PatternTimeout(n, limit) from None
        if not matches:
            return False
        if rule.protect:
            if self.spans is None or self.spans[0] is not text:
                self.spans = (text, protected_spans(text, limit))
            matches = unprotected(matches, self.spans[1])
        starts = None
        if mask and self.kind_mask & ~mask:  # the page has kinds this rule skips
            if self.starts is None or self.starts[0] is not text:
                self.starts = (text, block_starts(text))
            starts = self.starts[1]
        origin, size = self.origin, len(text)
        replacement, literal, notes = rule.replacement, rule.literal, rule.notes
        flagging = replacement is None or rule.flag
        if literal and starts is None and not notes and not flagging:  # the common case: a fixed text
            edits = [(a, b, replacement) for a, b in map(_span, matches) if text[a:b] != replacement]
            if edits:
                self.edit(n, edits)
            return bool(edits)
        edits = []
        for m in matches:
            start = m.start()
            if starts is not None and not mask & (1 << kinds[bisect.bisect_right(starts, start) - 1]):
                continue
            line = origin[start] if start < size else (origin[-1] if size else 1)
            for key in notes:
                value = m.group(key)
                if value:
                    nr, nl, nk, nv = self.notes
                    nr.append(n)
                    nl.append(line)
                    nk.append(key)
                    nv.append(value)
            new = None
            if replacement is not None:
                new = replacement if literal else m.expand(replacement)
                if new != m.group(0):
                    edits.append((start, m.end(), new))
            if flagging:
                end = m.end()
                shown = m.group(0) if new is None else new
                left = text[max(0, start - 6):start].rpartition("\n")[2]
                right = text[end:end + 6].partition("\n")[0]
                fr, fl, ft = self.flags
                fr.append(n)
                fl.append(line)
                ft.append((left + shown + right).strip()[:80])
        if edits:
            self.edit(n, edits)
        return bool(edits)

    def edit(self, n: int, edits: list[tuple[int, int, str]]) -> None:
        """Apply non-overlapping edits, in order; record each as a change."""
        text = self.text
        self.text, self.origin, lines = splice(text, self.origin, edits)
        cr, cl, cb, ca = self.changes
        for (start, end, new), line in zip(edits, lines):
            cr.append(n)
            cl.append(line)
            cb.append(text[start:end])
            ca.append(new)


def apply_rule_set(text: str, origin: array, kinds: bytes | None, rules, params) -> RuleSetResult:
    """Every rule of ``rules`` applied to ``text`` (see the module docstring)."""
    page = _Page(text, origin, kinds, params)
    max_rule_passes, max_file_passes = params[2], params[3]
    editing = [n for n, r in enumerate(rules) if r.replacement is not None]
    changes = page.changes[0]
    settled: dict[int, int] = {}  # rule -> changes made when it last found nothing to do
    for _ in range(max_file_passes):
        before = len(changes)
        for n in editing:
            if settled.get(n) == len(changes):
                continue  # the text is still the one it found nothing in: no re-scan
            rule = rules[n]
            for _pass in range(max_rule_passes):
                if not page.once(n, rule):
                    break
            else:
                raise NoFixedPoint("rule", [n])
            settled[n] = len(changes)
        if len(changes) == before:
            break
    else:
        raise NoFixedPoint("file", sorted(set(changes[before:])))
    for n, rule in enumerate(rules):
        if rule.replacement is None:  # flag-only rules look at the settled text, once
            page.once(n, rule)
    return RuleSetResult(page.text, page.origin, *page.changes, *page.flags, *page.notes)


# Implementations of the contract, by name; the first is the reference.
# A native core adds itself here (and rules.py takes the fastest that loads).
IMPLEMENTATIONS = {"python": apply_rule_set}
