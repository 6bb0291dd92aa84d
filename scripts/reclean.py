"""Cleaning clean text changes nothing: re-clean a run's own articles.

    PYTHONPATH=. python scripts/reclean.py OUT [OUT ...] [--show N]

For every article ``OUT/<source>/NN.md`` a run wrote, two ways an archivist
or a downstream tool cleans it again:

* ``fix``: the article's text through ``normalize.fix_text`` (what
  ``normalize fix FILE.md`` prints, default rules);
* ``run``: every article copied into one folder, cleaned with ``python -m
  normalize run`` as raw input (the package this Python imports: run with
  ``PYTHONPATH=.`` from a checkout to measure its code).

An article counts as changed when the body that comes back is not, byte for
byte, the body it had (``run``: also when it comes back as more or fewer than
one article).  The body is everything after the closing ``---`` line of a
leading front matter, surrounding blank lines aside: read here with this
script's own split, not the package's.  A changed body that keeps every
character but white space is counted apart (a join, a lost marker) from one
that gains or loses characters.

Figures per group: ``forum`` for sources whose name holds ``-forum`` (the
real threads), else ``other``; and the total.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import normalize


def body(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        if end != -1:
            text = text[end + 5:]
    return text.strip("\n")


def chars(text: str) -> Counter:
    return Counter(c for c in text if not c.isspace())


def articles(outs: list[Path]) -> list[Path]:
    return sorted(p for out in outs for p in out.glob("*/*.md") if p.parent.name != "report")


def group(p: Path) -> str:
    return "forum" if "-forum" in p.parent.name else "other"


def tally(results: dict[Path, tuple[bool, bool]], label: str) -> None:
    for g in ("forum", "other", "all"):
        rows = [v for p, v in results.items() if g == "all" or group(p) == g]
        if not rows:
            continue
        changed = sum(1 for c, _ in rows if c)
        same_chars = sum(1 for c, k in rows if c and k)
        print(f"{label:<4} {g:<6} {changed:>5} of {len(rows):>5} bodies change ({changed / len(rows):6.1%});"
              f" {same_chars} of them keep every character")


def by_fix(paths: list[Path]) -> dict[Path, tuple[bool, bool]]:
    out = {}
    for p in paths:
        text = p.read_text(encoding="utf-8")
        try:
            again = normalize.fix_text(text)
        except Exception as exc:  # counted as changed, and shown: cleaning clean text must not fail
            print(f"     fix fails on {p}: {type(exc).__name__}: {exc}")
            again = ""
        a, b = body(text), body(again)
        out[p] = (a != b, chars(a) == chars(b))
    return out


def by_run(paths: list[Path]) -> dict[Path, tuple[bool, bool]]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        names = {}
        for i, p in enumerate(paths):
            name = f"{i:05d}_{p.parent.name}_{p.stem}"
            shutil.copyfile(p, src / f"{name}.md")
            names[p] = name
        subprocess.run([sys.executable, "-m", "normalize", "run", str(src), "--out", str(dst), "--force"],
                       check=False, stdout=subprocess.DEVNULL, cwd=tmp)  # (not the checkout: PYTHONPATH decides)
        for p, name in names.items():
            a = body(p.read_text(encoding="utf-8"))
            got = sorted((dst / name).glob("*.md"))
            b = "\n\n".join(body(g.read_text(encoding="utf-8")) for g in got)
            out[p] = (len(got) != 1 or a != b, chars(a) == chars(b))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outs", nargs="+", type=Path)
    ap.add_argument("--show", type=int, default=0, help="list this many changed articles of each way")
    args = ap.parse_args()
    paths = articles(args.outs)
    for label, results in (("fix", by_fix(paths)), ("run", by_run(paths))):
        tally(results, label)
        for p in [p for p, (c, _k) in results.items() if c][:args.show]:
            print(f"     {label} changes {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
