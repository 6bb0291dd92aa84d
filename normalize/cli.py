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
import shutil
import sys
import tempfile
import time
from pathlib import Path

import click
import yaml

from . import __version__, settled_fix
from .batch import MANIFEST, PreviousRun, Spec, clean_and_write, manifest_text, pipeline_for, stale_files
from .inputs import (DEFAULT_MAX_BYTES, InputError, RawFile, decode, refused_source, settings_folders, walk,
                     walk_key)
from .pipeline import Pipeline, find_settings
from .rules import RuleError, RuleTimeout


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


class _Group(click.Group):
    """The command group; a reader that stops reading (``explain … | head``)
    ends the command quietly, with status 0: there is nothing left to say."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(0)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that the final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    _check_preset(preset, rule_dirs)
    for p in paths:  # cleaned articles are never raw scans (see inputs.walk)
        if p.is_dir() and _inside(out, p):
            click.echo(f"normalize: the output folder {out} is inside the input folder {p}: "
                       "its articles are not read as input", err=True)
    spec = Spec(tuple(str(d) for d in rule_dirs), not no_default_rules,
                tuple(sorted(_settings(preset, opencc).items())), max_bytes)
    try:  # every rule file and every folder's settings are checked before anything is written
        pipes = [Pipeline(spec.rule_dirs, spec.default_rules, dict(spec.settings))]
        for folder in settings_folders(paths):
            pipes.append(pipeline_for(spec, RawFile(folder / "normalize.toml", folder, Path("normalize.toml"))))
    except RuleError as exc:
        _fail_rules(exc)
    _warn_failing_examples(pipes)
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
        pool = Cluster(scheduler)
    else:
        pool = ctx.Pool(jobs) if jobs > 1 else None
    try:
        with manifest:
            stems: set[str] = set()
            passed: list[Path] = []
            for window in _windows(walk(paths, shown_out, known, passed), WINDOW):
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
                         and prev.stamp(raw.display) == _stamp(raw, spec)
                         and (out / raw.out_stem / "changes.jsonl").is_file()}  # else an older version's output
                results = iter(_results([r for r in window if r.display not in reuse | taken], spec, pool,
                                        None if dry else str(out)))
                for raw in window:
                    if raw.display in taken:
                        why = f"its output folder {shown_out / raw.out_stem} is taken by another file of the same name"
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
        direct = out == shown_out  # else the copy's changes are found by _compare_trees
        _merge_into(Path(manifest.name), _carried(prev, paths, out, prune, dry, show_diff and direct,
                                                  changed if direct else [], gone))
        if bar:
            bar.render_finish()
        mpath = out / MANIFEST
        if dry:
            _compare(mpath, Path(manifest.name).read_text(encoding="utf-8"), show_diff, changed)
        elif _same_file(mpath, Path(manifest.name)):
            os.unlink(manifest.name)
        else:
            os.replace(manifest.name, mpath)
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
        summary += f"; collate: {c['gaps_filled']} gaps filled in {c['articles_changed']} articles"
        if out != shown_out:  # --check/--diff with --collate
            _compare_trees(shown_out, out, show_diff, changed)
    if check:
        summary += f", {len(changed)} would change"
    click.echo(summary, err=True)
    for raw, why in errors:
        click.echo(f"  failed: {raw.path}: {why}", err=True)
    if errors or (check and changed):
        sys.exit(1)


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


def _inside(out: Path, folder: Path) -> bool:
    out, folder = out.resolve(), folder.resolve()
    return out == folder or folder in out.parents


def _check_preset(preset: str | None, rule_dirs) -> None:
    """An unknown preset is a usage error that lists the valid ones."""
    if not preset:
        return
    if preset in PRESETS or any((d / f"{preset}.toml").is_file() for d in map(Path, rule_dirs)):
        return
    raise click.BadParameter(f"unknown preset {preset!r}; valid presets: {', '.join(sorted(PRESETS))}",
                             param_hint="'--preset'") from None


PRESETS = ("copywriting", "newspaper")


def _warn_failing_examples(pipes) -> None:
    """A rule whose own examples fail is used as written, but never silently."""
    seen = set()
    for pipe in pipes:
        for rule in pipe.rules:
            if id(rule) in seen:
                continue
            seen.add(id(rule))
            fails = rule.check_examples()
            if fails:
                click.echo(f"normalize: warning: rule {rule.id} ({rule.source}): {len(fails)} of its own "
                           f"examples fail, it is used as written (first: {fails[0]}); "
                           "`normalize rules --test` lists them", err=True)


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


def _stamp(raw: RawFile, spec: Spec) -> tuple[str, str] | None:
    if not raw.path.is_file():  # a FIFO where the last run read a file: read() reports it
        return None
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


def _pipeline(rule_dirs, no_default_rules, settings, file: str | None = None,
              stop: Path | None = None) -> Pipeline:
    """The pipeline for one file: the nearest normalize.toml above it (up to
    ``stop``, the input folder ``run`` found it under; by default the
    filesystem's root) under the options."""
    _check_preset(settings.get("preset"), rule_dirs)
    try:
        merged = {}
        if file and file != "-":
            here = Path(file).resolve()
            merged, _ = find_settings(here, stop if stop is not None else Path(here.anchor))
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
    fixed, doc = _run_fix(pipe, text, None if file == "-" else Path(file).name, file)
    sys.stdout.write(fixed)
    if explain:
        _explain(doc, err=True)


def _run_fix(pipe: Pipeline, text: str, source: str | None, file: str, settle: bool = True):
    try:
        return settled_fix(pipe, text, source) if settle else pipe.fix(text, source)
    except RuleTimeout as exc:
        click.echo(f"normalize: {file}: {exc}", err=True)
        sys.exit(1)
    except RuleError as exc:  # rules that never settle on this text
        _fail_rules(exc)


def _explain(doc, err=False, lines: tuple[int, int] | None = None):
    def show(s):
        return json.dumps(s, ensure_ascii=False)

    def shown(items):
        return sorted((x for x in items if lines is None or lines[0] <= x.line <= lines[1]), key=lambda x: x.line)
    for c in shown(doc.changes):
        click.echo(f"{c.line:>5}  {c.rule}  {show(c.before)} → {show(c.after)}", err=err)
    for f in shown(doc.flags):
        click.echo(f"{f.line:>5}  {f.rule}  FLAG {show(f.text)}: {f.message}", err=err)
    for r in shown(doc.removed):
        click.echo(f"{r.line:>5}  {r.rule}  REMOVED {show(r.text)}", err=err)


def _article_source(file: Path) -> tuple[Path, tuple[int, int], str, Path, str] | None:
    """For an article this program wrote: its raw file, raw lines, id, the
    input folder ``run`` found the raw file under and ``source.path`` (None
    for any other file).  ``source.path`` is the input folder's name and the
    path under it, so the raw file is looked for beside the article's
    folders and the working folder, going up."""
    try:
        head = file.read_bytes()[:1 << 20].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not head.startswith("---\n") or "\n---\n" not in head[3:]:
        return None
    try:
        fm = yaml.safe_load(head[4:head.index("\n---\n", 3) + 1])
        src = fm["source"]
        path, lines, art_id = src["path"], src["lines"], fm["id"]
    except (yaml.YAMLError, KeyError, TypeError, ValueError):
        return None
    if not isinstance(path, str):
        return None
    if (not isinstance(lines, list) or len(lines) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in lines)):
        click.echo(f"normalize: {file}: source.lines must be two whole numbers (first and last raw line), "
                   f"not {lines!r}", err=True)
        sys.exit(2)
    lines = tuple(lines)
    refused = refused_source(path)
    if refused:
        click.echo(f"normalize: {file}: {refused}", err=True)
        sys.exit(2)
    here = file.resolve().parent
    for base in [here, *here.parents, Path.cwd(), *Path.cwd().parents]:
        raw = base / path
        if raw.is_file():
            if src.get("sha256") and hashlib.sha256(raw.read_bytes()).hexdigest() != src["sha256"]:
                continue  # another file of that name
            return raw, lines, art_id, base / path.split("/")[0], path
    click.echo(f"normalize: {file} is an article cleaned from {path}, which is not found "
               f"(looked beside {here} and the working folder, going up)", err=True)
    sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@rules_option
@no_defaults_option
@preset_option
@opencc_option
def explain(file, rule_dirs, no_default_rules, preset, opencc):
    """Every change and flag for FILE: raw line, rule id, before → after.

    FILE may be an article ``normalize run`` wrote: then its raw source is
    explained, for that article's raw lines."""
    lines = stop = None
    source = Path(file).name
    article = _article_source(Path(file)) if file.endswith(".md") else None
    if article:  # the raw file as run saw it: its settings up to its input folder, its source path
        raw, lines, art_id, stop, source = article
        click.echo(f"# {art_id}: {raw}, raw lines {lines[0]}–{lines[1]}")
        file = str(raw)
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, opencc), file, stop)
    _fixed, doc = _run_fix(pipe, _read_input(file), source, file, settle=False)
    _explain(doc, lines=lines)


@main.command("rules")
@rules_option
@no_defaults_option
@preset_option
@click.option("--test", "run_tests", is_flag=True,
              help="Run every rule's examples (exit 1 on a failure) and warn of patterns that backtrack on long lines.")
def rules_cmd(rule_dirs, no_default_rules, preset, run_tests):
    """List the rules (id, examples, message); --test runs their examples."""
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, None))
    failures = failing_rules = slow = 0
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
                warning = rule.stress()  # a long adversarial line: does the pattern backtrack?
                if warning:
                    slow += 1
                    click.echo(f"    WARN {warning}")
    if run_tests:
        click.echo(f"{len(pipe.rules) - failing_rules} rules passed, {failures} example failures"
                   + (f", {slow} slow patterns (WARN)" if slow else ""))
        if failures:
            sys.exit(1)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--gap-marker", "markers", multiple=True,
              help="A gap marker the articles were cleaned with (setting gap_marker), besides □ and "
                   "those of the normalize.toml files beside their raw files; repeatable.")
def collate(out, markers):
    """Fill gaps in OUT from other witnesses of the same article (a batch pass)."""
    from .collate import collate as fill_from_witnesses, recorded_markers
    c = fill_from_witnesses(out, recorded_markers(out) | set(markers))
    click.echo(f"{c['gaps_filled']} gaps filled in {c['articles_changed']} articles", err=True)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--html", "html", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the review site (default: OUT/report).")
@click.option("--raw", "raw_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Where the raw files are: the folder `run` ran in, or the input folder (default: here).")
@rules_option
@no_defaults_option
@preset_option
@opencc_option
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="Processes (default: CPU count).")
def report(out, html, raw_dirs, rule_dirs, no_default_rules, preset, opencc, jobs):
    """A static HTML review of a run in OUT: raw beside clean, every change, flag and removal."""
    from .report import ReportError, build_report
    spec = Spec(tuple(str(d) for d in rule_dirs), not no_default_rules,
                tuple(sorted(_settings(preset, opencc).items())))
    try:  # the same rule options as the run: checked before anything is written
        Pipeline(spec.rule_dirs, spec.default_rules, dict(spec.settings))
    except RuleError as exc:
        _fail_rules(exc)
    try:
        s = build_report(out, html, list(raw_dirs) or None, spec, jobs)
    except ReportError as exc:
        click.echo(f"normalize: {exc}", err=True)
        sys.exit(2)
    click.echo(f"{s['files']} raw files, {s['articles']} articles, {s['flags']} flags"
               + (f", {s['missing']} pages without placed changes (see the index)" if s["missing"] else "")
               + f": {s['index']}", err=True)
