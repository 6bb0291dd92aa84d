"""The output contract other tools rely on (README: "Output contract")."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import regex
import yaml
from click.testing import CliRunner

from conftest import RAW, ROOT, SAMPLES
from normalize.article import FIELDS, Article
from normalize.runner import CODE_STAMP
from normalize.cli import main

SCHEMA = json.loads((ROOT / "normalize" / "schema" / "article.schema.json").read_text(encoding="utf-8"))


def run(args):
    res = CliRunner().invoke(main, ["run", *map(str, args)])
    return res


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:text.index("\n---\n", 4) + 1])


def test_samples_written_by_contract(tmp_path):
    out = tmp_path / "out"
    res = run([RAW, "--out", out, "--jobs", "1"])
    assert res.exit_code == 0, res.output
    manifest = [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(manifest) == len(list(out.rglob("*.md")))
    for rec in manifest:
        path = out / rec["path"]
        raw_bytes = path.read_bytes()
        assert not raw_bytes.startswith(b"\xef\xbb\xbf") and b"\r" not in raw_bytes
        fm = front_matter(path)
        assert list(fm) == list(FIELDS)
        jsonschema.validate(fm, SCHEMA)
        assert {k: v for k, v in rec.items() if k != "path"} == fm
        assert regex.fullmatch(r"[^/]+/\d{2,}\.md", rec["path"])
        assert fm["source"]["path"].startswith("raw/") and not fm["source"]["path"].startswith("/")
        body = raw_bytes.decode("utf-8").split("\n---\n", 1)[1]
        if fm["title"]:
            assert body.lstrip("\n").startswith("# " + fm["title"])
        assert "\n\n\n" not in body
    for raw in SAMPLES:
        assert (out / raw.stem / "removed.jsonl").is_file() and (out / raw.stem / "changes.jsonl").is_file()


def test_changes_jsonl_places_what_the_front_matter_counts(tmp_path):
    """changes.jsonl: one line per change (rule, raw line, before, after),
    as many per rule as the articles' front matter counts, then one line per
    block (its raw lines, a digest of its text) that the articles' paragraphs match."""
    from collections import Counter
    from normalize.batch import block_digest
    out = tmp_path / "out"
    assert run([RAW, "--out", out, "--jobs", "1"]).exit_code == 0
    for raw in SAMPLES:
        folder = out / raw.stem
        n_lines = len(raw.read_text(encoding="utf-8").splitlines())
        rows = [json.loads(l) for l in (folder / "changes.jsonl").read_text(encoding="utf-8").splitlines()]
        changes = [r for r in rows if "block" not in r]
        blocks = [r for r in rows if "block" in r]
        assert rows == changes + blocks and len(changes) > 100
        assert all(list(r) == ["rule", "line", "before", "after"] and 1 <= r["line"] <= n_lines + 1
                   for r in changes)
        counted = Counter()
        paragraphs = []
        for md in sorted(folder.glob("*.md")):
            counted.update(front_matter(md)["changes"])
            body = md.read_text(encoding="utf-8").split("\n---\n", 1)[1]
            paragraphs += [p for p in body.strip("\n").split("\n\n") if not p.startswith(("#", "*"))]
        assert Counter(r["rule"] for r in changes) == counted, raw.name
        digests = {b["digest"] for b in blocks}
        assert all(1 <= b["lines"][0] <= b["lines"][1] <= n_lines for b in blocks)
        found = sum(block_digest(p) in digests for p in paragraphs)
        assert found >= 0.9 * len(paragraphs), (raw.name, found, len(paragraphs))


def test_clean_folder_is_up_to_date(tmp_path):
    """clean/ is the committed output for raw/: regenerate it with `make run`."""
    out = tmp_path / "clean"
    shutil.copytree(RAW, tmp_path / "raw")
    res = CliRunner().invoke(main, ["run", str(tmp_path / "raw"), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    # (not .normalize-code: which code last wrote the folder, not committed)
    want = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != CODE_STAMP}
    have = {p.relative_to(ROOT / "clean"): p.read_bytes() for p in (ROOT / "clean").rglob("*")
            if p.is_file() and p.name != CODE_STAMP}
    stale = sorted(str(k) for k in set(want) | set(have) if want.get(k) != have.get(k))
    assert not stale, f"clean/ is stale, run `make run`: {stale}"


def test_same_bytes_every_run_and_every_job_count(tmp_path):
    # the samples three times over: more files than one worker's share (chunks of 4), so both
    # processes of --jobs 2 clean some and the run puts their results together in order
    raw = tmp_path / "raw"
    for sub in ("s1", "s2", "s3"):
        shutil.copytree(RAW, raw / sub)
    a, b = tmp_path / "a", tmp_path / "b"
    assert run([raw, "--out", a, "--jobs", "1"]).exit_code == 0
    assert run([raw, "--out", b, "--jobs", "2", "--force"]).exit_code == 0
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_a_file_failing_in_a_worker_mid_batch_is_reported_and_the_batch_goes_on(tmp_path):
    # --jobs 2: the file that fails is read (and refused) in a worker; its error
    # comes back with the results, the other files are written by the workers
    # as --jobs 1 writes them, the manifest lists them in walk order, exit 1
    raw = tmp_path / "raw"
    for sub in ("s1", "s2", "s3", "s4"):
        shutil.copytree(RAW, raw / sub)
    (raw / "s2" / "bad.txt").write_bytes(b"\x00\x01binary\x00" * 100)
    a, b = tmp_path / "a", tmp_path / "b"
    for out, jobs in ((a, "1"), (b, "2")):
        res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--jobs", jobs])
        assert res.exit_code == 1, res.output
        assert "Traceback" not in res.output
        assert f"{len(SAMPLES) * 4} files" in res.stderr and "1 errors" in res.stderr
        assert "failed: " in res.stderr and "bad.txt" in res.stderr
    assert not (b / "s2" / "bad").exists()
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file() and p.name != CODE_STAMP)
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file() and p.name != CODE_STAMP)
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    sources = [json.loads(line)["source"]["path"] for line in (b / "manifest.jsonl").open(encoding="utf-8")]
    assert sources == sorted(sources, key=lambda s: (s.split("/")[1], s.split("/")[2]))  # walk order


def test_workers_are_forked_warm_and_only_for_files_to_clean(tmp_path, monkeypatch):
    # --jobs 2: the parent cleans a page first (the models a page loads are then
    # shared by the forked workers); a run where every file is unchanged forks nothing
    from normalize import runner
    warmed = []
    real = runner._warm
    monkeypatch.setattr(runner, "_warm", lambda spec: warmed.append(spec) or real(spec))
    out = tmp_path / "out"
    assert run([RAW, "--out", out, "--jobs", "2"]).exit_code == 0
    assert len(warmed) == 1
    assert run([RAW, "--out", out, "--jobs", "2"]).exit_code == 0
    assert len(warmed) == 1
    assert run([RAW, "--out", out, "--jobs", "1", "--force"]).exit_code == 0
    assert len(warmed) == 1


def test_the_warm_up_runs_without_the_collector_and_leaves_it_as_it_was():
    # the collector is off while the warm-up page loads the models (its passes
    # over the growing heap were a tenth of the serial start), and on again
    # after it, with what was loaded frozen out of its passes
    import gc
    from normalize import runner
    from normalize.batch import Spec
    states = []
    real = runner.interleave_model
    try:
        runner.interleave_model = lambda: states.append(gc.isenabled()) or real()
        for was in (True, False):
            (gc.enable if was else gc.disable)()
            gc.unfreeze()
            runner._warm(Spec())
            assert gc.isenabled() == was and gc.get_freeze_count() > 0
        assert states == [False, False]
    finally:
        runner.interleave_model = real
        gc.unfreeze()
        gc.enable()


def test_a_window_is_handed_out_largest_first_and_read_back_in_its_order(tmp_path, monkeypatch):
    # largest first: a big file at a window's end no longer keeps one worker
    # busy while the other waits; the results still come in the window's order
    from normalize import runner
    from normalize.inputs import RawFile
    sizes = [3, 50, 7, 50, 1, 20, 9, 2, 40, 5, 6, 4, 3, 2, 900]
    items = []
    for n, size in enumerate(sizes):
        (tmp_path / f"{n:02d}.txt").write_text("字" * size, encoding="utf-8")
        items.append(RawFile(tmp_path / f"{n:02d}.txt", tmp_path, Path(f"{n:02d}.txt")))
    handed = []

    class Pool:  # results come back in an order of their own, as a pool's do
        def imap_unordered(self, fn, tasks, chunksize):
            assert chunksize == (runner.CHUNK if len(handed) == 1 else 1)
            handed.append([t[1][0].path.name for t in tasks])
            return iter([fn(t) for t in reversed(tasks)])

    class Done:  # a result as a worker sends it back: without its raw file, which the driver puts back
        def __init__(self, raw):
            self.name, self.raw = raw.path.name, raw

    monkeypatch.setattr(runner, "clean_and_write", lambda raw, spec, out: Done(raw))
    got = list(runner._results(items, None, Pool(), None, jobs=2))
    assert [d.name for d in got] == [raw.path.name for raw in items]
    assert [d.raw for d in got] == items
    order = [name for batch in handed for name in batch]
    assert [sizes[int(name[:2])] for name in order] == sorted(sizes, reverse=True)
    assert handed[0] == ["14.txt"]  # over an eighth of a worker's share: alone, not in a chunk
    assert handed[1][:2] == ["01.txt", "03.txt"]  # equal sizes: in name order
    assert len(handed[2]) == runner.TAIL * 2  # the smallest, one at a time


def _square(x):
    return x * x


def _page(x):  # a result of some size after a little work, as a cleaned file's
    return [str(sum(range(20_000)) + x) * 50] * 20


def _exit_now(_x):
    os._exit(1)  # a worker that dies (killed, out of memory) mid-task


def test_the_pool_wakes_its_worker_handler_for_exits_not_for_results(monkeypatch):
    # the stock handler wakes (and loops) on every result the result thread
    # has not read yet; this one only on the pool's notifier and the workers'
    # exits: the pool still closes, and a dead worker is still replaced
    import multiprocessing
    import multiprocessing.pool
    import time
    from normalize.runner import _Pool
    calls = []
    real = multiprocessing.pool.Pool._maintain_pool  # a static method, called on the stock class
    monkeypatch.setattr(multiprocessing.pool.Pool, "_maintain_pool", staticmethod(lambda *a: calls.append(1) or real(*a)))
    ctx = multiprocessing.get_context("fork")
    pool = _Pool(2, context=ctx)
    try:
        assert list(pool.imap(_page, range(1000), chunksize=1)) == [_page(x) for x in range(1000)]
    finally:
        pool.close()
        pool.join()
    assert len(calls) < 20  # the stock pool's handler: thousands of passes here
    pool = _Pool(2, context=ctx)
    try:
        before = {p.pid for p in pool._pool}
        pool.apply_async(_exit_now, (0,))  # (its task is lost, as in the stock pool)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and {p.pid for p in pool._pool} == before:
            time.sleep(0.05)
        assert {p.pid for p in pool._pool} != before
        assert pool.apply_async(_square, (7,)).get(timeout=30) == 49
    finally:
        pool.terminate()
        pool.join()


def _letters(text):
    return regex.findall(r"[\p{Han}0-9A-Za-z]", text)


def test_nothing_is_lost(tmp_path, pipe):
    """Every Han character, digit and Latin letter of a raw file is in an
    article (body or front matter) or in removed.jsonl."""
    from collections import Counter
    out = tmp_path / "out"
    assert run([RAW, "--out", out, "--jobs", "1"]).exit_code == 0
    for raw in SAMPLES:
        folder = out / raw.stem
        kept = Counter()
        for md in folder.glob("*.md"):
            text = md.read_text(encoding="utf-8")
            fm = front_matter(md)
            for k in ("source", "flags", "changes", "normalizer", "id"):
                fm.pop(k)
            body = text.split("\n---\n", 1)[1]
            kept.update(_letters(body + json.dumps(fm, ensure_ascii=False)))
        for line in (folder / "removed.jsonl").read_text(encoding="utf-8").splitlines():
            kept.update(_letters(json.loads(line)["text"]))
        missing = Counter(_letters(raw.read_text(encoding="utf-8"))) - kept
        assert not missing, (raw.name, dict(missing))


def test_yaml_survives_any_title():
    for title in ['标题: 冒号', '"引号" 与 \'单引号\'', "# 井号", "- 开头的横线", "null", "yes", "a: b # c"]:
        art = Article(meta={k: None for k in FIELDS} | {"id": "x-01", "title": title}, blocks=[("p", "正文。")])
        md = art.to_markdown()
        fm = yaml.safe_load(md[4:md.index("\n---\n", 4) + 1])
        assert fm["title"] == title


def test_body_markup():
    art = Article(meta={k: None for k in FIELDS} | {"id": "x-01", "title": "标题"},
                  blocks=[("p", "#话题 开头的段落。"), ("h", "小标题"), ("caption", "图片说明"), ("p", "正文。")])
    body = art.to_markdown().split("\n---\n", 1)[1]
    assert body == "\n# 标题\n\n\\#话题 开头的段落。\n\n## 小标题\n\n*图片说明*\n\n正文。\n"


from hypothesis import given, settings, strategies as hs  # noqa: E402

ODD = hs.lists(hs.sampled_from(list("记者本报讯通讯员 王晓明全县大会。，：；“”\"'()（）#*>▲●■-—…□0123456789abc")
                               + ["\n", "\n\n", "\u3000", "\u00a0", "\t", "1#", "[复制链接]", "本版主编",
                                  "(上接一版)", "![](a.png)", "## ", "——", "注册", "TOP"]),
               max_size=120).map("".join)


@settings(max_examples=150, deadline=None)
@given(ODD)
def test_any_text_cleans_without_error_into_valid_articles(pipe, text):
    """Adversarial mixes of chrome, markup and text never raise and always give
    front matter that passes the schema (idempotence is tested in test_style)."""
    arts, _doc = pipe.clean(text, {"path": "raw/x.txt", "sha256": "0" * 64, "stem": "x"})
    for a in arts:
        md = a.to_markdown()
        fm = yaml.safe_load(md[4:md.index("\n---\n", 4) + 1])
        jsonschema.validate(fm, SCHEMA)


def test_front_matter_of_the_api_without_a_source_passes_the_schema():
    """clean_text() with no source writes ``source.path: null``; the schema
    allows null there, and an absolute path is still refused."""
    from normalize import clean_text
    fm = clean_text("标题\n\n正文第一段。")[0].front_matter()
    assert fm["source"]["path"] is None
    jsonschema.validate(fm, SCHEMA)
    fm["source"]["path"] = "/abs/a.txt"
    try:
        jsonschema.validate(fm, SCHEMA)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("an absolute source path passed the schema")
