"""Cleaning many raw files: one pure per-file function, and a driver around it.

Why split so: ``clean_file`` reads one raw file and returns everything that
belongs to it (articles, removed pieces, failures) without touching shared
state, so it runs the same in this process, in a pool of processes or on a
Dask cluster, and the output is the same bytes whatever ran it.  The driver
writes results in input order, atomically, and keeps ``manifest.jsonl``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .inputs import DEFAULT_MAX_BYTES, MANIFEST, InputError, RawFile, read
from .pipeline import Pipeline, default_rules_dir, find_settings
from .rules import RuleTimeout, Unsettled


@dataclass(frozen=True)
class Spec:
    """How to build the pipeline: picklable, so workers can build their own."""

    rule_dirs: tuple[str, ...] = ()
    default_rules: bool = True
    settings: tuple = ()          # command-line settings, as sorted items
    max_bytes: int = DEFAULT_MAX_BYTES
    run: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)  # settings are cached per run


@dataclass
class Result:
    raw: RawFile
    files: dict[str, str] = field(default_factory=dict)   # relative path -> content
    records: list[dict] = field(default_factory=list)     # manifest lines
    error: str | None = None
    flags: int = 0


_PIPELINES: dict[tuple, Pipeline] = {}
_BY_FOLDER: dict[tuple, Pipeline] = {}   # (run, folder, input folder) -> pipeline, for the current run


def _read_files_key(spec: Spec, settings: dict) -> str:
    """A digest of the files a pipeline with these settings reads (the rule
    folders' ``*.toml``, its corrections file): a rule or correction edited
    between two runs in one process must give a new pipeline, not the
    cached one.  Read once per folder and run (see ``pipeline_for``)."""
    dirs = ([default_rules_dir()] if spec.default_rules else []) + [Path(d) for d in spec.rule_dirs]
    dirs += [Path(d) for d in settings.get("rules", []) if isinstance(d, str)]
    files = [p for d in dirs if d.is_dir() for p in sorted(d.glob("*.toml"))]
    if isinstance(settings.get("corrections"), str):
        files.append(Path(settings["corrections"]))
    h = hashlib.sha256()
    for p in files:
        h.update(str(p).encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"\1")  # unreadable: the pipeline says so when it is built
        h.update(b"\0")
    return h.hexdigest()


def pipeline_for(spec: Spec, raw: RawFile) -> Pipeline:
    """The pipeline for one raw file: its folder's settings under the command
    line's.  Looked up once per folder and run: the files of a folder share
    their settings, and a ``normalize.toml`` changed between runs is read again."""
    key = (spec.run, raw.path.parent, raw.root)
    pipe = _BY_FOLDER.get(key)
    if pipe is None:
        if any(k[0] != spec.run for k in _BY_FOLDER):
            _BY_FOLDER.clear()
        local, _ = find_settings(raw.path, raw.root)
        settings = dict(local)
        settings.update(dict(spec.settings))
        pkey = (spec, json.dumps(settings, sort_keys=True), _read_files_key(spec, settings))
        if pkey not in _PIPELINES:
            if len(_PIPELINES) >= 32:  # edited rule files leave old pipelines behind
                _PIPELINES.clear()
            _PIPELINES[pkey] = Pipeline(spec.rule_dirs, spec.default_rules, settings)
        pipe = _BY_FOLDER[key] = _PIPELINES[pkey]
    return pipe


def clean_file(raw: RawFile, spec: Spec) -> Result:
    """Everything one raw file turns into; never raises for a bad input."""
    res = Result(raw)
    try:
        text, sha, _enc = read(raw, spec.max_bytes)
    except InputError as exc:
        res.error = str(exc)
        return res
    pipe = pipeline_for(spec, raw)
    source = {"path": raw.display, "sha256": sha, "stem": raw.path.stem}
    try:
        articles, doc = pipe.clean(text, source)
    except (RuleTimeout, Unsettled) as exc:  # a user pattern that backtracks, or rules that undo each other on this page: this file fails, the batch goes on
        res.error = str(exc)
        return res
    base = raw.out_stem.as_posix()
    width = max(2, len(str(len(articles))))
    for n, art in enumerate(articles, 1):
        rel = f"{base}/{n:0{width}d}.md"
        res.files[rel] = art.to_markdown()
        res.records.append({"path": rel, **art.front_matter()})
        res.flags += len(art.meta["flags"])
    res.files[f"{base}/changes.jsonl"] = changes_text(doc)
    removed = sorted(doc.removed, key=lambda r: r.line)  # written last: its presence marks a finished folder
    res.files[f"{base}/removed.jsonl"] = "".join(
        json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in removed)
    return res


def block_digest(text: str) -> str:
    """A block's text, shortened for ``changes.jsonl``: the article holds the text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def changes_text(doc) -> str:
    """``changes.jsonl``: where every change was made (one line per change,
    in the order made: rule, raw line, before, after), then where every
    block came from (its raw lines and a digest of its text).  The front
    matter only counts changes per rule; ``report`` places them from this
    file instead of cleaning every raw file again."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lines = [dumps({"rule": c.rule, "line": c.line, "before": c.before, "after": c.after}) + "\n"
             for c in doc.changes]
    lines += [dumps({"block": kind, "lines": [first, last], "digest": block_digest(text)}) + "\n"
              for kind, text, first, last in doc.blocks()]
    return "".join(lines)


def clean_and_write(raw: RawFile, spec: Spec, out: str | None) -> Result:
    """``clean_file``, then, unless ``out`` is None (a dry run), write its
    files under ``out`` and drop that source's stale articles there: the
    worker that cleaned a file writes it, so the driver only keeps the
    manifest.  The Result then carries the manifest records, not the files."""
    res = clean_file(raw, spec)
    if out is not None and not res.error:
        try:
            write_result(Path(out), res)
        except OSError as exc:  # a read-only article folder, a file where a folder should be …
            res.error = f"cannot write {getattr(exc, 'filename2', None) or exc.filename or out}: {exc.strerror or exc}"
            res.records, res.flags = [], 0
        res.files = {}
    return res


def write_result(out: Path, res: Result) -> None:
    folder = out / res.raw.out_stem
    if not folder.exists() and write_new_folder(folder, res.files, res.raw.out_stem.as_posix() + "/"):
        return
    for p in stale_files(out, res):
        p.unlink()
    for rel, content in res.files.items():
        write_atomic(out / rel, content)


def write_new_folder(folder: Path, files: dict[str, str], prefix: str) -> bool:
    """A source's first output: its files (``prefix`` + name) written plainly
    into a hidden folder beside ``folder`` and renamed into place whole: as
    atomic as ``write_atomic``, without reading back or renaming every file.
    False, with nothing written, when ``folder`` appeared meanwhile."""
    if not all(rel.startswith(prefix) and "/" not in rel[len(prefix):] for rel in files):
        return False
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
    try:
        tmp.mkdir()
        for rel, content in files.items():
            with open(tmp / rel[len(prefix):], "wb") as fh:
                fh.write(content.encode("utf-8"))
        os.rename(tmp, folder)
    except FileExistsError:
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if folder.exists():  # ENOTEMPTY: another writer won
            return False
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def write_atomic(path: Path, content: str) -> bool:
    """Write ``content`` unless the file already holds it; True when written."""
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"  # one writer per file per process
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def read_front_matter(path: Path) -> dict | None:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    return yaml.safe_load(text[4:end + 1]) if end != -1 else None


class PreviousRun:
    """What the last run wrote, by source path: enough to skip an unchanged
    file and copy its manifest lines, without holding the manifest in memory.

    Reads ``manifest.jsonl`` once, keeping per source only its stamp and
    where its lines are; when the manifest is lost, rebuilds the records
    from the articles' front matter."""

    def __init__(self, out: Path):
        self.path = out / MANIFEST
        self.index: dict[str, tuple[str, str, int, int]] = {}   # src -> (sha, stamp, offset, length)
        self.rebuilt: dict[str, list[str]] = {}
        if self.path.is_file():
            offset = 0
            with open(self.path, "rb") as fh:
                for raw in fh:
                    if raw.strip():
                        rec = json.loads(raw)
                        src = rec["source"]["path"]
                        key = (rec["source"].get("sha256"), (rec.get("normalizer") or {}).get("rules"))
                        old = self.index.get(src)
                        if old is None:
                            self.index[src] = (*key, offset, len(raw))
                        elif old[2] + old[3] == offset:  # mixed stamps: never reuse
                            self.index[src] = (*(key if old[:2] == key else (None, None)), old[2], old[3] + len(raw))
                        else:  # scattered lines (not what a run writes): never reuse
                            self.index[src] = (None, None, old[2], old[3])
                    offset += len(raw)
        elif out.is_dir():
            for p in sorted(out.rglob("*.md")):
                if any(part.startswith(".") for part in p.relative_to(out).parts):
                    continue  # a writer's unfinished folder
                try:
                    fm = read_front_matter(p)
                except (OSError, UnicodeDecodeError, yaml.YAMLError):  # not an article of ours
                    continue
                if fm and isinstance(fm.get("source"), dict):
                    src = fm["source"]["path"]
                    line = manifest_text([{"path": p.relative_to(out).as_posix(), **fm}])
                    key = (fm["source"].get("sha256"), (fm.get("normalizer") or {}).get("rules"))
                    if not (p.parent / "removed.jsonl").is_file():  # written last: a run killed mid-file
                        key = (None, None)
                    if src in self.index and self.index[src][:2] != key:
                        key = (None, None)
                    self.index[src] = (*key, 0, 0)
                    self.rebuilt.setdefault(src, []).append(line)

    def sources(self) -> list[str]:
        """The sources the last run wrote and this one has not forgotten, in
        the manifest's order."""
        return list(self.index)

    def forget(self, src: str) -> None:
        """This run has dealt with ``src``: memory shrinks as the run goes."""
        self.index.pop(src, None)
        self.rebuilt.pop(src, None)

    def stamp(self, src: str) -> tuple[str | None, str | None] | None:
        entry = self.index.get(src)
        return entry[:2] if entry else None

    def lines(self, src: str) -> str:
        if src in self.rebuilt:
            return "".join(self.rebuilt[src])
        _sha, _stamp, offset, length = self.index[src]
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            return fh.read(length).decode("utf-8")


def stale_files(out: Path, res: Result) -> list[Path]:
    """Articles of an earlier run of this source that this run no longer writes."""
    folder = out / res.raw.out_stem
    if not folder.is_dir():
        return []
    keep = {out / rel for rel in res.files}
    return [p for p in folder.glob("*.md") if p not in keep]


def manifest_text(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records)
