#!/usr/bin/env python3
"""What the gaps stage costs: the text stages over corpus articles with and
without it, interleaved so that both see the same machine load, in CPU time
of this process (a shared machine's load makes wall time say little).
With ``--old REV`` the stage as ``normalize/gaps.py`` stood at git revision
REV (the rest of the package as checked out) runs in the same rounds, so
that a change to the stage is measured against the code before it under
the same load.  The stage's cost is printed twice: the difference of the
text stages' totals with and without it, and its own time around its call.

    python scripts/bench_gaps.py [--shared ../shared] [--mb 5] [--old REV] [--rounds 1] [--strip 0.3]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.pipeline import Pipeline, Stage  # noqa: E402


def old_stage(rev: str):
    """The gaps stage of ``normalize/gaps.py`` at ``rev``, loaded as a module
    of the package beside the current one."""
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:normalize/gaps.py"], check=True,
                         capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader("normalize._gaps_old", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__file__ = str(ROOT / "normalize" / "gaps.py")  # its data files: the shipped ones
    sys.modules[spec.name] = mod
    exec(compile(src, f"{rev}:normalize/gaps.py", "exec"), mod.__dict__)
    return mod.mark_gaps


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--mb", type=float, default=5.0, help="megabytes of text to clean, each way")
    ap.add_argument("--old", metavar="REV", help="also run the stage as normalize/gaps.py was at REV")
    ap.add_argument("--rounds", type=int, default=1, help="pass over the text this many times")
    ap.add_argument("--strip", type=float, default=0.0,
                    help="take out this share of the numbers before a Han character (damaged pages, which the"
                         " stage reads a second time with lower thresholds)")
    args = ap.parse_args(argv)
    texts = []
    for f in sorted((args.shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            texts.append("\n\n".join(p for p in json.loads(line)["paragraphs"] if p.strip()) + "\n")
    if not texts:
        print("no corpus", file=sys.stderr)
        return 1
    if args.strip:
        rnd = random.Random(1)
        texts = [re.sub(r"(?<![\d.])\d+(?:\.\d+)?(?=[\u4e00-\u9fff%])",
                        lambda m: "" if rnd.random() < args.strip else m.group(0), t) for t in texts]
    batch, size = [], 0
    while size < args.mb * 1e6:
        for t in texts:
            batch.append(t)
            size += len(t.encode("utf-8"))
    with_gaps = Pipeline()
    without = Pipeline()
    without.stages = [s for s in without.stages if s.name != "gaps"]
    pipes = [("with", with_gaps), ("without", without)]
    if args.old:
        before = Pipeline()
        before.stages = [Stage(s.name, old_stage(args.old)) if s.name == "gaps" else s for s in before.stages]
        pipes.append((args.old, before))
    own = {}  # the gaps stage's own CPU time, timed around its call

    def timed(name, run):
        def stage(doc):
            t = time.process_time()
            out = run(doc)
            own[name] += time.process_time() - t
            return out
        return stage
    for name, pipe in pipes:
        if name != "without":
            own[name] = 0.0
            pipe.stages = [Stage(s.name, timed(name, s.run)) if s.name == "gaps" else s for s in pipe.stages]
    for _name, pipe in pipes:  # models loaded before the clock runs
        pipe.fix(batch[0])
    own = dict.fromkeys(own, 0.0)
    spent = dict.fromkeys((name for name, _p in pipes), 0.0)
    for r in range(args.rounds):
        for k in range(0, len(batch), 50):  # interleaved chunks
            for name, pipe in (pipes if (k // 50 + r) % 2 == 0 else pipes[::-1]):
                t = time.process_time()
                for text in batch[k:k + 50]:
                    pipe.fix(text)
                spent[name] += time.process_time() - t
    mb = size / 1e6 * args.rounds
    cost = spent["with"] - spent["without"]
    print(f"{mb:.1f} MB of news through the text stages: {spent['without']:.1f} s CPU without the gaps stage "
          f"({mb / spent['without']:.2f} MB/s), {spent['with']:.1f} s with it ({mb / spent['with']:.2f} MB/s); "
          f"the stage: {cost:.2f} s, {cost / spent['without'] * 100:.0f} % more; timed around its call: "
          f"{own['with']:.2f} s")
    if args.old:
        old = spent[args.old] - spent["without"]
        print(f"the stage at {args.old}: {old:.2f} s ({spent[args.old]:.1f} s with it); "
              f"now / then: {cost / old:.2f}; timed around its call: {own[args.old]:.2f} s, "
              f"now / then: {own['with'] / own[args.old]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
