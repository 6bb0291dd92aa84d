#!/usr/bin/env python3
"""What the gaps stage costs: the text stages over corpus articles with and
without it, interleaved so that both see the same machine load, in CPU time
of this process (a shared machine's load makes wall time say little).

    python scripts/bench_gaps.py [--shared ../shared] [--mb 5]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.pipeline import Pipeline  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--mb", type=float, default=5.0, help="megabytes of text to clean, each way")
    args = ap.parse_args(argv)
    texts = []
    for f in sorted((args.shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            texts.append("\n\n".join(p for p in json.loads(line)["paragraphs"] if p.strip()) + "\n")
    if not texts:
        print("no corpus", file=sys.stderr)
        return 1
    batch, size = [], 0
    while size < args.mb * 1e6:
        for t in texts:
            batch.append(t)
            size += len(t.encode("utf-8"))
    with_gaps = Pipeline()
    without = Pipeline()
    without.stages = [s for s in without.stages if s.name != "gaps"]
    spent = {"with": 0.0, "without": 0.0}
    for k in range(0, len(batch), 50):  # interleaved chunks
        for name, pipe in (("with", with_gaps), ("without", without)):
            t = time.process_time()
            for text in batch[k:k + 50]:
                pipe.fix(text)
            spent[name] += time.process_time() - t
    mb = size / 1e6
    cost = spent["with"] - spent["without"]
    print(f"{mb:.1f} MB of news through the text stages: {spent['without']:.1f} s CPU without the gaps stage "
          f"({mb / spent['without']:.2f} MB/s), {spent['with']:.1f} s with it ({mb / spent['with']:.2f} MB/s); "
          f"the stage: {cost:.1f} s, {cost / spent['without'] * 100:.0f} % more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
