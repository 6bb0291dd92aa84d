#!/usr/bin/env python3
"""Build normalize/data/gapstats.tsv.gz: what stands around each unit, with a
number before it and without, in clean text.

Why a script: the counts are evidence from a corpus, and anyone with another
corpus (a different paper, a forum archive) should be able to rebuild them.
It reads JSON Lines articles (``paragraphs``: a list of clean strings), keeps
every fifth article (index mod 5 == 0) out of the counts so that
``scripts/eval_gaps.py`` can measure on text the counts never saw, and
optionally adds a word list with frequencies (jieba's ``dict.txt``, found
through ``import jieba`` when installed): a word that holds a unit character
(个人, 名单, 家庭, 年轻, 月亮, 万一, 个位数 …) is evidence that the unit
stands there without a number.  Words the corpus mostly shows after a
number (万元, 人次) add nothing.

The thresholds are chosen here too, on the counted text itself with each
occurrence left out of the counts while it is judged: a logistic fit turns
each unit's score into odds of a lost number, and one threshold on those
odds is the lowest at which clean text gets at most ``--target`` false
flags per 20,000 characters (``--thresholds unit``: one per unit instead,
each at its own k-th clean score; on a tuning fold that followed chance:
see the README).  ``--order 4`` adds a character language model beside the
counts (``NumberLM`` in ``normalize/gaps.py``), its ratio at each
occurrence taken from a model built without that occurrence's fold.
``--damage-shift`` is how far every threshold goes down on a page that
already shows more gaps than clean text gets by chance at the budget's
rate (a scraper that drops one number drops others on its page); the
counted text, clean, has no such page to fit it on, so it is chosen on a
tuning fold of damaged pages (``scripts/eval_gaps.py --fold 1``).  A unit
is lowered only where the counted text's numbered occurrences outnumber
its bare ones ``--damage-odds`` to one in the band that opens (the whole
shift, else half of it, else a quarter).

    python scripts/build_gapstats.py [CORPUS ...] [--dict PATH|none] [--out PATH]
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.gaps import FEATURES, NUMBER, NUMERALS, PAIR_MIN, START, GapModel, NumberLM, lm_path, neighbours  # noqa: E402

NUM_RUN = regex.compile(r"\d+(?:[.,:]\d+)*")
UNIT_CHAR = regex.compile(r"[\p{Han}%‰℃]")
HAN = regex.compile(r"\p{Han}+")
from normalize.gaps import PARTICLES  # noqa: E402
HALF = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B)}  # full-width digits and letters, as the unicode stage does


def articles(paths: list[Path]) -> list[list[str]]:
    out = []
    for p in paths:
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
        for f in files:
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    out.append([q for q in json.loads(line)["paragraphs"] if q.strip()])
    return out


def view(paragraph: str) -> str:
    """The paragraph as the counts see it: every number one ``#``, its start ``^``."""
    p = unicodedata.normalize("NFC", paragraph.replace("\u3000", " ").strip()).translate(HALF)
    return START + NUM_RUN.sub(NUMBER, p) + "$"


def choose_units(views: list[str], min_count: int, char_ratio: float, pair_ratio: float) -> list[str]:
    """Units: characters (and two-character words) that clean text shows after numbers."""
    after, total, pair_after, pair_total = Counter(), Counter(), Counter(), Counter()
    for v in views:
        total.update(v)
        for i in range(1, len(v)):
            if v[i - 1] == NUMBER:
                after[v[i]] += 1
                pair_after[v[i:i + 2]] += 1
        for i in range(len(v) - 1):
            pair_total[v[i:i + 2]] += 1
    chars = {c for c, n in after.items() if n >= min_count and UNIT_CHAR.fullmatch(c)
             and n / total[c] >= char_ratio}
    pairs = {p for p, n in pair_after.items() if len(p) == 2 and n >= min_count and HAN.fullmatch(p)
             and p[0] not in chars and n / pair_total[p] >= pair_ratio}
    return sorted(chars) + sorted(pairs)


def load_words(dict_path: Path, units, min_freq: float) -> list[str]:
    """Words of the list that join a unit character to a neighbour."""
    gm = GapModel([["U", u, "0", "0"] for u in units])
    out = []
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 2 or not HAN.fullmatch(parts[0]) or not 2 <= len(parts[0]) <= 4:
            continue
        w = parts[0]
        if float(parts[1]) >= min_freq and any(m.group(0) != w for m in gm.pattern.finditer(w)):
            out.append(w)
    return out


def chains(views, units) -> list[tuple[str, str]]:
    """Unit pairs that clean text shows after one number (`#多个`, `#万元`)
    more often than each with its own (`#月#日`)."""
    gm = GapModel([["U", u, "0", "0"] for u in units])
    one, two = Counter(), Counter()
    for v in views:
        toks = [(m.start(), m.end(), m.group(0)) for m in gm.pattern.finditer(v)]
        for (i1, j1, u1), (i2, _j2, u2) in zip(toks, toks[1:]):
            if len(u1) == 1 and v[i1 - 1] == NUMBER:
                if i2 == j1:
                    one[u1, u2] += 1
                elif i2 == j1 + 1 and v[j1] == NUMBER:
                    two[u1, u2] += 1
    return sorted(p for p, n in one.items() if n >= 3 and n > two[p])


SPOKEN: list = []  # spoken_one's rows, once counted
MIN_YIELD = 0.01  # a unit is scanned if it finds at least this many gaps per clean occurrence
SCAN_ODDS = 4.0  # or, on a damaged page only, if it finds this many gaps per false flag (none counted as one)


def scanned(found: int, flags: int, bare: int) -> str | None:
    """Where a unit is scanned, from what it finds at the common threshold on
    the counted text (each occurrence left out while judged): ``"all"``
    pages when it finds a gap per hundred clean occurrences
    (``MIN_YIELD``); ``"damaged"`` pages only when, common in clean text
    without a number (人, 处: 个人, 到处), it still finds ``SCAN_ODDS`` gaps
    for each false flag it costs (at least that many when it costs none):
    on held-out clean news such a unit still drew false flags (近处, 传人),
    while a damaged page, where the odds of a lost number are higher, pays
    them back; else ``None``."""
    if found >= MIN_YIELD * bare:
        return "all"
    if SCAN_ODDS > 0 and found >= SCAN_ODDS * max(flags, 1):
        return "damaged"
    return None


DAMAGED_ONLY: list = []  # units scanned on a damaged page only, once tuned
OWN_THRESHOLD = False  # (--own-thresholds) a unit the common threshold leaves unscanned may get its own, on damaged pages
OWN: dict = {}  # unit -> (threshold, found, flags) of the units that got their own


def own_threshold(numbered: list[float], bare: list[float], odds: float, most: int = 50):
    """A threshold of a unit's own, for damaged pages: of the cuts at its
    clean (bare) occurrences' scores, the one finding the most numbered
    occurrences while still finding ``odds`` of them per false flag (no flag
    counted as one), as ``scanned`` asks of the common threshold; ``(threshold,
    found, flags)``, or None where no cut does (部: its numbered uses never
    stand out from 部门, 部分).  Why: a unit whose clean uses crowd the common
    threshold (种: 各种, 这种; 座: 座谈) can still stand out above a higher one,
    and a page that lost numbers elsewhere pays for its few false flags."""
    b = sorted(bare, reverse=True)
    best = None
    for k in range(min(len(b), most) + 1):
        t = b[k] if k < len(b) else (b[-1] - 1e-6 if b else 0.0)
        if k < len(b) and k and b[k] == b[k - 1]:
            continue  # a tie: the cut at its first score counts it
        flags = sum(x > t for x in b)
        found = sum(x > t for x in numbered)
        if found >= odds * max(flags, 1) and (best is None or found > best[1]):
            best = (t, found, flags)
    return best
LOSS = 0.0  # share of the other numbers before units lost around each occurrence


def occurrences(gm: GapModel, v: str):
    """Every unit of a paragraph view as ``(unit, binding, left2, left, right,
    right2, 0 after a number / 1 bare)``; a numbered one is seen as the
    scraper leaves it, its number taken out.  Units that share a number with
    the unit before them (多个 in `#多个`) are neither.  With ``LOSS``, each
    other number before a unit near it is lost too, at that rate (a scraper
    that drops one number drops others: `今年月日`), the same for every
    reading of the paragraph."""
    rnd = random.Random(v) if LOSS else None
    for m in gm.pattern.finditer(v):
        i, u, j = m.start(), m.group(0), m.end()
        if v[i - 1] in NUMERALS:
            continue
        numbered = v[i - 1] == NUMBER
        if not numbered and gm.chained(v, i, u):
            continue
        lo = max(0, i - 7)
        s = v[lo:i - 1] + v[i:j + 6] if numbered else v[lo:j + 6]
        k = i - lo - numbered
        if rnd is not None:
            keep = []
            for p, c in enumerate(s):
                if c == NUMBER and p != k - 1 and gm.pattern.match(s, p + 1) and rnd.random() < LOSS:
                    k -= p < k
                    continue
                keep.append(c)
            s = "".join(keep)
        yield (u, gm.binding(s, k, k + j - i)) + neighbours(s, k, k + j - i) + (1 - numbered, (s, k))


def count(views, gm: GapModel):
    U = defaultdict(lambda: [0.0, 0.0])
    T = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for v in views:
        for u, bound, left2, left, right, right2, side, _at in occurrences(gm, v):
            joined = int(bound > 0)
            U[u][side] += 1
            T["B", u, 0][str(bound)][side] += 1
            T["L", u, joined][left][side] += 1
            T["R", u, joined][right][side] += 1
            T["L2", u, joined][left2][side] += 1
            T["R2", u, joined][right2][side] += 1
    for v in views:  # what stands before numbers, whatever follows them
        for k in range(1, len(v)):
            for n in (1, 2):
                if k - n >= 0:
                    T["N", "*", 0][v[k - n:k]][0 if v[k] == NUMBER else 1] += 1
    for ctx, (num, other) in list(T["N", "*", 0].items()):
        T["N", "*", 0][ctx] = [num, num + other]  # before a number, in all
    return U, T


def spoken_one(views, gm: GapModel, least: int = 2):
    """Contexts (the one or two characters before) where clean text puts 一
    before a unit at least as often as an Arabic number (`发了一条`, `是一个`):
    where speech leaves out that 一 (`发了条`), no digit was lost.  Rows:
    unit, context, times with 一, times with a number."""
    one, num = Counter(), Counter()
    for v in views:
        for m in gm.pattern.finditer(v):
            i, u = m.start(), m.group(0)
            if i < 2 or v[i - 1] not in "一#":
                continue
            side = one if v[i - 1] == "一" else num
            side[u, v[i - 2]] += 1
            if i >= 3:
                side[u, v[i - 3:i - 1]] += 1
    return sorted((u, ctx, n, num[u, ctx]) for (u, ctx), n in one.items() if n >= least and n >= num[u, ctx])


def rows_of(units, U, T, params, weights, thresholds, words, chain_pairs, shifts=None, damage=None, pairs=None):
    """The rows of the data file: counts (T) while building, weighted shifts
    (S) in the shipped file; a unit's threshold and, with ``damage``, how far
    it goes down on a damaged page."""
    rows = [["P", k, f"{v:g}"] for k, v in params.items()]
    rows += [["F", k, f"{v:.4f}"] for k, v in weights.items()]
    for u in units:
        t = [f"{thresholds[u]:.4f}"] if thresholds else []
        if t and damage is not None:
            t.append(f"{damage.get(u, 0.0):g}")
            if u in DAMAGED_ONLY:
                t.append("damaged")  # scanned on a damaged page only
        rows.append(["U", u, f"{U[u][0]:g}", f"{U[u][1]:g}"] + t)
    for (name, u, joined), table in sorted(T.items()):
        for ctx, (g, c) in sorted(table.items()):
            if name == "N" and (c < PAIR_MIN if len(ctx) > 1 else c < 2):
                continue  # a rare pair says little about what follows it
            if g + c >= 2 or name == "B":  # seen once: left out while judged, so no evidence
                rows.append(["T", name, u, str(joined), ctx, f"{g:g}", f"{c:g}"])
    if shifts:
        rows = [r for r in rows if r[0] != "T"]
        rows += [["S", t, u, str(j), ctx, f"{v:.3f}"] for (t, u, j, ctx), v in sorted(shifts.items())
                 if abs(v) >= 0.02 or t == "N"]
    rows += [["D", u, r, f"{v:g}"] for (u, r), v in sorted((pairs or {}).items()) if u in thresholds]
    rows += [["K", a, b] for a, b in chain_pairs]
    shipped = set(units)
    rows += [["Y", u, ctx, str(n), str(m)] for u, ctx, n, m in SPOKEN if u in shipped]
    rows += [["W", w] for w in sorted(words)]
    return rows


def examples(gm: GapModel, views, windows=None):
    """Leave-one-out features of every occurrence, its unit and whether it
    lost a number (and, into ``windows``, the text around it)."""
    out = []
    for n, v in enumerate(views):
        for u, bound, left2, left, right, right2, side, at in occurrences(gm, v):
            own = "num" if side == 0 else "bare"
            out.append((u, gm.features_of(u, bound, left2, left, right, right2, own), side == 0))
            if windows is not None:
                windows.append((n, at))
    return out


# -- the language model: every number one #, interpolated Kneser-Ney ---------
def lm_counts(views, order: int):
    """Kneser-Ney counts: raw counts at the highest order, below it the number
    of different characters seen before each string (raw at a block start);
    per context, the sum of its followers' counts and how many differ."""
    raw = [Counter() for _ in range(order + 1)]
    for v in views:
        for n in range(1, order + 1):
            raw[n].update(v[k:k + n] for k in range(len(v) - n + 1))
    counts = {}
    for n in range(1, order + 1):
        if n == order:
            c = raw[n]
        else:
            c = Counter(g[1:] for g in raw[n + 1])
            for g, x in raw[n].items():
                if g[0] == START:
                    c[g] = x
        counts.update(c)
    follow, kinds = Counter(), Counter()
    for g, x in counts.items():
        follow[g[:-1]] += x
        kinds[g[:-1]] += 1
    return counts, follow, kinds


def lm_rows(counts, follow, kinds, keep: set[str], min_count: int = 2):
    """What the stage needs of the model: strings holding a number or a unit
    (counts below ``min_count`` dropped from three characters up) and the
    contexts that stand before one.  Rows: string, count, followers,
    distinct followers."""
    before = {g[:-1] for g in counts if g[-1] in keep}
    rows = []
    for g in sorted(set(counts) | set(follow)):
        c = counts.get(g, 0)
        holds = len(g) <= 1 or not keep.isdisjoint(g)
        if len(g) >= 3 and c < min_count:
            c = 0
        ctx = follow.get(g, 0) and (holds or g in before)
        if not (c and holds) and not ctx:
            continue
        rows.append([g, str(c if holds else 0), str(follow.get(g, 0) if ctx else 0), str(kinds.get(g, 0) if ctx else 0)])
    return rows


def lm_of(views, order: int, keep: set[str]) -> NumberLM:
    return NumberLM(lm_rows(*lm_counts(views, order), keep), order)


def lm_ratio(lm: NumberLM, s: str, k: int, unit: str) -> float:
    """The model's ratio at the occurrence ``s[k:]`` (a window as ``occurrences`` cuts it)."""
    o = lm.order - 1
    return lm.ratio(s[max(0, k - o):k], s[k:k + max(o, len(unit))])


def fit_pair(base, ratio, units_of, ys, units, steps: int = 300):
    """Logistic regression of (score of the counts, ratio of the model) with a
    bias per unit: the model's weight relative to the counts' score."""
    import numpy as np  # build time only
    index = {u: k for k, u in enumerate(units)}
    X = np.zeros((len(ys), 2 + len(units)))
    X[:, 0], X[:, 1] = base, ratio
    X[np.arange(len(ys)), [2 + index[u] for u in units_of]] = 1.0
    y = np.array(ys, dtype=float)
    w = np.zeros(X.shape[1])
    m = v = np.zeros_like(w)
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (p - y) / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return float(w[1] / w[0]) if w[0] > 0 else 0.0


def fit(data, units, steps: int = 400, l2: float = 1e-3) -> dict[str, float]:
    """Logistic regression: one weight per feature, one bias per unit (the
    bias ends up in the unit's threshold)."""
    import numpy as np  # build time only
    index = {u: k for k, u in enumerate(units)}
    X = np.array([f for _u, f, _y in data], dtype=float)
    B = np.zeros((len(data), len(units)))
    B[np.arange(len(data)), [index[u] for u, _f, _y in data]] = 1.0
    X = np.hstack([X, B])
    y = np.array([yy for _u, _f, yy in data], dtype=float)
    w = np.zeros(X.shape[1])
    m = v = np.zeros_like(w)
    for t in range(1, steps + 1):  # Adam on the mean log loss
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (p - y) / len(y) + l2 * np.r_[w[:len(FEATURES)], np.zeros(len(units))]
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return {name: float(w[k]) for k, name in enumerate(FEATURES)}


def tune(gm: GapModel, data, chars: int, target: float, floor: float, verbose: bool = False):
    """A threshold per unit, on leave-one-out scores of the counted text:
    a bare unit above its threshold is a false flag, a numbered one (its
    number taken out) above it a gap found.  The budget of ``target`` false
    flags per 20,000 characters goes, a few at a time, to the unit that
    finds the most gaps per false flag spent; a unit that earns none flags
    only above every clean occurrence (and never below ``floor``)."""
    bare, numbered = defaultdict(list), defaultdict(list)
    for u, feats, is_gap in data:
        (numbered if is_gap else bare)[u].append(feats if isinstance(feats, float) else gm.score(feats))
    for table in (bare, numbered):
        for scores in table.values():
            scores.sort(reverse=True)

    def at(u, k):  # threshold and gaps found with k false flags allowed for u
        b = bare[u]
        if k < len(b):
            t = max(b[k], floor)
        else:  # every clean occurrence flagged (none, for %): still only where the counts lean to a gap
            t = min(0.0, b[-1] - 1e-6) if b else 0.0
        return t, sum(s > t for s in numbered[u])

    spent = dict.fromkeys(gm.units, 0)
    budget = int(target * chars / 20000)
    while budget:
        best = None
        for u in gm.units:
            base = at(u, spent[u])[1]
            for extra in range(1, min(budget, 40) + 1):
                if spent[u] + extra > len(bare[u]):
                    break
                gain = at(u, spent[u] + extra)[1] - base
                if gain > 0 and (best is None or gain / extra > best[0]):
                    best = (gain / extra, u, extra)
        if best is None:
            break
        spent[best[1]] += best[2]
        budget -= best[2]
    thresholds = {u: at(u, spent[u])[0] for u in gm.units}
    # a unit that finds under one gap per hundred clean occurrences costs more than it finds
    useless = {u for u in gm.units if at(u, spent[u])[1] < 0.01 * len(bare[u])}
    if verbose:
        for u in sorted(gm.units, key=lambda u: -len(bare[u])):
            print(f"  {u}\tbare {len(bare[u])}\tnumbered {len(numbered[u])}\tfound {at(u, spent[u])[1]}\tflags {spent[u]}")
    found = sum(at(u, spent[u])[1] for u in gm.units)
    total = sum(len(s) for s in numbered.values())
    flags = sum(sum(s > thresholds[u] for s in bare[u]) for u in gm.units)
    return {u: t for u, t in thresholds.items() if u not in useless}, found / max(1, total), flags, total


def tune_single(data, chars: int, target: float, units):
    """One threshold for all units, on calibrated odds: a logistic fit of
    gap-or-not on the score with a bias per unit, then the lowest odds at
    which the counted text gets ``target`` false flags per 20,000
    characters.  Per unit this is ``(t - bias) / slope`` on the score.  Why:
    a threshold per unit set at the k-th highest clean score, with k a
    handful, follows chance; one threshold on odds rests on every unit."""
    import numpy as np  # build time only
    index = {u: k for k, u in enumerate(units)}
    X = np.zeros((len(data), 1 + len(units)))
    X[:, 0] = [sc for _u, sc, _y in data]
    X[np.arange(len(data)), [1 + index[u] for u, _s, _y in data]] = 1.0
    y = np.array([yy for _u, _s, yy in data], dtype=float)
    w = np.zeros(X.shape[1])
    m = v = np.zeros_like(w)
    for t in range(1, 401):
        p = 1 / (1 + np.exp(-(X @ w)))
        g = X.T @ (p - y) / len(y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    z = X @ w
    bare = np.sort(z[y == 0])[::-1]
    budget = int(target * chars / 20000)
    if budget < len(bare):
        t = bare[budget]
    else:  # every clean occurrence may be flagged (none seen): only where the odds lean to a gap
        t = min(0.0, bare[-1] - 1e-6) if len(bare) else 0.0
    slope = w[0]
    thresholds = {u: float((t - w[1 + index[u]]) / slope) for u in units}
    found = int(((z > t) & (y == 1)).sum())
    # a unit that finds under one gap per hundred clean occurrences costs more than it finds
    useless, DAMAGED_ONLY[:] = set(), []
    OWN.clear()
    for u in units:
        mask = X[:, 1 + index[u]] == 1
        where = scanned(int(((z > t) & (y == 1) & mask).sum()), int(((z > t) & (y == 0) & mask).sum()),
                        int(((y == 0) & mask).sum()))
        if where is None and OWN_THRESHOLD and SCAN_ODDS > 0:
            # its own threshold, on its scores (z is increasing in the score)
            scores = np.array([sc for uu, sc, _y in data if uu == u])
            ys = y[mask]
            own = own_threshold(list(scores[ys == 1]), list(scores[ys == 0]), SCAN_ODDS)
            if own is not None:
                thresholds[u] = float(own[0])
                where = "damaged"
                OWN[u] = own
        if where is None:
            useless.add(u)
        elif where == "damaged":
            DAMAGED_ONLY.append(u)
    flags = int(((z > t) & (y == 0)).sum())
    return ({u: th for u, th in thresholds.items() if u not in useless}, found / max(1, int(y.sum())),
            flags, int(y.sum()))


def damage_shifts(data, thresholds, shift: float, odds: float) -> dict[str, float]:
    """Per unit, how far its threshold goes down on a damaged page: ``shift``
    where, in the band that opens (scores within ``shift`` below the
    threshold), the counted text's numbered occurrences (their number taken
    out) outnumber its bare ones ``odds`` to one; else the same test on the
    band halved, then quartered; else 0.  On a page that lost, say, a
    quarter of its numbers, such a band finds a lost number for each false
    flag it costs; a unit whose bare uses crowd just below its threshold
    would cost more than it finds.  Why narrower bands: where a unit's bare
    uses lie deeper below its threshold than its numbered ones, the whole
    band fails and a narrower one still pays its way (家, 时, 吨: the tuning
    fold's `其中□家`, `北京时间□时`, `达到□吨以上`).  A
    pair of the unit and its next character is judged on the whole band
    only (``damage_pair_shifts``): 多个, 家， stay where they were."""
    out = {}
    for s in (shift, shift / 2, shift / 4):
        numbered, bare = defaultdict(int), defaultdict(int)
        for u, score, is_gap in data:
            t = thresholds.get(u)
            if t is not None and u not in out and t - s < score <= t:
                (numbered if is_gap else bare)[u] += 1
        out.update({u: s for u in thresholds if u not in out and numbered[u] and numbered[u] >= odds * bare[u]})
    return out


def page_seen(gm: GapModel, views, article_of, windows, data) -> list[bool]:
    """Per occurrence (``data``, cut as ``windows``): does its article write
    the unit and the character after it right after a number elsewhere
    (`#万亩` for an occurrence of 万亩, its own number left out), the unit
    joined to no word of the list?  A scraper loses some of a page's
    numbers, not the page's way of counting: a page that writes 3万亩 once
    and □万亩 later lost the second number.  A unit held by a word (年度,
    世纪, 本月) is that word as often: 2023年度 and 年度例行 on one page."""
    after: dict[int, Counter] = defaultdict(Counter)
    for v, a in zip(views, article_of):
        for p in range(len(v) - 2):
            if v[p] == NUMBER:
                after[a][v[p + 1:p + 3]] += 1
                if p + 4 <= len(v):
                    after[a][v[p + 1:p + 4]] += 1
    out = []
    for (n, (s, at)), (u, _c, is_gap) in zip(windows, data):
        key = s[at:at + len(u) + 1]
        out.append(after[article_of[n]][key] - bool(is_gap) > 0 and not gm.binding(s, at, at + len(u)))
    return out


def damage_pair_shifts(data, rights, thresholds, shift: float, odds: float, least: int,
                       units: dict[str, float]) -> dict[tuple[str, str], float]:
    """Per unit and the character after it (``rights``, one per occurrence of
    ``data``), the damaged-page shift where that pair alone holds ``least``
    occurrences or more in the band and the same test (``odds`` to one)
    answers otherwise than for the unit as a whole (``units``): 多 is lowered
    but not before 个 or 年 (多个, 多年: "several", crowding just below the
    threshold), 年 is lowered but not before 底, 度, 内 (年底, 年度 and 年内
    stand bare in clean text as often as after a year).  Why by the next
    character: it is what the scraper leaves intact, and on a damaged page it
    tells a measure word that always had a number (多亩) from a word that
    often had none (多个)."""
    numbered, bare = Counter(), Counter()
    for (u, score, is_gap), r in zip(data, rights):
        t = thresholds.get(u)
        if t is not None and t - shift < score <= t:
            (numbered if is_gap else bare)[u, r] += 1
    out = {}
    for key in sorted(set(numbered) | set(bare)):
        if numbered[key] + bare[key] < least:
            continue
        own = shift if numbered[key] and numbered[key] >= odds * bare[key] else 0.0
        if own != units.get(key[0], 0.0):
            out[key] = own
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="*", type=Path, default=[ROOT.parent / "shared" / "corpus"])
    ap.add_argument("--dict", default="jieba", help="word list 'word freq [pos]' per line; 'jieba' (default) or 'none'")
    ap.add_argument("--out", type=Path, default=ROOT / "normalize" / "data" / "gapstats.tsv.gz")
    ap.add_argument("--target", type=float, default=1.2, help="false flags per 20,000 clean characters, left one out")
    ap.add_argument("--min-count", type=int, default=10)
    ap.add_argument("--min-freq", type=float, default=5.0, help="least frequency of a word-list entry")
    ap.add_argument("--verbose", action="store_true", help="per unit: candidates, gaps found, flags spent")
    ap.add_argument("--alpha", type=float, default=2.0)
    ap.add_argument("--floor", type=float, default=-math.inf, help="lowest threshold of any unit")
    ap.add_argument("--loss", type=float, default=0.0,
                    help="share of the numbers near each counted one lost with it (0: one number at a time)")
    ap.add_argument("--spoken", type=int, default=1, help="1: ship the contexts where clean text puts 一, not a number (a page of speech is not marked there)")
    ap.add_argument("--order", type=int, default=4, help="a character language model of this order beside the counts (0: none)")
    ap.add_argument("--min-yield", type=float, default=0.01,
                    help="scan a unit only if it finds this many gaps per clean occurrence (with --thresholds odds)")
    ap.add_argument("--scan-odds", type=float, default=4.0,
                    help="scan a unit under --min-yield on a damaged page where it finds this many gaps per"
                         " false flag (no flag counted as one; 0: never)")
    ap.add_argument("--own-thresholds", type=int, default=0,
                    help="1: a unit the common threshold leaves unscanned gets a threshold of its own on damaged"
                         " pages where one finds --scan-odds gaps per false flag (0: never)")
    ap.add_argument("--thresholds", choices=("odds", "unit"), default="odds",
                    help="odds: one threshold on calibrated odds (default); unit: each unit's own, at its k-th clean score")
    ap.add_argument("--lm-weight", type=float, help="the model's weight beside the counts' score (default: fitted)")
    ap.add_argument("--damage-shift", type=float, default=2.5,
                    help="how far the thresholds go down on a page that shows more gaps than clean text gives by"
                         " chance (0: none; 2.5 chosen on a tuning fold, see the README)")
    ap.add_argument("--damage-pair-min", type=int, default=3,
                    help="judge a unit and the character after it on their own (--damage-odds) where the band holds"
                         " this many of them (0: never)")
    ap.add_argument("--page-weight", type=int, default=1,
                    help="1: on a damaged page, a unit whose next character follows a number elsewhere on the page"
                         " scores higher, by a weight fitted on the counted text (0: no)")
    ap.add_argument("--damage-odds", type=float, default=4.0,
                    help="lower a unit's threshold on a damaged page only where the counted text's numbered"
                         " occurrences outnumber its bare ones this much in the band it opens")
    ap.add_argument("--exclude", type=int, action="append", default=[],
                    help="also leave out articles with index mod 5 == N, a fold to tune on"
                         " (eval_gaps.py --fold N --data OUT); repeatable")
    args = ap.parse_args(argv)
    global LOSS
    LOSS = args.loss
    arts = articles(args.corpus)
    if not arts:
        print(f"no articles under {', '.join(map(str, args.corpus))}", file=sys.stderr)
        return 1
    out_folds = {0, *args.exclude}
    train = [(k % 5, k, p) for k, a in enumerate(arts) if k % 5 not in out_folds for p in a]
    folds_of = [f for f, _k, _p in train]
    article_of = [k for _f, k, _p in train]
    train = [p for _f, _k, p in train]
    views = [view(p) for p in train]
    chars = sum(len(p) for p in train)
    units = choose_units(views, args.min_count, 0.01, 0.2)
    words = []
    if args.dict != "none":
        path = Path(args.dict)
        if args.dict == "jieba":
            import jieba  # only here, never at run time
            path = Path(jieba.__file__).parent / "dict.txt"
        words = sorted(set(load_words(path, units, args.min_freq)))
    chain_pairs = chains(views, units)
    params = {"alpha": args.alpha}
    bare_model = GapModel(rows_of(units, defaultdict(lambda: [0.0, 0.0]), {}, params, {}, None, words, chain_pairs))
    U, T = count(views, bare_model)
    N = T["N", "*", 0]
    params["p0"] = round(sum(N[c][0] for c in N if len(c) == 1) / sum(N[c][1] for c in N if len(c) == 1), 5)
    gm = GapModel(rows_of(units, U, T, params, {}, None, words, chain_pairs))
    global SPOKEN, MIN_YIELD, SCAN_ODDS, OWN_THRESHOLD
    MIN_YIELD, SCAN_ODDS, OWN_THRESHOLD = args.min_yield, args.scan_odds, bool(args.own_thresholds)
    SPOKEN = spoken_one(views, gm) if args.spoken else []
    params["particles"] = round(sum(sum(c in PARTICLES for c in v) for v in views) / max(1, chars), 6)
    windows = []
    data = examples(gm, views, windows)
    weights = fit(data, units)
    gm.weights.update(weights)
    lm_rows_out = None
    if args.order:
        # the model's ratio at each occurrence, from a model built without
        # the occurrence's own fold (cross-fitted: never its own text), then
        # its weight beside the counts' score and a threshold per unit on both
        keep = set(gm.unit_chars) | {NUMBER}
        base = [gm.score(f) for _u, f, _y in data]
        ratios = [0.0] * len(data)
        for g in sorted(set(folds_of)):
            lm = lm_of([v for v, f in zip(views, folds_of) if f != g], args.order, keep)
            for k, (n, (s, at)) in enumerate(windows):
                if folds_of[n] == g:
                    ratios[k] = lm_ratio(lm, s, at, data[k][0])
        lm_weight = args.lm_weight if args.lm_weight is not None else fit_pair(
            base, ratios, [u for u, _f, _y in data], [y for _u, _f, y in data], units)
        data = [(u, b + lm_weight * r, y) for (u, _f, y), b, r in zip(data, base, ratios)]
    if args.page_weight and args.order:
        # a damaged page that writes the unit and its next character after a
        # number elsewhere: how far that moves the odds, in the score's units
        seen = page_seen(gm, views, article_of, windows, data)
        params["page_weight"] = round(fit_pair([c for _u, c, _y in data], [float(x) for x in seen],
                                               [u for u, _c, _y in data], [y for _u, _c, y in data], units), 4)
    if args.thresholds == "odds":
        if not args.order:
            data = [(u, gm.score(f), y) for u, f, y in data]
        thresholds, recall, flags, n_num = tune_single(data, chars, args.target, units)
    else:
        thresholds, recall, flags, n_num = tune(gm, data, chars, args.target, args.floor, args.verbose)
    thresholds = {u: math.ceil(t * 1e4) / 1e4 for u, t in thresholds.items()}
    damage, pairs = None, {}
    if args.damage_shift and args.thresholds == "odds":
        # a page is damaged when it shows more gaps than clean text gets by
        # chance at the budget's rate; there the thresholds go down this far
        params["damage_rate"] = round(args.target / 20000, 8)
        # a unit with a threshold of its own has it for damaged pages already
        common = {u: t for u, t in thresholds.items() if u not in OWN}
        damage = damage_shifts(data, common, args.damage_shift, args.damage_odds)
        if args.damage_pair_min:
            rights = [s[at + len(u)] if at + len(u) < len(s) else "$" for (_n, (s, at)), (u, _c, _y) in zip(windows, data)]
            pairs = damage_pair_shifts(data, rights, common, args.damage_shift, args.damage_odds,
                                       args.damage_pair_min, damage)
    if damage is None:  # no damaged page to judge them on: not scanned at all
        thresholds = {u: t for u, t in thresholds.items() if u not in DAMAGED_ONLY}
        DAMAGED_ONLY[:] = []
    all_units, units = units, [u for u in units if u in thresholds]
    if args.order:
        # the stage asks the model only where the counts' score comes within
        # ``lm_gate`` of the threshold: no counted occurrence above it lies lower
        above = [b - thresholds[u] for (u, c, _y), b in zip(data, base) if u in thresholds and c > thresholds[u]]
        params["lm_weight"] = round(lm_weight, 4)
        params["lm_gate"] = math.floor(min(above, default=0.0) * 10 - 5) / 10
        params["lm_order"] = args.order
        keep = set("".join(units)) | {NUMBER}
        lm_rows_out = lm_rows(*lm_counts(views, args.order), keep)
    kept = GapModel([["U", u, "0", "0"] for u in units])
    words = [w for w in words if any(m.group(0) != w for m in kept.pattern.finditer(w))]
    shifts = {k: v for k, v in gm.weighted().items() if k[1] in thresholds or k[1] == "*"}
    rows = rows_of(units, U, T, params, weights, thresholds, words, chain_pairs, shifts, damage, pairs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kept_arts = sum(k % 5 not in out_folds for k in range(len(arts)))
    folds = "!= 0" if out_folds == {0} else "not in " + ", ".join(map(str, sorted(out_folds)))
    head = [f"// built by scripts/build_gapstats.py from {kept_arts} of {len(arts)} articles "
            f"(index mod 5 {folds}), {chars} characters; {len(words)} words of the word list",
            "// P param value | F feature weight"
            " | U unit after-number bare threshold [damaged-page shift [damaged: scanned there only]]"
            " | S table unit joined context weighted-shift (B binding, L/R neighbour, L2/R2 two)"
            " | D unit next-character damaged-page shift of the pair | K unit unit sharing one number"
            " | W word holding a unit"
            " | Y unit context times-after-一 times-after-a-number"]
    text = ("\n".join(head + ["\t".join(r) for r in rows]) + "\n").encode("utf-8")
    if args.out.suffix == ".gz":  # mtime 0: the same counts give the same bytes
        text = gzip.compress(text, compresslevel=9, mtime=0)
    args.out.write_bytes(text)
    print(f"{len(units)} units: {' '.join(units)}")
    print(f"on a damaged page only (under one gap per hundred clean occurrences, {SCAN_ODDS:g} or more per false flag):"
          f" {' '.join(u for u in units if u in DAMAGED_ONLY)}")
    if OWN_THRESHOLD:
        print("of those, with a threshold of their own (found / false flags on the counted text): "
              + " ".join(f"{u} {t:.2f} ({f}/{n})" for u, (t, f, n) in sorted(OWN.items()) if u in thresholds))
    print(f"not scanned (under one gap found per hundred clean occurrences and under {SCAN_ODDS:g} per false flag): {' '.join(sorted(set(all_units) - set(units)))}")
    if damage is not None:
        print(f"on a damaged page (more gaps than {params['damage_rate'] * 20000:g} per 20,000 characters by chance):"
              f" {args.damage_shift} lower for {' '.join(sorted(damage))}; pairs on their own:"
              f" {' '.join(f'{u}{r}={v:g}' for (u, r), v in sorted(pairs.items()))}")
    print("weights: " + " ".join(f"{k}={v:.2f}" for k, v in weights.items()))
    print(f"leave-one-out on the counted text ({chars} characters): {flags} false flags"
          f" ({flags / chars * 20000:.2f} per 20,000), {recall:.3f} of {n_num} stripped numbers found")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(rows)} rows)")
    if lm_rows_out is not None:
        print(f"language model: order {args.order}, weight {params['lm_weight']}, asked within {-params['lm_gate']}"
              " of a threshold")
        head = [f"// built by scripts/build_gapstats.py, a character {args.order}-gram model (interpolated"
                f" Kneser-Ney) of the same {chars} characters, every number #: string, count, followers,"
                " distinct followers", f"//=order\t{args.order}", "//=discount\t0.75"]
        text = ("\n".join(head + ["\t".join(r) for r in lm_rows_out]) + "\n").encode("utf-8")
        out = lm_path(args.out)
        out.write_bytes(gzip.compress(text, compresslevel=9, mtime=0) if out.suffix == ".gz" else text)
        print(f"wrote {out} ({out.stat().st_size} bytes, {len(lm_rows_out)} rows)")
    else:
        lm_path(args.out).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
