#!/usr/bin/env python3
"""Throughput and memory of a whole `normalize run`, against two baselines.

Why a script (``make bench``) and not a timed test: timings depend on the
machine; the suite stays fast and deterministic, and these figures are
re-measured on demand.  It:

1. builds a damaged corpus of at least ``--mb`` MB (default 50) from
   ../shared/corpus (column OCR pages, PDF-to-Markdown pages and forum
   scrapes, with stripped digits), or from the sample scans when the corpus
   is absent;
2. runs the whole pipeline (decode, every stage, Markdown and manifest
   written) with ``--jobs 1`` and ``--jobs 2`` and reports MB/s, articles/s
   and the peak RSS of the largest process;
3. times, over the same text, one pass of the floor regex
   ``(?<=\\p{Han}) +(?=\\p{Han})`` and autocorrect-py's ``format``;
4. times the write floor: every page read, hashed, decoded and cut into as
   many articles as the real run wrote for it, each written with our front
   matter and a manifest line, with no cleaning at all: what any pipeline
   written in Python pays for this output; and, of that, PyYAML alone:
   the front matter of every article of the real run, dumped again;
5. runs 100,000 small files in one go (time and memory).

    python scripts/bench.py [--mb 50] [--small 100000] [--work DIR]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from eval import column_page, forum_page, pdf_page  # noqa: E402


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


def build(shared: Path, folder: Path, mb: float, seed: int = 1) -> tuple[int, list[str]]:
    """Write damaged pages until ``mb`` MB; return bytes and the page texts' paths."""
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


def write_floor(files: list[Path], counts: list[int], out: Path) -> float:
    """Seconds to read, hash and decode every page and write it back as
    ``counts[i]`` articles (front matter by PyYAML, atomic writes, manifest
    lines): the output side of a run, with no cleaning in it."""
    import hashlib
    from normalize.article import Article
    from normalize.batch import write_atomic
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t = time.perf_counter()
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for n, f in enumerate(files):
            data = f.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            text = data.decode("utf-8")
            k = max(1, counts[n])
            for i in range(k):
                part = text[i * len(text) // k:(i + 1) * len(text) // k]
                art = Article({"id": f"{f.stem}-{i + 1:02d}", "title": part[:12],
                               "source": {"path": str(f), "sha256": sha}, "flags": [],
                               "changes": {"unwrap.join": 1}, "normalizer": {"version": "0", "rules": "0"}},
                              [("p", part)])
                rel = f"{f.stem}/{i + 1:02d}.md"
                write_atomic(out / rel, art.to_markdown())
                manifest.write(json.dumps({"path": rel, **art.front_matter()}, ensure_ascii=False) + "\n")
    return time.perf_counter() - t


def timed_run(args: list[str]) -> tuple[float, int, str]:
    """Seconds, peak RSS (kB) of the largest process, and stderr, measured in
    a fresh child so that only this run's processes count."""
    probe = ("import resource, subprocess, sys, time; t = time.monotonic(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(time.monotonic() - t); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "print(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else '')")
    res = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    secs, rss, last = res.stdout.splitlines()[:3]
    return float(secs), int(rss), last


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="normalize-bench-"))
    raw = work / "raw"
    shutil.rmtree(work / "raw", ignore_errors=True)
    size, pages = build(args.shared, raw, args.mb)
    files = sorted(raw.rglob("*.txt"))
    text_of = [f.read_text(encoding="utf-8") for f in files]
    mb = size / 1e6
    report = {"corpus": {"files": pages, "MB": round(mb, 1)}}
    normalize = [sys.executable, "-m", "normalize"]
    for jobs in (1, 2):
        out = work / f"out{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        secs, rss, last = timed_run(normalize + ["run", str(raw), "--out", str(out), "--jobs", str(jobs)])
        articles = int(last.split(" files, ")[1].split(" articles")[0]) if " articles" in last else 0
        report[f"jobs{jobs}"] = {"seconds": round(secs, 1), "MB/s": round(mb / secs, 2),
                                 "articles/s": round(articles / secs, 1), "peak_rss_MB": round(rss / 1024, 1),
                                 "summary": last}
    report["speedup_2_jobs"] = round(report["jobs1"]["seconds"] / report["jobs2"]["seconds"], 2)
    same = all((work / "out1" / p.relative_to(work / "out1")).read_bytes() == (work / "out2" / p.relative_to(work / "out1")).read_bytes()
               for p in (work / "out1").rglob("*") if p.is_file())
    report["jobs_1_and_2_identical"] = same
    import regex
    floor = regex.compile(r"(?<=\p{Han}) +(?=\p{Han})")
    t = time.perf_counter()
    for text in text_of:
        floor.sub("", text)
    secs = time.perf_counter() - t
    report["floor_regex"] = {"MB/s": round(mb / secs, 1)}
    try:
        import autocorrect_py
        t = time.perf_counter()
        for text in text_of:
            autocorrect_py.format(text)
        secs = time.perf_counter() - t
        report["autocorrect_py"] = {"MB/s": round(mb / secs, 2)}
    except ImportError:
        report["autocorrect_py"] = "not installed (make bench installs it)"
    counts = [len(list((work / "out1" / f.relative_to(raw).with_suffix("")).glob("*.md"))) for f in files]
    secs = write_floor(files, counts, work / "write-floor")
    report["write_floor"] = {"MB/s": round(mb / secs, 1),
                             "ratio_floor_regex_to_it": round(report["floor_regex"]["MB/s"] * secs / mb, 1)}
    from normalize.article import front_matter_text
    metas = [json.loads(line) for line in (work / "out1" / "manifest.jsonl").open(encoding="utf-8")]
    t = time.perf_counter()
    for meta in metas:
        front_matter_text(meta)
    secs = time.perf_counter() - t
    report["front_matter_only"] = {"articles": len(metas), "seconds": round(secs, 2), "MB/s": round(mb / secs, 1)}
    ours = report["jobs1"]["MB/s"]
    report["ratio_floor_to_ours"] = round(report["floor_regex"]["MB/s"] / ours, 1)
    if isinstance(report["autocorrect_py"], dict):
        report["ratio_ours_to_autocorrect"] = round(ours / report["autocorrect_py"]["MB/s"], 3)
    del text_of
    if args.small:
        small = work / "small"
        shutil.rmtree(small, ignore_errors=True)
        sbytes = build_small(small, args.small)
        secs, rss, last = timed_run(normalize + ["run", str(small), "--out", str(work / "small-out"), "--jobs", "2"])
        report["small_files"] = {"files": args.small, "MB": round(sbytes / 1e6, 1), "seconds": round(secs, 1),
                                 "files/s": round(args.small / secs), "peak_rss_MB": round(rss / 1024, 1),
                                 "summary": last}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
