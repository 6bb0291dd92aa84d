"""Cleaning many raw files: one pure per-file function, and a driver around it.

Why split so: ``clean_file`` reads one raw file and returns everything that
belongs to it (articles, removed pieces, failures) without touching shared
state, so it runs the same in this process, in a pool of processes or on a
Dask cluster, and the output is the same bytes whatever ran it.  The process
that cleaned a file writes its articles, atomically (``clean_and_write``); the
driver gathers the results in input order and keeps ``manifest.jsonl``.
A large file is the exception: cleaned piece by piece, it is written as its
pieces are made (see the section at the end), so that its memory does not
grow with it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import regex
import yaml

from .article import Article, front_matter_text, render_block, scalar
from .builtins import normalize_line_ends
from .doc import Block
from .inputs import DEFAULT_MAX_BYTES, MANIFEST, InputError, RawFile, read
from .pipeline import Pipeline, default_rules_dir, find_settings, rule_files
from .segment import _iso_date, owner_of  # the page date and line owners as segment reads them
from .rules import RuleTimeout, Unsettled


PIECE_CHARS = 250_000   # a large file's pieces (see "a large file, piece by piece" below)


@dataclass(frozen=True)
class Spec:
    """How to build the pipeline: picklable, so workers can build their own."""

    rule_dirs: tuple[str, ...] = ()
    default_rules: bool = True
    settings: tuple = ()          # command-line settings, as sorted items
    max_bytes: int = DEFAULT_MAX_BYTES
    piece_chars: int | None = None  # a file of more than twice this many characters (default PIECE_CHARS) is cleaned in pieces
    run: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)  # settings are cached per run


@dataclass
class Result:
    raw: RawFile
    files: dict[str, str] = field(default_factory=dict)   # relative path -> content
    records: list = field(default_factory=list)     # manifest lines: dicts, or their text (see manifest_text)
    error: str | None = None
    flags: int = 0
    written: bool = False   # its files are already in the output folder (a large file, written piece by piece)


_PIPELINES: dict[tuple, Pipeline] = {}
_BY_FOLDER: dict[tuple, Pipeline] = {}   # (run, folder, input folder) -> pipeline, for the current run


def _read_files_key(spec: Spec, settings: dict) -> str:
    """A digest of the files a pipeline with these settings reads (the rule
    folders' ``*.toml``, its corrections file): a rule or correction edited
    between two runs in one process must give a new pipeline, not the
    cached one.  Read once per folder and run (see ``pipeline_for``)."""
    dirs = ([default_rules_dir()] if spec.default_rules else []) + [Path(d) for d in spec.rule_dirs]
    dirs += [Path(d) for d in settings.get("rules", []) if isinstance(d, str)]
    files = [p for d in dirs if d.is_dir() for p in rule_files(d)]
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
        pipe = _BY_FOLDER[key] = pipeline_with(spec, settings)
    return pipe


def pipeline_with(spec: Spec, settings: dict) -> Pipeline:
    """The pipeline of these settings (a folder's under the command line's),
    built once per process while its rule files are unchanged: the command's
    check of the rules before a run builds the one that every folder without
    settings of its own then uses (and the workers, forked after it, too)."""
    pkey = (spec, json.dumps(settings, sort_keys=True), _read_files_key(spec, settings))
    if pkey not in _PIPELINES:
        if len(_PIPELINES) >= 32:  # edited rule files leave old pipelines behind
            _PIPELINES.clear()
        _PIPELINES[pkey] = Pipeline(spec.rule_dirs, spec.default_rules, settings)
    return _PIPELINES[pkey]


def clean_file(raw: RawFile, spec: Spec, out: Path | None = None) -> Result:
    """Everything one raw file turns into; never raises for a bad input.
    A large file is cleaned piece by piece (see ``pieces``): given ``out``,
    its files are written there as they are made (``Result.written``)."""
    res = Result(raw)
    try:
        parts, sha, _enc = read(raw, spec.max_bytes, parts=True)
    except InputError as exc:
        res.error = str(exc)
        return res
    pipe = pipeline_for(spec, raw)
    # the id's stem: the path under the input folder, so that raw/s1/a.txt and raw/s2/a.txt differ
    source = {"path": raw.display, "sha256": sha, "stem": raw.out_stem.as_posix()}
    size = spec.piece_chars or PIECE_CHARS
    if sum(map(len, parts)) > 2 * size and pipe.segmenting:
        if any(c in p for p in parts for c in "\r\u2028\u2029\x85"):  # pieces count lines as the stages do
            _normalize_line_ends(parts)
        # handed over, not kept here: each part goes once its pieces are cleaned
        return clean_in_pieces(res, parts, pipe, source, size, out)
    text = "".join(parts)
    del parts
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
    res.files[f"{base}/removed.jsonl"] = removed_text(doc)  # written last: its presence marks a finished folder
    return res


def block_digest(text: str) -> str:
    """A block's text, shortened for ``changes.jsonl``: the article holds the text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_STRING = json.encoder.encode_basestring   # the string encoding of _DUMPS (ensure_ascii off): same bytes


def change_lines(doc) -> str:
    """One JSON line per change, as ``_DUMPS`` writes the record
    ``{rule, line, before, after}``, built from the change log's columns:
    an encoder call per change cost more than the rest of the writing, and
    most befores and afters are the same few short strings (a line join)."""
    names, rules, lines, befores, afters = doc.changes.columns()
    heads = ['{"rule":' + _STRING(name) + ',"line":' for name in names]
    seen: dict[str, str] = {}
    out = []
    for rid, line, before, after in zip(rules, lines, befores, afters):
        b = seen.get(before)
        if b is None:
            b = _STRING(before)
            if len(before) <= 4:
                seen[before] = b
        a = seen.get(after)
        if a is None:
            a = _STRING(after)
            if len(after) <= 4:
                seen[after] = a
        out.append(f'{heads[rid]}{line},"before":{b},"after":{a}}}\n')
    return "".join(out)


def block_lines(blocks) -> str:
    """One JSON line per block, as ``_DUMPS`` writes ``{block, lines, digest}``."""
    kinds: dict[str, str] = {}
    out = []
    for kind, text, first, last in blocks:
        k = kinds.get(kind)
        if k is None:
            k = kinds[kind] = '{"block":' + _STRING(kind) + ',"lines":['
        out.append(f'{k}{first},{last}],"digest":"{block_digest(text)}"}}\n')
    return "".join(out)


def changes_text(doc) -> str:
    """``changes.jsonl``: where every change was made (one line per change,
    in the order made: rule, raw line, before, after), then where every
    block came from (its raw lines and a digest of its text).  The front
    matter only counts changes per rule; ``report`` places them from this
    file instead of cleaning every raw file again."""
    return change_lines(doc) + block_lines(doc.blocks())


def removed_text(doc) -> str:
    removed = sorted(doc.removed, key=lambda r: r.line)
    return "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in removed)


def clean_and_write(raw: RawFile, spec: Spec, out: str | None) -> Result:
    """``clean_file``, then, unless ``out`` is None (a dry run), write its
    files under ``out`` and drop that source's stale articles there: the
    worker that cleaned a file writes it, so the driver only keeps the
    manifest.  The Result then carries the manifest records, not the files."""
    try:
        res = clean_file(raw, spec, Path(out) if out is not None else None)
        if out is not None and not res.error and not res.written:
            write_result(Path(out), res)
    except OSError as exc:  # a read-only article folder, a file where a folder should be …
        res = Result(raw, error=f"cannot write {getattr(exc, 'filename2', None) or exc.filename or out}: "
                                f"{exc.strerror or exc}")
    if out is not None:
        res.files = {}
    # the manifest lines made here, where the file was cleaned: the driver,
    # serial beside the workers, only writes them (and lines cost less to
    # send than the dicts)
    res.records = [manifest_text([r]) for r in res.records]
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
        self.folders: dict[str, str] = {}   # article folder -> the source whose articles it holds
        self.damaged: str | None = None     # why the manifest could not be read, if it could not
        if self.path.is_file():
            try:
                self._read()
            except (ValueError, KeyError, TypeError, AttributeError) as exc:  # cut short, edited by hand
                self.damaged = f"{self.path}: {exc.__class__.__name__}: {exc}"
                self.index.clear()
                self.folders.clear()
                self.path = out / (MANIFEST + ".damaged")  # nothing is read from it again
                self._rebuild(out)
        elif out.is_dir():
            self._rebuild(out)

    def _read(self) -> None:
        offset = 0
        with open(self.path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if raw.strip():
                    try:
                        rec = json.loads(raw)
                        src = rec["source"]["path"]
                        key = (rec["source"].get("sha256"), (rec.get("normalizer") or {}).get("rules"))
                        folder = rec["path"].rpartition("/")[0]
                    except (ValueError, KeyError, TypeError, AttributeError) as exc:
                        raise ValueError(f"line {n} is no article record ({exc})") from None
                    self.folders.setdefault(folder, src)
                    old = self.index.get(src)
                    if old is None:
                        self.index[src] = (*key, offset, len(raw))
                    elif old[2] + old[3] == offset:  # mixed stamps: never reuse
                        self.index[src] = (*(key if old[:2] == key else (None, None)), old[2], old[3] + len(raw))
                    else:  # scattered lines (not what a run writes): never reuse
                        self.index[src] = (None, None, old[2], old[3])
                offset += len(raw)

    def _rebuild(self, out: Path) -> None:
        """The records, from the articles' front matter: the manifest is lost or damaged."""
        if not out.is_dir():
            return
        for p in sorted(out.rglob("*.md")):
            if any(part.startswith(".") for part in p.relative_to(out).parts):
                continue  # a writer's unfinished folder
            try:
                fm = read_front_matter(p)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):  # not an article of ours
                continue
            if fm and isinstance(fm.get("source"), dict) and isinstance(fm["source"].get("path"), str):
                src = fm["source"]["path"]
                rel = p.relative_to(out).as_posix()
                line = manifest_text([{"path": rel, **fm}])
                key = (fm["source"].get("sha256"), (fm.get("normalizer") or {}).get("rules"))
                if not (p.parent / "removed.jsonl").is_file():  # written last: a run killed mid-file
                    key = (None, None)
                if src in self.index and self.index[src][:2] != key:
                    key = (None, None)
                self.index[src] = (*key, 0, 0)
                self.rebuilt.setdefault(src, []).append(line)
                self.folders.setdefault(rel.rpartition("/")[0], src)

    def owner(self, folder: str) -> str | None:
        """The source of the last run whose articles are in ``folder`` (the
        path under the output folder), while this run has not dealt with it."""
        src = self.folders.get(folder)
        return src if src in self.index else None

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


def manifest_text(records: list) -> str:
    """The manifest lines of ``records``: front matter dicts with their
    path, or such a line already written (a large file's, see ``_PieceWriter``)."""
    return "".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n"
                   for r in records)


# -- a large file, piece by piece ----------------------------------------------
# Why: an archive can hold a year of a paper in one file, and cleaning works
# on the whole page at once (its text, a raw-line number for every character,
# a record for every printed line): ~15 bytes of memory per byte of input.
# A large file is therefore cut where nothing crosses (a form feed, a page
# header; failing those, a blank line, a line end; in one enormous line, a
# sentence end), each piece cleaned alone with its raw line numbers, and its
# articles, changes and removed pieces written out before the next piece is
# read.  Only small state crosses: the article count, the file's first date,
# the records of the lines above a piece's first article (see ``_as_whole``),
# and the last article and block of a piece when the cut fell inside a line
# (the next piece's first paragraph goes on from them; a paragraph longer
# than a piece waits in a file).  What cleaning decides from a whole page
# (headlines after their bodies, a table of contents naming titles further
# on, a forum board's chrome and thread, column widths, a word the page uses
# without numbers) is decided per piece.

_PAGE_HEADER = regex.compile(r"第[^\S\n]*[\d一二三四五六七八九十]{1,3}[^\S\n]*版")
_PAGE_HEADER_WIDEST = 30     # as segment's: a page header is a short line of its own
_SENTENCE_END_LINE = regex.compile(r"[。！？”」）][^\S\n]*\n")
_SENTENCE_END = regex.compile(r"[。！？](?=\p{Han})")


def _nearest(cands, target: int) -> int | None:
    best = None
    for c in cands:
        if best is None or abs(c - target) < abs(best - target):
            best = c
    return best


def _short(text: str, start: int, end: int, most: int) -> bool:
    """``len(text[start:end].strip()) <= most``, without copying a long
    line: in a file of one enormous line every page header lies on it, and
    a copy of it (and of its strip) per header cost 65 MB and a second a cut."""
    if end - start <= 4 * most + 256:
        return len(text[start:end].strip()) <= most
    step = 256
    i = start
    while i < end:  # the first character strip keeps
        seg = text[i:min(end, i + step)]
        kept = seg.lstrip()
        if kept:
            i += len(seg) - len(kept)
            break
        i += len(seg)
    else:
        return True
    j = end
    while True:  # the last (there is one, at i or after)
        seg = text[max(i, j - step):j]
        kept = seg.rstrip()
        if kept:
            j -= len(seg) - len(kept)
            break
        j -= len(seg)
    return j - i <= most


def _cut(text: str, lo: int, target: int, hi: int) -> int:
    """Where a piece that should end near ``target`` ends, between ``lo`` and
    ``hi``: the start of a line with a form feed, else of a page header line,
    else the line after a blank line, else a line end after a sentence end,
    else any line end, else right after a sentence end (a line longer than a
    piece), else ``target``."""
    def line_start(i: int) -> int:  # where i's line starts, if after lo (else a place at or before lo)
        return text.rfind("\n", lo, i) + 1

    ff = (line_start(i) for i in (text.rfind("\f", lo, target), text.find("\f", target, hi)) if i != -1)
    cut = _nearest((c for c in ff if c > lo), target)
    if cut is None:
        def headers():
            for m in _PAGE_HEADER.finditer(text, lo, hi):
                start = line_start(m.start())
                if start <= lo:  # (before the line's end is looked for: on one enormous line, each time to the text's end)
                    continue
                end = text.find("\n", m.end())
                end = end if end != -1 else len(text)
                if (_short(text, start, end, _PAGE_HEADER_WIDEST)
                        and not any(text.find(c, start, end) != -1 for c in "转接见")):
                    yield start
        cut = _nearest(headers(), target)
    if cut is None:
        cut = _nearest((i + 2 for i in (text.rfind("\n\n", lo, target), text.find("\n\n", target, hi)) if i != -1),
                       target)
    if cut is None:
        cut = _nearest((m.end() for m in _SENTENCE_END_LINE.finditer(text, lo, hi)), target)
    if cut is None:
        cut = _nearest((i + 1 for i in (text.rfind("\n", lo, target), text.find("\n", target, hi)) if i != -1),
                       target)
    if cut is None:
        cut = _nearest((m.end() for m in _SENTENCE_END.finditer(text, lo, hi)), target)
    return cut if cut is not None else target


def pieces(text: str, size: int):
    """``(start, end)`` of the pieces a large text is cleaned in: about
    ``size`` characters each (from half to one and a half times), the last
    up to one and a half; cut by ``_cut``."""
    start, n = 0, len(text)
    while n - start > size * 3 // 2:
        end = _cut(text, start + size // 2, start + size, start + size * 3 // 2)
        yield start, end
        start = end
    yield start, n


def _goes_on(a: Article, b: Article) -> bool:
    """Whether article ``b``, first of a piece cut inside a line, goes on
    from ``a``, last of the piece before: its first block is the rest of
    ``a``'s last paragraph, and it has no headline, byline or dateline."""
    m = b.meta
    return (bool(a.blocks) and bool(b.blocks) and a.blocks[-1][0] == "p" and b.blocks[0][0] == "p"
            and not any(m.get(k) for k in ("title", "kicker", "subtitle", "authors", "dateline", "forum"))
            and a.meta["source"]["lines"][1] == m["source"]["lines"][0])


def _joined(a: Article, b: Article, folder: Path, size: int) -> Article:
    """``a`` and ``b`` (see ``_goes_on``) as one article."""
    ma, mb = a.meta, b.meta
    meta = dict(ma)
    meta["source"] = dict(ma["source"], lines=[ma["source"]["lines"][0], mb["source"]["lines"][1]])
    flags = {tuple(f.values()): f for f in ma["flags"] + mb["flags"]}  # one line: a flag is recorded once
    meta["flags"] = sorted(flags.values(), key=lambda f: (f["line"], f["rule"], f["text"]))
    changes = dict(ma["changes"])
    for rule, n in mb["changes"].items():
        changes[rule] = changes.get(rule, 0) + n
    meta["changes"] = dict(sorted(changes.items()))
    meta["images"] = ma["images"] + mb["images"]
    editors = {e["name"]: e for e in (ma["editors"] or []) + (mb["editors"] or [])}
    meta["editors"] = list(editors.values()) or None
    for key in ("continued_on", "source_org", "date"):
        meta[key] = ma.get(key) or mb.get(key)
    blocks = a.blocks[:-1] + [("p", _Spill.concat(a.blocks[-1][1], b.blocks[0][1], folder, size))] + b.blocks[1:]
    return Article(meta=meta, blocks=blocks)


class _Spill:
    """A paragraph longer than a piece (one enormous line, put together
    again piece by piece), kept in a file instead of in memory."""

    def __init__(self, folder: Path):
        self.fh = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder)
        self.head, self.tail = "", ""

    @classmethod
    def concat(cls, a, b: str, folder: Path, size: int):
        """``a + b``, in a file once longer than ``size`` (a piece)."""
        if isinstance(a, str) and len(a) + len(b) <= size:
            return a + b
        if isinstance(a, str):
            spill = cls(folder)
            spill.add(a)
            a = spill
        a.add(b)
        return a

    def add(self, text: str) -> None:
        if text:
            self.fh.write(text)
            self.head = (self.head + text[:2])[:2]
            self.tail = text[-1]

    def escaped(self) -> bool:
        """render_block's test for a paragraph, on the ends it needs."""
        return self.head.startswith("#") or (len(self.head) == 2 and self.head[0] == "*" and self.head[1] != "*"
                                             and self.tail == "*")

    def write_to(self, out) -> None:
        out.write("\\" if self.escaped() else "")
        self.fh.seek(0)
        shutil.copyfileobj(self.fh, out, 1 << 20)
        self.fh.close()


class _OpenBlock:
    """The last block of a piece, for ``changes.jsonl``: it may go on in
    the next piece (a cut inside a line), so only its digest is kept."""

    def __init__(self, block: Block):
        self.kind, self.first, self.last = block.kind, block.first, block.last
        self.sha = hashlib.sha256(block.text.encode("utf-8", "surrogatepass"))

    def extend(self, block: Block) -> None:
        self.sha.update(block.text.encode("utf-8", "surrogatepass"))
        self.last = block.last

    def line(self) -> str:
        return _DUMPS({"block": self.kind, "lines": [self.first, self.last], "digest": self.sha.hexdigest()[:16]}) + "\n"


def _range_owner(articles: list[Article]):
    """Raw line -> index of the article holding it, else (with
    ``prefer_next``) the one after, else the one before: segment's owner,
    read from the articles' line ranges (its drafts are runs of blocks)."""
    return owner_of(sorted((a.meta["source"]["lines"][0], a.meta["source"]["lines"][1], i)
                           for i, a in enumerate(articles)))


def _as_whole(articles: list[Article], doc, held: Article | None, carry: dict) -> None:
    """Give a piece's articles what cleaning the whole file gives them where
    it looks beyond the piece: the changes and flags of the lines above the
    piece's first article (a page header, an editor line) go to the article
    before it, the last of the piece before; an article with no date line of
    its own has the file's first date (segment's page date), not the piece's."""
    dates = [n for n in doc.notes if n.key == "date"]
    if "date" not in carry and dates:
        carry["date"] = dates[0].value.strip()
    if not articles:  # a piece of furniture only: its lines lie below the article before
        if held is not None:
            changes = dict(held.meta["changes"])
            for (rule, _line), n in doc.changes.counts().items():
                changes[rule] = changes.get(rule, 0) + n
            held.meta["changes"] = dict(sorted(changes.items()))
            held.meta["flags"] = sorted(held.meta["flags"] + [f.as_dict() for f in doc.flags],
                                        key=lambda f: (f["line"], f["rule"], f["text"]))
        return
    owner = _range_owner(articles)
    start = min(a.meta["source"]["lines"][0] for a in articles)
    if held is not None:
        top = articles[owner(start - 1)] if start > 1 else None
        early = [(rule, n) for (rule, line), n in doc.changes.counts().items() if line < start]
        if top is not None and early:
            for meta, sign in ((top.meta, -1), (held.meta, 1)):
                changes = dict(meta["changes"])
                for rule, n in early:
                    changes[rule] = changes.get(rule, 0) + sign * n
                meta["changes"] = dict(sorted((r, n) for r, n in changes.items() if n))
        moved = [f for f in (top.meta["flags"] if top is not None else []) if f["line"] < start]
        if moved:
            top.meta["flags"] = [f for f in top.meta["flags"] if f["line"] >= start]
            held.meta["flags"] = sorted(held.meta["flags"] + moved, key=lambda f: (f["line"], f["rule"], f["text"]))
    if carry.get("date") is not None and (not dates or dates[0].value.strip() != carry["date"]):
        own = {owner(n.line, prefer_next=True) for n in dates}
        for i, a in enumerate(articles):
            if i not in own:
                a.meta["date"] = _iso_date(carry["date"])


class _PieceWriter:
    """A piecewise-cleaned file's output, written as it is made into a hidden
    folder beside its own: articles numbered as they come (their ids get
    their final width at the end, once the count is known), changes in the
    order made with the block lines after them, removed pieces by raw line."""

    def __init__(self, folder: Path, stem: str):
        self.folder, self.stem = folder, stem
        self.tmp = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        self.changes = open(self.tmp / "changes.jsonl", "w", encoding="utf-8", newline="\n")
        self.blocks = open(self.tmp / ".blocks", "w+", encoding="utf-8", newline="\n")
        self.removed = open(self.tmp / ".removed", "w", encoding="utf-8", newline="\n")
        # per article a line of its front matter but the id, as JSON: in a
        # file, not in memory (some 1.3 kB an article, tens of MB for a year
        # of a paper); read back at the end as manifest lines
        self.fronts = open(self.tmp / ".fronts", "w+b")
        self.count = 0
        self.records: list[str] = []   # the manifest lines, once finished
        self.flags = 0

    def article(self, art: Article) -> None:
        self.count += 1
        n = self.count
        art.meta["id"] = f"{self.stem}-{n:02d}"
        if not any(isinstance(t, _Spill) for _k, t in art.blocks):
            with open(self.tmp / f"{n}.part", "wb") as fh:
                fh.write(art.to_markdown().encode("utf-8"))
        else:  # Article.to_markdown, its long paragraphs copied from their files
            with open(self.tmp / f"{n}.part", "w", encoding="utf-8", newline="\n") as fh:
                fh.write("---\n" + front_matter_text(art.front_matter()) + "---\n\n")
                sep = ""
                if art.meta.get("title"):
                    fh.write("# " + " ".join(art.meta["title"].split()))
                    sep = "\n\n"
                for kind, text in art.blocks:
                    fh.write(sep)
                    sep = "\n\n"
                    if isinstance(text, _Spill):
                        text.write_to(fh)
                    else:
                        fh.write(render_block(kind, text))
                fh.write("\n")
        fm = art.front_matter()
        del fm["id"]
        self.fronts.write(json.dumps(fm, ensure_ascii=False).encode("utf-8") + b"\n")
        self.flags += len(art.meta["flags"])

    def finish(self, base: str) -> list[str]:
        """The files in their final names; returns those names."""
        self.changes.flush()
        self.blocks.seek(0)
        shutil.copyfileobj(self.blocks, self.changes)
        for fh in (self.changes, self.blocks, self.removed):
            fh.close()
        os.unlink(self.tmp / ".blocks")
        width = max(2, len(str(self.count)))
        names = []
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        self.fronts.seek(0)
        for n, rest in enumerate(self.fronts, 1):
            name = f"{n:0{width}d}.md"
            part = self.tmp / f"{n}.part"
            art_id = f"{self.stem}-{n:0{width}d}"
            if width != 2:  # the id is the front matter's first line: "---\nid: …\n"
                old = f"---\nid: {scalar(f'{self.stem}-{n:02d}')}\n".encode("utf-8")
                data = part.read_bytes()
                with open(self.tmp / name, "wb") as fh:
                    fh.write(f"---\nid: {scalar(art_id)}\n".encode("utf-8"))
                    fh.write(memoryview(data)[len(old):])
                os.unlink(part)
            else:
                os.rename(part, self.tmp / name)
            # the manifest line manifest_text writes for {"path": …, "id": …, **rest}
            self.records.append(f'{{"path": {dumps(f"{base}/{name}")}, "id": {dumps(art_id)}, '
                                + rest[1:].decode("utf-8"))
            names.append(name)
        self.fronts.close()
        os.unlink(self.tmp / ".fronts")
        os.rename(self.tmp / ".removed", self.tmp / "removed.jsonl")
        return names + ["changes.jsonl", "removed.jsonl"]

    def publish(self, names: list[str]) -> None:
        """Into place: the folder renamed whole when new, else file by file
        (unchanged files left alone, stale articles removed, removed.jsonl last)."""
        try:
            os.rename(self.tmp, self.folder)
            return
        except OSError:
            if not self.folder.is_dir():
                raise
        for p in self.folder.glob("*.md"):
            if p.name not in names:
                p.unlink()
        for name in names:
            src, dst = self.tmp / name, self.folder / name
            if dst.is_file() and same_file(src, dst):
                continue
            os.replace(src, dst)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def discard(self) -> None:
        for fh in (self.changes, self.blocks, self.removed, self.fronts):
            fh.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def same_file(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (read a MB at a time: a
    manifest or a piece may be large); a missing one is not the same."""
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def _normalize_line_ends(parts: list[str]) -> None:
    """``normalize_line_ends`` of the parts' text, part by part, in place:
    a ``\r`` ending a part goes with the next (it may be a ``\r\n``)."""
    carry = ""
    for i, p in enumerate(parts):
        p = carry + p
        carry = "\r" if p.endswith("\r") and i + 1 < len(parts) else ""
        parts[i] = normalize_line_ends(p[:-1] if carry else p)


def _pieces_of(parts: list[str], size: int):
    """``(piece, its first raw line, whether it opens inside a line)``: the
    pieces ``pieces`` cuts ``"".join(parts)`` into, the parts consumed (the
    list emptied) as it goes, so that the text already cleaned is let go.
    Only a window is held: the rest of the piece before, the parts up to
    one and a half pieces on and up to the end of the line there (``_cut``
    reads a page header's line to its end) or past its header's width."""
    parts.reverse()
    buf, line, last = "", 1, "\n"
    hi = size * 3 // 2
    while True:
        while len(buf) <= hi and parts:
            buf += parts.pop()
        if len(buf) <= hi:
            yield buf, line, last != "\n"
            return
        # a page header's line is read to its end (_cut): on, until that
        # end is in the window or the line is known long anyway (more than a
        # header's width of characters past hi: on one enormous line the
        # window stays a window)
        while (parts and buf.find("\n", hi) == -1
               and len("".join(buf[hi:hi + 4096].split())) <= _PAGE_HEADER_WIDEST):
            buf += parts.pop()
        end = _cut(buf, size // 2, size, hi)
        yield buf[:end], line, last != "\n"
        line += buf.count("\n", 0, end)
        last = buf[end - 1]
        buf = buf[end:]


def clean_in_pieces(res: Result, text: str | list, pipe: Pipeline, source: dict, size: int,
                    out: Path | None) -> Result:
    """``clean_file`` for a large file (see above): pieces of about ``size``
    characters, each cleaned with its raw line numbers and written out at
    once.  With ``out`` the files go into place there (``res.written``);
    without, they are read back into ``res.files`` (a dry run).  ``text``
    may come as a list of its parts (its line ends already the stages'):
    the list is emptied as the pieces are cleaned (see ``_pieces_of``)."""
    raw = res.raw
    parts = text if isinstance(text, list) else [text]
    del text
    base = raw.out_stem.as_posix()
    scratch = None
    if out is None:
        scratch = Path(tempfile.mkdtemp(prefix="normalize-pieces-"))
    folder = (out if out is not None else scratch) / raw.out_stem
    writer = _PieceWriter(folder, source["stem"])
    try:
        held: Article | None = None          # the last article of the piece before
        held_block = None                    # and its last block
        carry: dict = {}                     # what crosses: the file's first date
        for piece, line, inside in _pieces_of(parts, size):   # inside: the cut fell inside a line
            articles, doc = pipe.clean(piece, source, first_line=line)
            del piece
            _as_whole(articles, doc, held, carry)
            writer.changes.write(change_lines(doc))
            writer.removed.write(removed_text(doc))
            blocks = doc.blocks()
            del doc
            if held_block is not None and blocks:
                b = blocks[0]
                if inside and held_block.kind == "p" == b.kind and held_block.last == b.first:
                    held_block.extend(b)  # the rest of its paragraph
                    blocks = blocks[1:]
                if blocks:
                    writer.blocks.write(held_block.line())
                    held_block = None
            if blocks:
                writer.blocks.write(block_lines(blocks[:-1]))
                held_block = _OpenBlock(blocks[-1])
            if held is not None and articles:
                if inside and _goes_on(held, articles[0]):
                    articles[0] = _joined(held, articles[0], writer.tmp, size)
                else:
                    writer.article(held)
            elif held is not None:
                articles = [held]
            for art in articles[:-1]:
                writer.article(art)
            held = articles[-1] if articles else None
        if held_block is not None:
            writer.blocks.write(held_block.line())
        if held is not None:
            writer.article(held)
        names = writer.finish(base)
        res.records, res.flags = writer.records, writer.flags
        if out is not None:
            writer.publish(names)
            res.written = True
        else:
            res.files = {f"{base}/{name}": (writer.tmp / name).read_text(encoding="utf-8")
                         for name in names}
    except (RuleTimeout, Unsettled) as exc:
        res.error = str(exc)
        res.records, res.flags = [], 0
        writer.discard()
    except BaseException:
        writer.discard()
        raise
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return res
