#!/usr/bin/env python3
"""Build the character n-gram counts ``normalize/interleave.py`` judges
block junctions with, from a corpus of clean text the user names.

Why counts built here and shipped: whether a block's last characters go on
in the first characters of another block is a question about the language,
not about one page, and the pipeline must not download anything at run time.
The counts are small (bigrams seen at least twice, trigrams at least three
times: well under 2 MB gzipped) and rebuilt by anyone with a corpus.

The corpus is JSON Lines (one article a line, ``paragraphs`` a list of
strings), every ``*.jsonl`` of the folder read in name order.  Articles whose
index in that order is a multiple of 5 are HELD OUT: never counted, so that
``scripts/eval_interleave.py`` measures on text the model has not seen.

    python scripts/build_ngram.py [--corpus ../shared/corpus] [--out normalize/data/ngram.txt.gz]

The thresholds in ``normalize/interleave.py`` were set on the articles with
index % 5 == 1, with a model that left those out too:
``--exclude 1 --out /tmp/dev.gz``, then
``scripts/eval_interleave.py --articles 1 --model /tmp/dev.gz``.

The file is deterministic (sorted lines, gzip without a time stamp): the same
corpus gives the same bytes.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT_EVERY = 5          # articles with index % 5 == 0 are never counted
MIN_BIGRAM, MIN_TRIGRAM = 2, 3


def training_paragraphs(corpus: Path, exclude: tuple[int, ...] = ()):
    files = sorted(corpus.glob("*.jsonl"))
    if not files:
        raise SystemExit(f"build_ngram: no *.jsonl in {corpus}")
    index = 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            art = json.loads(line)
            if index % HELD_OUT_EVERY and index % HELD_OUT_EVERY not in exclude:
                for p in art.get("paragraphs") or []:
                    p = "".join(p.split())  # the pipeline's output has no spaces between Han characters
                    if p:
                        yield p
            index += 1


def build(corpus: Path, exclude: tuple[int, ...] = ()) -> bytes:
    uni, bi, tri = Counter(), Counter(), Counter()
    for p in training_paragraphs(corpus, exclude):
        uni.update(p)
        bi.update(p[i:i + 2] for i in range(len(p) - 1))
        tri.update(p[i:i + 3] for i in range(len(p) - 2))
    lines = ["# character n-gram counts for normalize.interleave; built by scripts/build_ngram.py",
             f"# total\t{sum(uni.values())}"]
    lines += [f"{k}\t{v}" for k, v in sorted(uni.items()) if k.isprintable() and not k.isspace()]
    lines += [f"{k}\t{v}" for k, v in sorted(bi.items()) if v >= MIN_BIGRAM and k.isprintable()]
    lines += [f"{k}\t{v}" for k, v in sorted(tri.items()) if v >= MIN_TRIGRAM and k.isprintable()]
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--out", type=Path, default=ROOT / "normalize" / "data" / "ngram.txt.gz")
    ap.add_argument("--exclude", type=int, action="append", default=[],
                    help="also leave out articles with this index %% 5 (a model for setting thresholds)")
    args = ap.parse_args(argv)
    data = build(args.corpus, tuple(args.exclude))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
