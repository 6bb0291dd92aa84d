"""Interleaved columns: detect them, flag them, re-join only what is certain.

Why a pass of its own, after the article split: converters without page
geometry (PDF to Markdown) merge the text blocks of two columns by height,
so an article's blocks alternate between its columns.  The unwrapper joins
a block that stops mid-sentence to the next one, as it must on a page in
reading order, and the article then reads in the wrong order with no word to
the archivist.  Reordering from text alone is not reliable (the next block
of a column is often one of several that read on plausibly); noticing it is:
where a block stops mid-sentence and a block a converter could have put
after it goes on from its last characters far better than the next one, the
page is out of order there.  The pass works per article, so a continuation
is only ever looked for in the same article.

* **Blocks** are the runs of raw lines that the unwrapper joined across a
  blank (or removed) line, on an article whose raw lines are mostly wide (a
  converter's blocks of printed lines).  The narrow printed lines of an OCR
  column stay whole paragraphs: such a page is in reading order line by line.
  **Printed lines** are the space-separated runs of a block that is one raw
  line: a converter that merges lines, not blocks, by height alternates
  them between columns (the PDF sample shows both).
* **Fit** of a tail (the last two characters) to a head (the first two):
  how much more likely the head is after the tail than on its own, from
  character unigram, bigram and trigram counts of clean news text shipped in
  ``data/ngram.txt.gz`` (built by ``scripts/build_ngram.py``; nothing is
  downloaded).  Fits are integers (hundredths of a nat), so nothing depends
  on float summation order.
* **Evidence** at a junction that stops mid-sentence: the best fit among
  its rivals less the fit of the next block (rivals: the heads of the blocks
  up to four on and one back, and the later lines of the next block; for a
  printed line, the lines up to four on and one back), clipped and less a
  bias, so a junction that reads on best counts a little against.  An
  article whose block junctions, or whose printed-line junctions, add up to
  a threshold is judged interleaved.  The weights were set on corpus
  articles that ``scripts/eval_interleave.py`` does not measure on.  Cost:
  a printed line that reads on well into the next is not compared with
  rivals, and once an article's printed lines are far in order the rest go
  unasked (a one-column page has hundreds, all right).
* **Flagged**: each suspect junction of an article judged interleaved
  (``unwrap.interleaved-columns``: the raw line where the sentence stops,
  ``tail‖head``, the raw line of the text that fits better); the text stays
  in file order.
* **Re-joined** only where a block stops inside a word (Han on both sides)
  and one block a converter could have put after it is its best continuation
  among all the article's blocks, and it the best predecessor of that block
  among all that stop mid-sentence, each by a wide margin: that block is
  moved to follow it (``unwrap.interleaved-rejoin`` in ``changes``; a flag
  names both raw lines).  Nothing is dropped: blocks only move.
"""
from __future__ import annotations

import bisect
import gzip
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from . import loadcache, structure as st
from .builtins import normalize_line_ends
from .doc import Flag
from .posts import typed_lines

RULE = "unwrap.interleaved-columns"
REJOIN = "unwrap.interleaved-rejoin"
MODEL = Path(__file__).resolve().parent / "data" / "ngram.txt.gz"

BLOCK_MIN = 24        # a raw line at least this long is a converter's block, not a printed column line
AHEAD, BACK = 4, 1    # rivals of a block's successor: up to 4 blocks on, 1 back
# a junction's evidence (log-odds in hundredths): clipped to (low, high), less a bias
BLOCK = (-300, 1200, 50)     # a block stopped mid-sentence
LINE = (-100, 1200, 100)     # a printed line stopped mid-sentence inside a block
THRESHOLD = 200       # an article whose block junctions add up to this is judged interleaved
LINE_THRESHOLD = 400  # … or whose printed-line junctions do
LINE_FITS = 300       # a printed line that goes on this well into the next counts against, rivals unasked
LINE_GIVE_UP = -3000  # printed-line evidence this far against: the rest of the article's lines go unasked
PIECE_MIN = 8         # a space-separated run at least this long is a printed line
SUSPECT = 300         # a junction flagged: a rival fits this much better than its successor
CERTAIN = 600         # a re-join needs this margin over every rival, both ways
# tails and heads remembered (each some 400 bytes: a tuple, its strings and
# numbers): a page asks about the same few again and again, a large file's
# pieces about ever new ones, up to the bound (100,000 of each was some 80
# MB).  Cleared when full: a memo changes no fit.
_MEMO = 5_000


class Model:
    """Character counts (Witten-Bell interpolated: a history's weight is
    the number of different characters seen after it) and the integer fit
    of a head after a tail."""

    def __init__(self, data: bytes):
        uni, bi, tri, total = _counts(data.decode("utf-8"))
        self.total = total
        self.uni, self.bi, self.tri = uni, bi, tri
        self.vocab = len(uni) + 1
        # distinct continuations of each history (Witten-Bell weights), counted in C
        self.t1: dict[str, int] = dict(Counter(map(itemgetter(0), bi)))
        self.t2: dict[str, int] = dict(Counter(map(itemgetter(slice(None, 2)), tri)))

        self._unseen = 1 / (total + self.vocab)
        self._tails: dict[str, tuple] = {}
        self._heads: dict[str, tuple] = {}
        self._p1 = {c: (n + 1) / (total + self.vocab) for c, n in uni.items()}

    def p1(self, c: str) -> float:
        return self._p1.get(c, self._unseen)

    def p2(self, b: str, c: str) -> float:
        t = self.t1.get(b, 0)
        if not t:
            return self.p1(c)
        return (self.bi.get(b + c, 0) + t * self.p1(c)) / (self.uni.get(b, 0) + t)

    def alone(self, head: str) -> float:
        """log-probability of a head's first two characters with nothing before them."""
        s = math.log(self.p1(head[0]))
        if len(head) > 1:
            s += math.log(self.p2(head[0], head[1]))
        return s

    def tail(self, t: str) -> tuple:
        """What a tail brings to every fit, computed once: its last character
        and the counts of its one- and two-character histories."""
        got = self._tails.get(t)
        if got is None:
            b = t[-1]
            ab = t[-2:] if len(t) > 1 else ""
            got = (b, ab, self.t1.get(b, 0), self.uni.get(b, 0), self.t2.get(ab, 0), self.bi.get(ab, 0))
            if len(self._tails) > _MEMO:
                self._tails.clear()
            self._tails[t] = got
        return got

    def head(self, h: str) -> tuple:
        """What a head brings: its characters, ``p1`` of the first, ``p2`` of
        the second after the first, and its log-probability alone."""
        got = self._heads.get(h)
        if got is None:
            c = h[0]
            d = h[1] if len(h) > 1 else ""
            got = (c, d, self.p1(c), self.p2(c, d) if d else 1.0, self.alone(h))
            if len(self._heads) > _MEMO:
                self._heads.clear()
            self._heads[h] = got
        return got

    def fit(self, tail: str, head: str) -> int:
        """How much better (log, in hundredths) ``head`` reads after ``tail``
        than with nothing before it: an integer."""
        return self.fit_parts(self.tail(tail), self.head(head))

    def fit_parts(self, tail: tuple, head: tuple) -> int:
        """``fit`` from ``tail()`` and ``head()``: the trigram estimate of
        each head character, inlined, as it runs for every pair a check compares."""
        b, ab, tb, nb, tab, nab = tail
        c, d, p1c, p2cd, alone = head
        bc = b + c
        n_bc = self.bi.get(bc, 0)
        p = (n_bc + tb * p1c) / (nb + tb) if tb else p1c
        if tab:
            p = (self.tri.get(ab + c, 0) + tab * p) / (nab + tab)
        s = math.log(p)
        if d:
            q = p2cd
            tbc = self.t2.get(bc, 0)
            if tbc:
                q = (self.tri.get(bc + d, 0) + tbc * q) / (n_bc + tbc)
            s += math.log(q)
        return round(100 * (s - alone))


def _counts(text: str) -> tuple[dict, dict, dict, int]:
    """The file's unigram, bigram and trigram counts and its ``# total``,
    line by line: any line that is empty or a comment is skipped.

    The file as ``build_ngram.py`` writes it (comments on top, then one
    ``key<TAB>count`` a line) is split in a few calls that run in C, not a
    Python step per line: the model loads once per process, and its 185,000
    lines were nearly a third of the instructions of cleaning 40 pages.
    Any other file is read line by line (``_counts_by_line``), with the
    same result."""
    pos, total = 0, 1
    while text.startswith(("#", "\n"), pos):  # the comment lines on top
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        if text.startswith("# total\t", pos):
            total = int(text[pos:end].split("\t")[1])
        pos = end + 1
    body = text[pos:-1] if text.endswith("\n") else text[pos:]
    if not body or "\n#" in body or "\n\n" in body or body.count("\t") != body.count("\n") + 1:
        return _counts_by_line(text)
    flat = body.replace("\n", "\t").split("\t")
    keys, counts = flat[0::2], flat[1::2]
    digits = "".join(counts)  # every count plain digits (a line without its tab would shift keys into them)
    if not (digits.isascii() and digits.isdigit()):
        return _counts_by_line(text)
    # unigrams, then bigrams, then trigrams: where each order starts, and a
    # check that every key of a section has its order's length (the keys
    # joined by tabs have a tab after every n characters)
    a, b = bisect.bisect_left(keys, 2, key=len), bisect.bisect_left(keys, 3, key=len)
    sections = ((1, 0, a), (2, a, b), (3, b, len(keys)))
    for n, x, y in sections:
        joined = "\t".join(keys[x:y])
        if len(joined) != (n + 1) * (y - x) - 1 or joined[n::n + 1] != "\t" * (y - x - 1):
            return _counts_by_line(text)
    values = list(map(int, counts))
    uni, bi, tri = (dict(zip(keys[x:y], values[x:y])) for _, x, y in sections)
    return uni, bi, tri, total


def _counts_by_line(text: str) -> tuple[dict, dict, dict, int]:
    """``_counts`` for any file: a Python step per line."""
    uni, bi, tri = {}, {}, {}
    total = 1
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            if line.startswith("# total\t"):
                total = int(line.split("\t")[1])
            continue
        key, _, count = line.rpartition("\t")
        (uni, bi, tri)[len(key) - 1][key] = int(count)
    return uni, bi, tri, total


@lru_cache(maxsize=1)
def model() -> Model:
    return loadcache.load(MODEL, lambda path: Model(gzip.decompress(path.read_bytes())), __file__)


@dataclass
class Unit:
    """A converter's block inside a paragraph (or a whole paragraph), or
    one printed line of such a block."""

    block: int          # index in the article's blocks
    start: int          # offsets in that block's text
    end: int
    first: int          # raw lines
    last: int
    text: str
    group: int = 0      # the index of its block (of itself, for a block)

    @property
    def open(self) -> bool:
        """Stops mid-sentence: its file successor is joined to it by the unwrapper."""
        return not st.ends_sentence(self.text)


def units_of(blocks: list[tuple[str, str, object]]) -> list[Unit]:
    """The converter's blocks inside an article's paragraphs: the runs of
    raw lines with a blank (or removed) line between them, on an article
    whose raw lines are mostly wide (a converter's blocks, not the printed
    lines of an OCR column: those stay whole paragraphs).

    ``blocks``: ``(kind, text, origin)``; only ``p`` blocks with an origin count."""
    runs = []   # per block: (block, where each of its raw lines starts, its length)
    widths = []
    for bi, (kind, text, org) in enumerate(blocks):
        if kind != "p" or org is None or not text:
            continue
        start, n, its = 0, len(text), []
        while start < n:
            its.append(start)
            line = org[start]
            end = bisect.bisect_right(org, line, start, n)  # origins grow along a block
            if end <= start or org[end - 1] != line:
                end = start + 1
                while end < n and org[end] == line:
                    end += 1
            widths.append(end - start)
            start = end
        runs.append((bi, its, n))
    if not runs:
        return []
    widths.sort()
    wide = widths[len(widths) // 2] >= BLOCK_MIN
    out: list[Unit] = []
    for bi, its, n in runs:
        org = blocks[bi][2]
        if not wide:  # every raw line of a block joins the first: one unit, made at once
            out.append(Unit(bi, 0, n, org[0], org[n - 1], ""))
            continue
        out.append(Unit(bi, 0, n, org[0], org[n - 1], ""))
        for start in its[1:]:  # a blank (or removed) line before a raw line: a new block begins there
            if org[start] - org[start - 1] >= 2:
                u = out[-1]
                u.end, u.last = start, org[start - 1]
                out.append(Unit(bi, start, n, org[start], org[n - 1], ""))
    for k, u in enumerate(out):  # (each text cut once, not again as every raw line of its block adds to it)
        u.group = k
        u.text = blocks[u.block][1][u.start:u.end]
    return out


def lines_of(units: list[Unit], raw_lines: list[str], first_line: int = 1) -> list[Unit]:
    """The printed lines inside each block that is one raw line: a converter
    joins them with a space, and one that merges lines (not only blocks) by
    height alternates them between columns.  Found by the raw line's spaces,
    mapped to the cleaned text by its Han characters (a block whose Han
    characters changed stays whole)."""
    out: list[Unit] = []
    for gi, u in enumerate(units):
        at = u.first - first_line  # raw_lines[0] is raw line first_line (a piece of a large file)
        pieces = _pieces(raw_lines[at]) if u.first == u.last and 0 <= at < len(raw_lines) else []
        cuts = _cuts(u.text, pieces) if len(pieces) > 1 else None
        if not cuts:  # (a unit of units_of is its own line: its group is its index already)
            out.append(u if u.group == gi else Unit(u.block, u.start, u.end, u.first, u.last, u.text, gi))
            continue
        bounds = [0] + cuts + [len(u.text)]
        for a, b in zip(bounds, bounds[1:]):
            out.append(Unit(u.block, u.start + a, u.start + b, u.first, u.last, u.text[a:b], gi))
    return out


def _pieces(raw: str) -> list[str]:
    """A raw line's runs between spaces, a short run (a number set off by
    spaces) kept with its neighbour."""
    merged: list[str] = []
    for p in raw.split():
        if merged and (len(p) < PIECE_MIN or len(merged[-1]) < PIECE_MIN):
            merged[-1] += p
        else:
            merged.append(p)
    return merged


def _cuts(text: str, pieces: list[str]) -> list[int] | None:
    """Offsets in ``text`` where each piece after the first begins: by
    length when the cleaning kept the line's length (spaces aside), else by
    its Han characters."""
    total = sum(map(len, pieces))
    if total == len(text):
        cuts, at = [], 0
        for p in pieces[:-1]:
            at += len(p)
            cuts.append(at)
        return cuts
    # the Han characters as runs (a match per run, not per character) and
    # how many come before each run: the k-th is found by bisect
    runs = [m.span() for m in _HAN_RUN.finditer(text)]
    before = [0]
    for a, b in runs:
        before.append(before[-1] + b - a)
    total = before[-1]
    cuts, seen = [], 0
    for p in pieces:
        own = [m.span() for m in _HAN_RUN.finditer(p)]
        if not own:
            return None
        seen += sum(b - a for a, b in own)
        if seen > total:
            return None
        k = bisect.bisect_left(before, seen) - 1  # the run holding the seen-th Han character
        at = runs[k][0] + seen - before[k] - 1
        cut = at + 1 + (len(p) - own[-1][1])  # the marks after its last Han character
        if not 0 < cut <= len(text) or (cuts and cut <= cuts[-1]):
            return None
        cuts.append(cut)
    if seen != total or cuts[-1] != len(text):
        return None
    return cuts[:-1]


# the characters _is_han accepts, as a class for the standard library's engine: runs of them (a whole block at once)
_HAN_RUN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0010ffff]+")


def _is_han(ch: str) -> bool:
    """A Han character (the CJK blocks; a comparison, not a regex: it runs on every character of a block)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff" \
        or ch >= "\U00020000"


def _tail_ok(t: str) -> bool:
    """A clause cut in two: the block stops on a Han character or a mark that opens or lists."""
    return bool(t) and (t[-1] in "，、“《（" or _is_han(t[-1]))


def _head_ok(t: str) -> bool:
    return bool(t) and (t[0] in "“《（" or _is_han(t[0]))


def junctions(lines: list[Unit], m: Model) -> list[tuple[int, int, int, int, str]]:
    """Every printed line or block that stops mid-sentence and runs on into
    the next: ``(i, rival, fit of the next, fit of the rival, kind)``, kind
    ``block`` (the next is another block) or ``line`` (inside a block).

    The rival is the best of the places a converter merging two columns by
    height puts the true continuation: after a block, the heads of the
    blocks a few on (or the one before) and the later lines of the next
    block; after a printed line inside a block, the lines a few on."""
    n = len(lines)
    groups = [u.group for u in lines]
    starts = [0] + [k for k in range(1, n) if groups[k] != groups[k - 1]]  # the first line of each block
    ends = starts[1:] + [n]
    heads = [u.text[:2] for u in lines]
    ok = [_head_ok(h) for h in heads]
    hp: dict[int, tuple] = {}
    head, fit_parts = m.head, m.fit_parts
    lo, hi, bias = LINE

    def fit(tail: tuple, j: int) -> int:
        got = hp.get(j)
        if got is None:
            got = hp[j] = head(heads[j])
        return fit_parts(tail, got)

    rows = []
    line_evidence = 0
    i = -1
    while i < n - 2:
        i += 1
        inner = groups[i] == groups[i + 1]
        if inner and line_evidence <= LINE_GIVE_UP:
            # the printed lines read on in order: no need to ask the rest of
            # this block's, on to its last line (whose junction is a block's)
            i = ends[bisect.bisect_right(starts, i) - 1] - 2
            continue
        if not ok[i + 1]:
            continue
        u, s = lines[i], lines[i + 1]
        if not (s.block - u.block <= 1 and _tail_ok(u.text) and u.open):
            continue
        if inner:
            rivals = range(max(0, i - BACK), min(n, i + AHEAD + 1))
        else:
            g = s.group
            rivals = [starts[h] for h in range(max(0, u.group - BACK), min(len(starts), u.group + AHEAD + 1))]
            rivals += list(range(starts[g] + 1, ends[g]))
        tail = m.tail(u.text[-2:])
        f_succ = fit(tail, i + 1)
        if inner and f_succ >= LINE_FITS:
            rows.append((i, i + 1, f_succ, f_succ + LINE[0], "line"))  # reads on well: no rival asked
            line_evidence += LINE[0] - LINE[2]
            continue
        best_j, best_f = -1, None
        for j in rivals:
            if j == i or j == i + 1 or not ok[j]:
                continue
            f = fit(tail, j)
            if best_f is None or f > best_f:
                best_j, best_f = j, f
        if best_f is None:
            best_j, best_f = i + 1, f_succ
        rows.append((i, best_j, f_succ, best_f, "line" if inner else "block"))
        if inner:
            line_evidence += min(hi, max(lo, best_f - f_succ)) - bias  # (_evidence of this row)
    return rows


def _evidence(rows, lo: int, hi: int, bias: int) -> int:
    return sum(min(hi, max(lo, f_best - f_succ)) - bias for _i, _b, f_succ, f_best, _k in rows)


def judged_interleaved(rows) -> set[str]:
    """The kinds of junction (``block``, ``line``) whose evidence, all of an
    article's junctions of that kind together, says it is interleaved.  A
    junction whose next block fits far worse than a rival counts for; one
    that fits best counts a little against (an interleaved article has right
    junctions too).  Printed lines inside blocks are judged apart: a
    one-column page has many of them, all right."""
    judged = set()
    for kind, weights, threshold in (("block", BLOCK, THRESHOLD), ("line", LINE, LINE_THRESHOLD)):
        of_kind = [r for r in rows if r[4] == kind]
        if of_kind and _evidence(of_kind, *weights) >= threshold:
            judged.add(kind)
    return judged


def certain(units: list[Unit], m: Model) -> list[tuple[int, int]]:
    """``(i, j)``: block j goes on from block i, which stops inside a word
    (a Han character on both sides), and nothing else comes close: j is a
    block a converter could have put a few blocks on (or one back), the best
    continuation of i among all the article's blocks and i the best
    predecessor of j among all blocks that stop mid-sentence, each by at
    least ``CERTAIN`` over the runner-up."""
    n = len(units)
    heads = [u.text[:2] if _head_ok(u.text) else "" for u in units]
    hp = [m.head(h) if h else None for h in heads]
    tp = [m.tail(u.text[-2:]) for u in units]
    cache: dict[tuple[int, int], int] = {}

    def fit(i: int, j: int) -> int | None:
        if i == j or not heads[j]:
            return None
        if (i, j) not in cache:
            cache[(i, j)] = m.fit_parts(tp[i], hp[j])
        return cache[(i, j)]

    opens = [i for i in range(n) if units[i].open and _is_han(units[i].text[-1])]
    out = []
    for i in opens:
        near = [(f, j) for j in range(max(0, i - BACK), min(n, i + AHEAD + 1))
                if (f := fit(i, j)) is not None and _is_han(heads[j][0])]
        if len(near) < 2:
            continue
        near.sort(key=lambda t: (-t[0], t[1]))
        f, j = near[0]
        if j == i + 1 or f - near[1][0] < CERTAIN:
            continue
        if any((g := fit(i, k)) is not None and k != j and f - g < CERTAIN for k in range(n)):
            continue
        if any(k != i and (g := fit(k, j)) is not None and f - g < CERTAIN for k in opens):
            continue
        out.append((i, j))
    return out


def _aligned(article, index, doc) -> list[tuple[str, str, object]]:
    """The article's blocks with the raw line of every character, found in
    the page's blocks (the article split keeps their text, or cuts the tail
    of the last one)."""
    first, last = article.meta["source"]["lines"]
    lo = bisect.bisect_left(index[0], first)
    hi = bisect.bisect_right(index[0], last)
    cands = index[1][lo:hi]
    out, p = [], 0
    for kind, text in article.blocks:
        org = None
        for q in range(p, len(cands)):
            k, t, s = cands[q]
            if k == kind and text and t.startswith(text):
                org, p = doc.origin[s:s + len(text)], q + 1
                break
        out.append((kind, text, org))
    return out


def _short(s: str, n: int, tail: bool = False) -> str:
    return s[-n:] if tail else s[:n]


def check(articles, doc, raw: str | None = None, first_line: int = 1) -> None:
    """Flag the articles whose blocks are interleaved; re-join the certain
    junctions.  Runs on every article after the split; it costs little where
    no wide block stops mid-sentence (the model is not even loaded).
    Forum posts are skipped, and pages whose lines are paragraphs as typed
    (``paragraphs = "lines"``): a poster's lines are no converter's columns,
    and a typed line that stops mid-sentence is the writer's, not a layout's."""
    if doc.kinds is None or not articles or typed_lines(doc):
        return
    firsts, entries = [], []
    starts = doc.block_starts()
    for (kind, text, first, _last), s in zip(doc.blocks(), starts):
        if text.strip():
            firsts.append(first)
            entries.append((kind, text, s))
    index = (firsts, entries)
    raw_lines = None  # split on first need: many pages have no article with blocks to look at
    m = None
    for art in articles:
        if art.meta.get("forum"):
            continue
        blocks = _aligned(art, index, doc)
        units = units_of(blocks)
        if not units:
            continue  # (no lines either: nothing to look at)
        if raw_lines is None:
            raw_lines = normalize_line_ends(raw).split("\n") if raw else []
        lines = lines_of(units, raw_lines, first_line) if raw_lines else units
        if len(lines) < 3 or not any(u.open for u in lines[:-1]):
            continue
        m = m or model()
        rows = junctions(lines, m)
        judged = judged_interleaved(rows)
        if not judged:
            continue
        pairs = certain(units, m) if "block" in judged else []
        moved = {units[i].last for i, _j in pairs}
        flags = art.meta["flags"]
        for i, best, f_succ, f_best, kind in rows:
            u, s, b = lines[i], lines[i + 1], lines[best]
            if kind not in judged or f_best - f_succ < SUSPECT or (kind == "block" and u.last in moved):
                continue  # a re-joined junction is said by the re-join's flag
            what = "printed line" if kind == "line" else "block"
            flags.append(Flag(RULE, u.last, f"{_short(u.text, 10, True)}‖{_short(s.text, 10)}",
                              f"a sentence stops at the end of a {what} (raw line {u.last}) and the next "
                              f"{what} does not go on from it as well as the text at raw line {b.first} "
                              f"that begins {_short(b.text, 8)}: columns interleaved? kept in file "
                              f"order").as_dict())
        if pairs:
            _rejoin(art, blocks, units, pairs, doc)
        flags.sort(key=lambda f: (f["line"], f["rule"], f["text"]))


def _rejoin(art, blocks, units, certain, doc) -> None:
    """Move each certain continuation right after the block it continues."""
    seq: dict[int, list[int]] = {}
    for k, u in enumerate(units):
        seq.setdefault(u.block, []).append(k)
    where = {k: u.block for k, u in enumerate(units)}
    changes = art.meta["changes"]
    for i, j in sorted(certain):
        u, v = units[i], units[j]
        after = units[i + 1].text if i + 1 < len(units) else ""
        seq[where[j]].remove(j)
        b = where[i]
        seq[b].insert(seq[b].index(i) + 1, j)
        where[j] = b
        doc.record_change(REJOIN, u.last, f"…{_short(u.text, 8, True)}{_short(after, 8)}…",
                          f"…{_short(u.text, 8, True)}{_short(v.text, 8)}…")
        changes[REJOIN] = changes.get(REJOIN, 0) + 1
        art.meta["flags"].append(Flag(RULE, u.last, f"{_short(u.text, 10, True)}‖{_short(v.text, 10)}",
                                      f"re-joined: the block at raw line {v.first} goes on from the sentence "
                                      f"that stops at raw line {u.last}, and fits nothing else; moved to "
                                      f"follow it").as_dict())
    out = []
    for k, (kind, text, _org) in enumerate(blocks):
        if k in seq:
            if seq[k]:
                out.append((kind, "".join(units[x].text for x in seq[k])))
        else:
            out.append((kind, text))
    art.blocks = out + art.blocks[len(blocks):]
    art.meta["changes"] = dict(sorted(changes.items()))
