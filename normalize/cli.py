"""The ``normalize`` command: ``run``, ``fix``, ``explain``, ``rules``,
``collate``, ``report``.

Why these: ``run`` is the archivist's batch job; ``fix`` is a filter other
tools pipe text through; ``explain`` shows, rule by rule, what a file would
go through; ``rules`` lists and tests the rules; ``collate`` fills gaps from
other witnesses in an output folder; ``report`` builds the review pages.  Exit status: 0 all
went well, 1 an input failed (or ``--check`` found work), 2 a usage or rule
file error, reported before anything is written.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import click
import yaml

from . import __version__, runner, settled_fix
from .batch import Spec, pipeline_for, pipeline_with
from .inputs import DEFAULT_MAX_BYTES, InputError, RawFile, decode, refused_source, settings_folders
from .pipeline import PRESETS, Pipeline, find_settings
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
        pipes = [pipeline_with(spec, dict(spec.settings))]  # (the run's own, for folders without settings)
        for folder in settings_folders(paths):
            pipes.append(pipeline_for(spec, RawFile(folder / "normalize.toml", folder, Path("normalize.toml"))))
    except RuleError as exc:
        _fail_rules(exc)
    _warn_failing_examples(pipes)
    status = runner.run(paths, out, spec, jobs, force, check, show_diff, scheduler, do_collate, prune)
    if status:
        sys.exit(status)


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
@click.argument("file", default="-", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@rules_option
@no_defaults_option
@preset_option
@opencc_option
@click.option("--explain", is_flag=True, help="Print changes, flags and removed lines to stderr.")
def fix(file, rule_dirs, no_default_rules, preset, opencc, explain):
    """Clean text from FILE (or stdin) to stdout, without splitting articles."""
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, opencc), file)
    text = _read_input(file)
    fixed, doc, later = _run_fix(pipe, text, None if file == "-" else Path(file).name, file)
    sys.stdout.write(fixed)
    if explain:
        _explain(doc, err=True)
        for n, again in enumerate(later, 2):  # what re-reading the output changed (see settled_fix)
            click.echo(f"-- pass {n}, on the text pass {n - 1} wrote:", err=True)
            if not (again.changes or again.flags or again.removed):
                click.echo("       (the layout only: lines read as other blocks, no rule's change)", err=True)
            _explain(again, err=True)


def _run_fix(pipe: Pipeline, text: str, source: str | None, file: str, settle: bool = True):
    try:
        return settled_fix(pipe, text, source) if settle else (*pipe.fix(text, source), [])
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


def _article_source(file: Path) -> tuple[Path, tuple[int, int], str, Path, str, str | None] | None:
    """For an article this program wrote: its raw file, raw lines, id, the
    input folder ``run`` found the raw file under, ``source.path`` and the
    rules stamp it was made with (None for any other file).  ``source.path`` is the input folder's name and the
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
    changed = None
    for base in [here, *here.parents, Path.cwd(), *Path.cwd().parents]:
        raw = base / path
        if raw.is_file():
            if src.get("sha256") and hashlib.sha256(raw.read_bytes()).hexdigest() != src["sha256"]:
                changed = changed or raw  # changed since, or another file of that name
                continue
            stamp = (fm.get("normalizer") or {}).get("rules") if isinstance(fm.get("normalizer"), dict) else None
            return raw, lines, art_id, base / path.split("/")[0], path, stamp
    if changed is not None:
        click.echo(f"normalize: {file} is an article cleaned from {path}; {changed} has changed since the "
                   "article was written (its sha256 differs): run normalize run again to explain it", err=True)
        sys.exit(1)
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
    stamp, shown = None, file
    if article:  # the raw file as run saw it: its settings up to its input folder, its source path
        raw, lines, art_id, stop, source, stamp = article
        click.echo(f"# {art_id}: {raw}, raw lines {lines[0]}–{lines[1]}")
        file = str(raw)
    pipe = _pipeline(rule_dirs, no_default_rules, _settings(preset, opencc), file, stop)
    if article and stamp != pipe.hash:
        # these rules would make other changes than the ones the article holds
        click.echo(f"normalize: {shown}: the article was made with other rules or settings "
                   f"(rules {stamp}, these {pipe.hash}): give explain the --rules/--preset/--opencc the run had",
                   err=True)
        sys.exit(1)
    _fixed, doc, _later = _run_fix(pipe, _read_input(file), source, file, settle=False)
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
                for f in fails:  # the file too: a --rules file may add to a default stage
                    click.echo(f"    FAIL {rule.source} [rule {rule.id.split('.', 1)[1]}]: {f}")
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
    click.echo(f"{c['gaps_filled']} gaps filled in {c['articles_changed']} articles"
               + (f", {c['gaps_disputed']} left open: witnesses disagree" if c["gaps_disputed"] else ""), err=True)


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
