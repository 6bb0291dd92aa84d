"""The gaps stage's core: which units of a page score as a lost number,
plain data in and out.

Why a module of its own: the stage looks at every unit or measure word of
a page with no digit before it (个 年 月 日 元 万 …, some 20,000 per 0.65 M
characters of news) and decides each in a Python loop; that loop was the
second largest stage's cost after unwrap.  As with ``linecore`` (unwrap's
per-line work) and ``rulecore`` (a rule set applied to a text), the loop is
written here against plain data, so that a native core can take it over:
no :class:`~normalize.doc.Doc`, no :class:`~normalize.gaps.GapModel`, no
callbacks.  This pure-Python version is the reference:
``tests/test_cores.py`` replays every call the pipeline makes against each
implementation in ``IMPLEMENTATIONS`` and shows altered copies are caught.
``gaps.py`` scans the page, builds the tables once per model
(``GapModel.core_tables``) and takes the answer on: the character model's
reading near the threshold, the page's own usage, whether the page is damaged, the block kinds and the
flags stay there (the model is a packed table with memos, asked for a few
per cent of the units).

The contract, ``score_units(text, spans, tables, colloquial) -> (offsets, units, scores)``:

* ``text``: the page (str), a marked gap written ``□``; ``spans``:
  ``array('i')``, the start and end of every unit the scan found, flat
  (``[i0, j0, i1, j1, …]``), ascending and not overlapping;
  ``colloquial``: the page is speech (bool, ``gaps.is_colloquial``).
* ``tables``: a :class:`GapTables` of plain dicts, sets and floats.
* A unit at ``text[i:j]`` is dropped when the character before it (``\\n``
  at the start) is markup or a rate sign (:data:`MARKUP`), ``□``, a numeral
  (:data:`NUMERALS`), or an ASCII non-space with an ASCII non-space after
  the unit; when it follows units that share a number with it
  (``chains``: 30多个); on a colloquial page, when clean text writes 一
  before it as often as a number (``spoken``, by the two characters before,
  else the one) or a word of the list holds it.  A word holds it on the
  left (bit 1) when ``text[i-1:j]`` is in ``pairs_left`` and a word of
  ``words`` spans the unit's first character and one before it (within
  three characters each side); on the right (bit 2) when ``text[i:j+1]``
  is in ``pairs_right`` and a word starts at ``i``, ends after ``j`` and
  has at most four characters.
* Its score, summed in this order: the binding table at the bit value, the
  left, right, two-left and two-right tables of ``(unit, bits > 0)`` at the
  neighbours (:func:`neighbours`; absent: 0.0), ``number`` at the left and
  at the two left (absent: ``unseen``), then ``marks``: the left-mark
  weight when the left neighbour is no letter or digit or is ``^``, the
  right-mark weight likewise for the right one or ``$``, the right-number
  weight when it is ``#``.
* Out: the units whose score is above ``cutoffs[unit]``, in text order, as
  ``array('i')`` offsets, a list of the unit strings and ``array('d')``
  scores.
"""
from __future__ import annotations

from array import array
from typing import NamedTuple

START = "^"   # the left neighbour at the start of a block
END = "$"     # the right one at its end
NUMBER = "#"  # a number, in the counts
GAP = "□"
DIGITS = frozenset("0123456789")
NUMBERED_CHARS = DIGITS | {NUMBER, GAP}
NUMERALS = frozenset("〇零一二两三四五六七八九十百千万亿几数半")  # a number written in words
MARKUP = frozenset("/／\\_=&^*{}[]<>|@$`")  # before a unit: a rate or markup, never a lost number
PLAIN_NOT = frozenset("0123456789#^$\n.,:□")
# a left neighbour that alone drops the unit: markup, a marked gap, a numeral
LEFT_DROPS = MARKUP | NUMERALS | {GAP}
ASCII_INK = frozenset(c for c in map(chr, range(128)) if c.strip())  # ``c.isascii() and c.strip()``


class GapTables(NamedTuple):
    """A gap model as the core reads it: plain dicts, sets and floats."""
    units: dict          # unit -> its tables for bits == 0 and bits > 0, each
                         # (binding: {bits: shift}, left, right, left2, right2: {context: shift})
    number: dict         # context (one or two characters) -> shift of standing before a number
    unseen: tuple        # (one, two): the shift of a context ``number`` does not hold
    marks: tuple         # weights (left_mark, right_mark, right_number)
    cutoffs: dict        # unit -> the score it must pass
    pairs_left: frozenset   # a character and a unit that a word of the list holds
    pairs_right: frozenset  # a unit and a character that a word of the list holds
    words: frozenset     # the words of the list that hold a unit character
    chains: frozenset    # (u1, u2): one number before both (多个, 万元, 周年)
    unit_chars: frozenset  # every character of a unit
    spoken: dict         # (unit, context) -> (times clean text puts 一 there, times a number)


def neighbours(text: str, i: int, j: int) -> tuple[str, str, str, str]:
    """``(left2, left, right, right2)`` around the unit at ``text[i:j]``, as
    the counts see them: a number is one ``#``, a line start ``^``, its end ``$``."""
    if i >= 2 and j + 2 <= len(text):
        near = text[i - 2:i] + text[j:j + 2]
        if PLAIN_NOT.isdisjoint(near):  # the common case: four plain characters
            return near[:2], near[1], near[2], near[2:]

    def number_at(k: int) -> bool:
        return text[k] in NUMBERED_CHARS or (text[k] in ".,:" and 0 < k < len(text) - 1
                                             and text[k - 1] in DIGITS and text[k + 1] in DIGITS)
    left, k = [], i - 1
    while len(left) < 2:
        if k < 0 or text[k] in "\n^":
            left.append(START)
            break
        if number_at(k):
            while k >= 0 and number_at(k):
                k -= 1
            left.append(NUMBER)
        else:
            left.append(text[k])
            k -= 1
    right, k = [], j
    while len(right) < 2:
        if k >= len(text) or text[k] in "\n$":
            right.append(END)
            break
        if number_at(k):
            while k < len(text) and number_at(k):
                k += 1
            right.append(NUMBER)
        else:
            right.append(text[k])
            k += 1
    l1, r1 = left[0], right[0]
    return (left[1] if len(left) > 1 else START) + l1, l1, r1, r1 + (right[1] if len(right) > 1 else END)


def chained(chains, text: str, i: int, unit: str) -> bool:
    """The unit at ``i`` follows units that follow a number and that clean
    text shows sharing one number with it (多 in `30多个`, 万 and 多 in
    `5万多名`, 周 in `70周年`; not 月 in `12月日`)."""
    k, nxt = i - 1, unit
    while k >= 0 and k >= i - 3 and (text[k], nxt) in chains:
        nxt = text[k]
        k -= 1
    return k < i - 1 and k >= 0 and text[k] in NUMBERED_CHARS


def left_bound(words, text: str, i: int) -> bool:
    """A word of ``words`` holds the unit at ``i`` and the character before it."""
    for a in range(i - 1, max(0, i - 3) - 1, -1):  # the two-character word first: the usual one
        for b in range(i + 1, min(a + 4, len(text)) + 1):
            if text[a:b] in words:
                return True
    return False


def right_bound(words, text: str, i: int, j: int) -> bool:
    """A word of ``words`` starts with the unit at ``text[i:j]`` and goes on."""
    for b in range(j + 1, min(i + 4, len(text)) + 1):
        if text[i:b] in words:
            return True
    return False


# per word list, the words of at most four characters (the longest a
# binding looks at) by the two characters that meet the unit: built once
_INDEX: dict[frozenset, tuple[dict, dict]] = {}


def word_index(words: frozenset) -> tuple[dict, dict]:
    """``(by_left, by_right)``: ``by_left[c + u]`` the ``(p, word)`` with
    ``word[p - 1:p + 1] == c + u``, ``p >= 1`` (a word that holds the unit
    character ``u`` at ``p`` and the character before it); ``by_right[s]``
    the words that start with ``s`` and go on (``s`` a unit and the
    character after it, or a longer start).  ``left_bound`` and
    ``right_bound`` answer from these without trying every slice."""
    held = _INDEX.get(words)
    if held is None:
        by_left, by_right = {}, {}
        for w in sorted(words):
            if 2 <= len(w) <= 4:
                for p in range(1, len(w)):
                    by_left.setdefault(w[p - 1:p + 1], []).append((p, w))
                for k in range(2, len(w) + 1):
                    by_right.setdefault(w[:k], []).append(w)
        if len(_INDEX) >= 4:
            _INDEX.clear()
        held = _INDEX[words] = ({k: tuple(v) for k, v in by_left.items()},
                                {k: tuple(v) for k, v in by_right.items()})
    return held


def score_units(text: str, spans: array, tables: GapTables, colloquial: bool):
    """The units of ``spans`` whose score passes their cutoff: offsets,
    units and scores (see the module's docstring)."""
    offsets, found, scores = array("i"), [], array("d")
    n = len(text)
    units, cutoffs = tables.units, tables.cutoffs
    number_get = tables.number.get
    unseen1, unseen2 = tables.unseen
    left_mark, right_mark, right_number = tables.marks
    pairs_left, pairs_right, words = tables.pairs_left, tables.pairs_right, tables.words
    chains, unit_chars, spoken = tables.chains, tables.unit_chars, tables.spoken
    by_left, by_right = word_index(words)
    drops, ink, plain_not = LEFT_DROPS, ASCII_INK, PLAIN_NOT.isdisjoint
    it = iter(spans)
    for i, j in zip(it, it):
        # the left neighbour alone decides most drops: before any slice or lookup
        left = text[i - 1] if i else "\n"
        if left in drops or (left in ink and j < n and text[j] in ink):
            continue  # a rate (元/公斤), markup (\\%), a number in words (几个), Latin text (%E5%86)
        unit = text[i] if j == i + 1 else text[i:j]
        if left in unit_chars and chained(chains, text, i, unit):
            continue  # a number before the unit it follows (30多个)
        if colloquial:
            seen = spoken.get((unit, text[i - 2:i])) or spoken.get((unit, left))
            if seen is not None and seen[0] >= seen[1]:
                continue  # clean text says 一 here (是一个), and speech leaves that 一 out
        bound = 0
        pair = left + unit
        if i and pair in pairs_left:
            # a word of at most four characters spans the unit's first character
            # and the one before it: left_bound, from the words holding that pair
            # (the pair itself when the unit is one character, as most are)
            for p, word in by_left.get(pair if j == i + 1 else text[i - 1:i + 1], ()):
                a = i - p
                if a >= 0 and text.startswith(word, a):
                    bound = 1
                    break
        if j < n:
            after = text[i:j + 1]
            if after in pairs_right:
                # a word of at most four characters starts with the unit and
                # goes on: right_bound, from the words that start so
                for word in by_right.get(after, ()):
                    if text.startswith(word, i):
                        bound |= 2
                        break
        if bound and colloquial:
            continue  # speech uses its words as they come (线条, 高个子)
        if i >= 2 and j + 2 <= n:
            left2, right2 = text[i - 2:i], text[j:j + 2]
            if plain_not(left2 + right2):
                # the common case, four plain characters: no start, end or
                # number mark (adding 0.0 for those leaves the sum as it is)
                right = right2[0]
                b, lt, rt, l2t, r2t = units[unit][bound > 0]
                score = (b.get(bound, 0.0) + lt.get(left, 0.0) + rt.get(right, 0.0) + l2t.get(left2, 0.0)
                         + r2t.get(right2, 0.0) + number_get(left, unseen1) + number_get(left2, unseen2))
                if not left.isalnum():
                    score += left_mark
                if not right.isalnum():
                    score += right_mark
                if score > cutoffs[unit]:
                    offsets.append(i)
                    found.append(unit)
                    scores.append(score)
                continue
        left2, left, right, right2 = neighbours(text, i, j)
        b, lt, rt, l2t, r2t = units[unit][bound > 0]
        score = (b.get(bound, 0.0) + lt.get(left, 0.0) + rt.get(right, 0.0) + l2t.get(left2, 0.0)
                 + r2t.get(right2, 0.0) + number_get(left, unseen1) + number_get(left2, unseen2)
                 + (left_mark if not left.isalnum() or left == START else 0.0)
                 + (right_mark if not right.isalnum() or right == END else 0.0)
                 + (right_number if right == NUMBER else 0.0))
        if score > cutoffs[unit]:
            offsets.append(i)
            found.append(unit)
            scores.append(score)
    return offsets, found, scores


# Implementations of the contract, by name; the first is the reference.
# A native core adds itself here (and gaps.py takes the fastest that loads).
IMPLEMENTATIONS = {"python": score_units}
