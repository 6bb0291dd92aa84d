#!/usr/bin/env python3
"""Measure the interleaved-columns detector (normalize/interleave.py) on
pages it was not tuned to, through the real pipeline.

Why its own page builder: the pages imitate what a PDF-to-Markdown converter
without page geometry writes, and share no code and no predicate with the
detector they judge.  From every HELD-OUT corpus article (index % 5 == 0 in
the order scripts/build_ngram.py reads the corpus, so never counted in the
shipped model) it builds two pages:

* **one column**: the article's paragraphs printed in lines of one width
  (14-20 columns, per article), cut into blocks of 2-5 printed lines (a
  paragraph's end ends a block), each block one Markdown line with its
  printed lines joined by spaces, blocks separated by a blank line;
* **two columns**: the same printed lines, the first half in a left column,
  the rest in a right one, each cut into blocks the same way, and the blocks
  of both columns merged by height (the top line of each), as a converter
  that knows no columns does.  A page whose merged order is the reading
  order anyway (one block a column) is counted apart, not as interleaved.

It reports the share of interleaved and of one-column pages flagged (an
article of the page has the flag ``unwrap.interleaved-columns``), the share
of articles flagged on the OCR and forum samples (raw/000, raw/002), on the
PDF sample (raw/001) and on ../shared/real/raw, every re-join's
correctness (the characters around the join follow each other in the
article as written), and the detector's cost on a few MB of these pages.

    python scripts/eval_interleave.py [--shared ../shared] [--seed 1]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.pipeline import Pipeline  # noqa: E402

FLAG = "unwrap.interleaved-columns"
REJOIN = "unwrap.interleaved-rejoin"


def held_out(corpus: Path, residue: int = 0) -> list[dict]:
    arts, index = [], 0
    for f in sorted(corpus.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            a = json.loads(line)
            if index % 5 == residue:
                paras = ["".join(p.split()) for p in a.get("paragraphs") or []]
                paras = [p for p in paras if p]
                if paras and a.get("title"):
                    arts.append({"title": " ".join(a["title"].split()), "paras": paras})
            index += 1
    return arts


def printed_lines(paras: list[str], width: int) -> list[tuple[str, bool]]:
    """``(line, ends its paragraph)``; ASCII letters and digits are half as wide."""
    out = []
    for p in paras:
        cur, w = "", 0.0
        for ch in p:
            cw = 0.5 if ord(ch) < 128 else 1.0
            if w + cw > width and cur:
                out.append((cur, False))
                cur, w = "", 0.0
            cur += ch
            w += cw
        if cur:
            out.append((cur, True))
    return out


def blocks_of(lines: list[tuple[str, bool]], rnd: random.Random) -> list[tuple[int, str, bool]]:
    """``(top line index, text, ends its paragraph)``: 2-5 printed lines a
    block, joined by spaces."""
    out, i = [], 0
    while i < len(lines):
        want = rnd.randint(2, 5)
        j = i
        parts = []
        while j < len(lines) and len(parts) < want:
            parts.append(lines[j][0])
            j += 1
            if lines[j - 1][1]:
                break
        out.append((i, " ".join(parts), lines[j - 1][1]))
        i = j
    return out


def page(art: dict, two: bool, rnd: random.Random) -> tuple[str, str]:
    """A page and how its blocks are ordered: ``in order``; ``interleaved``
    (a block that ends inside a paragraph is followed by one that does not
    continue it); ``paragraph ends`` (out of order only after blocks that end
    a paragraph, where no sentence is cut)."""
    lines = printed_lines(art["paras"], rnd.randint(14, 20))
    if not two:
        return f"# {art['title']}\n\n" + "\n\n".join(t for _top, t, _e in blocks_of(lines, rnd)) + "\n", "in order"
    half = (len(lines) + 1) // 2
    left, right = blocks_of(lines[:half], rnd), blocks_of(lines[half:], rnd)
    merged = sorted([(top, 0, k) for k, (top, _t, _e) in enumerate(left)]
                    + [(top, 1, k) for k, (top, _t, _e) in enumerate(right)])
    reading = [(0, k) for k in range(len(left))] + [(1, k) for k in range(len(right))]
    after = {a: b for a, b in zip(reading, reading[1:])}
    order = [(c, k) for _top, c, k in merged]
    wrong = [a for a, b in zip(order, order[1:]) if after.get(a) != b]
    text = f"# {art['title']}\n\n" + "\n\n".join((left, right)[c][k][1] for c, k in order) + "\n"
    if not wrong:
        return text, "in order"
    cut = any(not (left, right)[c][k][2] for c, k in wrong)
    return text, "interleaved" if cut else "paragraph ends"


def squeeze(s: str) -> str:
    """Letters, digits and Han characters only (the pipeline rewrites spaces,
    punctuation and full-width digits), NFKC."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", s) if ch.isalnum())


def rejoins_right(doc, written: str) -> tuple[int, int]:
    """Re-joins whose characters around the join follow each other in the
    article as written (its paragraphs, concatenated, spaces out)."""
    right = total = 0
    for c in doc.changes:
        if c.rule != REJOIN:
            continue
        total += 1
        right += squeeze(c.after.replace("…", "")) in written
    return right, total


def flagged(articles) -> bool:
    return any(f["rule"] == FLAG for a in articles for f in a.meta["flags"])


def run_pages(pipe: Pipeline, arts: list[dict], seed: int):
    rnd = random.Random(seed)
    res = {"interleaved": [0, 0], "paragraph ends": [0, 0], "one_column": [0, 0], "two_columns_in_order": [0, 0]}
    right = total = 0
    pages = []
    for art in arts:
        for two in (False, True):
            text, order = page(art, two, rnd)
            pages.append(text)
            articles, doc = pipe.clean(text, {"path": "eval.md", "stem": "eval"})
            key = order if order != "in order" else ("two_columns_in_order" if two else "one_column")
            res[key][0] += flagged(articles)
            res[key][1] += 1
            r, t = rejoins_right(doc, squeeze("".join(art["paras"])))
            right += r
            total += t
    return res, (right, total), pages


def share(n: int, d: int) -> str:
    return f"{n}/{d} = {100 * n / d:.1f} %" if d else "0/0"


def files_flagged(pipe: Pipeline, files: list[Path]) -> tuple[int, int, list[str]]:
    n = d = 0
    which = []
    for f in files:
        articles, _doc = pipe.clean(f.read_text(encoding="utf-8", errors="replace"), {"path": f.name, "stem": f.stem})
        for a in articles:
            d += 1
            if any(x["rule"] == FLAG for x in a.meta["flags"]):
                n += 1
                which.append(a.meta["id"])
    return n, d, which


def mixed_pages(shared: Path, megabytes: float, seed: int = 1) -> list[str]:
    """The damaged pages ``make bench`` cleans (column OCR, PDF-to-Markdown,
    forum; scripts/bench.py builds them), in memory: the cost on a batch as
    it comes, not only on pages of two columns."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import articles
    from eval import column_page, forum_page, pdf_page
    rnd = random.Random(seed)
    arts = articles(shared)
    pages, total = [], 0
    while total < megabytes * 1e6:
        kind = rnd.choice([column_page, column_page, pdf_page, forum_page])
        pages.append(kind(rnd.sample(arts, min(len(arts), rnd.randint(2, 5))), rnd))
        total += len(pages[-1].encode())
    return pages


def cost(pipe: Pipeline, pages: list[str], megabytes: float) -> str:
    """CPU seconds of the whole pipeline on these pages with and without the
    detector (process time: the machine may be shared), best of two runs."""
    import normalize.interleave as il
    import normalize.pipeline as pl
    text, size, k = [], 0, 0
    while size < megabytes * 1e6:
        text.append(pages[k % len(pages)])
        size += len(pages[k % len(pages)].encode())
        k += 1
    il.model.cache_clear()
    t0 = time.process_time()
    il.model()
    load = time.process_time() - t0
    real_check = pl.check_interleaving
    timings = {"with": [], "without": []}
    for label in ("with", "without", "with", "without"):
        pl.check_interleaving = real_check if label == "with" else (lambda articles, doc, raw=None, first_line=1: None)
        t0 = time.process_time()
        for p in text:
            pipe.clean(p, {"path": "eval.md", "stem": "eval"})
        timings[label].append(time.process_time() - t0)
    pl.check_interleaving = real_check
    w, wo = min(timings["with"]), min(timings["without"])
    return (f"{size / 1e6:.1f} MB, {k} pages: pipeline {wo:.2f} s without the detector, {w:.2f} s with it "
            f"(+{100 * (w - wo) / wo:.0f} %, {size / 1e6 / max(w - wo, 1e-9):.2f} MB/s for the detector alone); "
            f"model load {load * 1000:.0f} ms CPU once a process")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cost-mb", type=float, default=3.0, help="MB of pages to time")
    ap.add_argument("--articles", type=int, default=0,
                    help="measure on the articles with this index %% 5 (default 0: the held-out ones)")
    ap.add_argument("--model", type=Path, help="character counts to use instead of the shipped ones")
    args = ap.parse_args(argv)
    if args.model:
        import normalize.interleave as il
        il.MODEL = args.model
        il.model.cache_clear()
    pipe = Pipeline()
    arts = held_out(args.shared / "corpus", args.articles)
    res, (right, total), pages = run_pages(pipe, arts, args.seed)
    print(f"corpus articles with index % 5 == {args.articles}: {len(arts)}, each as a one-column and a "
          f"two-column page")
    print(f"interleaved pages flagged (goal >= 95 %): {share(*res['interleaved'])}")
    print(f"two-column pages out of order only after paragraph ends (no sentence cut), flagged: "
          f"{share(*res['paragraph ends'])}")
    print(f"one-column pages flagged (goal <= 5 %): {share(*res['one_column'])}")
    print(f"two-column pages already in reading order, flagged: {share(*res['two_columns_in_order'])}")
    print(f"re-joins right (goal: all): {share(right, total)}")
    raw = ROOT / "raw"
    for label, files in (("OCR sample raw/000", sorted(raw.glob("000_*"))),
                         ("forum sample raw/002", sorted(raw.glob("002_*"))),
                         ("PDF sample raw/001", sorted(raw.glob("001_*"))),
                         ("../shared/real/raw", sorted((args.shared / "real" / "raw").glob("*.*")))):
        files = [f for f in files if f.suffix in (".txt", ".md")]
        n, d, which = files_flagged(pipe, files)
        print(f"{label}: articles flagged {share(n, d)}" + (f" ({', '.join(which)})" if which else ""))
    print("cost on the pages above:", cost(pipe, pages, args.cost_mb))
    print("cost on a mixed batch as make bench builds it:",
          cost(pipe, mixed_pages(args.shared, args.cost_mb), args.cost_mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
