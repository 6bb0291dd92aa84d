"""The long property run (``make fuzz``): hostile pages, 10^5 by default.

Why outside the test suite: the suite must stay fast; this run draws many
more pages, with page chrome, bylines, Markdown markers and gaps added to the
hostile text of tests/test_properties.py, and counts how often each property
fails instead of stopping at the first failure.  The properties and the text
are tests/hostile.py's; a failing input is printed so it can become a test.

    python scripts/fuzz.py [-n 100000] [--seed 1] [--jobs 1] [--show 5]
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile import PIECES, check  # noqa: E402

_PIPE = None


def page(seed: int) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 80)))


def run_one(seed: int):
    global _PIPE
    if _PIPE is None:
        from normalize.pipeline import Pipeline
        _PIPE = Pipeline()
    text = page(seed)
    single: list = []
    try:
        problems = check(_PIPE, text, single)
    except Exception as exc:  # noqa: BLE001 - counting every kind is the point
        problems = [f"exception {type(exc).__name__}: {exc}"]
    return seed, problems, bool(single)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--show", type=int, default=5, help="failing inputs to print per property")
    args = ap.parse_args()
    seeds = range(args.seed * 10**9, args.seed * 10**9 + args.n)
    kinds, shown, single = Counter(), Counter(), 0
    start = time.monotonic()
    pool = multiprocessing.Pool(args.jobs) if args.jobs > 1 else None
    results = pool.imap(run_one, seeds, chunksize=64) if pool else map(run_one, seeds)
    failed = 0
    for n, (seed, problems, not_settled) in enumerate(results, 1):
        single += not_settled
        failed += bool(problems)
        for p in problems:
            kind = p.split(":")[0]
            kinds[kind] += 1
            if shown[kind] < args.show:
                shown[kind] += 1
                print(f"{kind}  seed {seed}\n  input  {page(seed)!r}\n  {p[:600]}\n")
        if n % 10_000 == 0:
            print(f"... {n} pages, {failed} failing, {time.monotonic() - start:.0f} s", file=sys.stderr)
    if pool:
        pool.close()
    print(f"{args.n} pages, {time.monotonic() - start:.0f} s, {failed} failing one property or more")
    for kind, count in kinds.most_common():
        print(f"  {count:>7}  {kind}")
    print(f"  {single:>7}  pages where one pass of fix was not yet its fixed point (fix runs again; not a failure)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
