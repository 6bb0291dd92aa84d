"""Is one pass of ``fix`` settled?  ``fix(fix(x)) == fix(x)`` per raw file.

    PYTHONPATH=. python scripts/fix_twice.py FILE_OR_DIR ... [--count] [--show N]

Why: ``normalize fix`` runs its stages again on their own output until
nothing changes (``settled_fix``, at most ``FIX_PASSES`` passes); a file
that needs a second pass is one whose output the unwrapper reads otherwise
than the raw page (paragraphs the first pass kept apart joined in the
second).  This counts such files with one pass of ``Pipeline().fix`` each
time, not ``settled_fix``, and shows the lines the second pass changed.
``--count`` prints the count alone (no file names, no lines).
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from normalize.inputs import decode
from normalize.pipeline import Pipeline


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--count", action="store_true", help="the count alone")
    ap.add_argument("--show", type=int, default=3, help="changed lines shown per file")
    args = ap.parse_args()
    files = []
    for p in args.paths:
        files += sorted(f for f in p.iterdir() if f.suffix.lower() in (".txt", ".md")) if p.is_dir() else [p]
    pipe = Pipeline()
    again = []
    for f in files:
        text = decode(f.read_bytes())[0]
        once = pipe.fix(text, str(f))[0]
        twice = pipe.fix(once, str(f))[0]
        if twice != once:
            again.append((f, once, twice))
    print(f"{len(again)} of {len(files)} files change in a second pass")
    if not args.count:
        for f, once, twice in again:
            diff = [d for d in difflib.unified_diff(once.split("\n"), twice.split("\n"), lineterm="", n=0)
                    if d[:1] in "+-" and d[:3] not in ("+++", "---")]
            print(f"  {f.name}: {len(diff)} lines")
            for d in diff[:args.show]:
                print(f"    {d[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
