#!/usr/bin/env python3
"""Throughput and memory of ``normalize run``, against baselines measured in
the same run, and where a single job spends its time.

Why a script (``make bench``) and not a timed test: timings depend on the
machine; the suite stays fast and deterministic, and these figures are
re-measured on demand.  Timings on a shared machine vary run to run, so every
ratio is taken between figures of one run.  Sections (``--only``):

* ``batch``: a damaged corpus of ``--mb`` MB (default 50) built from
  ../shared/corpus (column OCR pages, PDF-to-Markdown pages, forum scrapes
  with stripped digits; the sample scans when the corpus is absent; with
  ``--large K``, K issues of ``--large-mb`` MB in one file each, walked
  last), cleaned with ``--jobs 1`` and ``--jobs 2``, ``--repeat`` pairs of
  runs in alternating order (MB/s, articles/s, peak RSS of the largest
  process, outputs compared).  The ``--jobs 2`` speed-up is given per pair
  of wall-clock times, with their median and spread, and as the CPU times
  read it: one job's CPU over the two-job run's critical path (the
  parent's CPU, most of it its start before the fork, plus the busiest
  worker's), with each run's CPU per process, the CPU the machine's cores
  gave everyone else meanwhile (/proc/stat) and the load average: on a
  shared machine the wall clock measures the others too.  Over the same text, one pass of the
  floor regex ``(?<=\\p{Han}) +(?=\\p{Han})`` and autocorrect-py's
  ``format``; the write floor: every page read, hashed, decoded and written
  as as many articles as the real run wrote for it by a lean writer (plain
  writes into new folders, no cleaning, no front matter); and PyYAML's front
  matter alone for every article of the real run;
* ``stages``: one in-process ``--jobs 1`` run over the same corpus with a
  clock around every step: the start (the pipeline's build, the rules'
  examples, the warm-up page, each clocked whole), read and decode,
  settings lookup, each stage by name, segment, front matter, Markdown,
  the changes, removed and manifest lines, writes; seconds and share;
* ``scaling``: one file holding a whole paper (pages with form feeds, page
  headers and their own editor lines, as an issue's text has them) of 1, 4,
  16 and 64 MB, the smaller ones prefixes of the larger: seconds per MB and
  peak memory per byte, both in total and above the interpreter's own
  (measured on a tiny file), and the pieces each file is cleaned in;
  ``--big`` adds a file of 50 MB of the same kind and the same text on one
  line (no per-line work: what the page's copies cost); and the 4 MB file
  cleaned in this process whole and in pieces, compared article by article;
* ``small``: 100,000 small files with ``--jobs 2``;
* ``instructions`` (not in the default list; needs valgrind): the
  instructions of ``normalize run --jobs 1`` over the first ``--files``
  pages of the damaged corpus and over a one-line file (the interpreter,
  the rule files, the models), counted by ``valgrind --tool=callgrind``
  with ``PYTHONHASHSEED=0``, for this checkout and, with ``--base DIR``,
  another one: a figure a busy shared machine cannot sway, where CPU
  seconds of the same run move by a fifth from run to run.

Every timed or counted run finds the modules compiled and the models'
load cache built (normalize/loadcache.py): before any section each
checkout is byte-compiled and cleans a tiny file once, so that the figures
are those of an installed package's every run but a machine's first.

Every run writes into a folder of its own that did not exist before, on the
file system of ``--work`` (named in the output; ``--work /dev/shm/x`` for
tmpfs): creating files right after deleting a previous output measures the
file system's state, not the code.

``--code DIR`` runs the package found in DIR (a checkout of another commit)
for the child runs; ``--same-as REV`` cleans the sample scans, a slice of
the damaged corpus and issue files (1 MB, cleaned whole; 4 MB, in pieces;
the 4 MB one's text on one line) with this checkout and with commit REV and
compares the outputs byte for byte (exit 1 when they differ): this
checkout's with ``--jobs 1`` and with ``--jobs 2``, the commit's with
``--jobs 2``.

    python scripts/bench.py [--mb 50] [--only batch,stages,scaling,small]
                            [--repeat 3] [--large K] [--large-mb 1]
                            [--sizes 1,4,16,64] [--big 50] [--work DIR]
                            [--code DIR] [--same-as REV]
    python scripts/bench.py --only instructions [--files 40] [--base DIR]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from statistics import median
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from eval import column_page, forum_page, pdf_page  # noqa: E402

SECTIONS = ("batch", "stages", "scaling", "small")
EXTRA_SECTIONS = ("instructions",)


def articles(shared: Path) -> list[dict]:
    out = []
    corpus = shared / "corpus"
    if corpus.is_dir():
        for f in sorted(corpus.glob("*.jsonl")):
            for line in f.read_text(encoding="utf-8").splitlines():
                a = json.loads(line)
                paras = [p.replace("\u3000", "").strip() for p in a["paragraphs"] if p.strip()]
                names = [n for n in (a.get("authors") or "").split(";") if n] or ["王晓明"]
                if paras:
                    out.append({"title": a["title"], "names": names, "paras": paras})
    else:  # no corpus: the sample scans' own text, as pages of one article
        for p in sorted((ROOT / "raw").glob("*.txt")):
            paras = [x.strip() for x in p.read_text(encoding="utf-8").split("\n\n") if x.strip()]
            out.append({"title": p.stem, "names": ["王晓明"], "paras": paras})
    return out


def build(shared: Path, folder: Path, mb: float, seed: int = 1) -> tuple[int, int]:
    """Write damaged pages until ``mb`` MB; return bytes and pages."""
    rnd = random.Random(seed)
    arts = articles(shared)
    folder.mkdir(parents=True, exist_ok=True)
    total, n = 0, 0
    while total < mb * 1e6:
        kind = rnd.choice([column_page, column_page, pdf_page, forum_page])
        page = kind(rnd.sample(arts, min(len(arts), rnd.randint(2, 5))), rnd)
        data = page.encode("utf-8")
        (folder / f"{n // 1000:03d}").mkdir(exist_ok=True)
        (folder / f"{n // 1000:03d}" / f"p{n:06d}.txt").write_bytes(data)
        total += len(data)
        n += 1
    return total, n


EDITOR_LINES = ["本版主编 {a} 编辑 {b} {c}", "责任编辑：{a}", "本版编辑：{a} {b}"]


def issue_pages(shared: Path, seed: int = 1):
    """Pages of a paper as one file holds them: a form feed, a page header or
    both before each page, the page's own editor line, then 2–5 articles set
    as column OCR or PDF-to-Markdown text."""
    rnd = random.Random(seed)
    arts = articles(shared)
    names = sorted({n for a in arts for n in a["names"] if 2 <= len(n) <= 3}) or ["王晓明", "李华", "张强"]
    k = 0
    while True:
        k += 1
        editors = rnd.choice(EDITOR_LINES).format(a=rnd.choice(names), b=rnd.choice(names), c=rnd.choice(names))
        kind = rnd.choice([column_page, pdf_page])
        page = kind(rnd.sample(arts, min(len(arts), rnd.randint(2, 5))), rnd)
        if kind is pdf_page:  # its fixed editor line gives way to this page's own
            page = page.split("\n", 1)[1].lstrip("\n")
        header = f"《人民日报》（2021年{k // 28 % 12 + 1}月{k % 28 + 1}日 第 {k % 24 + 1} 版）\n"
        opening = ["\f", header, "\f" + header][k % 3] if k > 1 else header
        yield opening + editors + "\n\n" + page


def build_issues(shared: Path, folder: Path, sizes: list[float]) -> dict[float, tuple[Path, int]]:
    """One file per size, each a prefix (whole pages) of the largest."""
    folder.mkdir(parents=True, exist_ok=True)
    out, parts, total = {}, [], 0
    pages = issue_pages(shared)
    for mb in sorted(sizes):
        while total < mb * 1e6:
            page = next(pages).encode("utf-8")
            parts.append(page)
            total += len(page)
        p = folder / f"issue-{mb:g}MB.txt"
        p.write_bytes(b"".join(parts))
        out[mb] = (p, total)
    return out


def build_small(folder: Path, count: int) -> int:
    total = 0
    for n in range(count):
        sub = folder / f"{n // 1000:03d}"
        if n % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        data = (f"简讯第{n}号\n\n记者 王晓明\n\n本报讯 今年以来,全县新建农村公路{n % 97 + 3}公里,"
                f"惠及群众{n % 50 + 10}万人 。\n").encode("utf-8")
        (sub / f"s{n:06d}.txt").write_bytes(data)
        total += len(data)
    return total


class Fresh:
    """New output folders under one parent: never one that existed before."""

    def __init__(self, work: Path):
        self.parent = work / "out"
        self.parent.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, label: str) -> Path:
        self.n += 1
        return self.parent / f"{self.n:02d}-{label}"


def file_system(path: Path) -> str:
    try:
        return subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def write_floor(files: list[Path], counts: list[int], out: Path) -> float:
    """Seconds to read, hash and decode every page and write it as
    ``counts[i]`` articles plus a manifest line each, by a lean writer
    (plain writes into a new folder): the output side of a run without
    cleaning and without front matter."""
    t = time.perf_counter()
    out.mkdir(parents=True)
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for n, f in enumerate(files):
            data = f.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            text = data.decode("utf-8")
            k = max(1, counts[n])
            folder = out / f.stem
            folder.mkdir()
            for i in range(k):
                part = text[i * len(text) // k:(i + 1) * len(text) // k]
                with open(folder / f"{i + 1:02d}.md", "wb") as fh:
                    fh.write(part.encode("utf-8"))
                manifest.write(json.dumps({"path": f"{f.stem}/{i + 1:02d}.md", "sha256": sha}) + "\n")
    return time.perf_counter() - t


PROBE = r"""
import json, os, resource, subprocess, sys, tempfile, time
TICK = os.sysconf("SC_CLK_TCK")
def machine():  # busy and steal ticks of all cores, from /proc/stat
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f) - f[3] - f[4], f[7] if len(f) > 7 else 0
def ticks(pid):  # utime + stime of one process
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except OSError:
        return None
def children(pid):
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []
timeout = float(sys.argv[1]) if sys.argv[1] != "None" else None
err = tempfile.TemporaryFile(mode="w+")
load0, (busy0, steal0) = os.getloadavg()[0], machine()
t = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err, text=True)
seen = {}  # a worker's CPU ticks as last read (it is reaped by the run, its count then lost to us)
own = None  # the run's own process: CPU of its own, and of the workers it reaped
while True:
    # ended, but not yet reaped: its /proc entry still says what it spent itself
    if os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
        f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
        own = ((int(f[11]) + int(f[12])) / TICK, (int(f[13]) + int(f[14])) / TICK)
        p.wait()
        break
    for c in children(p.pid):
        n = ticks(c)
        if n is not None:
            seen[c] = max(n, seen.get(c, 0))
    if timeout is not None and time.monotonic() - t > timeout:
        p.kill(); p.wait()
        raise subprocess.TimeoutExpired(sys.argv[2:], timeout)
    time.sleep(0.02)
secs = time.monotonic() - t
busy1, steal1 = machine()
r = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r.ru_utime + r.ru_stime
workers = sorted((v / TICK for v in seen.values()), reverse=True)
# what the 20 ms reads missed of the workers (each one's last reads before it
# ended): their reaped total less what was read, none when no worker ran
unread = max(0.0, own[1] - sum(workers)) if own and workers else 0.0
err.seek(0)
lines = err.read().strip().splitlines()
print(json.dumps({"seconds": secs, "rss": r.ru_maxrss, "last": lines[-1] if lines else "", "cpu": cpu,
                  "workers_cpu": workers, "parent_cpu": cpu - sum(workers),
                  "parent_own_cpu": own[0] if own else None, "workers_unread_cpu": unread,
                  "other_cpu": (busy1 - busy0) / TICK - cpu, "steal": (steal1 - steal0) / TICK,
                  "load": load0, "returncode": p.returncode, "stderr": "\n".join(lines[-20:])}))
"""


def timed_run(args: list[str], code: Path, timeout: float | None = None) -> tuple[float, int, str]:
    """Seconds, peak RSS (kB) of the largest process, and the last line of
    stderr, measured in a fresh child so that only this run's processes
    count; raises TimeoutExpired after ``timeout`` seconds (a quadratic step).

    ``timed_run.detail`` says how the machine and the run spent its CPU:
    ``cpu`` all of the run's processes; ``workers_cpu`` each pool worker's
    (read from /proc every 20 ms: a worker's last 20 ms can be missing),
    ``parent_cpu`` the rest; ``parent_own_cpu`` the run's process alone
    (read from /proc once it has ended, before it is reaped) and
    ``workers_unread_cpu`` what the 20 ms reads missed of the workers (in
    ``parent_cpu``, not in ``parent_own_cpu``); ``other_cpu`` what the machine's cores did
    for everyone else meanwhile (/proc/stat), ``steal`` the hypervisor's
    share taken from them, ``load`` the load average at the start: the
    wall clock of a run measures these too."""
    # PYTHONSAFEPATH: ``python -m`` would put the working folder first on
    # sys.path, and run from the checkout every child would import its code,
    # whatever ``code`` says (--code and --same-as would compare a tree with itself)
    env = dict(os.environ, PYTHONPATH=str(code), PYTHONSAFEPATH="1")
    res = subprocess.run([sys.executable, "-c", PROBE, str(timeout), sys.executable, "-m", "normalize", *args],
                         capture_output=True, text=True, env=env)
    if res.returncode != 0:
        if "TimeoutExpired" in res.stderr:
            raise subprocess.TimeoutExpired(args, timeout)
        raise RuntimeError(res.stderr)
    d = json.loads(res.stdout)
    if d["returncode"] not in (0, 1):
        raise RuntimeError(d["stderr"])
    timed_run.cpu = d["cpu"]  # CPU seconds of the run's processes: less swayed by a busy machine
    timed_run.detail = d
    return d["seconds"], d["rss"], d["last"]


def use_code(code: Path) -> None:
    """Import normalize from ``code`` in this process from now on (the page
    builders keep the modules they were built with)."""
    if sys.path[0] != str(code):
        for name in [m for m in sys.modules if m == "normalize" or m.startswith("normalize.")]:
            del sys.modules[name]
        sys.path.insert(0, str(code))


def n_articles(summary: str) -> int:
    return int(summary.split(" files, ")[1].split(" articles")[0]) if " articles" in summary else 0


def same_tree(a: Path, b: Path) -> bool:
    """Every output file byte-identical, but ``.normalize-code``: it names the
    code that wrote the folder (a digest of its Python files), so it differs
    between two commits by design."""
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file() and p.name != ".normalize-code")
    fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file() and p.name != ".normalize-code")
    return fa == fb and all((a / p).read_bytes() == (b / p).read_bytes() for p in fa)


# -- sections -----------------------------------------------------------------
def batch(args, work: Path, fresh: Fresh, report: dict) -> None:
    raw = work / "raw"
    size, pages = build(args.shared, raw, args.mb)
    if args.large:  # a paper's issues in one file each, walked last (a folder after the pages' folders)
        for k in range(args.large):
            issue = build_issues(args.shared, work / f"issue-{k}", [args.large_mb])[args.large_mb][0]
            (raw / "zz-issues").mkdir(exist_ok=True)
            issue.rename(raw / "zz-issues" / f"issue-{k}.txt")
            size += (raw / "zz-issues" / f"issue-{k}.txt").stat().st_size
            pages += 1
    files = sorted(raw.rglob("*.txt"))
    mb = size / 1e6
    report["corpus"] = {"files": pages, "MB": round(mb, 1)}
    outs = {}
    runs: dict[int, list[dict]] = {1: [], 2: []}
    # --repeat pairs, in the order 1 2, 2 1, 1 2 …: a machine getting busier
    # or quieter during the bench weighs on both job counts alike
    for r in range(args.repeat):
        for jobs in ((1, 2) if r % 2 == 0 else (2, 1)):
            out = fresh(f"jobs{jobs}-{r}")
            secs, rss, last = timed_run(["run", str(raw), "--out", str(out), "--jobs", str(jobs)], args.code)
            d = timed_run.detail
            runs[jobs].append({"seconds": secs, "cpu": d["cpu"], "rss": rss, "last": last,
                               "workers": d["workers_cpu"], "parent": d["parent_cpu"],
                               "parent_own": d["parent_own_cpu"], "unread": d["workers_unread_cpu"],
                               "other": d["other_cpu"], "steal": d["steal"], "load": d["load"]})
            if jobs not in outs:
                outs[jobs] = out
            else:
                shutil.rmtree(out)
    for jobs in (1, 2):
        rs = runs[jobs]
        best = min(rs, key=lambda x: x["seconds"])
        report[f"jobs{jobs}"] = {"seconds": round(median([x["seconds"] for x in rs]), 1),
                                 "cpu_seconds": round(median([x["cpu"] for x in rs]), 1),
                                 "MB/s": round(mb / median([x["seconds"] for x in rs]), 2),
                                 "articles/s": round(n_articles(best["last"]) / best["seconds"], 1),
                                 "peak_rss_MB": round(max(x["rss"] for x in rs) / 1024, 1), "summary": best["last"],
                                 "runs": [{"seconds": round(x["seconds"], 2), "cpu": round(x["cpu"], 2),
                                           "parent_cpu": round(x["parent"], 2),
                                           "parent_own_cpu": (round(x["parent_own"], 2)
                                                              if x["parent_own"] is not None else None),
                                           "workers_unread_cpu": round(x["unread"], 2),
                                           "workers_cpu": [round(w, 2) for w in x["workers"]],
                                           "others_cpu_meanwhile": round(x["other"], 1),
                                           "steal": round(x["steal"], 1), "load_at_start": round(x["load"], 1)}
                                          for x in rs]}
    # per pair: the wall-clock speed-up, and the one the CPU times give (one
    # job's CPU over the two-job run's critical path: the parent's CPU, most
    # of it its start before the fork, plus its busiest worker's), which the
    # other work on a shared machine sways far less
    # (the parent's CPU here holds the workers' unread last reads too: the
    # critical path is never shortened by what the reads missed)
    wall = [a["seconds"] / b["seconds"] for a, b in zip(runs[1], runs[2])]
    crit = [a["cpu"] / (b["parent"] + (b["workers"][0] if b["workers"] else 0)) for a, b in zip(runs[1], runs[2])]
    # within the two-job run alone: its own CPU over its critical path, how
    # evenly the code split what it did (2.0 at best), whatever the machine
    # did to the one-job run of the pair; it leaves out the work the second
    # busy core costs (cpu_ratio_2_jobs_to_1), so it is no speed-up
    split = [b["cpu"] / (b["parent"] + (b["workers"][0] if b["workers"] else 0)) for b in runs[2]]
    report["speedup_2_jobs"] = round(median(wall), 2)
    report["speedup_2_jobs_how"] = {
        "measured": f"{args.repeat} pairs of runs, wall clock; each pair's ratio, their median and spread",
        "wall_per_pair": [round(x, 2) for x in wall],
        "wall_min_max": [round(min(wall), 2), round(max(wall), 2)],
        "cpu_critical_path_per_pair": [round(x, 2) for x in crit],
        "cpu_critical_path_median": round(median(crit), 2),
        "cpu_ratio_2_jobs_to_1": [round(b["cpu"] / a["cpu"], 2) for a, b in zip(runs[1], runs[2])],
        "split_within_2_job_run": [round(x, 2) for x in split],
        "machine": f"{os.cpu_count()} cores; others' CPU meanwhile and the load average per run above"}
    report["jobs_1_and_2_identical"] = same_tree(outs[1], outs[2])
    texts = [f.read_text(encoding="utf-8") for f in files]
    import regex
    floor = regex.compile(r"(?<=\p{Han}) +(?=\p{Han})")
    t = time.perf_counter()
    for text in texts:
        floor.sub("", text)
    report["floor_regex"] = {"MB/s": round(mb / (time.perf_counter() - t), 1)}
    try:
        import autocorrect_py
        t, c = time.perf_counter(), time.process_time()
        for text in texts:
            autocorrect_py.format(text)
        report["autocorrect_py"] = {"MB/s": round(mb / (time.perf_counter() - t), 2),
                                    "cpu_seconds": round(time.process_time() - c, 2)}
    except ImportError:
        report["autocorrect_py"] = "not installed (make bench installs it)"
    del texts
    counts = [len(list((outs[1] / f.relative_to(raw).with_suffix("")).glob("*.md"))) for f in files]
    secs = write_floor(files, counts, fresh("write-floor"))
    report["write_floor_lean"] = {"MB/s": round(mb / secs, 1), "seconds": round(secs, 2)}
    use_code(args.code)
    from normalize.article import front_matter_text
    metas = [json.loads(line) for line in (outs[1] / "manifest.jsonl").open(encoding="utf-8")]
    t = time.perf_counter()
    for meta in metas:
        front_matter_text(meta)
    secs = time.perf_counter() - t
    report["front_matter_only"] = {"articles": len(metas), "seconds": round(secs, 2), "MB/s": round(mb / secs, 1)}
    ours = report["jobs1"]["MB/s"]
    auto = report["autocorrect_py"] if isinstance(report["autocorrect_py"], dict) else None
    report["paired"] = {"ours_to_autocorrect": round(ours / auto["MB/s"], 3) if auto else None,
                        "ours_to_autocorrect_cpu": (round(auto["cpu_seconds"] / report["jobs1"]["cpu_seconds"], 3)
                                                    if auto else None),
                        "floor_regex_to_ours": round(report["floor_regex"]["MB/s"] / ours, 1),
                        "write_floor_to_ours": round(report["write_floor_lean"]["MB/s"] / ours, 1),
                        "speedup_2_jobs": report["speedup_2_jobs"],
                        "largest_process_MB": max(report["jobs1"]["peak_rss_MB"], report["jobs2"]["peak_rss_MB"])}


def stages(args, work: Path, fresh: Fresh, report: dict) -> None:
    """A clock around every step of an in-process ``--jobs 1`` run."""
    raw = work / "raw"
    if not raw.is_dir():
        build(args.shared, raw, args.mb)
    use_code(args.code)
    from normalize import article, batch as nb, cli, pipeline, runner
    from normalize.doc import Doc
    clock: dict[str, float] = defaultdict(float)
    whole = [0]  # > 0 inside a step clocked whole (its inner steps are not clocked apart)

    def timed(name, fn, inclusive=False):
        def wrapper(*a, **k):
            if whole[0]:
                return fn(*a, **k)
            whole[0] += inclusive
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                clock[name] += time.process_time() - t
                whole[0] -= inclusive
        return wrapper

    # the start of the run, each step whole: the rule files read and
    # compiled, the rules' examples (and the scan plans their scans build),
    # the warm-up page (the models its stages load)
    pipeline.Pipeline.__init__ = timed("start: pipeline build (rule files)", pipeline.Pipeline.__init__, True)
    cli._warn_failing_examples = timed("start: rule examples (and scan plans)", cli._warn_failing_examples, True)
    if hasattr(runner, "_warm"):
        runner._warm = timed("start: warm-up page (models loaded)", runner._warm, True)
    nb.read = timed("read, hash, decode", nb.read)
    plain_pipeline_for = nb.pipeline_for

    def pipeline_for(spec, raw_file):
        t = time.process_time()
        pipe = plain_pipeline_for(spec, raw_file)
        clock["settings lookup"] += time.process_time() - t
        if not getattr(pipe, "_clocked", False):
            for s in pipe.stages:
                s.run = timed(f"stage {s.name}", s.run)
            pipe._clocked = True
        return pipe
    nb.pipeline_for = pipeline_for
    from_text = Doc.from_text.__func__
    Doc.from_text = classmethod(timed("Doc.from_text", from_text))
    pipeline.segment = timed("segment", pipeline.segment)
    pipeline.check_interleaving = timed("interleaved columns", pipeline.check_interleaving)
    article.front_matter_text = timed("front matter (YAML)", article.front_matter_text)
    to_markdown = article.Article.to_markdown
    article.Article.to_markdown = timed("markdown (with front matter)", to_markdown)
    nb.changes_text = timed("changes.jsonl text", nb.changes_text)
    nb.removed_text = timed("removed.jsonl text", nb.removed_text)
    nb.manifest_text = runner.manifest_text = timed("manifest lines", nb.manifest_text)
    nb.write_result = timed("writes", nb.write_result)
    t = time.process_time()
    try:
        cli.main(["run", str(raw), "--out", str(fresh("stages")), "--jobs", "1"], standalone_mode=False)
    except SystemExit:
        pass
    total = time.process_time() - t
    clock["markdown (with front matter)"] -= clock["front matter (YAML)"]
    clock["markdown (body)"] = clock.pop("markdown (with front matter)")
    clock["other (driver, results, settings' folders …)"] = total - sum(clock.values())
    report["stages"] = {"clock": "CPU seconds of this process (time.process_time)", "total_seconds": round(total, 2),
                        "table": {k: f"{v:6.2f} s {100 * v / total:5.1f} %"
                                  for k, v in sorted(clock.items(), key=lambda kv: -kv[1])}}


def rss_per_byte(rss_kb: int, base_kb: int, size: int) -> tuple[float, float]:
    return round(rss_kb * 1024 / size, 2), round(max(0, rss_kb - base_kb) * 1024 / size, 2)


def count_pieces(path: Path, code: Path) -> int:
    """How many pieces ``run`` cleans the file in (1: whole)."""
    use_code(code)
    from normalize.batch import PIECE_CHARS, pieces
    text = path.read_text(encoding="utf-8")
    return len(list(pieces(text, PIECE_CHARS))) if len(text) > 2 * PIECE_CHARS else 1


def pieces_against_whole(path: Path, code: Path) -> dict:
    """The file cleaned whole and in pieces (the default size): how many
    articles differ, and the changes.jsonl records (as a set: in pieces they
    are in the order made within each piece)."""
    use_code(code)
    from normalize.batch import Spec, clean_file
    from normalize.inputs import file_raw
    raw = file_raw(path)
    t = time.process_time()
    whole = clean_file(raw, Spec(piece_chars=10**12, max_bytes=10**12))
    t_whole = time.process_time() - t
    t = time.process_time()
    parts = clean_file(raw, Spec(max_bytes=10**12))
    t_parts = time.process_time() - t
    def articles(res) -> Counter:  # without the id line: one article more or less shifts every id after it
        return Counter(v.split("\n", 2)[2] for k, v in res.files.items() if k.endswith(".md"))
    a, b = articles(whole), articles(parts)
    changes = [k for k in whole.files if k.endswith("changes.jsonl")]
    removed = [k for k in whole.files if k.endswith("removed.jsonl")]
    return {"file": path.name, "articles_whole": sum(a.values()), "articles_pieces": sum(b.values()),
            "articles_only_whole": sum((a - b).values()), "articles_only_pieces": sum((b - a).values()),
            "changes_records_only_whole": len(set(whole.files[changes[0]].splitlines())
                                              - set(parts.files.get(changes[0], "").splitlines())),
            "removed_identical": whole.files[removed[0]] == parts.files.get(removed[0]),
            "cpu_seconds_whole": round(t_whole, 1), "cpu_seconds_pieces": round(t_parts, 1)}


def scaling(args, work: Path, fresh: Fresh, report: dict) -> None:
    sizes = [float(s) for s in args.sizes.split(",") if s]
    big = [args.big] if args.big else []
    files = build_issues(args.shared, work / "issues", sorted(set(sizes + big)))
    tiny = work / "issues" / "tiny.txt"
    tiny.write_text(TINY, encoding="utf-8")
    _s, base, _l = timed_run(["run", str(tiny), "--out", str(fresh("tiny")), "--jobs", "1"], args.code)
    runs = [(mb, *files[mb], mb in big) for mb in sorted(set(sizes + big))]
    if big:  # the big file's text on one line: no per-line work, only the page's copies
        path, size = files[args.big]
        one = path.with_name(f"oneline-{args.big:g}MB.txt")
        one.write_bytes(path.read_bytes().replace(b"\n", b"").replace(b"\f", b"") + b"\n")
        runs.append((f"{args.big:g} one line", one, one.stat().st_size, True))
    rows = []
    for mb, path, size, is_big in runs:
        try:
            secs, rss, last = timed_run(["run", str(path), "--out", str(fresh(path.stem)), "--jobs", "1",
                                         "--max-bytes", str(size + 1)], args.code, args.timeout or None)
        except subprocess.TimeoutExpired:
            rows.append({"file": path.name, "MB": round(size / 1e6, 1), "seconds": f"> {args.timeout}",
                         "big": is_big})
            continue
        gross, above = rss_per_byte(rss, base, size)
        cpu = timed_run.cpu
        n_pieces = count_pieces(path, args.code)
        rows.append({"file": path.name, "MB": round(size / 1e6, 1), "seconds": round(secs, 1),
                     "s/MB": round(secs / (size / 1e6), 3),
                     "cpu_seconds": round(cpu, 1), "cpu_s/MB": round(cpu / (size / 1e6), 3),
                     "peak_rss_MB": round(rss / 1024, 1), "B/B": gross, "B/B_above_interpreter": above,
                     "articles": n_articles(last), "pieces": n_pieces, "big": is_big})
    curve = [r for r in rows if not r["big"] and "s/MB" in r]
    report["scaling"] = {"interpreter_peak_rss_MB": round(base / 1024, 1),
                         "B/B": "peak RSS of the run per byte of input; _above_interpreter: less the tiny file's",
                         "rows": rows}
    if 4 in files:
        report["scaling"]["pieces_against_whole"] = pieces_against_whole(files[4][0], args.code)
    if len(curve) >= 2:
        report["scaling"]["s/MB_largest_to_smallest"] = round(curve[-1]["s/MB"] / curve[0]["s/MB"], 2)
        report["scaling"]["cpu_s/MB_largest_to_smallest"] = round(curve[-1]["cpu_s/MB"] / curve[0]["cpu_s/MB"], 2)


def small(args, work: Path, fresh: Fresh, report: dict) -> None:
    folder = work / "small"
    sbytes = build_small(folder, args.small)
    secs, rss, last = timed_run(["run", str(folder), "--out", str(fresh("small")), "--jobs", "2"], args.code)
    report["small_files"] = {"files": args.small, "MB": round(sbytes / 1e6, 1), "seconds": round(secs, 1),
                             "files/s": round(args.small / secs), "peak_rss_MB": round(rss / 1024, 1),
                             "summary": last}


TINY = "简讯\n\n记者 王晓明\n\n本报讯 全县新建农村公路3公里。\n"


def warm_caches(codes: list[Path], work: Path, fresh: Fresh) -> None:
    """Compile each checkout's modules and clean a tiny file once with it,
    untimed: what an install or a machine's first run builds (bytecode, the
    models' load cache) is there for the runs measured."""
    for code in codes:  # bytecode, as an install has it (a checkout run with PYTHONDONTWRITEBYTECODE has none)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "normalize")], check=True)
    tiny = work / "warm-tiny"
    tiny.mkdir(exist_ok=True)
    (tiny / "tiny.txt").write_text(TINY, encoding="utf-8")
    for code in codes:  # --jobs 2: the parent's warm-up before the fork loads every model (the column n-grams too)
        timed_run(["run", str(tiny), "--out", str(fresh("warm")), "--jobs", "2"], code)


def count_instructions(args: list[str], code: Path) -> int:
    """Instructions of one ``normalize`` run in a fresh child, as callgrind
    counts them (hash seed fixed: set and dict order, and so the work done,
    the same every run)."""
    env = dict(os.environ, PYTHONPATH=str(code), PYTHONSAFEPATH="1", PYTHONHASHSEED="0")
    res = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-m", "normalize", *args], capture_output=True, text=True, env=env)
    found = [line for line in res.stderr.splitlines() if "Collected :" in line]
    if res.returncode != 0 or not found:
        raise RuntimeError(res.stderr[-2000:])
    return int(found[-1].split(":")[-1].strip())


def instructions(args, work: Path, fresh: Fresh, report: dict) -> None:
    if shutil.which("valgrind") is None:
        report["instructions"] = "valgrind not installed"
        return
    raw = work / "raw"
    if not raw.is_dir():  # (the corpus's first pages are the same whatever its size)
        build(args.shared, raw, min(args.mb, 0.05 * args.files))
    pages = work / "instruction-pages"
    pages.mkdir()
    chosen = sorted(raw.rglob("*.txt"))[:args.files]
    for f in chosen:
        shutil.copy(f, pages / f.name)
    tiny = work / "instruction-tiny"
    tiny.mkdir()
    (tiny / "tiny.txt").write_text(TINY, encoding="utf-8")
    out = {"pages": len(chosen), "MB": round(sum(f.stat().st_size for f in chosen) / 1e6, 2)}
    codes = [("this", args.code)] + ([("base", args.base.resolve())] if args.base else [])
    for label, code in codes:
        run = count_instructions(["run", str(pages), "--out", str(fresh(f"ir-{label}")), "--jobs", "1"], code)
        fixed = count_instructions(["run", str(tiny), "--out", str(fresh(f"ir-tiny-{label}")), "--jobs", "1"], code)
        out[label] = {"run": run, "one_line_file": fixed, "cleaning": run - fixed}
    if args.base:
        out["speedup_of_cleaning"] = round(out["base"]["cleaning"] / out["this"]["cleaning"], 3)
    report["instructions"] = out


def same_as(args, work: Path, fresh: Fresh, report: dict) -> bool:
    """Clean the sample scans, a damaged corpus slice and issue files (whole,
    in pieces, on one line) with this checkout and with commit
    ``args.same_as``; True when every output byte agrees."""
    base = work / "base-code"
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.same_as], capture_output=True, check=True)
    base.mkdir()
    subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
    slice_ = work / "slice"
    build(args.shared, slice_ / "corpus", args.slice_mb, seed=2)
    shutil.copytree(ROOT / "raw", slice_ / "samples")
    # issue files: 1 MB cleaned whole, 4 MB in pieces, and the 4 MB one's text on one line
    issues = build_issues(args.shared, slice_ / "issues", [1, 4])
    one = slice_ / "issues" / "oneline-4MB.txt"
    one.write_bytes(issues[4][0].read_bytes().replace(b"\n", b"").replace(b"\f", b"") + b"\n")
    # this checkout with one job and with two (their starts differ: a code
    # path of one job alone must not go unchecked), the other with two
    results = {}
    for label, code, jobs in (("this", args.code, 2), ("this-1-job", args.code, 1), ("base", base, 2)):
        outs = []
        for name in ("samples", "corpus", "issues"):
            out = fresh(f"same-{label}-{name}")
            timed_run(["run", str(slice_ / name), "--out", str(out), "--jobs", str(jobs)], code)
            outs.append(out)
        results[label] = outs
    same = {label: all(same_tree(a, b) for a, b in zip(results[label], results["base"]))
            for label in ("this", "this-1-job")}
    report["same_output_as"] = {"commit": args.same_as, "slice_MB": args.slice_mb,
                                "identical": all(same.values()), "identical_with_2_jobs": same["this"],
                                "identical_with_1_job": same["this-1-job"]}
    return all(same.values())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--sizes", default="1,4,16,64", help="scaling curve: single-file sizes in MB")
    ap.add_argument("--big", type=float, default=50, help="single file for memory per byte, MB (0: none)")
    ap.add_argument("--timeout", type=float, default=0, help="give up on a scaling run after this many seconds")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections to run: " + ",".join(SECTIONS + EXTRA_SECTIONS))
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose normalize the runs use")
    ap.add_argument("--same-as", default=None, help="commit whose output must be byte-identical")
    ap.add_argument("--large", type=int, default=0, help="batch: add this many one-file issues, walked last")
    ap.add_argument("--large-mb", type=float, default=1, help="batch: the size of each of those issues, MB")
    ap.add_argument("--repeat", type=int, default=3, help="batch: pairs of --jobs 1 / --jobs 2 runs")
    ap.add_argument("--slice-mb", type=float, default=5)
    ap.add_argument("--files", type=int, default=40, help="instructions: pages of the corpus to count over")
    ap.add_argument("--base", type=Path, default=None, help="instructions: a checkout to count against")
    args = ap.parse_args(argv)
    args.code = args.code.resolve()
    work = Path(tempfile.mkdtemp(prefix="normalize-bench-", dir=args.work))
    fresh = Fresh(work)
    report = {"output_file_system": file_system(work), "work": str(work), "code": str(args.code)}
    ok = True
    try:
        warm_caches([args.code] + ([args.base.resolve()] if args.base else []), work, fresh)
        if args.same_as:
            ok = same_as(args, work, fresh, report)
        else:
            for name in args.only.split(","):
                if name not in SECTIONS + EXTRA_SECTIONS:
                    ap.error(f"unknown section {name!r}; known: {', '.join(SECTIONS + EXTRA_SECTIONS)}")
                {"batch": batch, "stages": stages, "scaling": scaling, "small": small,
                 "instructions": instructions}[name](args, work, fresh, report)
    finally:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
