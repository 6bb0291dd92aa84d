"""Missing numbers found from evidence: a unit with no number before it.

Why statistics and not more rules: a scraper drops a number anywhere
(`国内旅游出游亿人次`, `项目个，`, `12月日电`), while the rule file can only
list the cue words one page showed.  What decides whether a unit or measure
word needs a number is the text around it, and clean text says how often
each neighbour stands there with a number and without one:

* the character before: `目` stands before `#个` (`项目152个`) and almost
  never before a bare `个`; `这`, `整`, `一` stand before a bare `个`;
* the character after: `个村` follows numbers, `个人`, `名单`, `家庭`,
  `年轻`, `月亮`, `万一` do not (clean text and a word list agree).

``data/gapstats.tsv`` holds those counts for every unit that clean text
shows after numbers (built by ``scripts/build_gapstats.py`` from a corpus
and a word list; rebuild it from your own corpus).  For each unit with no
digit before it the stage compares the two readings, *a number was here*
and *the text is as printed*, naive-Bayes fashion:

    score = log P(#u)/P(bare u) + log P(left | #u)/P(left | bare u)
                                + log P(right | #u)/P(right | bare u)

and marks a gap where ``score`` passes the threshold stored with the
counts (chosen by the build on text held apart from the counting, to keep
false alarms on clean news under one per 20,000 characters).  A gap is the
``gap_marker`` plus a flag naming the unit that needed the number; it is
never filled.  The flags carry the ``digits.`` prefix of the rule file's
gaps, so corrections and collation treat both alike; the rule file stays
the place for an archivist's overrides, and runs first.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import regex

from .doc import Doc, Flag

DATA = Path(__file__).resolve().parent / "data" / "gapstats.tsv"
RULE_ID = "digits.evidence"
KINDS = ("p", "caption", "h")
START = "^"   # the left neighbour at the start of a block
NUMBER = "#"  # a number, in the counts
DIGITS = frozenset("0123456789")


class GapModel:
    """Counts of units after numbers and bare, with their neighbours."""

    def __init__(self, rows):
        self.units: dict[str, list[float]] = {}      # u -> [after a number, bare, words left, right]
        self.left: dict[str, dict[str, list[float]]] = {}
        self.right: dict[str, dict[str, list[float]]] = {}
        self.before_num: dict[str, float] = {}       # l -> c(l #)
        self.uni: dict[str, float] = {}              # ch -> c(ch)
        self.params = {"threshold": math.inf, "a": 4.0, "b": 4.0}
        self.thresholds: dict[str, float] = {}       # u -> its own threshold
        self.memo: dict[tuple[str, str, str], bool] = {}  # (left, unit, right) -> a gap?
        for row in rows:
            kind = row[0]
            if kind == "P":
                self.params[row[1]] = float(row[2])
            elif kind == "U":
                self.units[row[1]] = [float(x) for x in row[2:6]]
                if len(row) > 6:
                    self.thresholds[row[1]] = float(row[6])
            elif kind == "L":
                self.left.setdefault(row[1], {})[row[2]] = [float(row[3]), float(row[4])]
            elif kind == "R":
                self.right.setdefault(row[1], {})[row[2]] = [float(row[3]), float(row[4])]
            elif kind == "C":
                self.uni[row[1]] = float(row[2])
                self.before_num[row[1]] = float(row[3])
        self.n = sum(self.uni.values()) or 1.0
        self.n_num = sum(self.before_num.values()) or 1.0
        self.v = len(self.uni) + 1
        bigrams = sorted((u for u in self.units if len(u) > 1), key=len, reverse=True)
        chars = "".join(sorted(u for u in self.units if len(u) == 1))
        alt = "|".join(regex.escape(u) for u in bigrams)
        cls = f"[{regex.escape(chars)}]" if chars else "(?!)"
        self.pattern = regex.compile(f"(?:{alt}|{cls})" if alt else cls)
        # the stage's scan: no digit and no marked gap just before
        self.scan = regex.compile(r"(?<![0-9□])" + self.pattern.pattern)

    @classmethod
    def load(cls, path: Path = DATA) -> "GapModel":
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("//"):
                rows.append(line.split("\t"))
        return cls(rows)

    def score(self, left: str, unit: str, right: str, own: str | None = None) -> float:
        """Log odds that a number is missing between ``left`` and ``unit``.
        ``own`` ("num" or "bare") leaves out the occurrence being scored, for
        judging the counts on the text they were built from."""
        a, b = self.params["a"], self.params["b"]
        num, bare, words_left, words_right = self.units[unit]
        gl, cl = self.left.get(unit, {}).get(left, (0.0, 0.0))
        gr, cr = self.right.get(unit, {}).get(right, (0.0, 0.0))
        if own == "num":
            num, gl, gr = num - 1, gl - 1, gr - 1
        elif own == "bare":
            bare, cl, cr = bare - 1, cl - 1, cr - 1
        if left in self.uni:
            p_num_l = (self.before_num[left] + 1) / (self.n_num + self.v)
            p_uni_l = (self.uni[left] + 1) / (self.n + self.v)
        else:  # a character the counts never saw says nothing either way
            p_num_l = p_uni_l = 1 / self.v
        p_uni_r = (self.uni.get(right, 0.0) + 1) / (self.n + self.v)
        s = math.log((num + 1) / (bare + 1))
        s += math.log((gl + a * p_num_l) / (num + a)) - math.log((cl + a * p_uni_l) / (bare + words_left + a))
        s += math.log((gr + b * p_uni_r) / (num + b)) - math.log((cr + b * p_uni_r) / (bare + words_right + b))
        return s

    def candidates(self, text: str):
        """``(start, unit, left, right)`` for every unit with no digit before it."""
        for m in self.pattern.finditer(text):
            i = m.start()
            left = text[i - 1] if i else "\n"
            if left in DIGITS:
                continue
            j = m.end()
            right = text[j] if j < len(text) else "\n"
            yield (i, m.group(0), START if left == "\n" else left,
                   NUMBER if right in DIGITS else ("$" if right == "\n" else right))


@lru_cache(maxsize=2)
def model(path: str = str(DATA)) -> GapModel:
    return GapModel.load(Path(path))


def mark_gaps(doc: Doc) -> Doc:
    """The built-in stage: mark and flag every unit the counts say lost its number."""
    if doc.kinds is None or not DATA.is_file():
        return doc
    gm = model()
    marker = doc.settings.get("gap_marker") or "□"
    text = doc.text
    starts = doc.block_starts()
    edits = []
    memo, thresholds, n = gm.memo, gm.thresholds, len(text)
    for m in gm.scan.finditer(text):
        i, j, unit = m.start(), m.end(), m.group(0)
        left = text[i - 1] if i else "\n"
        right = text[j] if j < n else "\n"
        key = (left, unit, right)
        gap = memo.get(key)
        if gap is None:  # the same neighbours recur: each is judged once
            left = START if left == "\n" else left
            right = NUMBER if right in DIGITS else ("$" if right == "\n" else right)
            gap = memo[key] = (left != marker and gm.score(left, unit, right) > thresholds.get(unit, math.inf))
        if not gap:
            continue
        left, right = key[0], key[2]
        if doc.kinds[doc.block_index(starts, i)] not in KINDS:
            continue
        edits.append((i, i, marker))
        word = unit + (right if right not in (NUMBER, START, "$") and regex.match(r"\p{Han}", right) else "")
        shown = (text[max(0, i - 6):i].rpartition("\n")[2] + marker
                 + text[i:i + 6].partition("\n")[0]).strip()[:80]
        doc.flag(Flag(RULE_ID, doc.line_at(i), shown,
                      f"no number before “{unit}” ({word}): clean text has a number there"))
    doc.edit(edits, RULE_ID)
    return doc
