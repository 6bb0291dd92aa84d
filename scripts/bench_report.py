#!/usr/bin/env python3
"""How long ``normalize report`` takes for a large batch.

Why a script and not a timed test: timings depend on the machine and its
load.  It builds ``--files`` raw pages from the repo's sample scans (each
cut to at most ``--kb`` KB at a line end, with a line of its own so that
every page differs), cleans them with ``normalize run --jobs 2`` (timed,
for comparison), then times ``normalize report --jobs 2`` twice: a first
report (every page written, the change positions read from the run's
``changes.jsonl``) and a second over the same run (pages unchanged, none
written).  ``--no-changes`` deletes the ``changes.jsonl`` files first: the
report of an older version's output, which cleans every raw file again.

    python scripts/bench_report.py [--files 10000] [--kb 4] [--work DIR]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(folder: Path, files: int, kb: float) -> int:
    pages = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))]
    cut = []
    for text in pages:
        limit = int(kb * 1024)
        out = ""
        for line in text.splitlines(True):
            if len((out + line).encode()) > limit:
                break
            out += line
        cut.append(out or text[: limit // 3])
    total = 0
    for n in range(files):
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        data = (cut[n % len(cut)] + f"\n第{n}号页面。\n").encode("utf-8")
        (sub / f"p{n:06d}.txt").write_bytes(data)
        total += len(data)
    return total


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds of the command and its workers
    (on a shared machine the second says more: divided by the 2 cores, it
    is the wall time on an idle machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout's package, installed or not
    proc = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode:
        sys.exit(f"{' '.join(args[2:])} failed:\n{proc.stderr}")
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--kb", type=float, default=4.0, help="largest page, in KB (the samples are 12-38 KB)")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--no-changes", action="store_true", help="delete changes.jsonl before the reports")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="bench-report-"))
    shutil.rmtree(work / "raw", ignore_errors=True)
    shutil.rmtree(work / "clean", ignore_errors=True)
    size = build(work / "raw", a.files, a.kb)
    exe = [sys.executable, "-m", "normalize"]
    t_run = timed(exe + ["run", "raw", "--out", "clean", "--jobs", "2", "--force"], work)
    if a.no_changes:
        for p in (work / "clean").rglob("changes.jsonl"):
            p.unlink()
    t_first = timed(exe + ["report", "clean", "--jobs", "2"], work)
    t_again = timed(exe + ["report", "clean", "--jobs", "2"], work)
    site = sum(p.stat().st_size for p in (work / "clean" / "report").rglob("*") if p.is_file())
    print(f"{a.files} raw files, {size / 1e6:.1f} MB (pages of at most {a.kb:g} KB); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("                                    wall s   CPU s  CPU s / 2 cores")
    for name, (wall, cpu) in (("normalize run --jobs 2", t_run), ("normalize report --jobs 2, first", t_first),
                              ("normalize report --jobs 2, again", t_again)):
        print(f"{name:<34} {wall:7.1f} {cpu:7.1f} {cpu / 2:7.1f}")
    print(f"site {site / 1e6:.0f} MB; the second report writes no page (nothing changed)")
    if not a.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
