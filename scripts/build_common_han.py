#!/usr/bin/env python3
"""Build the set of common Han characters ``normalize/inputs.py`` tells real
Chinese from another language's bytes decoded as GB18030 or Big5.

Why: Shift-JIS, EUC-JP and EUC-KR bytes are mostly valid GB18030 or Big5
too, and decode to Han characters, but to rare ones (``崱擔偼挬偐傜``): in
Chinese text about nine in ten Han characters are among the thousand
commonest, in such mojibake one in three or fewer.  The set is the
``--top`` commonest Han characters of a corpus of clean text, with their
traditional forms (OpenCC s2t, s2tw, s2hk) so that Big5 text is judged the
same way.  Articles whose index is a multiple of 5 are held out (as in
``build_ngram.py``) so that ``scripts/eval_encodings.py`` measures on text the
set was not built from.

    python scripts/build_common_han.py [--corpus ../shared/corpus] [--out normalize/data/common_han.txt.gz]

Deterministic: the same corpus gives the same bytes (characters in code
point order, gzip without a time stamp).
"""
from __future__ import annotations

import argparse
import gzip
import sys
from collections import Counter
from pathlib import Path

import opencc
import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_ngram import training_paragraphs  # noqa: E402  (the same held-out split)

ROOT = Path(__file__).resolve().parent.parent
HAN = regex.compile(r"\p{Han}")


def build(corpus: Path, top: int) -> bytes:
    counts = Counter()
    for p in training_paragraphs(corpus):
        counts.update(HAN.findall(p))
    # ties broken by code point: the same corpus, the same set
    common = "".join(c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top])
    chars = set(common)
    for conf in ("s2t", "s2tw", "s2hk"):
        chars.update(HAN.findall(opencc.OpenCC(conf).convert(common)))
    text = (f"# the {top} commonest Han characters of the corpus and their traditional forms;"
            f" built by scripts/build_common_han.py\n" + "".join(sorted(chars)) + "\n")
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--out", type=Path, default=ROOT / "normalize" / "data" / "common_han.txt.gz")
    ap.add_argument("--top", type=int, default=1000)
    args = ap.parse_args(argv)
    data = build(args.corpus, args.top)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
