#!/usr/bin/env python3
"""Build normalize/data/gapstats.tsv: what stands around each unit, with a
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

The threshold is chosen here too, on the counted text itself with each
occurrence left out of the counts while it is judged: the lowest score at
which clean text gets at most ``--target`` false flags per 20,000
characters.

    python scripts/build_gapstats.py [CORPUS ...] [--dict PATH|none] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.gaps import NUMBER, START, GapModel  # noqa: E402

NUM_RUN = regex.compile(r"\d+(?:[.,:]\d+)*")
UNIT_CHAR = regex.compile(r"[\p{Han}%‰℃]")
HAN = regex.compile(r"\p{Han}+")
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


def count(views, units):
    gm = GapModel([["U", u, "0", "0", "0", "0"] for u in units])
    U = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # after a number, bare, words added left, right
    L = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    R = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    C = defaultdict(lambda: [0.0, 0.0])
    for v in views:
        for i, ch in enumerate(v):
            C[ch][0] += 1
            if i + 1 < len(v) and v[i + 1] == NUMBER:
                C[ch][1] += 1
        for m in gm.pattern.finditer(v):
            i, u, j = m.start(), m.group(0), m.end()
            r = v[j] if j < len(v) else "$"
            if v[i - 1] == NUMBER:
                left = v[i - 2] if i >= 2 else START
                U[u][0] += 1
                L[u][left][0] += 1
                R[u][r][0] += 1
            else:
                U[u][1] += 1
                L[u][v[i - 1]][1] += 1
                R[u][r][1] += 1
    return U, L, R, C


def add_words(dict_path: Path, units, U, L, R, C) -> int:
    """Words holding a unit count as clean evidence that the unit stands bare there."""
    n_corpus = sum(c[0] for c in C.values())
    words = []
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and HAN.fullmatch(parts[0]) and len(parts[0]) >= 2:
            words.append((parts[0], float(parts[1])))
    scale = n_corpus / sum(f for _w, f in words)
    gm = GapModel([["U", u, "0", "0", "0", "0"] for u in units])
    added = 0
    for w, f in words:
        weight = max(2.0, f * scale)
        for m in gm.pattern.finditer(w):
            k, u, j = m.start(), m.group(0), m.end()
            if k >= 1:
                cell = L[u][w[k - 1]]
                if cell[0] <= cell[1] + weight:  # the corpus does not show a number there mostly
                    cell[1] += weight
                    U[u][2] += weight
                    added += 1
            elif j < len(w):
                cell = R[u][w[j]]
                if cell[0] <= cell[1] + weight:
                    cell[1] += weight
                    U[u][3] += weight
                    added += 1
    return added


def rows_of(units, U, L, R, C, params, thresholds=None):
    rows = [["P", k, f"{v:g}"] for k, v in params.items()]
    for u in units:
        t = [f"{thresholds[u]:.4f}"] if thresholds else []
        rows.append(["U", u] + [f"{round(n, 1):g}" for n in U[u]] + t)
    for u in units:
        for side, table in (("L", L), ("R", R)):
            for ctx, (g, c) in sorted(table[u].items()):
                rows.append([side, u, ctx, f"{round(g, 1):g}", f"{round(c, 1):g}"])
    for ch, (n, nb) in sorted(C.items()):
        if n >= 2 or nb:
            rows.append(["C", ch, f"{n:g}", f"{nb:g}"])
    return rows


def tune(gm: GapModel, views, chars: int, target: float, floor: float):
    """A threshold per unit, from leave-one-out scores on the counted text:
    every bare unit scored with itself left out of the counts (a false flag
    if above its unit's threshold) and every numbered one scored with its
    number taken out and itself left out (a gap found if above).  The
    budget of ``target`` false flags per 20,000 characters goes, a few at a
    time, to the unit that finds the most gaps per false flag spent; a
    unit that earns none flags only above every clean occurrence (and never
    below ``floor``)."""
    bare, numbered = defaultdict(list), defaultdict(list)
    for v in views:
        for m in gm.pattern.finditer(v):
            i, u, j = m.start(), m.group(0), m.end()
            r = v[j] if j < len(v) else "$"
            if v[i - 1] == NUMBER:
                numbered[u].append(gm.score(v[i - 2] if i >= 2 else START, u, r, own="num"))
            else:
                bare[u].append(gm.score(v[i - 1], u, r, own="bare"))
    for table in (bare, numbered):
        for scores in table.values():
            scores.sort(reverse=True)

    def at(u, k):  # threshold and gaps found with k false flags allowed for u
        b = bare[u]
        t = max(b[k] if k < len(b) else -math.inf, floor)
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
    found = sum(at(u, spent[u])[1] for u in gm.units)
    total = sum(len(s) for s in numbered.values())
    flags = sum(sum(s > thresholds[u] for s in bare[u]) for u in gm.units)
    return thresholds, found / max(1, total), flags, total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="*", type=Path, default=[ROOT.parent / "shared" / "corpus"])
    ap.add_argument("--dict", default="jieba", help="word list 'word freq [pos]' per line; 'jieba' (default) or 'none'")
    ap.add_argument("--out", type=Path, default=ROOT / "normalize" / "data" / "gapstats.tsv")
    ap.add_argument("--target", type=float, default=0.4, help="false flags per 20,000 clean characters")
    ap.add_argument("--min-count", type=int, default=10)
    ap.add_argument("--floor", type=float, default=2.0, help="lowest threshold of any unit")
    ap.add_argument("--a", type=float, default=10.0)
    ap.add_argument("--b", type=float, default=10.0)
    args = ap.parse_args(argv)
    arts = articles(args.corpus)
    if not arts:
        print(f"no articles under {', '.join(map(str, args.corpus))}", file=sys.stderr)
        return 1
    train = [p for k, a in enumerate(arts) if k % 5 for p in a]
    views = [view(p) for p in train]
    chars = sum(len(p) for p in train)
    units = choose_units(views, args.min_count, 0.01, 0.2)
    U, L, R, C = count(views, units)
    added = 0
    if args.dict != "none":
        path = Path(args.dict)
        if args.dict == "jieba":
            import jieba  # only here, never at run time
            path = Path(jieba.__file__).parent / "dict.txt"
        added = add_words(path, units, U, L, R, C)
    params = {"a": args.a, "b": args.b}
    gm = GapModel(rows_of(units, U, L, R, C, params))
    thresholds, recall, flags, n_num = tune(gm, views, chars, args.target, args.floor)
    thresholds = {u: math.ceil(t * 1e4) / 1e4 if t > -math.inf else args.floor for u, t in thresholds.items()}
    rows = rows_of(units, U, L, R, C, params, thresholds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    head = [f"// built by scripts/build_gapstats.py from {len(arts) - len(arts[::5])} of {len(arts)} articles "
            f"(index mod 5 != 0), {chars} characters; {added} word-list entries",
            "// P param value | U unit after-number bare words-left words-right threshold | L unit left after-number bare"
            " | R unit right after-number bare | C char count count-before-a-number"]
    args.out.write_text("\n".join(head + ["\t".join(r) for r in rows]) + "\n", encoding="utf-8")
    print(f"{len(units)} units: {' '.join(units)}")
    print(f"leave-one-out on the counted text ({chars} characters): {flags} false flags"
          f" ({flags / chars * 20000:.2f} per 20,000), {recall:.3f} of {n_num} stripped numbers found")
    print("thresholds: " + " ".join(f"{u}={t:.1f}" for u, t in thresholds.items()))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
