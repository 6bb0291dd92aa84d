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

``data/gapstats.tsv.gz`` holds those counts for every unit that clean text
shows after numbers (built by ``scripts/build_gapstats.py`` from a corpus
and a word list; rebuild it from your own corpus).  For each unit with no
digit before it the stage compares the two readings, *a number was here*
and *the text is as printed*, naive-Bayes fashion:

    score = log P(#u)/P(bare u) + log P(left | #u)/P(left | bare u)
                                + log P(right | #u)/P(right | bare u)

and marks a gap where ``score`` passes the unit's threshold stored with the
counts (the build turns scores into odds of a lost number with a bias per
unit and sets one threshold on the odds, each occurrence of the counted
text judged with itself left out, to keep false alarms on clean news under
one per 20,000 characters).  A gap is the
``gap_marker`` plus a flag naming the unit that needed the number; it is
never filled.  Speech leaves out the 一 before a measure word (`发了条`,
`是个`) where a scraper leaves out digits: the counts keep the contexts
where clean text writes 一 as often as a number, and a page of speech (far
more modal particles than news) is not marked there, nor where a word of
the list holds the unit; on such a page a gap also needs each Han
character beside it to have stood beside a number in the counted text
(`矮#`, `#日漫` never did: 矮个, and 日漫 at a post's start, are the
writer's own words; punctuation closes a number anywhere).  The flags carry the ``digits.`` prefix of the rule file's
gaps, so corrections and collation treat both alike; the rule file stays
the place for an archivist's overrides, and runs first.

A page is evidence too: a scraper that drops one number drops others on
the same page, and clean text almost never shows two or three gaps on a
page of news.  Where a page already shows more gaps than clean text gives
by chance (the counts' false-flag rate, a Poisson count), every threshold
goes down (by the unit's shift in the counts, where its numbered uses
outnumber its bare ones just below the threshold, or those of the unit
and the character after it where the counts hold enough of them to judge
that pair alone: 年 but not 年底): the odds of a lost number are higher
there.  A numeral that is a unit too (万, 亿) before a measure word keeps
its threshold in a sentence counting in round numbers written in words
(`千名党员、万名职工`).  And a damaged page counts its own way: a unit whose
next character follows a number elsewhere on the page (`3处遗址` above
`新发现处遗址`) scores higher, by a weight the build fits on the counted text
(a scraper loses some of a page's numbers, not its units); not a unit a
word holds (年度: `2023年度` and `年度例行` on one page).

A page that kept its other numbers is no evidence the other way: a
scraper that loses one number of forty (`新华社北京6月日电`, `截至年末`)
leaves a page as intact as one whose writer put `年内在` (docs/measured.md:
reading a word-held unit as the word there lost far more gaps than it
saved flags).  A unit with its number in marks right before it, inside a
clause (`第“（2）”项`), lost nothing; not after a list's marker that opens
a clause (`如下：（1）万元以下`), nor after a name in Latin letters
(`生产总值（GDP）亿元`).
"""
from __future__ import annotations

import gzip
import itertools
import math
import operator
import re
import sys
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import regex

from .article import laid_out
from . import gapcore, loadcache
from .doc import GAP, Doc, Flag
from .gapcore import MARKUP, NUMERALS, PLAIN_NOT, neighbours  # noqa: F401 (the counts' reading, shared)

DATA = Path(__file__).resolve().parent / "data" / "gapstats.tsv.gz"
LM_DATA = Path(__file__).resolve().parent / "data" / "gaplm.tsv.gz"
RULE_ID = "digits.evidence"
KINDS = ("p", "caption", "h")
START = "^"   # the left neighbour at the start of a block
NUMBER = "#"  # a number, in the counts
DIGITS = frozenset("0123456789")
NUMBERED = DIGITS | {NUMBER, GAP}
NUMBERED_CHARS = DIGITS | {NUMBER, GAP}  # a marked gap was a number (the page is read with its marker as □)
PAIR_MIN = 20  # two characters seen fewer times say little about what follows them
PARTICLES = frozenset("吧呢啊吗嘛啦呀哦呗哇噢")  # modal particles: the mark of speech


FEATURES = ("bind", "left", "right", "left2", "right2", "left_mark", "right_mark", "right_number",
            "before_number", "before_number2")




class GapModel:
    """Counts of units after numbers and bare, with their neighbours, and
    the weights that combine them."""

    def __init__(self, rows):
        self.units: dict[str, list[float]] = {}      # u -> [after a number, bare]
        self.thresholds: dict[str, float] = {}       # u -> its own threshold
        self.damage: dict[str, float] = {}           # u -> how far that goes down on a damaged page
        self.damaged_only: set[str] = set()          # units scanned on a damaged page only (人, 处)
        # (u, the character after it) -> its own shift on a damaged page, where
        # the counts judged that pair apart from the unit's other uses (多个, 年底)
        self.damage_right: dict[tuple[str, str], float] = {}
        # (table, u, joined to a word?) -> context -> [after a number, bare];
        # tables: "B" binding level, "L"/"R" neighbour, "L2"/"R2" two neighbours
        self.tables: dict[tuple[str, str, int], dict[str, list[float]]] = {}
        self.weights: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
        # (table, u, joined, context) -> its weighted shift: what the stage reads
        self.shifts: dict[tuple[str, str, int, str], float] = {}
        self.params = {"alpha": 2.0}
        self.words: set[str] = set()                 # words that hold a unit character
        self.chains: set[tuple[str, str]] = set()    # (u1, u2): one number before both (多个, 万元, 周年)
        # (u, context) -> times clean text puts 一 there, times a number
        self.spoken: dict[tuple[str, str], tuple[int, int]] = {}
        for row in rows:
            kind = row[0]
            if kind == "P":
                self.params[row[1]] = float(row[2])
            elif kind == "F":
                self.weights[row[1]] = float(row[2])
            elif kind == "U":
                self.units[row[1]] = [float(row[2]), float(row[3])]
                if len(row) > 4:
                    self.thresholds[row[1]] = float(row[4])
                if len(row) > 5 and float(row[5]):
                    self.damage[row[1]] = float(row[5])
                if len(row) > 6 and row[6] == "damaged":
                    self.damaged_only.add(row[1])
            elif kind == "T":
                self.tables.setdefault((row[1], row[2], int(row[3])), {})[row[4]] = [float(row[5]), float(row[6])]
            elif kind == "S":
                self.shifts[row[1], row[2], int(row[3]), row[4]] = float(row[5])
            elif kind == "W":
                self.words.add(row[1])
            elif kind == "K":
                self.chains.add((row[1], row[2]))
            elif kind == "Y":
                self.spoken[row[1], row[2]] = (int(row[3]), int(row[4]))
            elif kind == "D":
                self.damage_right[row[1], row[2]] = float(row[3])
        # a numeral before one of these keeps its threshold on a damaged page
        # in a sentence of round numbers (千名党员、万名职工): the units scanned on
        # every page, as the exception was chosen
        self.measure_chars = frozenset("".join(u for u in self.units if u not in self.damaged_only))
        bigrams = sorted((u for u in self.units if len(u) > 1), key=len, reverse=True)
        chars = "".join(sorted(u for u in self.units if len(u) == 1))
        alt = "|".join(regex.escape(u) for u in bigrams)
        cls = f"[{regex.escape(chars)}]" if chars else "(?!)"
        self.pattern = regex.compile(f"(?:{alt}|{cls})" if alt else cls)
        self.unit_chars = frozenset("".join(self.units))
        # a context never counted before a number: its propensity, weighted
        p0 = self.params.get("p0", 0.02)
        self.unseen = (self.weights["before_number"] * (math.log(20 * p0 / 20) - math.log(p0)),
                       self.weights["before_number2"] * (math.log(20 * p0 / 20) - math.log(p0)))
        # the neighbour and unit of every word joined at a unit: a unit whose
        # pair is not here is joined to no word on that side
        self.pairs_left, self.pairs_right = set(), set()
        for w in self.words:
            for m in self.pattern.finditer(w):
                if m.start():
                    self.pairs_left.add(w[m.start() - 1:m.end()])
                if m.end() < len(w):
                    self.pairs_right.add(w[m.start():m.end() + 1])
        # the stage's scan: no digit and no marked gap just before
        self.scan = regex.compile(r"(?<![0-9□])" + self.pattern.pattern)
        # the spans handed to the core: nor a character that alone drops the
        # unit there (gapcore.LEFT_DROPS), skipped in the regex engine, not in
        # Python; the same spans but for those as long as no unit of several
        # characters holds, after its first, a character a unit starts with
        # (the scan would find that one where the longer unit was refused)
        firsts = {u[0] for u in self.units}
        if any(c in firsts for u in self.units for c in u[1:]):
            self.core_scan = self.scan
        else:
            # (each unit first, the character before it looked behind after
            # it: a pattern that opens on a lookbehind is tried at every
            # position of the page, one that opens on a class of literal
            # characters is searched for by the standard library's engine in
            # C; the same spans, in 0.56 of the instructions on a 3 MB run)
            drops = "[0-9" + re.escape("".join(sorted(gapcore.LEFT_DROPS | {GAP}))) + "]"
            self.core_scan = re.compile("|".join(
                [f"{re.escape(u)}(?<!{drops}{'.' * len(u)})" for u in bigrams]
                + ([f"[{re.escape(chars)}](?<!{drops}.)"] if chars else [])) or "(?!)", re.DOTALL)

    @classmethod
    def load(cls, path: Path = DATA) -> "GapModel":
        rows = []
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip
            raw = gzip.decompress(raw)
        for line in raw.decode("utf-8").splitlines():
            if line and not line.startswith("//"):
                rows.append(line.split("\t"))
        return cls(rows)

    def chained(self, text: str, i: int, unit: str | None = None) -> bool:
        """True when the unit at ``i`` follows units that follow a number and
        that clean text shows sharing one number with it (多 in `30多个`,
        万 and 多 in `5万多名`, 周 in `70周年`; not 月 in `12月日`)."""
        return gapcore.chained(self.chains, text, i, unit or text[i])

    def binding(self, text: str, i: int, j: int) -> int:
        """1 if a word of the list joins the unit at ``text[i:j]`` to the
        character before it (个 in 整个, 年 in 去年), 2 if to the one after it
        (个人, 年轻, 月亮), 3 if both, 0 if the unit stands free."""
        words, level = self.words, 0
        if text[i - 1:j] not in self.pairs_left if i else True:
            return 2 if j < len(text) and text[i:j + 1] in self.pairs_right and self._right(text, i, j) else 0
        for a in range(max(0, i - 3), i):
            for b in range(i + 1, min(a + 4, len(text)) + 1):
                if text[a:b] in words:
                    level = 1
                    break
            if level:
                break
        if j < len(text) and text[i:j + 1] in self.pairs_right and self._right(text, i, j):
            return level | 2
        return level

    def left_bound(self, text: str, i: int) -> bool:
        """A word of the list holds the unit at ``i`` and the character before it."""
        return gapcore.left_bound(self.words, text, i)

    def right_bound(self, text: str, i: int, j: int) -> bool:
        """A word of the list starts with the unit at ``text[i:j]`` and goes on."""
        return gapcore.right_bound(self.words, text, i, j)

    def unit_tables(self):
        """Per unit, per joined: the shift tables (binding, left, right, left2, right2)."""
        cached = self.__dict__.get("_unit_tables")
        if cached is None:
            self.fast_score(next(iter(self.units)), 0, "", "", "", "")  # groups the shifts
            by = self._by
            cached = self.__dict__["_unit_tables"] = {
                u: tuple(({int(k): v for k, v in by["B", u, 0].items()}, by["L", u, j], by["R", u, j],
                          by["L2", u, j], by["R2", u, j]) for j in (0, 1)) for u in self.units}
        return cached

    def core_tables(self, gate: float | None) -> gapcore.GapTables:
        """The model as ``gapcore`` reads it, built once; ``gate``: how far
        from its threshold a unit's score goes to the language model (None:
        no model, the threshold is the cutoff)."""
        cache = self.__dict__.setdefault("_core_tables", {})
        held = cache.get(gate)
        if held is None:
            w = self.weights
            held = cache[gate] = gapcore.GapTables(
                units=self.unit_tables(), number=self.number_shifts(), unseen=tuple(self.unseen),
                marks=(w["left_mark"], w["right_mark"], w["right_number"]),
                cutoffs={u: t if gate is None else t + gate for u, t in self.thresholds.items()},
                pairs_left=frozenset(self.pairs_left), pairs_right=frozenset(self.pairs_right),
                words=frozenset(self.words), chains=frozenset(self.chains), unit_chars=self.unit_chars,
                spoken=dict(self.spoken))
        return held

    def number_shifts(self) -> dict[str, float]:
        self.unit_tables()
        return self._by["N", "*", 0]

    def _right(self, text: str, i: int, j: int) -> bool:
        return any(text[i:b] in self.words for b in range(j + 1, min(i + 4, len(text)) + 1))

    def _odds(self, table: str, unit: str, joined: int, ctx: str, prior: float, own: str | None) -> float:
        """How far this context moves the odds of a number from ``prior``."""
        g, c = self.tables.get((table, unit, joined), {}).get(ctx, (0.0, 0.0))
        if own == "num":
            g = max(0.0, g - 1)
        elif own == "bare":  # a context seen once is not stored: nothing to leave out
            c = max(0.0, c - 1)
        alpha = self.params["alpha"]
        return math.log((g + alpha * prior) / (c + alpha * (1 - prior))) - math.log(prior / (1 - prior))

    def features(self, text: str, i: int, j: int, own: str | None = None) -> list[float]:
        unit = text[i:j]
        bound = self.binding(text, i, j)
        left2, left, right, right2 = neighbours(text, i, j)
        return self.features_of(unit, bound, left2, left, right, right2, own)

    def features_of(self, unit, bound, left2, left, right, right2, own=None) -> list[float]:
        num, bare = self.units[unit]
        if own == "num":
            num -= 1
        elif own == "bare":
            bare -= 1
        prior = (num + 1) / (num + bare + 2)
        joined = int(bound > 0)
        prior_j = self._prior_j(unit, joined)
        return [self._odds("B", unit, 0, str(bound), prior, own),
                self._odds("L", unit, joined, left, prior_j, own),
                self._odds("R", unit, joined, right, prior_j, own),
                self._odds("L2", unit, joined, left2, prior_j, own),
                self._odds("R2", unit, joined, right2, prior_j, own),
                float(not left.isalnum() or left == START),
                float(not right.isalnum() or right == "$"),
                float(right == NUMBER),
                self._propensity(left, own),
                self._propensity(left2, own)]

    def _propensity(self, ctx: str, own: str | None) -> float:
        """How much more often than any text ``ctx`` stands before a number
        (共有, 达, 了 do; 这么, 穿 do not), whatever the unit."""
        num, total = self.tables.get(("N", "*", 0), {}).get(ctx, (0.0, 0.0))
        if total < (PAIR_MIN if len(ctx) > 1 else 2):  # not shipped: as if never seen
            num = total = 0.0
        if own == "num":
            num, total = max(0.0, num - 1), max(0.0, total - 1)
        elif own == "bare":
            total = max(0.0, total - 1)
        p0 = self.params.get("p0", 0.02)
        return math.log((num + 20 * p0) / (total + 20)) - math.log(p0)

    def score_at(self, text: str, i: int, j: int) -> float:
        """The score of the unit at ``text[i:j]``, from the shipped shifts."""
        return self.fast_score(text[i:j], self.binding(text, i, j), *neighbours(text, i, j))

    def fast_score(self, unit: str, bound: int, left2: str, left: str, right: str, right2: str) -> float:
        """``score(features_of(...))``, from shifts weighted once per context."""
        by = self.__dict__.get("_by")
        if by is None:  # the shifts grouped by table, unit and joined: plain string keys
            by = self.__dict__["_by"] = defaultdict(dict)
            for (table, u, j, ctx), v in self.shifts.items():
                by[table, u, j][ctx] = v
        joined = int(bound > 0)
        w = self.weights
        number = by["N", "*", 0]
        return (by["B", unit, 0].get(str(bound), 0.0) + by["L", unit, joined].get(left, 0.0)
                + by["R", unit, joined].get(right, 0.0) + by["L2", unit, joined].get(left2, 0.0)
                + by["R2", unit, joined].get(right2, 0.0)
                + (w["left_mark"] if not left.isalnum() or left == START else 0.0)
                + (w["right_mark"] if not right.isalnum() or right == "$" else 0.0)
                + (w["right_number"] if right == NUMBER else 0.0)
                + number.get(left, self.unseen[0]) + number.get(left2, self.unseen[1]))

    def weighted(self) -> dict[tuple, float]:
        """The weighted shift of every counted context (for the shipped file)."""
        names = {"B": "bind", "L": "left", "R": "right", "L2": "left2", "R2": "right2"}
        out = {}
        for (table, unit, joined), contexts in self.tables.items():
            for ctx in contexts:
                if table == "N":
                    name = "before_number2" if len(ctx) > 1 else "before_number"
                    out[table, unit, joined, ctx] = self.weights[name] * self._propensity(ctx, None)
                    continue
                if table == "B":
                    f = self.features_of(unit, int(ctx), "", "", "", "")[0]
                else:
                    f = self._odds(table, unit, joined, ctx, self._prior_j(unit, joined), None)
                out[table, unit, joined, ctx] = self.weights[names[table]] * f
        return out

    def _prior_j(self, unit: str, joined: int) -> float:
        levels = self.tables.get(("B", unit, 0), {})
        gj = sum(g for lv, (g, _c) in levels.items() if (lv != "0") == bool(joined))
        cj = sum(c for lv, (_g, c) in levels.items() if (lv != "0") == bool(joined))
        return (gj + 1) / (gj + cj + 2)

    def score(self, feats: list[float]) -> float:
        w = self.weights
        return sum(w[name] * f for name, f in zip(FEATURES, feats))


class PackedCounts:
    """The language model's counts, string -> (count, followers, distinct
    followers), held compactly: a string of at most four characters of the
    Basic Multilingual Plane, none of them NUL (all the shipped ones), is
    one 64-bit integer (16 bits a character, the first one highest,
    NUL-padded: the integers sort as the strings do, so the shipped file,
    written in string order, needs no sort), in an ``array('Q')`` searched
    with ``bisect`` within the strings of its first character; the three
    counts sit in ``array('I')`` at the same index; any other string in a
    small dict of indexes.

    Why: as a dict of strings to tuples of ints the 163,000 shipped strings
    took some 40 MB of every process that loads the model (a tiny file's run
    peaked at 117 MB, now 56); these arrays take about 3 MB, and a lookup
    stays a handful of C-level steps."""

    def __init__(self, keys: list[str] | None, count, followers, kinds, codes: array | None = None):
        """Four columns, one row a string (a repeated string: its last row
        counts, as a dict would keep it); ``codes``, when every string fits,
        may stand for ``keys``."""
        codes = self.codes_of(keys) if codes is None else codes
        if codes is not None:
            n = len(codes)
            fits = range(n)
        else:
            n = len(keys)
            codes = [self.pack(k) for k in keys]
            fits = [k for k in range(n) if codes[k] is not None]
        if len(fits) == n and all(map(operator.lt, codes, itertools.islice(codes, 1, None))):
            # the shipped file: rows in string order, which is the codes' order
            self.keys = codes if isinstance(codes, array) else array("Q", codes)
            self.count, self.followers, self.kinds = (array("I", col) for col in (count, followers, kinds))
            self.n, self.other = n, {}
            self._index()
            return
        order = sorted(fits, key=codes.__getitem__)
        # a repeated string: its last row (the sort keeps the rows' order)
        order = [k for pos, k in enumerate(order) if pos + 1 == len(order) or codes[order[pos + 1]] != codes[k]]
        self.keys = array("Q", map(codes.__getitem__, order))
        self.n = len(self.keys)
        other = {keys[k]: k for k in range(n) if codes[k] is None} if len(fits) < n else {}
        seq = order + list(other.values())
        self.count, self.followers, self.kinds = (array("I", map(col.__getitem__, seq))
                                                  for col in (count, followers, kinds))
        self.other = {key: self.n + pos for pos, key in enumerate(other)}
        self._index()

    def _index(self) -> None:
        # where the strings of each first character start: a search spans one
        # character's strings, not the whole table (256 kB)
        keys = self.keys
        self.starts = array("I", (bisect_left(keys, c << 48) for c in range(0x10001)))

    @staticmethod
    def codes_of(keys: list[str]) -> array | None:
        """Every string packed (``pack``) in one go, four UTF-16 units each,
        NUL-padded; None when one does not fit."""
        joined = "".join(keys)
        if "\x00" in joined or (keys and max(map(len, keys)) > 4) or (joined and max(joined) > "\uffff"):
            return None
        codes = array("Q")
        codes.frombytes("".join([k.ljust(4, "\x00") for k in keys]).encode("utf-16-be", "surrogatepass"))
        if sys.byteorder == "little":
            codes.byteswap()
        return codes

    @staticmethod
    def strings_of(codes: array) -> list[str]:
        """``codes_of`` undone."""
        c = array("Q", codes)
        if sys.byteorder == "little":
            c.byteswap()
        s = c.tobytes().decode("utf-16-be", "surrogatepass")
        return [s[k:k + 4].rstrip("\x00") for k in range(0, len(s), 4)]

    @classmethod
    def of_rows(cls, rows) -> "PackedCounts":
        """From rows: string, count, followers, distinct followers."""
        keys, count, followers, kinds = [], array("I"), array("I"), array("I")
        for row in rows:
            keys.append(row[0])
            count.append(int(row[1]))
            followers.append(int(row[2]))
            kinds.append(int(row[3]))
        return cls(keys, count, followers, kinds)

    @staticmethod
    def pack(key: str) -> int | None:
        """The string as one integer, or None when it does not fit."""
        if len(key) > 4 or "\x00" in key:
            return None
        b = key.ljust(4, "\x00").encode("utf-16-be", "surrogatepass")
        return int.from_bytes(b, "big") if len(b) == 8 else None

    def find(self, key: str) -> int:
        """The index of ``key``'s counts, or -1."""
        n = len(key)
        if n <= 4 and "\x00" not in key:  # ``pack``, inline: the model's every step
            b = key.encode("utf-16-be", "surrogatepass")
            if len(b) == 2 * n:
                code = int.from_bytes(b, "big") << (64 - 16 * n)
                keys, starts = self.keys, self.starts
                c = code >> 48
                pos = bisect_left(keys, code, starts[c], starts[c + 1])
                return pos if pos < self.n and keys[pos] == code else -1
        return self.other.get(key, -1)

    def get(self, key: str, default=None):
        pos = self.find(key)
        return default if pos < 0 else (self.count[pos], self.followers[pos], self.kinds[pos])

    def __len__(self) -> int:
        return self.n + len(self.other)


# Strings remembered per memo of the language model (its probabilities,
# table indexes and ratios): a page asks about the same strings again and
# again, a large file's pieces about ever new ones.  Each memo is cleared
# when full, so its memory is bounded (a memo changes no score); 20,000 each
# held some 15 MB at the end of a large file.
_MEMO = 5_000


class NumberLM:
    """A character n-gram model of clean text in which every number is one
    ``#`` (interpolated Kneser-Ney, one discount), kept only where it can
    tell a lost number: strings that hold ``#`` or a unit, and the contexts
    that stand before them.

    Why: the counts above judge each neighbour of a unit on its own; a
    language model reads ``党#年来`` against ``党年来`` as whole strings,
    with the longest context clean text has seen and shorter ones where it
    has not.  ``ratio`` is how much more probable the text is with a number
    before the unit than as printed, in natural log.  A context it does
    not hold never stood before a number or a unit in the counted text: its
    share of the probability is the same on both sides and cancels, so
    these rows give the whole model's ratio (the build also drops counts
    under two from three characters up, which moves it a little)."""

    def __init__(self, rows, order: int = 4, discount: float = 0.75):
        self.order, self.d = order, discount
        # string -> (count, followers, distinct followers)
        self.stats = rows if isinstance(rows, PackedCounts) else PackedCounts.of_rows(rows)
        _c, self.total, self.types = self.stats.get("", (0, 1, 1))
        self.vocab = float(self.types + 1)
        self.memo: dict[tuple[str, str], float] = {}  # (w, h) -> prob(w, h), as computed
        self.at: dict[str, int] = {}  # string -> its index in the table, as found
        self.ratios: dict[tuple[str, str], float] = {}  # (left, unit_right) -> ratio, as computed

    @classmethod
    def load(cls, path: Path = LM_DATA) -> "NumberLM":
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        params = {}
        text = raw.decode("utf-8")
        del raw
        pos = 0
        while text.startswith("//", pos):  # the head: comments and parameters
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            if text.startswith("//=", pos):
                name, value = text[pos + 3:end].split("\t")
                params[name] = float(value)
            pos = end + 1
        # the rows in slices of some 64 kB, a slice's fields split at once: few
        # strings alive at a time, each slice's keys packed as they come
        keys, codes = None, array("Q")
        count, followers, kinds = array("I"), array("I"), array("I")
        while pos < len(text):
            end = text.find("\n", pos + 65536)
            end = len(text) if end < 0 else end
            body = "\t".join(line for line in text[pos:end].split("\n") if line).split("\t")
            pos = end + 1
            if len(body) % 4:
                raise ValueError(f"{path}: a row without its four fields")
            some = body[0::4]
            packed = PackedCounts.codes_of(some) if keys is None else None
            if packed is not None:
                codes += packed
            else:  # a string that does not fit: the table is built from the strings
                if keys is None:
                    keys = PackedCounts.strings_of(codes)
                keys += some
            count.extend(map(int, body[1::4]))
            followers.extend(map(int, body[2::4]))
            kinds.extend(map(int, body[3::4]))
        del text
        counts = PackedCounts(keys, count, followers, kinds, codes if keys is None else None)
        return cls(counts, int(params.get("order", 4)), params.get("discount", 0.75))

    def seen(self, s: str) -> bool:
        """The counted text holds ``s``, a string with a number or a unit
        (as a string or as the context of one)."""
        return self.stats.find(s) >= 0

    def prob(self, w: str, h: str) -> float:
        memo = self.memo
        p = memo.get((w, h))
        if p is None:
            if len(memo) >= _MEMO:  # a page's strings come again and again; a bound on the memory
                memo.clear()
            p = memo[w, h] = self._prob(w, h)
        return p

    def _prob(self, w: str, h: str) -> float:
        stats, d, at = self.stats, self.d, self.at
        count, follow, kinds = stats.count, stats.followers, stats.kinds
        if len(at) >= _MEMO:  # where a page's strings sit in the table; a bound on the memory
            at.clear()
        x = at.get(w)
        if x is None:
            x = at[w] = stats.find(w)
        c = count[x] if x >= 0 else 0
        p = (max(c - d, 0.0) + d * self.types / self.vocab) / self.total
        for n in range(1, min(len(h), self.order - 1) + 1):
            ctx = h[-n:]
            x = at.get(ctx)
            if x is None:
                x = at[ctx] = stats.find(ctx)
            if x < 0 or not follow[x]:
                continue
            g = at.get(ctx + w)
            if g is None:
                g = at[ctx + w] = stats.find(ctx + w)
            p = ((max(count[g] - d, 0.0) if g >= 0 else 0.0) + d * kinds[x] * p) / follow[x]
        return p

    def ratio(self, left: str, unit_right: str) -> float:
        """log P(left # unit_right) - log P(left unit_right), each character
        given the ones before it (``left``: the ``order - 1`` symbols
        before the unit; ``unit_right``: the unit and what follows)."""
        seen = self.ratios.get((left, unit_right))
        if seen is None:
            if len(self.ratios) >= _MEMO:  # a bound on the memory
                self.ratios.clear()
            seen = self.ratios[left, unit_right] = self._ratio(left, unit_right)
        return seen

    def _ratio(self, left: str, unit_right: str) -> float:
        out = 0.0
        with_n, as_is = left + NUMBER + unit_right, left + unit_right
        k, o = len(left), self.order - 1
        log = math.log
        for t in range(k, len(with_n)):
            out += log(self.prob(with_n[t], with_n[max(0, t - o):t]))
        for t in range(k, len(as_is)):
            out -= log(self.prob(as_is[t], as_is[max(0, t - o):t]))
        return out


HAN_CHAR = regex.compile(r"\p{Han}")
VIEW_NUMBER = regex.compile(r"[0-9□]+(?:[.,:][0-9]+)*")


def lm_window(text: str, i: int, j: int, before: int, after: int) -> tuple[str, str]:
    """The ``before`` symbols left of the unit at ``text[i:j]`` and the unit
    with ``after`` symbols right of it, as the model's counts read text: a
    number is ``#``, a block starts with ``^`` and ends with ``$``."""
    lo = text.rfind("\n", max(0, i - 4 * before - 8), i)
    head = text[lo + 1:i] if lo >= 0 else text[max(0, i - 4 * before - 8):i]
    if lo >= 0 or i <= 4 * before + 8:
        head = START + head
    hi = text.find("\n", j, j + 4 * after + 8)
    tail = text[j:hi] + "$" if hi >= 0 else text[j:j + 4 * after + 8] + ("$" if j + 4 * after + 8 >= len(text) else "")
    return (VIEW_NUMBER.sub(NUMBER, head)[-before:],
            text[i:j] + VIEW_NUMBER.sub(NUMBER, tail)[:after])


@lru_cache(maxsize=2)
def model(path: str = str(DATA)) -> GapModel:
    return loadcache.load(Path(path), GapModel.load, __file__, gapcore.__file__)


def lm_path(stats: Path) -> Path:
    """The language model shipped beside a counts file."""
    name = stats.name
    return stats.with_name(name.replace("gapstats", "gaplm") if "gapstats" in name else "lm-" + name)


@lru_cache(maxsize=2)
def language_model(path: str = str(LM_DATA)) -> NumberLM | None:
    return loadcache.load(Path(path), NumberLM.load, __file__) if Path(path).is_file() else None


def is_colloquial(text: str, rate: float | None) -> bool:
    """The page is speech written down (a forum thread, a chat), not edited
    prose: it holds far more modal particles (吧, 呢, 啊, 吗 …) than the
    counted text at ``rate`` per character would give it by chance (four
    standard deviations and three over a Poisson count)."""
    if not rate:
        return False
    expected = rate * len(text)
    return sum(text.count(c) for c in PARTICLES) > expected + 4 * math.sqrt(expected) + 3


def mark_gaps(doc: Doc) -> Doc:
    """The built-in stage: mark and flag every unit the counts say lost its
    number.  A gap marked makes its neighbour's number missing too
    (`年□月日`): the page is scanned again until nothing changes.  A pass
    only ever adds markers, at most one before each unit, so this ends."""
    if doc.kinds is None or not DATA.is_file():
        return doc
    if laid_out(doc):
        # an article this program wrote was looked at on its whole raw page,
        # whose own words count as evidence (a unit and its neighbour shown
        # three times there, never after a digit); its body alone holds less
        # of that evidence, so reading it again would only change its answer
        return doc
    while True:
        before = len(doc.changes)
        _mark_once(doc)
        if len(doc.changes) == before:
            return doc


def damaged(marked: int, chars: int, rate: float | None) -> bool:
    """The page shows more gaps than clean text gives by chance: ``marked``
    gaps on ``chars`` characters, where clean text gets false ones at
    ``rate`` per character (the counts' false-flag budget), is below one
    chance in a hundred under a Poisson count.  A scraper that drops one
    number drops others on the same page; clean news of a page's length
    almost never shows two or three (the threshold grows with the page:
    2 gaps on 1,500 characters, 3 on 5,000, 13 on 100,000)."""
    if not rate or marked < 2:
        return False
    lam = rate * chars
    term = total = math.exp(-lam)
    for k in range(1, marked):
        term *= lam / k
        total += term
    return 1.0 - total < DAMAGE_CHANCE


DAMAGE_CHANCE = 0.01  # a page is damaged when clean text shows its count of gaps less often than this


def _scored(text: str, gm: GapModel, lm, colloquial: bool, low: float):
    """Every unit the core scores within reach of its threshold, lowered by
    ``low`` (the most any unit goes down on a damaged page): offsets, units
    and the counts' scores, asked once and judged once or twice."""
    spans = array("i", [k for m in gm.core_scan.finditer(text) for k in m.span()])
    # the per-unit decision, over plain data (gapcore): with the language
    # model, the units within its gate of their threshold; without, the gaps
    gate = gm.params["lm_gate"] if lm is not None else 0.0
    return SCORE_UNITS(text, spans, gm.core_tables(gate - low if lm is not None or low else None), colloquial)


def _next(text: str, j: int) -> str:
    """The character after a unit ending at ``j`` as the counts read it: a
    number ``#``, a block's end ``$``."""
    c = text[j] if j < len(text) else "\n"
    return NUMBER if c in NUMBERED_CHARS else "$" if c == "\n" else c


ROUND = "十百千"  # a round number written in words before a measure word: 百家, 千名
CLAUSE_ENDS = "。！？；\n"


def in_round_numbers(text: str, i: int, measure_chars) -> bool:
    """The sentence before ``i`` already counts in round numbers written in
    words, a numeral right before a measure word (`辐射百家党支部、千名党员、`):
    a 万 or 亿 there (`万名职工`) is the next such number, not a lost one's
    unit.  Looked at 30 characters back, to the sentence's start."""
    lo = max(text.rfind(c, max(0, i - 30), i) for c in CLAUSE_ENDS) + 1
    seg = text[max(lo, i - 30):i]
    return any(seg[k] in ROUND and seg[k + 1] in measure_chars for k in range(len(seg) - 1))


APPROXIMATE = "余多"  # after a number, the number's own "and more": the unit after them is its unit

CLOSERS = "”’」』）)】]"  # the closing marks a number can stand in right before its unit
ENCLOSED = regex.compile(r"[“‘「『（(【\[]{1,2}(?:[0-9.]+|[〇零一二两三四五六七八九十百千]+)[”’」』）)】\]]{1,2}$")
CLAUSE_OPENS = "。；：，、！？;:,!? \t\n"  # before a bracket: it opens a clause, a list's marker


def enclosed_before(text: str, i: int) -> bool:
    """The unit at ``i`` has its number in quotes or brackets right before
    it, inside a clause: `第“（2）”项规定` (the item's number is the quoted
    2).  A scraper drops the digits before a unit, never the digits inside
    marks before it.  A bracket that opens a clause (at a line's start,
    after 。；：，、 or a space) is a list's marker, not the unit's number:
    `如下：（1）万元以下` lost its number after the marker.  A name in Latin
    letters is no number (`生产总值（GDP）亿元` lost one)."""
    m = ENCLOSED.search(text, max(0, i - 12), i)
    return m is not None and m.start() > 0 and text[m.start() - 1] not in CLAUSE_OPENS


ARABIC_NUMBER = regex.compile(r"[0-9]+(?:[.,:][0-9]+)*")


def written_after_numbers(text: str) -> set[str]:
    """The two and three symbols after each number of the page, as the
    counts read text (a number ``#``, a block's end ``$``): `3万亩` gives
    万亩 and 万亩农.  A marked gap is no number."""
    view = ARABIC_NUMBER.sub(NUMBER, text).replace("\n", "$")
    out = set()
    for m in regex.finditer(regex.escape(NUMBER), view):
        p = m.end()
        out.add(view[p:p + 2])
        if p + 3 <= len(view):
            out.add(view[p:p + 3])
    return out


def _candidates(doc: Doc, text: str, gm: GapModel, lm, colloquial: bool, scored, damaged_page: bool) -> list:
    """The scored units that pass their threshold, lowered on a damaged page
    by the unit's own shift (``GapModel.damage``), or by the shift of the
    unit and the character after it where the counts judged that pair on
    its own (``GapModel.damage_right``: 年底, 多条): (offset, unit, the
    character after it).  A unit that is a numeral itself (万, 亿) before a
    unit or measure word (万名, 亿元) keeps its threshold in a sentence that
    counts in round numbers written in words (`千名党员、万名职工`): there it
    is the number itself."""
    thresholds, n, damage, measure_chars = gm.thresholds, len(text), gm.damage, gm.measure_chars
    damaged_only, damage_right = gm.damaged_only, gm.damage_right
    page_weight = gm.params.get("page_weight", 0.0) if damaged_page else 0.0
    seen = written_after_numbers(text) if page_weight else ()
    gate = 0.0
    if lm is not None:
        lm_weight, gate, o = gm.params["lm_weight"], gm.params["lm_gate"], lm.order - 1
    starts = doc.block_starts()
    found = []
    for i, unit, score in zip(*scored):
        j = i + len(unit)
        if unit in damaged_only and not damaged_page:
            continue  # common without a number in clean text (个人, 到处): judged only where numbers are lost
        if i and text[i - 1] in APPROXIMATE and unit not in APPROXIMATE:
            continue  # 20余平方公里, 公路□余公里: a lost number goes before 余 / 多, never between it and its unit
        if i and text[i - 1] in CLOSERS and enclosed_before(text, i):
            continue  # 第“（2）”项: the number stands in marks before it
        t = thresholds[unit]
        if damaged_page and (unit not in NUMERALS or j >= n or text[j] not in measure_chars
                             or not in_round_numbers(text, i, measure_chars)):
            t -= damage_right.get((unit, _next(text, j)), damage.get(unit, 0.0)) if damage_right else damage.get(unit, 0.0)
        if page_weight and unit + _next(text, j) in seen and not gm.binding(text, i, j):
            t -= page_weight  # the page writes this unit and its next character after a number elsewhere
        if score <= t + gate:
            continue  # below the threshold, or beyond the model's reach of it
        if lm is not None:
            if colloquial:
                _l2, left, right, _r2 = neighbours(text, i, j)
                if not ((not HAN_CHAR.match(left) or lm.seen(left + NUMBER))
                        and (not HAN_CHAR.match(right) or lm.seen(NUMBER + unit + right))):
                    # speech: a Han character beside the unit must have stood beside a
                    # number in the counted text (not 矮个, nor 日漫 at a post's start)
                    continue
            # near the threshold: the language model reads the whole string
            left_w, right_w = lm_window(text, i, j, o, max(0, o - len(unit)))
            score += lm_weight * lm.ratio(left_w, right_w)
        if score > t and doc.kinds[doc.block_index(starts, i)] in KINDS:
            found.append((i, unit, text[j] if j < n else "$"))
    return found


def _kept(doc: Doc, text: str, found: list) -> list:
    """``found`` less a word of the page (a unit and its next character
    three times or more, never after a number there: 日厂) and what a keep
    of the digits rules covers."""
    pairs = Counter(text[i:i + len(u) + 1] for i, u, _r in found)
    keeps = doc.settings.get("_gap_keeps", ())
    out = []
    for i, unit, right in found:
        pair = text[i:i + len(unit) + 1]
        if pairs[pair] >= 3 and not regex.search(r"\d" + regex.escape(pair), text):
            continue
        if any(k in text[max(0, i - len(k) + 1):i + len(k)] for k in keeps):
            continue  # a keep of the digits rules covers it
        out.append((i, unit, right))
    return out


def _mark_once(doc: Doc) -> None:
    gm = model(str(DATA))
    marker = doc.gap_marker
    # the counts and the scan know a marked gap as □: with another marker the
    # page is read with it as □ (same length, same offsets), so that what is
    # marked does not depend on the marker chosen
    shown_text = doc.text
    text = shown_text if marker == GAP else shown_text.replace(marker, GAP)
    colloquial = is_colloquial(text, gm.params.get("particles"))
    lm = language_model(str(lm_path(DATA))) if "lm_weight" in gm.params else None
    rate = gm.params.get("damage_rate")
    low = (max([*gm.damage.values(), *gm.damage_right.values()], default=0.0)
           + max(0.0, gm.params.get("page_weight", 0.0))) if rate else 0.0
    scored = _scored(text, gm, lm, colloquial, low)
    found = _kept(doc, text, _candidates(doc, text, gm, lm, colloquial, scored, False))
    if low:
        # a page that already shows more gaps than clean text does by chance
        # lost numbers elsewhere too: its units are judged at lower
        # thresholds (the odds of a lost number are higher there)
        marked = sum(f.rule.startswith("digits.") for f in doc.flags) + len(found)
        if damaged(marked, len(text), rate):
            found = _kept(doc, text, _candidates(doc, text, gm, lm, colloquial, scored, True))
    edits = []
    for i, unit, right in found:
        edits.append((i, i, marker))
        word = unit + (right if regex.match(r"\p{Han}", right) else "")
        shown = (shown_text[max(0, i - 6):i].rpartition("\n")[2] + marker
                 + shown_text[i:i + 6].partition("\n")[0]).strip()[:80]
        doc.flag(Flag(RULE_ID, doc.line_at(i), shown,
                      f"no number before “{unit}” ({word}): clean text has a number there"))
    doc.edit(edits, RULE_ID)


SCORE_UNITS = gapcore.IMPLEMENTATIONS["python"]  # the core: the reference, or a faster implementation of it
