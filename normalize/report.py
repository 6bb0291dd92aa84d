"""A review site for a cleaning run: raw beside clean, every change, flag and removal.

Why a static site: an archivist decides what to publish, and that decision
needs the raw page and its clean articles side by side, not YAML flags and
``removed.jsonl`` read by hand.  Plain HTML files open from the file system
on any machine, with no server and nothing fetched from elsewhere.

What it reads: only what ``run`` wrote (``manifest.jsonl``, the articles,
``changes.jsonl``, ``removed.jsonl``) and the raw files named in
``source.path``.  The front matter counts changes per rule; ``changes.jsonl``
says where each one is, so a report costs reading files, not cleaning them
again.  Changes are placed only when the raw file and the rules are the ones
the run used (``source.sha256``, ``normalizer.rules``), otherwise the page
says why they are not.  Output of an older version has no ``changes.jsonl``:
then the raw file goes through the run's own path again
(``batch.pipeline_for``, ``inputs.read``, the text stages), and the page says so.

Raw text is untrusted (a forum post may hold ``<script>``): everything is
escaped, the pages carry a strict Content-Security-Policy and no inline
script or handler; behaviour lives in ``report_assets/report.js``.

Large batches: the index is one page, each raw file has a page of its own,
written by a pool of processes; a page whose inputs are unchanged since the
last report is left as it is, without cleaning its raw file again.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources
from urllib.parse import quote
from pathlib import Path

from .batch import MANIFEST, Spec, block_digest, pipeline_for, write_atomic
from .builtins import normalize_line_ends
from .doc import Change
from .inputs import InputError, RawFile, read, refused_source
from .pipeline import GAP
from .rules import RuleError

ASSETS = ("report.css", "report.js")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'")
# changes made by code, not by a rule file: what they mean
BUILTIN_MESSAGES = {
    "unicode": "Unicode clean-up: NFC, full-width letters and digits to half-width, invisible characters out",
    "opencc": "OpenCC conversion",
    "unwrap": "line unwrapping: printed lines joined into paragraphs",
    "segment": "article segmentation (bylines, datelines, headline decks)",
    "corrections": "filled from the archivist's corrections file",
    "collate": "filled from another witness of the same article",
    "article": "an article this program wrote, cleaned again: its old front matter, kept whole in removed.jsonl",
}


_MESSAGES: dict = {}  # Spec -> rule messages, per process


class ReportError(Exception):
    """An output folder the report cannot be built from."""


@dataclass
class Source:
    """One raw file of the run: its display path and its articles' manifest records."""

    display: str
    folder: str          # the articles' folder under OUT (the raw file's output stem)
    records: list


def read_sources(out: Path) -> list[Source]:
    """The raw files of a run, in manifest order, with their articles."""
    path = out / MANIFEST
    if not path.is_file():
        raise ReportError(f"{out} holds no {MANIFEST}: not the output of `normalize run`")
    by: dict[str, Source] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = _checked(json.loads(line))
                display = rec["source"]["path"]
                folder = Path(rec["path"]).parent.as_posix()
            except (ValueError, KeyError, TypeError, AttributeError):
                raise ReportError(f"{path}:{n}: not a manifest line of `normalize run`") from None
            if display not in by:
                by[display] = Source(display, folder, [])
            by[display].records.append(rec)
    return list(by.values())


def _checked(rec: dict) -> dict:
    """A manifest record whose fields the report uses have the contract's
    types (a hand-edited manifest gets a clear error, not a traceback)."""
    if not isinstance(rec["path"], str) or not isinstance(rec["source"]["path"], str):
        raise TypeError
    if refused_source(rec["path"]):  # an article's own path: the page is written beside it under --html
        raise ValueError
    rec["flags"] = [{"rule": str(f["rule"]), "line": int(f["line"]), "text": str(f.get("text") or ""),
                     "message": str(f.get("message") or "")} for f in rec.get("flags") or []]
    rec["changes"] = {str(k): int(v) for k, v in (rec.get("changes") or {}).items()}
    if rec.get("title") is not None:
        rec["title"] = str(rec["title"])
    return rec


def rule_messages(spec: Spec) -> dict[str, str]:
    """Rule id -> message, from the pipeline's rules."""
    try:
        from .pipeline import Pipeline
        pipe = Pipeline(spec.rule_dirs, spec.default_rules, dict(spec.settings))
    except RuleError:
        return {}
    return {r.id: r.message for r in pipe.rules}


def message_for(rule: str, messages: dict[str, str]) -> str:
    return messages.get(rule) or BUILTIN_MESSAGES.get(rule.partition(".")[0], "")


def kind_of(rule: str) -> str:
    """A flag's kind: the stage its rule belongs to (digits: gaps)."""
    return rule.partition(".")[0]


def find_raw(display: str, bases: list[Path]) -> RawFile | None:
    """The raw file shown as ``display``: under a base folder (where ``run``
    ran), or under the input folder itself (the base is ``raw/``).  None
    for a path ``run`` never writes (absolute, or climbing out with ``..``)."""
    if refused_source(display):
        return None
    parts = display.split("/")
    for base in bases:
        for skip in (0, 1):
            if skip and len(parts) < 2:
                continue
            p = base.joinpath(*parts[skip:])
            if p.is_file():  # the input folder: where the run found the file, for its settings
                root = p.parents[len(parts) - 2] if len(parts) > 1 else p.parent
                return RawFile(p, root, p.relative_to(root))
    return None


# -- one raw file's page ------------------------------------------------------
def page_name(src: Source) -> str:
    return "files/" + src.folder + ".html"


def _head(title: str, up: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<link rel=\"stylesheet\" href=\"{up}assets/report.css\">\n"
            f"<script src=\"{up}assets/report.js\" defer></script>\n")


def _marked(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """``text`` escaped, with each ``(start, end, open, close)`` span wrapped;
    spans are sorted and do not overlap (an empty span is an insertion)."""
    out, pos = [], 0
    for start, end, open_, close in sorted(spans, key=lambda s: (s[0], s[1])):
        out.append(escape(text[pos:start]))
        out.append(open_ + escape(text[start:end]) + close)
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


class Claimed:
    """The parts of one line (or paragraph) already marked, so that marks
    never overlap: characters taken, and insertion points taken."""

    def __init__(self, length: int):
        self.chars = bytearray(length + 1)
        self.points = bytearray(length + 1)

    def free(self, start: int, end: int) -> bool:
        if start == end:  # an insertion: not inside a mark, not twice at one spot
            return not self.points[start] and not (start and self.chars[start - 1] and self.chars[start])
        return self.chars.find(1, start, end) == -1 and self.points.find(1, start + 1, end) == -1

    def add(self, start: int, end: int) -> None:
        if start == end:
            self.points[start] = 1
        else:
            self.chars[start:end] = b"\1" * (end - start)


def _find(line: str, needle: str, claimed: Claimed, start: int = 0) -> int:
    """The first free place of ``needle`` in ``line`` from ``start``, else from the line's start."""
    for begin in ((start, 0) if start else (0,)):
        at = line.find(needle, begin)
        while at != -1 and not claimed.free(at, at + len(needle)):
            at = line.find(needle, at + 1)
        if at != -1:
            return at
    return -1


def _loose(s: str) -> str:
    """A pattern for ``s`` in which punctuation matches any punctuation: raw
    lines hold ``,`` where the flag's context, written later, holds ``，``."""
    return "".join(re.escape(ch) if ch.isalnum() else r"[^\w\s]" for ch in s)


def _insertion_point(line: str, flags: list[dict], rule: str, after: str, claimed) -> int:
    """Where a rule inserted ``after`` (a gap marker) in a raw line: read off
    the context of the flag it raised there (what stands before and after
    the gap); -1 when that context is not on the line."""
    for f in flags:
        if f["rule"] != rule or after not in f["text"]:
            continue
        left, _, right = f["text"].partition(after)
        tries = [(left, right), (left, ""), ("", right)]
        for lt, rt in tries:
            if len(lt) + len(rt) < 2:  # too little context to be sure of the spot
                continue
            pattern = _loose(lt) + ("(?=" + _loose(rt) + ")" if rt else "")
            for m in re.finditer(pattern, line):
                if claimed.free(m.end(), m.end()):
                    return m.end()
    return -1


def _tip(rule: str, message: str) -> str:
    return rule + (f" — {message}" if message else "")


@lru_cache(maxsize=4096)
def _attrs(cls: str, rule: str, before: str | None = None, after: str | None = None) -> str:
    """A mark's attributes.  Its tooltip (rule: before → after — message) is
    built by report.js on hover or focus from these and the page's list of
    rule messages: written out on every mark, it would make the pages many
    times larger."""
    return (f" class=\"{cls}\" data-rule=\"{escape(rule)}\""
            + (f" data-b=\"{escape(before)}\"" if before is not None else "")
            + (f" data-a=\"{escape(after)}\"" if after is not None else "") + " tabindex=\"0\"")


def raw_pane(lines: list[str], changes, removed: list[dict], flags: list[dict], messages) -> str:
    """Raw lines with numbers; changes marked where their text is found on
    their line (else at the line's end), removed pieces struck through."""
    spans: dict[int, list] = {}
    claimed: dict[int, Claimed] = {}
    resume: dict[tuple[int, str], int] = {}
    ends: dict[int, list[str]] = {}
    flags_at: dict[int, list[dict]] = {}
    for f in flags:
        flags_at.setdefault(f["line"], []).append(f)
    n_lines = len(lines)

    def place(line_no: int, needle: str, open_: str, close: str) -> bool:
        if not needle or not 1 <= line_no <= n_lines:
            return False
        line = lines[line_no - 1]
        if line_no not in claimed:
            claimed[line_no] = Claimed(len(line))
        # one rule's edits on a line come left to right: look on from its last one
        at = _find(line, needle, claimed[line_no], resume.get((line_no, needle), 0))
        if at == -1:
            return False
        resume[(line_no, needle)] = at + len(needle)
        claimed[line_no].add(at, at + len(needle))
        spans.setdefault(line_no, []).append((at, at + len(needle), open_, close))
        return True

    def place_piece(line_no: int, text: str, tag: str, attrs: str) -> None:
        """A removed piece, possibly over several lines: each of its lines
        struck through where found, the piece marked at its line's end if not."""
        parts = [p.strip() for p in text.split("\n")]
        ln, ok = line_no, True
        for p in parts:
            if not p:
                ln += 1
                continue
            while ln <= n_lines and p not in lines[ln - 1]:
                if lines[ln - 1].strip():
                    ok = False
                    break
                ln += 1
            if not ok or not place(ln, p, f"<{tag}{attrs}>", f"</{tag}>"):
                ok = False
                break
            # the piece's next lines: struck through too, but one change, one keyboard stop
            attrs = attrs.replace(" tabindex=\"0\"", "").replace("class=\"chg rm\"", "class=\"rm\"")
            attrs = attrs.replace("class=\"rm\"", "class=\"rm cont\"")
            ln += 1
        if not ok:
            end_attrs = attrs.replace(' class="', ' class="end ')
            ends.setdefault(min(max(line_no, 1), max(n_lines, 1)), []).append(
                f"<{tag}{end_attrs}>{escape(text)}</{tag}>")

    covered = Counter()
    for c in changes:
        if c.after == "" and c.before.strip():  # a removal: struck through
            covered[(c.rule, c.line, c.before.strip())] += 1
            place_piece(c.line, c.before.strip(), "del", _attrs("chg rm", c.rule))
            continue
        attrs = _attrs("chg", c.rule, None, c.after)
        line_no = min(max(c.line, 1), max(n_lines, 1))
        if c.before and "\n" not in c.before and place(line_no, c.before, f"<mark{attrs}>", "</mark>"):
            continue
        attrs = _attrs("chg", c.rule, c.before, c.after)
        if c.before == "" and 1 <= line_no <= n_lines:
            if line_no not in claimed:
                claimed[line_no] = Claimed(len(lines[line_no - 1]))
            at = _insertion_point(lines[line_no - 1], flags_at.get(line_no, []), c.rule, c.after,
                                  claimed[line_no])
            if at != -1:
                claimed[line_no].add(at, at)
                spans.setdefault(line_no, []).append(
                    (at, at, f"<ins{attrs}>{escape(c.after)}", "</ins>"))
                continue
        sign = "↵" if c.before == "\n" else (escape(c.after) if c.before == "" else "•")
        end_attrs = _attrs("end chg", c.rule, c.before, c.after)
        ends.setdefault(line_no, []).append(f"<mark{end_attrs}>{sign}</mark>")
    for r in removed:
        key = (r["rule"], r["line"], r["text"])
        if covered[key]:
            covered[key] -= 1
            continue
        place_piece(r["line"], r["text"], "del", _attrs("rm", r["rule"]))
    out = ["<div class=\"raw\" id=\"raw\">"]
    for n, text in enumerate(lines, 1):
        body = _marked(text, spans.get(n, [])) + "".join(ends.get(n, []))
        out.append(f"<div class=\"l\" id=\"L{n}\"><a class=\"n\" href=\"#L{n}\">{n}</a>"
                   f"<span class=\"t\">{body}</span></div>")
    out.append("</div>")
    return "\n".join(out)


def _blocks(md: str) -> list[tuple[str, str]]:
    """An article's Markdown body back to ``(kind, text)`` blocks (title left out)."""
    if md.startswith("---\n"):
        end = md.find("\n---\n", 4)
        md = md[end + 5:] if end != -1 else md
    out = []
    for part in md.strip("\n").split("\n\n"):
        if not part:
            continue
        if part.startswith("# "):
            continue
        if part.startswith("## "):
            out.append(("h", part[3:]))
        elif part.startswith("*") and part.endswith("*") and len(part) > 1:
            out.append(("caption", part[1:-1]))
        else:
            out.append(("p", part[1:] if part.startswith("\\#") else part))
    return out


def _people(people) -> str:
    return "、".join(f"{p.get('name')}" + (f"（{p['role']}）" if p.get("role") else "")
                    for p in people or [] if isinstance(p, dict))


@lru_cache(maxsize=4096)
def _flag_pattern(context: str, gap: str) -> tuple[re.Pattern, str]:
    """The pattern of a flag's context in the final text, and the longest
    piece of it that must be there literally (a quick test per paragraph)."""
    loose = "".join(r"\s*" if ch.isspace() else re.escape(ch) + (f"{re.escape(gap)}?" if ch != gap else "")
                    for ch in context)
    pieces = re.split(r"\s+|" + re.escape(gap), context)
    return re.compile(loose), max(pieces, key=len)


def _flag_span(text: str, context: str, gap: str, claimed) -> tuple[int, int] | None:
    """Where a flag is in a clean paragraph: the gap marker of a gap flag
    (neighbouring gaps' contexts overlap), else the flag's whole context.
    The context was taken when the flag was raised: a gap marked later may
    stand inside it in the final text, and a space in it may have gone.
    A junction flag (``tail‖head``, two texts that do not follow each other)
    is placed on its tail, where the sentence stops."""
    context = context.partition("‖")[0]
    pattern, probe = _flag_pattern(context, gap)
    if probe not in (text.replace(gap, "") if gap in text else text):
        return None
    k = context.find(gap)
    before_gap = len(context[:k].replace(gap, "")) if k != -1 else -1
    partial = None
    for m in pattern.finditer(text):
        at, end = m.span()
        if k == -1:
            if claimed.free(at, end):
                return at, end
            partial = partial or _longest_free(claimed, at, end)
            continue
        seen = 0  # the flag's own gap: after as many other characters as in its context
        for i, ch in enumerate(m.group()):
            if ch == gap and seen == before_gap and claimed.free(at + i, at + i + 1):
                return at + i, at + i + 1
            seen += ch != gap
    return partial  # overlapping another flag's context: the part of it left free


def _longest_free(claimed, start: int, end: int) -> tuple[int, int] | None:
    """The longest run of characters in ``[start, end)`` that no mark holds."""
    best, run = None, None
    for i in range(start, end):
        if claimed.chars[i]:
            run = None
            continue
        run = (run[0], i + 1) if run else (i, i + 1)
        if best is None or run[1] - run[0] > best[1] - best[0]:
            best = run
    return best


def clean_pane(articles: list[tuple[dict, list]], block_lines: list, flag_ids: dict, gap: str) -> str:
    """The clean articles; each flag's context marked where it is found."""
    out = ["<div class=\"clean\" id=\"clean\">"]
    pool = list(block_lines)  # (digest, first, last) of the run's blocks, matched by their text's digest
    for n, (rec, blocks) in enumerate(articles, 1):
        first, last = (rec.get("source") or {}).get("lines") or (0, 0)
        out.append(f"<article id=\"A{n}\" data-first=\"{first}\" data-last=\"{last}\">")
        out.append(f"<p class=\"path\">{escape(rec['path'])}</p>")
        if rec.get("kicker"):
            out.append(f"<p class=\"kicker\">{escape(rec['kicker'])}</p>")
        out.append(f"<h2>{escape(rec.get('title') or '(no title)')}</h2>")
        if rec.get("subtitle"):
            out.append(f"<p class=\"subtitle\">{escape(rec['subtitle'])}</p>")
        meta = []
        for key, value in (("authors", _people(rec.get("authors"))), ("editors", _people(rec.get("editors"))),
                           ("dateline", rec.get("dateline")), ("date", rec.get("date")),
                           ("source_org", rec.get("source_org")),
                           ("forum", " · ".join(f"{k}: {v}" for k, v in (rec.get("forum") or {}).items()
                                                if v is not None))):
            if value:
                meta.append(f"<dt>{key}</dt><dd>{escape(str(value))}</dd>")
        if meta:
            out.append("<dl class=\"meta\">" + "".join(meta) + "</dl>")
        marks = flag_ids.get(n, [])
        for kind, text in blocks:
            lines = (first, last)
            key = block_digest(text) if pool else None
            for i, (t, a, b) in enumerate(pool):
                if t == key:
                    lines = (a, b)
                    del pool[i]
                    break
            spans, claimed = [], Claimed(len(text))
            # gaps first: a gap is one character, a context may hold another flag's gap;
            # then the shortest contexts, which a long one may overlap
            for fid, f in sorted(marks, key=lambda m: (gap not in m[1]["text"], len(m[1]["text"]))):
                if f.get("_placed") or not f["text"]:
                    continue
                span = _flag_span(text, f["text"], gap, claimed)
                if span is not None:
                    f["_placed"] = True
                    claimed.add(*span)
                    tip = _tip(f["rule"], f.get("message") or "")
                    spans.append((*span, f"<mark class=\"flag\" id=\"{fid}\" data-rule=\"{escape(f['rule'])}\" "
                                  f"data-kind=\"{escape(kind_of(f['rule']))}\" title=\"{escape(tip)}\">",
                                  "</mark>"))
            body = _marked(text, spans)
            if gap in text:
                body = body.replace(escape(gap), f"<span class=\"gap\">{escape(gap)}</span>")
            tag = {"h": "h3", "caption": "p class=\"caption\""}.get(kind, "p")
            out.append(f"<{tag} data-first=\"{lines[0]}\" data-last=\"{lines[1]}\">{body}</{tag.split()[0]}>")
        for fid, f in marks:  # context not found in the text: the article itself is the spot
            if not f.pop("_placed", False):
                out.append(f"<p class=\"flag unplaced\" id=\"{fid}\" data-rule=\"{escape(f['rule'])}\" "
                           f"data-kind=\"{escape(kind_of(f['rule']))}\">{escape(f['rule'])}: "
                           f"{escape(f['text'])}</p>")
        out.append("</article>")
    out.append("</div>")
    return "\n".join(out)


@dataclass
class Task:
    src: Source
    out: str
    html: str
    bases: tuple[str, ...]
    spec: Spec
    stamp_extra: str


def _removed(out: Path, src: Source) -> tuple[list[dict], bytes]:
    try:
        data = (out / src.folder / "removed.jsonl").read_bytes()
    except OSError:
        return [], b""
    rows = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            r = json.loads(line)
            rows.append({"rule": str(r["rule"]), "line": int(r["line"]), "text": str(r["text"])})
        except (ValueError, KeyError, TypeError):
            continue
    return rows, data


def _changes_bytes(out: Path, src: Source) -> bytes | None:
    try:
        return (out / src.folder / "changes.jsonl").read_bytes()
    except OSError:
        return None


def _changes(data: bytes | None) -> tuple[list | None, list]:
    """``changes.jsonl``: the run's changes in the order made, and its blocks
    as ``(digest, first line, last line)``; None for the changes when the
    file is missing (an older version's output) or unreadable."""
    if data is None:
        return None, []
    changes, blocks = [], []
    try:
        # one decode for the whole file: a JSON line holds no raw newline
        rows = json.loads("[" + data.decode("utf-8").strip("\n").replace("\n", ",") + "]")
        for r in rows:
            if "block" in r:
                first, last = r["lines"]
                blocks.append((str(r["digest"]), int(first), int(last)))
            else:
                changes.append(Change(str(r["rule"]), int(r["line"]), str(r["before"]), str(r["after"])))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, []
    return changes, blocks


def build_page(task: Task) -> dict:
    """Write one raw file's page (unless unchanged); return its index row."""
    src, out, html = task.src, Path(task.out), Path(task.html)
    recs = src.records
    removed, removed_bytes = _removed(out, src)
    changes_bytes = _changes_bytes(out, src)  # parsed only when the page is written
    flags = [dict(f, article=n) for n, r in enumerate(recs, 1) for f in (r.get("flags") or [])]
    flags.sort(key=lambda f: (f["line"], f["article"]))
    changes = Counter()
    for r in recs:
        changes.update(r.get("changes") or {})
    row = {"page": page_name(src), "source": src.display, "articles": len(recs),
           "titles": [r.get("title") or "" for r in recs], "flags": Counter(kind_of(f["rule"]) for f in flags),
           "n_flags": len(flags), "removed": len(removed), "changes": sum(changes.values()),
           "rules": sorted(set(changes) | {f["rule"] for f in flags} | {r["rule"] for r in removed}),
           "status": ""}
    raw = find_raw(src.display, [Path(b) for b in task.bases])
    data, status = None, ""
    if raw is None:
        status = refused_source(src.display) or "raw file not found"
    else:
        try:
            data = raw.path.read_bytes()
        except OSError as exc:
            status = f"raw file unreadable: {exc.strerror}"
    sha = hashlib.sha256(data).hexdigest() if data is not None else ""
    if data is not None and sha != (recs[0].get("source") or {}).get("sha256"):
        status = "raw file changed since the run"
    pipe = None
    if data is not None:
        try:
            pipe = pipeline_for(task.spec, raw)
        except RuleError as exc:
            status = status or f"rules: {exc}"
    stamps = {(r.get("normalizer") or {}).get("rules") for r in recs}
    if not status and pipe is not None and stamps != {pipe.hash}:
        status = "rules or settings differ from the run's"
    row["status"] = status
    h = hashlib.sha256(task.stamp_extra.encode())
    for part in (json.dumps(recs, ensure_ascii=False, sort_keys=True), removed_bytes, changes_bytes if changes_bytes is not None else b"\1none", sha, status,
                 pipe.hash if pipe else ""):
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    for r in recs:
        try:
            st = (out / r["path"]).stat()
            h.update(f"{st.st_size}:{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(b"-\0")
    stamp = h.hexdigest()[:16]
    dest = html / row["page"]
    try:
        with open(dest, encoding="utf-8") as fh:
            if f"<meta name=\"normalize-report\" content=\"{stamp}\">" in fh.read(2048):
                return row
    except OSError:
        pass
    messages = _MESSAGES.get(task.spec)
    if messages is None:
        messages = _MESSAGES[task.spec] = rule_messages(task.spec)
    text, doc_changes, block_lines, recleaned = None, [], [], False
    if data is not None:
        try:
            text, _sha, _enc = read(raw, task.spec.max_bytes)
        except InputError as exc:
            status = row["status"] = f"raw file: {exc}"
    if text is not None and not status:  # the raw file and rules the run had: its changes belong here
        run_changes, run_blocks = _changes(changes_bytes)
        if run_changes is not None:
            doc_changes, block_lines = run_changes, run_blocks
        else:
            # no changes.jsonl (an older version's output): the text stages,
            # as `explain` runs them, make the changes again
            doc = pipe.run_text_stages(text, src.display)
            doc_changes = doc.changes
            block_lines = [(block_digest(t), a, b) for _k, t, a, b in doc.blocks()]
            recleaned = True
    articles = []
    for r in recs:
        try:
            articles.append((r, _blocks((out / r["path"]).read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError):
            articles.append((r, [("p", f"(article file {r['path']} missing)")]))
    gap = (pipe.settings.get("gap_marker") if pipe else None) or GAP
    page = _page_html(src, row, stamp, text, doc_changes, removed, flags, messages, articles, block_lines,
                      gap, changes, recleaned)
    write_atomic(dest, page)
    return row


def _page_html(src, row, stamp, text, doc_changes, removed, flags, messages, articles, block_lines, gap,
               changes, recleaned=False) -> str:
    up = "../" * (page_name(src).count("/"))
    parts = [_head(f"{src.display} — normalize report", up),
             f"<meta name=\"normalize-report\" content=\"{stamp}\">\n</head>\n<body class=\"file\">",
             "<header>",
             f"<p class=\"crumbs\"><a href=\"{up}index.html\">index</a> / <strong>{escape(src.display)}</strong> · "
             f"{len(articles)} articles · {len(flags)} flags · {len(removed)} removed · "
             f"{sum(changes.values())} changes</p>"]
    notes = []
    if text is None or row["status"]:
        why = row["status"] or "raw file not found"
        detail = {
            "raw file not found": " (looked for it under the current folder and --raw): "
                                  "only the clean side and the run's flags are shown",
            "raw file changed since the run": ": its sha256 is not the one in the front matter, so changes "
                                              "are not placed; run again, then report",
            "rules or settings differ from the run's": ": give report the --rules/--preset/--opencc the run had, "
                                                       "or run again; changes are not placed",
        }.get(why, "")
        notes.append(f"<p class=\"warn\" id=\"status\">{escape(why + detail)}</p>")
    if recleaned:
        notes.append("<p class=\"warn\" id=\"recleaned\">no changes.jsonl this version can read beside the articles (an older "
                     "version of normalize wrote them): changes placed by cleaning the raw file again; run again to "
                     "write it</p>")
    if text is not None and not row["status"]:
        found = Counter(c.rule for c in doc_changes)
        odd = sorted(r for r in set(found) | set(changes) if found[r] != changes[r])
        if odd:  # e.g. gaps filled by collate after the run: not made by cleaning this file
            notes.append("<p class=\"warn\" id=\"unplaced\">changes the run counted that cleaning this raw file "
                         "does not make, so not marked: " + escape(", ".join(
                             f"{r} {changes[r]} counted, {found[r]} found" for r in odd)) + "</p>")
    parts += notes
    # the filter: flag kinds, then every rule that changed, flagged or removed something
    counts = Counter(changes)
    for f in flags:
        counts[f["rule"]] += 0
    for r in removed:
        counts[r["rule"]] += 0
    kinds = Counter(kind_of(f["rule"]) for f in flags)
    opts = ["<option value=\"\">everything</option>", "<optgroup label=\"flag kinds\">"]
    opts += [f"<option value=\"kind:{escape(k)}\">{escape(k)} flags ({n})</option>" for k, n in sorted(kinds.items())]
    opts.append("</optgroup><optgroup label=\"rules\">")
    opts += [f"<option value=\"rule:{escape(r)}\">{escape(r)} ({counts[r]} changes)</option>"
             for r in sorted(counts)]
    opts.append("</optgroup>")
    parts.append("<div class=\"tools\"><label>filter <select id=\"filter\">" + "".join(opts) + "</select></label>"
                 " <span id=\"hits\"></span> <span class=\"keys\">keys: <kbd>n</kbd>/<kbd>j</kbd> next flag, "
                 "<kbd>p</kbd>/<kbd>k</kbd> previous</span></div>")
    parts.append("<details class=\"legend\"><summary>rules on this page</summary><dl id=\"messages\">"
                 + "".join(f"<dt>{escape(r)}</dt><dd>{escape(message_for(r, messages))}</dd>" for r in sorted(counts))
                 + "</dl></details>")
    flag_ids: dict[int, list] = {}
    items = []
    for i, f in enumerate(flags):
        fid = f"F{i}"
        flag_ids.setdefault(f["article"], []).append((fid, f))
        items.append(f"<li data-rule=\"{escape(f['rule'])}\" data-kind=\"{escape(kind_of(f['rule']))}\">"
                     f"<a class=\"flag-link\" href=\"#L{int(f['line'])}\" data-line=\"{int(f['line'])}\" "
                     f"data-target=\"{fid}\">line {int(f['line'])} · {escape(f['rule'])} · "
                     f"<q>{escape(f['text'])}</q></a> <span class=\"msg\">{escape(f.get('message') or '')}</span></li>")
    parts.append("<ol class=\"flags\" id=\"flags\">" + "".join(items) + "</ol>" if items
                 else "<p class=\"flags none\">no flags</p>")
    parts.append("</header>\n<main>")
    if text is not None:
        lines = normalize_line_ends(text).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        parts.append(raw_pane(lines, doc_changes, removed, flags, messages))
    else:
        rm = "".join(f"<div class=\"l\"><a class=\"n\">{r['line']}</a><span class=\"t\"><del class=\"rm end\" "
                     f"data-rule=\"{escape(r['rule'])}\" data-kind=\"{escape(kind_of(r['rule']))}\">"
                     f"{escape(r['text'])}</del></span></div>" for r in removed)
        parts.append(f"<div class=\"raw missing\" id=\"raw\"><p class=\"warn\">{escape(src.display)}: "
                     f"no raw text to show; the run's removed pieces:</p>{rm}</div>")
    parts.append(clean_pane(articles, block_lines, flag_ids, gap))
    parts.append("</main>\n</body>\n</html>\n")
    return "\n".join(parts)


# -- the index and the driver -------------------------------------------------
def index_html(rows: list[dict], out: Path) -> str:
    total = Counter()
    kinds = Counter()
    for r in rows:
        total.update({"articles": r["articles"], "flags": r["n_flags"], "removed": r["removed"],
                      "changes": r["changes"]})
        kinds.update(r["flags"])
    body = []
    for r in rows:
        fk = " ".join(f"<span class=\"kind\">{escape(k)} {n}</span>" for k, n in sorted(r["flags"].items()))
        titles = " / ".join(t for t in r["titles"] if t)
        search = escape((r["source"] + " " + " ".join(r["titles"])).lower())
        body.append(
            f"<tr data-search=\"{search}\"><td><a href=\"{escape(quote(r['page']))}\">{escape(r['source'])}</a>"
            + (f" <span class=\"warn\">{escape(r['status'])}</span>" if r["status"] else "")
            + f"<div class=\"titles\">{escape(titles)}</div></td>"
            f"<td class=\"num\">{r['articles']}</td><td class=\"num\" data-v=\"{r['n_flags']}\">{r['n_flags']}</td>"
            f"<td>{fk}</td><td class=\"num\">{r['removed']}</td><td class=\"num\">{r['changes']}</td>"
            f"<td class=\"rules\">{escape(' '.join(r['rules']))}</td></tr>")
    kinds_txt = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    return "\n".join([
        _head(f"{out.name} — normalize report", ""), "</head>\n<body class=\"index\">",
        f"<h1>Review of {escape(str(out))}</h1>",
        f"<p class=\"totals\" id=\"totals\">{len(rows)} raw files · {total['articles']} articles · "
        f"{total['flags']} flags ({escape(kinds_txt or 'none')}) · {total['removed']} removed pieces · "
        f"{total['changes']} changes</p>",
        "<p class=\"tools\"><label>search titles <input id=\"search\" type=\"search\" autocomplete=\"off\"></label>"
        " <span id=\"shown\"></span></p>",
        "<table id=\"files\"><thead><tr><th>raw file</th><th data-sort=\"1\" class=\"num\">articles</th>"
        "<th data-sort=\"2\" class=\"num sortable\" tabindex=\"0\">flags ⇅</th><th>flags by kind</th>"
        "<th data-sort=\"4\" class=\"num\">removed</th><th data-sort=\"5\" class=\"num\">changes</th>"
        "<th>rules that fired</th></tr></thead><tbody>",
        *body, "</tbody></table>\n</body>\n</html>\n"])


def _asset(name: str) -> str:
    return resources.files("normalize").joinpath("report_assets", name).read_text(encoding="utf-8")


def _holds_articles(out: Path, html: Path, sources: list[Source]) -> str | None:
    """The raw file (``source.path``) whose article folder is ``html``, is
    inside it or holds it; None when the site has a folder of its own."""
    site = html.resolve()
    for src in sources:
        folder = (out / src.folder).resolve()
        if folder == site or site in folder.parents or folder in site.parents:
            return src.display
    return None


def build_report(out: Path, html: Path | None = None, raw_bases: list[Path] | None = None,
                 spec: Spec = Spec(), jobs: int | None = None, progress=None) -> dict:
    """Write the review site for ``out`` into ``html`` (default ``out/report``)."""
    out = Path(out)
    html = Path(html) if html is not None else out / "report"
    sources = read_sources(out)
    mixed = _holds_articles(out, html, sources)
    if mixed:  # a raw file named report.txt writes OUT/report/: its articles and the site must not mix
        raise ReportError(f"{html} would mix the review site with the articles of {mixed}: "
                          "write the site elsewhere with --html DIR")
    assets = {name: _asset(name) for name in ASSETS}
    extra = hashlib.sha256("".join(assets.values()).encode() + Path(__file__).read_bytes()).hexdigest()
    for name, content in assets.items():
        write_atomic(html / "assets" / name, content)
    bases = tuple(str(b) for b in (raw_bases or [Path(".")]))
    tasks = [Task(s, str(out), str(html), bases, spec, extra) for s in sources]
    for t in tasks:
        (html / page_name(t.src)).parent.mkdir(parents=True, exist_ok=True)
    jobs = jobs or os.cpu_count() or 1
    _MESSAGES.setdefault(spec, rule_messages(spec))  # built once, here: forked workers inherit them
    for t in tasks[:1]:
        raw = find_raw(t.src.display, [Path(b) for b in bases])
        if raw is not None:
            try:
                pipeline_for(spec, raw)
            except RuleError:
                pass
    if jobs > 1 and len(tasks) > 1:
        ctx = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
        with ctx.Pool(jobs) as pool:
            rows = list(pool.imap(build_page, tasks, chunksize=8))
    else:
        rows = [build_page(t) for t in tasks]
    write_atomic(html / "index.html", index_html(rows, out))
    return {"files": len(rows), "articles": sum(r["articles"] for r in rows),
            "flags": sum(r["n_flags"] for r in rows), "missing": sum(1 for r in rows if r["status"]),
            "index": html / "index.html"}
