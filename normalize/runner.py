"""Running a batch: walking the inputs, cleaning what changed, writing and comparing.

Why apart from the command line: ``normalize run`` only reads its options and
checks the rule files; everything a run does to the output folder (reusing
unchanged files, the manifest, removing the articles of gone raw files,
``--check``/``--diff``, ``--collate``) lives here, in one place a caller can
drive without the CLI.  Exit status as the command's: 0 all went well, 1 an
input failed (or ``--check`` found work); 2 (an unwritable output folder)
exits here.
"""
from __future__ import annotations

import difflib
import gc
import hashlib
import itertools
import json
import multiprocessing
import multiprocessing.pool
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from .batch import (MANIFEST, PreviousRun, Spec, clean_and_write, manifest_text, pipeline_for, pipeline_with,
                    same_file, stale_files)
from . import __version__
from .inputs import RawFile, walk, walk_key
from .interleave import model as interleave_model


class _Pool(multiprocessing.pool.Pool):
    """The standard process pool, but for what wakes its worker handler.

    Why: the stock handler (the thread that replaces workers that died)
    waits on the workers' exits, the pool's own notifier *and the pipe the
    results come back on*: from the moment a worker writes a result until
    the result thread has read it, that wait returns at once, so the
    handler spins through its loop (a ``waitpid`` per worker each time),
    taking the GIL and a core from the other threads: 0.26 of the driver's
    0.38 CPU s after the fork in a 10 MB batch, on the two cores the
    workers need.  Results mean nothing to it (it ends when the pool's
    cache empties or its state changes, both announced on the notifier),
    so here it waits on the notifier and the workers' exits only.  Should
    a Python version not ask ``_get_sentinels``, the stock pool runs."""

    def _get_sentinels(self):
        return [self._change_notifier._reader]


WARM_PAGE = "简讯\n\n记者 王晓明\n\n本报讯 全县新建农村公路3公里。\n"


def _warm(spec: Spec) -> None:
    """Before worker processes are forked: clean a page of three lines here,
    so that what the stages load on their first page (the gap counts and
    character model; the n-grams of the column check and of the deck's
    broken-title join, which that page may not need) is loaded once and
    shared by the workers, not loaded by each; and freeze it out of the
    garbage collector's passes, which would touch, and so copy, its pages
    in every worker.  The collector is off meanwhile: what this page
    builds lives as long as the run, and its passes over it, each time a
    model's tables had grown the heap (two full passes of 22 and 26 ms in
    the gap model's word index alone), were 0.06–0.08 of the 0.5–0.6 CPU s
    the workers wait for.  A failure here is no failure of the run: the
    pages' own cleaning reports whatever goes wrong."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        pipe = pipeline_with(spec, dict(spec.settings))
        pipe.clean(WARM_PAGE)
        if pipe.segmenting:  # the n-grams: read on the first page set in columns or with a broken title
            interleave_model()
    except Exception:  # noqa: BLE001 (see above)
        pass
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


WINDOW = 512  # files decided, cleaned and written at a time: memory stays flat
CHUNK = 4     # files a worker is handed at a time
TAIL = 4      # per worker, files at the end of a window handed out one at a time


def _size(raw: RawFile) -> int:
    try:
        return raw.path.stat().st_size
    except OSError:
        return 0  # its cleaning says what is wrong with it


def _results(items: list[RawFile], spec: Spec, pool, out: str | None, jobs: int = 1):
    """Results for ``items``, in their order: here, in a process pool or on a
    cluster; with ``out``, each file's articles are already written there."""
    if hasattr(pool, "client"):
        return pool.map(items, spec, out)
    if pool is None:
        return (clean_and_write(raw, spec, out) for raw in items)
    return _pooled(items, spec, pool, out, jobs)


def _pooled(items: list[RawFile], spec: Spec, pool, out: str | None, jobs: int):
    """The window's files handed out largest first: a large one alone, the
    others in chunks of CHUNK, the smallest one at a time; results given
    back in the window's order.

    Why: the next window, and the end of the run, wait for the slower
    worker.  Handed out in name order, a large file near a window's end
    (an issue of a paper among its pages) keeps one worker busy while the
    other waits; largest first, what is left at the end is the smallest
    files, which even the workers out (the longest-processing-time-first
    order).  A file of more than an eighth of a worker's share of the
    window goes alone: in a chunk, two such files would go to one worker.
    The order in which files are cleaned changes no output byte: each
    file's cleaning is its own, and the manifest is written in the
    window's order."""
    sizes = [_size(raw) for raw in items]
    order = sorted(range(len(items)), key=lambda i: -sizes[i])  # stable: name order among equals
    tasks = [(i, (items[i], spec, out)) for i in order]
    total = sum(sizes)
    large = sum(1 for i in order if sizes[i] * 8 * jobs > total)
    tail = min(len(tasks) - large, TAIL * jobs)
    done: dict[int, object] = {}
    it = itertools.chain(pool.imap_unordered(_indexed, tasks[:large], chunksize=1),
                         pool.imap_unordered(_indexed, tasks[large:len(tasks) - tail], chunksize=CHUNK),
                         pool.imap_unordered(_indexed, tasks[len(tasks) - tail:], chunksize=1))
    for n in range(len(items)):
        while n not in done:
            i, res = next(it)
            res.raw = items[i]  # (see _indexed)
            done[i] = res
        yield done.pop(n)


def _indexed(task):
    """A task's result, sent back without its raw file, which the driver
    has: three paths a result, unpickled by the pool's one result thread
    beside the workers, were most of what it spent per result."""
    i, args = task
    res = clean_and_write(*args)
    res.raw = None
    return i, res


def _windows(iterable, size):
    window = []
    for item in iterable:
        window.append(item)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window


def run(paths: list[Path], out: Path, spec: Spec, jobs: int | None, force: bool, check: bool,
        show_diff: bool, scheduler: str | None, do_collate: bool, prune: bool) -> int:
    """Clean ``paths`` into ``out`` with checked ``spec`` (or, with ``check``
    or ``show_diff``, compare what would be written); prints the summary
    and returns the exit status: 1 when an input failed or ``check`` found work."""
    dry = check or show_diff
    shown_out = out  # the output folder the run compares with or writes to
    if dry and do_collate:
        # collate works on written articles: the run writes into a copy of
        # OUT, collates there, and the copy is compared with OUT (see _compare_trees)
        out = Path(tempfile.mkdtemp(prefix="normalize-check-"))
        click.get_current_context().call_on_close(lambda: shutil.rmtree(out, ignore_errors=True))
        if shown_out.is_dir():
            shutil.copytree(shown_out, out, dirs_exist_ok=True, symlinks=True)
        dry = False
    if not dry:
        _prepare_out(out)
    prev = PreviousRun(out)
    code = code_stamp()
    same_code = _read_code_stamp(out) == code  # else nothing is reused: the code that made it differs
    if prev.damaged:
        click.echo(f"normalize: the last run's manifest is damaged ({prev.damaged}): "
                   "read again from the articles' front matter, and written anew", err=True)

    def known(raw: RawFile) -> bool:  # cleaned by the last run, into the folder this raw would use
        return raw.display in prev.index and (out / raw.out_stem).is_dir()

    jobs = jobs or os.cpu_count() or 1
    start = time.monotonic()
    n_files = n_articles = n_flags = n_skipped = 0
    errors, changed = [], []
    bar = None
    if sys.stderr.isatty():
        total = sum(1 for _ in walk(paths, shown_out, known))
        bar = click.progressbar(length=total, label="cleaning", file=sys.stderr, show_pos=True,
                                item_show_func=lambda r: r)
    try:
        manifest = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="\n", delete=False,
                                               dir=out if not dry else None, prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    except OSError as exc:
        _fail_out(out, exc)
    ctx = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    if scheduler:
        from .distributed import Cluster
        try:
            pool = Cluster(scheduler)
        except (OSError, ValueError, TimeoutError) as exc:  # no scheduler there, or no address
            manifest.close()
            os.unlink(manifest.name)
            click.echo(f"normalize: cannot reach the scheduler {scheduler}: {exc}", err=True)
            sys.exit(2)
    else:
        pool = None  # forked on the first window with files to clean (see _warm)
    forking = not scheduler and jobs > 1
    try:
        with manifest:
            stems: dict[str, Path] = {}  # output folder → the file that has it
            passed: list[Path] = []
            for window in _windows(walk(paths, shown_out, known, passed), WINDOW):
                # a.txt and a.md would both write a/NN.md: the first by name keeps it
                # (and of two input folders holding the same path, the first named);
                # keyed by place in the window: two inputs' files can show the same path
                taken: dict[int, str] = {}
                for i, raw in enumerate(window):
                    stem = raw.out_stem.as_posix()
                    owner = prev.owner(stem)
                    if stem in stems:
                        taken[i] = f"{stems[stem]}, a file of the same name"
                    elif owner is not None and owner != raw.display:
                        # an earlier run's file of the same path under another input folder
                        # (batch1/a.txt, then batch2/a.txt): overwriting its articles loses them
                        if force:
                            prev.forget(owner)  # --force: this file takes the folder over
                        else:
                            taken[i] = f"{owner}, cleaned by an earlier run (--force takes it over)"
                    stems.setdefault(stem, raw.path)
                # unchanged files (same raw bytes, rules, settings and code) keep what they have,
                # in a run as in --check / --diff (they say what a run would change)
                reuse = {i for i, raw in enumerate(window)
                         if not force and same_code and i not in taken
                         and _reusable(raw, prev, spec, out, do_collate)}
                todo = [r for i, r in enumerate(window) if i not in reuse and i not in taken]
                if forking and todo and pool is None:
                    if ctx.get_start_method() == "fork":
                        _warm(spec)
                    pool = _Pool(jobs, context=ctx)
                results = iter(_results(todo, spec, pool, None if dry else str(out), jobs))
                for i, raw in enumerate(window):
                    if i in taken:
                        why = f"its output folder {shown_out / raw.out_stem} is taken by {taken[i]}"
                        errors.append((raw, why))
                        click.echo(f"normalize: {raw.path}: {why} (skipped)", err=True)
                    elif i in reuse:
                        text = prev.lines(raw.display)
                        manifest.write(text)
                        n_skipped += 1
                        n_files += 1
                        for line in text.splitlines():
                            n_articles += 1
                            n_flags += len(json.loads(line).get("flags") or [])
                    else:
                        res = next(results)
                        if res.error:
                            errors.append((raw, res.error))
                            kept = prev.lines(raw.display) if raw.display in prev.index else ""
                            # what the last run made of it stays, listed, until it is cleaned again
                            manifest.write(kept)
                            click.echo(f"normalize: {raw.path}: {res.error} (skipped"
                                       + ("; the last run's articles are kept)" if kept else ")"), err=True)
                        else:
                            n_files += 1
                            n_articles += len(res.records)
                            n_flags += res.flags
                            manifest.write(manifest_text(res.records))
                            if dry:
                                _compare_result(out, res, show_diff, changed)
                    prev.forget(raw.display)  # what is left of the last run afterwards was not walked
                    if bar:
                        elapsed = max(time.monotonic() - start, 1e-9)
                        bar.update(1, f"{n_files / elapsed:.0f} files/s")
        gone: list[str] = []
        direct = out == shown_out  # else the copy's changes are found by _compare_trees
        _merge_into(Path(manifest.name), _carried(prev, paths, out, prune, dry, show_diff and direct,
                                                  changed if direct else [], gone))
        if bar:
            bar.render_finish()
        mpath = out / MANIFEST
        if dry:
            _compare(mpath, Path(manifest.name).read_text(encoding="utf-8"), show_diff, changed)
        elif same_file(mpath, Path(manifest.name)):
            os.unlink(manifest.name)
        else:
            os.replace(manifest.name, mpath)
        if not dry and not same_code:
            _write_code_stamp(out, code)
    except BrokenPipeError:  # --diff into `head`: the reader left, not the output folder
        if pool is not None and hasattr(pool, "terminate"):
            pool.terminate()
            pool = None
        raise
    except OSError as exc:  # the output folder became unwritable during the run
        if pool is not None and hasattr(pool, "terminate"):
            pool.terminate()
            pool = None
        _fail_out(out, exc)
    except BaseException:
        if pool is not None and hasattr(pool, "terminate"):
            pool.terminate()  # interrupted: stop the workers; finished files are already in place
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()
            if hasattr(pool, "join"):
                pool.join()
        gc.unfreeze()
        for leftover in (manifest.name, manifest.name + ".merged"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    summary = (f"{n_files} files, {n_articles} articles, {n_flags} flags, {len(errors)} errors"
               + (f", {n_skipped} unchanged" if n_skipped else ""))
    if passed:
        summary += (f", {len(passed)} output folder{'s' if len(passed) > 1 else ''} of earlier runs "
                    f"not read as input ({passed[0]}{', …' if len(passed) > 1 else ''})")
    if gone:
        summary += (f", {len(gone)} raw file{'s' if len(gone) > 1 else ''} gone: their articles "
                    + ("removed" if prune else "kept (--prune removes them)"))
    if do_collate and not dry:
        from .collate import collate as fill_from_witnesses, gap_markers
        c = fill_from_witnesses(out, gap_markers(spec, paths))
        summary += (f"; collate: {c['gaps_filled']} gaps filled in {c['articles_changed']} articles"
                    + (f", {c['gaps_disputed']} left open: witnesses disagree" if c["gaps_disputed"] else ""))
        if out != shown_out:  # --check/--diff with --collate
            _compare_trees(shown_out, out, show_diff, changed)
    if check:
        summary += f", {len(changed)} would change"
    click.echo(summary, err=True)
    for raw, why in errors:
        click.echo(f"  failed: {raw.path}: {why}", err=True)
    return 1 if errors or (check and changed) else 0


TEMP_PREFIX = ".manifest-"  # + the writing process's id: a run's manifest until it is complete


def _fail_out(out: Path, exc: OSError) -> None:
    click.echo(f"normalize: cannot write to the output folder {out}: {exc.strerror or exc}"
               + (f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out) else ""), err=True)
    sys.exit(2)


def _prepare_out(out: Path) -> None:
    """Make sure ``out`` is a folder we can write in, before anything is
    written (else a one-line message and status 2), and clear what a run
    killed outright (kill -9, power loss) left there: its unfinished
    manifest, and the temporary files and folders of articles it was writing."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out, prefix=TEMP_PREFIX + "probe-")
        probe.close()
    except OSError as exc:
        _fail_out(out, exc)
    crashed = False
    for p in out.glob(TEMP_PREFIX + "*"):
        pid = p.name[len(TEMP_PREFIX):].split("-", 1)[0].split(".", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            crashed = True
            _unlink(p)
    if crashed:  # only then is the whole output folder searched
        for p in out.rglob(".*.tmp"):
            pid = p.name.rsplit(".", 2)[-2] if p.name.count(".") >= 3 else ""
            if pid.isdigit() and _alive(int(pid)):
                continue
            if p.is_dir() and not p.is_symlink():  # a source's first output, written whole before it is renamed
                shutil.rmtree(p, ignore_errors=True)
            elif p.is_file():
                _unlink(p)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    try:  # a killed process nobody has reaped yet is no writer
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _unlink(p: Path) -> None:
    try:
        p.unlink()
    except OSError:
        pass


def _covers(paths: list[Path], src: str) -> bool:
    """Whether walking ``paths`` would have found the raw file shown as ``src``
    (a file named on the command line was walked, so it is never gone)."""
    return any(p.is_dir() and (not p.name or src.startswith(p.name + "/")) for p in paths)


def _carried(prev: PreviousRun, paths: list[Path], out: Path, prune: bool, dry: bool, show_diff: bool,
             changed: list, gone: list[str]):
    """The manifest lists every article in ``out``: a run over some of the
    inputs keeps the other sources' lines (those ``prev`` still holds after
    the run forgot what it walked), yielded here as ``(walk_key(source),
    lines)`` in the last manifest's order.  A source the inputs should have
    held but no longer do is gone (added to ``gone``): its articles stay, or
    with ``prune`` are removed."""
    for src in prev.sources():
        kept = [(line, out / json.loads(line)["path"]) for line in prev.lines(src).splitlines(True)]
        kept = [(line, path) for line, path in kept if path.is_file()]
        if _covers(paths, src):
            gone.append(src)
            if prune:
                _remove([path for _line, path in kept], dry, show_diff, changed)
                continue
        yield walk_key(src), "".join(line for line, _path in kept)


def _merge_into(path: Path, carried) -> None:
    """Merge the carried sources' lines into this run's manifest at ``path``,
    both in walk order (``walk_key``), streaming: the result is the order a
    run over all inputs writes."""
    pending = next(carried, None)
    if pending is None:
        return
    merged = path.with_name(path.name + ".merged")
    with open(path, encoding="utf-8") as ours, open(merged, "w", encoding="utf-8", newline="\n") as dest:
        for line in ours:
            key = walk_key(json.loads(line)["source"]["path"])
            while pending is not None and pending[0] < key:
                dest.write(pending[1])
                pending = next(carried, None)
            dest.write(line)
        while pending is not None:
            dest.write(pending[1])
            pending = next(carried, None)
    os.replace(merged, path)


def _remove(articles: list[Path], dry: bool, show_diff: bool, changed: list) -> None:
    """Remove a gone source's articles; its changes.jsonl, removed.jsonl and
    folder too when no other article is left there."""
    folders = sorted({p.parent for p in articles})
    doomed = list(articles)
    for folder in folders:
        if not [p for p in folder.glob("*.md") if p not in articles] and (folder / "removed.jsonl").is_file():
            doomed += [folder / name for name in ("changes.jsonl", "removed.jsonl") if (folder / name).is_file()]
    for p in doomed:
        _deleted(p, show_diff, changed)
        if not dry:
            p.unlink()
    for folder in folders if not dry else []:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


COLLATED = "collate.witness"  # the rule id collate's fills and flags carry
CODE_STAMP = ".normalize-code"  # in the output folder: which code wrote it (see code_stamp)


def code_stamp() -> str:
    """The package version and a digest of its Python files.  A file is
    reused only when its bytes, rules and settings are those of the last run
    (the manifest's stamp) *and* the code is the same: the code is not in
    the articles' stamp (a comment must not churn every committed output),
    so it is kept once per output folder, and any change to it re-cleans
    the folder's files once."""
    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for p in sorted(here.rglob("*.py")):
        h.update(p.relative_to(here).as_posix().encode() + b"\0" + p.read_bytes())
    return f"{__version__} {h.hexdigest()[:16]}"


def _read_code_stamp(out: Path) -> str | None:
    try:
        return (out / CODE_STAMP).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _write_code_stamp(out: Path, code: str) -> None:
    tmp = out / f"{TEMP_PREFIX}{os.getpid()}-code"
    tmp.write_text(code + "\n", encoding="utf-8")
    os.replace(tmp, out / CODE_STAMP)


def _reusable(raw: RawFile, prev: PreviousRun, spec: Spec, out: Path, do_collate: bool) -> bool:
    """Whether what the last run made of ``raw`` stands: same stamp, every
    article it listed still there, and its changes.jsonl (else an older
    version's output); with --collate, no fill of collate's in it (its
    witness may have changed since)."""
    if not prev.stamp(raw.display) or prev.stamp(raw.display) != _stamp(raw, spec):
        return False
    if not (out / raw.out_stem / "changes.jsonl").is_file():
        return False
    lines = prev.lines(raw.display)
    if do_collate and f'"{COLLATED}"' in lines:
        return False
    return all((out / json.loads(line)["path"]).is_file() for line in lines.splitlines())


def _stamp(raw: RawFile, spec: Spec) -> tuple[str, str] | None:
    if not raw.path.is_file():  # a FIFO where the last run read a file: read() reports it
        return None
    try:
        sha = hashlib.sha256(raw.path.read_bytes()).hexdigest()
        return sha, pipeline_for(spec, raw).hash
    except OSError:
        return None


def _compare(path: Path, content: str, show_diff: bool, changed: list):
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current == content:
        return
    changed.append(path)
    if show_diff:
        diff = difflib.unified_diff((current or "").splitlines(True), content.splitlines(True),
                                    f"a/{path}", f"b/{path}")
        click.echo("".join(diff), nl=False)


def _compare_trees(out: Path, written: Path, show_diff: bool, changed: list) -> None:
    """A dry run with --collate: what the run wrote into ``written`` (a copy
    of ``out``, collated) against ``out``, file by file."""
    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*")
                if p.is_file() and not p.name.startswith(TEMP_PREFIX)} if root.is_dir() else set()
    ours, theirs = files(written), files(out)
    for rel in sorted(ours | theirs):
        if rel in ours:
            _compare(out / rel, (written / rel).read_text(encoding="utf-8", errors="replace"), show_diff, changed)
        else:
            _deleted(out / rel, show_diff, changed)


def _compare_result(out: Path, res, show_diff: bool, changed: list):
    """A dry run: what writing this result would change."""
    for rel, content in res.files.items():
        _compare(out / rel, content, show_diff, changed)
    for p in stale_files(out, res):
        _deleted(p, show_diff, changed)


def _deleted(path: Path, show_diff: bool, changed: list) -> None:
    """A file a run removes (or would): counted as a change, shown as a diff."""
    changed.append(path)
    if show_diff:
        click.echo(f"--- a/{path}\n+++ /dev/null\n", nl=False)
