"""The ``normalize`` command: ``run``, ``fix``, ``explain``, ``rules``.

Why these four: ``run`` is the archivist's batch job; ``fix`` is a filter
other tools pipe text through; ``explain`` shows, rule by rule, what a file
would go through; ``rules`` lists and tests the rules.  Exit status: 0 all
went well, 1 an input failed (or ``--check`` found work), 2 a usage or rule
file error, reported before anything is written.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import click

from . import __version__
from .batch import MANIFEST, PreviousRun, Spec, clean_and_write, manifest_text, pipeline_for, stale_files
from .inputs import DEFAULT_MAX_BYTES, InputError, RawFile, decode, settings_folders, walk, walk_key
from .pipeline import Pipeline, find_settings
from .rules import RuleError


def _fail_rules(exc: RuleError):
    click.echo(f"normalize: rule error: {exc}", err=True)
    sys.exit(2)


def _settings(preset, opencc) -> dict:
    s = {}
    if preset:
        s["preset"] = preset
    if opencc:
        s["opencc"] = opencc
    return s


rules_option = click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
                            help="Folder of rule files added on top of the defaults (repeatable).")
no_defaults_option = click.option("--no-default-rules", is_flag=True, help="Start from no rule files at all.")
preset_option = click.option("--preset", help="House style preset: newspaper (default) or copywriting.")
opencc_option = click.option("--opencc", help="OpenCC conversion, e.g. t2s, tw2sp, hk2s, s2t (default off).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="normalize")
def main():
    """Turn raw Chinese scans into clean per-article Markdown."""


def _worker(args):
    return clean_and_write(*args)


WINDOW = 512  # files decided, cleaned and written at a time: memory stays flat


def _results(items: list[RawFile], spec: Spec, pool, out: str | None):
    """Results for ``items``, in their order: here, in a process pool or on a
    cluster; with ``out``, each file's articles are already written there."""
    if hasattr(pool, "client"):
        return pool.map(items, spec, out)
    if pool is None:
        return (clean_and_write(raw, spec, out) for raw in items)
    return pool.imap(_worker, [(raw, spec, out) for raw in items], chunksize=4)


def _windows(iterable, size):
    window = []
    for item in iterable:
        window.append(item)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", default=Path("clean"), type=click.Path(file_okay=False, path_type=Path),
              show_default=True, help="Output folder.")
@rules_option
@no_defaults_option
@preset_option
@opencc_option
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="Processes (default: CPU count).")
@click.option("--force", is_flag=True, help="Clean every file, even when unchanged since the last run.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if anything would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of what would change.")
@click.option("--max-bytes", type=click.IntRange(1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse raw files larger than this.")
@click.option("--scheduler", help="Dask scheduler address: clean files on that cluster (needs the dask extra).")
@click.option("--collate", "do_collate", is_flag=True,
              help="After cleaning, fill gaps from other witnesses of the same article in the output.")
@click.option("--prune", is_flag=True,
              help="Remove the articles of raw files that are gone from the inputs.")
def run(paths, out, rule_dirs, no_default_rules, preset, opencc, jobs, force, check, show_diff, max_bytes,
        scheduler, do_collate, prune):
    """Clean raw scans (files or folders; default raw/) into per-article Markdown."""
    paths = list(paths) or [Path("raw")]
    for p in paths:
        if not p.exists():
            raise click.UsageError(f"no such input: {p}")
    spec = Spec(tuple(str(d) for d in rule_dirs), not no_default_rules,
                tuple(sorted(_settings(preset, opencc).items())), max_bytes)
    try:  # every rule file and every folder's settings are checked before anything is written
        Pipeline(spec.rule_dirs, spec.default_rules, dict(spec.settings))
        for folder in settings_folders(paths):
            pipeline_for(spec, RawFile(folder / "normalize.toml", folder, Path("normalize.toml")))
    except RuleError as exc:
        _fail_rules(exc)
    dry = check or show_diff
    prev = PreviousRun(out)

    def known(raw: RawFile) -> bool:  # cleaned by the last run, into the folder this raw would use
        return raw.display in prev.index and (out / raw.out_stem).is_dir()

    jobs = jobs or os.cpu_count() or 1
    start = time.monotonic()
    n_files = n_articles = n_flags = n_skipped = 0
    errors, changed = [], []
    bar = None
    if sys.stderr.isatty():
        total = sum(1 for _ in walk(paths, out, known))
        bar = click.progressbar(length=total, label="cleaning", file=sys.stderr, show_pos=True,
                                item_show_func=lambda r: r)
    if not dry:
        out.mkdir(parents=True, exist_ok=True)
    manifest = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="\n", delete=False,
                                           dir=out if not dry else None, prefix=".manifest-")
    ctx = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    if scheduler:
        from .distributed import Cluster
        pool = Cluster(scheduler)
    else:
        pool = ctx.Pool(jobs) if jobs > 1 else None
    try:
        with manifest:
            stems: set[str] = set()
            for window in _windows(walk(paths, out, known), WINDOW):
                # a.txt and a.md would both write a/NN.md: the first by name keeps it
                taken = set()
                for raw in window:
                    stem = raw.out_stem.as_posix()
                    if stem in stems:
                        taken.add(raw.display)
                    stems.add(stem)
                # unchanged files (same raw bytes, rules, settings and code) keep what they have
                reuse = {raw.display for raw in window
                         if not force and not dry and prev.stamp(raw.display)
                         and prev.stamp(raw.display) == _stamp(raw, spec)}
                results = iter(_results([r for r in window if r.display not in reuse | taken], spec, pool,
                                        None if dry else str(out)))
                for raw in window:
                    if raw.display in taken:
                        why = f"its output folder {out / raw.out_stem} is taken by another file of the same name"
                        errors.append((raw, why))
                        click.echo(f"normalize: {raw.path}: {why} (skipped)", err=True)
                    elif raw.display in reuse:
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
                            click.echo(f"normalize: {raw.path}: {res.error} (skipped)", err=True)
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
        _merge_into(Path(manifest.name), _carried(prev, paths, out, prune, dry, show_diff, changed, gone))
        if bar:
            bar.render_finish()
        mpath = out / MANIFEST
        if dry:
            _compare(mpath, Path(manifest.name).read_text(encoding="utf-8"), show_diff, changed)
        elif _same_file(mpath, Path(manifest.name)):
            os.unlink(manifest.name)
        else:
            os.replace(manifest.name, mpath)
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
        if os.path.exists(manifest.name):
            os.unlink(manifest.name)
    summary = (f"{n_files} files, {n_articles} articles, {n_flags} flags, {len(errors)} errors"
               + (f", {n_skipped} unchanged" if n_skipped else ""))
    if gone:
        summary += (f", {len(gone)} raw file{'s' if len(gone) > 1 else ''} gone: their articles "
                    + ("removed" if prune else "kept (--prune removes them)"))
    if do_collate and not dry:
        from .collate import collate as fill_from_witnesses, gap_markers
        c = fill_from_witnesses(out, gap_markers(spec, paths))
        summary += f"; collate: {c['gaps_filled']} gaps filled in {c['articles_changed']} articles"
    if check:
        summary += f", {len(changed)} would change"
    click.echo(summary, err=True)
    for raw, why in errors:
        click.echo(f"  failed: {raw.path}: {why}", err=True)
    if errors or (check and changed):
        sys.exit(1)


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
    """Remove a gone source's articles; its removed.jsonl and folder too
    when no other article is left there."""
    folders = sorted({p.parent for p in articles})
    doomed = list(articles)
    for folder in folders:
        if not [p for p in folder.glob("*.md") if p not in articles] and (folder / "removed.jsonl").is_file():
            doomed.append(folder / "removed.jsonl")
    for p in doomed:
        _deleted(p, show_diff, changed)
        if not dry:
            p.unlink()
    for folder in folders if not dry else []:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


def _stamp(raw: RawFile, spec: Spec) -> tuple[str, str] | None:
    try:
        sha = hashlib.sha256(raw.path.read_bytes()).hexdigest()
        return sha, pipeline_for(spec, raw).hash
    except OSError:
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


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


def _read_input(file: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    try:
        if file == "-":
            data = sys.stdin.buffer.read()
        else:
            data = Path(file).read_bytes()
        return decode(data)[0]
    except InputError as exc:
        click.echo(f"normalize: {file}: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"normalize: {file}: {exc.strerror}", err=True)
        sys.exit(1)


def _pipeline(rule_dirs, no_default_rules, settings, file: str | None = None) -> Pipeline:
    """The pipeline for one file: its folder's normalize.toml under the options."""
    try:
        merged = {}
        if file and file != "-":
            merged, _ = find_settings(Path(file), Path(file).resolve().parent)
        merged.update(settings)
        return Pipeline(rule_dirs, not no_default_rules, merged)
    except RuleError as exc:
        _fail_rules(exc)


@main.command()
@click.argument("file", default="-")
@rules_option
@no_defaults_option
@preset_option
@opencc_option
@click.option("--explain", is_flag=True, help="Print changes, flags and removed lines to stderr.")
def fix(file, rule_dirs, no_default_rules, preset, opencc, explain):
    """Clean text from FILE (or stdin) to stdout, without splitting articles."""
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, opencc), file)
    text = _read_input(file)
    try:
        fixed, doc = pipe.fix(text, None if file == "-" else Path(file).name)
    except RuleError as exc:  # rules that never settle on this text
        _fail_rules(exc)
    sys.stdout.write(fixed)
    if explain:
        _explain(doc, err=True)


def _explain(doc, err=False):
    def show(s):
        return json.dumps(s, ensure_ascii=False)
    for c in sorted(doc.changes, key=lambda c: c.line):
        click.echo(f"{c.line:>5}  {c.rule}  {show(c.before)} → {show(c.after)}", err=err)
    for f in sorted(doc.flags, key=lambda f: f.line):
        click.echo(f"{f.line:>5}  {f.rule}  FLAG {show(f.text)}: {f.message}", err=err)
    for r in sorted(doc.removed, key=lambda r: r.line):
        click.echo(f"{r.line:>5}  {r.rule}  REMOVED {show(r.text)}", err=err)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@rules_option
@no_defaults_option
@preset_option
@opencc_option
def explain(file, rule_dirs, no_default_rules, preset, opencc):
    """Every change and flag for FILE: raw line, rule id, before → after."""
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, opencc), file)
    try:
        _fixed, doc = pipe.fix(_read_input(file), Path(file).name)
    except RuleError as exc:
        _fail_rules(exc)
    _explain(doc)


@main.command("rules")
@rules_option
@no_defaults_option
@preset_option
@click.option("--test", "run_tests", is_flag=True, help="Run every rule's examples; exit 1 on a failure.")
def rules_cmd(rule_dirs, no_default_rules, preset, run_tests):
    """List the rules (id, examples, message); --test runs their examples."""
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, None))
    failures = failing_rules = 0
    for stage in pipe.stages:
        if not stage.rules:
            click.echo(f"[{stage.name}] built-in")
            continue
        click.echo(f"[{stage.name}] {stage.rules.description.splitlines()[0]}")
        for rule in stage.rules.rules:
            n = len(rule.fixes) + len(rule.flags) + len(rule.keeps)
            click.echo(f"  {rule.id:<40} {n:>3} examples  {rule.message}")
            if run_tests:
                fails = rule.check_examples()
                failing_rules += bool(fails)
                failures += len(fails)
                for f in fails:
                    click.echo(f"    FAIL {f}")
    if run_tests:
        click.echo(f"{len(pipe.rules) - failing_rules} rules passed, {failures} example failures")
        if failures:
            sys.exit(1)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--gap-marker", "markers", multiple=True,
              help="The gap marker the articles were cleaned with (setting gap_marker; default □); repeatable.")
def collate(out, markers):
    """Fill gaps in OUT from other witnesses of the same article (a batch pass)."""
    from .collate import collate as fill_from_witnesses
    from .doc import GAP
    c = fill_from_witnesses(out, markers or (GAP,))
    click.echo(f"{c['gaps_filled']} gaps filled in {c['articles_changed']} articles", err=True)
