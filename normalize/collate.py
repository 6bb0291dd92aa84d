"""Filling gaps from evidence: another witness of the same article.

Why a batch pass: the same article often reaches an archive twice — a
forum repost that lost its numbers and the paper's own page that kept them.
Only the batch sees both, so this runs after the per-file cleaning
(``normalize collate OUT`` or ``normalize run --collate``) and leaves the
per-file function independent, incremental and distributable.

A gap is filled only when another raw file holds the *same sentence* with
numbers exactly where the gaps are and nowhere else different: the sentence
with □ turned into a pattern (``全长□公里`` → ``全长(\\d…)公里``) must match a
sentence of the witness whole.  The filled gap's flag then says ``filled
from <witness path>``, and ``changes`` counts ``collate.witness``.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import regex

from .article import front_matter_text
from .batch import MANIFEST, Spec, pipeline_for, read_front_matter, write_atomic
from .doc import GAP
from .inputs import RawFile, settings_folders

RULE = "collate.witness"
SENTENCE = regex.compile(r"[^。！？；\n]+[。！？；]?[”’」』）]*")
NUMBER = r"(\d[\d.,，]*)"


@dataclass
class Doc:
    path: Path
    meta: dict
    body: str


def gap_markers(spec: Spec, paths: list[Path]) -> set[str]:
    """The gap markers a run's settings use: the command line's, and every
    ``normalize.toml`` under its inputs (a folder may choose its own)."""
    markers = {dict(spec.settings).get("gap_marker", GAP)}
    for folder in settings_folders(paths):
        raw = RawFile(folder / "normalize.toml", folder, Path("normalize.toml"))
        markers.add(pipeline_for(spec, raw).settings["gap_marker"])
    return markers


def recorded_markers(out: Path, here: Path = Path(".")) -> set[str]:
    """The gap markers the articles in ``out`` were cleaned with, as far as
    their raw files tell: the ``normalize.toml`` ``run`` read for each raw
    file that is still where its ``source.path`` says (under ``here``, where
    ``run`` ran), plus the default □."""
    from .pipeline import find_settings
    from .rules import RuleError
    markers, seen = {GAP}, set()
    for p in sorted(out.rglob("*.md")):
        meta = read_front_matter(p)
        src = ((meta or {}).get("source") or {}).get("path")
        if not isinstance(src, str) or not src or src.startswith("/") or ".." in src.split("/"):
            continue
        folder = (here / src).parent
        if folder in seen or not folder.is_dir():
            continue
        seen.add(folder)
        try:
            settings, _files = find_settings(folder, here / src.split("/")[0])
        except RuleError:
            continue  # a bad normalize.toml: run reported it
        if isinstance(settings.get("gap_marker"), str):
            markers.add(settings["gap_marker"])
    return markers


def _flag_pattern(text: str, gap) -> str:
    """Where a gap flag's context stands once filled: a number at each of
    its gaps, and maybe one between any two of its characters (a flag keeps
    the words around its gap as they were when it was raised: a gap marked
    later beside it, now filled too, is not in them)."""
    maybe = r"(?:\d[\d.,，]*)?"
    return NUMBER.join(maybe.join(regex.escape(c) for c in part) for part in gap.split(text))


def _key(sentence: str, gaps: str) -> str:
    """A sentence with its numbers and gaps taken out: witnesses share it."""
    return regex.sub(r"[\d.,，" + regex.escape(gaps) + "]+", "", sentence)


def _read(path: Path) -> Doc | None:
    meta = read_front_matter(path)
    if meta is None:
        return None
    text = path.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + len("\n---\n")
    return Doc(path, meta, text[end:])


def collate(out: Path, markers: Iterable[str] = (GAP,)) -> dict:
    """Fill gaps in ``out`` from witnesses among its other sources; rewrite
    the articles that change and the manifest.  Returns counts.  ``markers``:
    the gap markers the articles were cleaned with (setting ``gap_marker``)."""
    gaps = "".join(sorted(set(markers)))
    gap = regex.compile("[" + regex.escape(gaps) + "]")
    docs = [d for d in (_read(p) for p in sorted(out.rglob("*.md"))) if d]
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)   # key -> [(source, sentence)]
    for d in docs:
        src = d.meta["source"]["path"]
        for m in SENTENCE.finditer(d.body):
            s = m.group(0).strip()
            if regex.search(r"\d", s) and not gap.search(s) and len(_key(s, gaps)) >= 6:
                index[_key(s, gaps)].append((src, s))
    filled = changed = disputed = 0
    rewritten = False
    for d in docs:
        if not gap.search(d.body):
            continue
        src = d.meta["source"]["path"]
        new_body, fills, disputes = d.body, [], []
        for m in SENTENCE.finditer(d.body):
            s = m.group(0).strip()
            if not gap.search(s):
                continue
            parts = gap.split(s)
            pattern = regex.compile("^" + NUMBER.join(regex.escape(p) for p in parts) + "$")
            found = [(w, wsrc, wm.groups()) for wsrc, w in index.get(_key(s, gaps), ())
                     if wsrc != src and (wm := pattern.match(w))]
            if len({numbers for _w, _ws, numbers in found}) == 1:
                w, wsrc, numbers = found[0]
                fills.append((s, w, wsrc, numbers))
            elif found:  # witnesses that disagree prove nothing: the gap stays, and says so
                disputes.append((s, found))
        disputed += len(disputes)
        flags = list(d.meta.get("flags") or [])
        new_flags = []
        for s, found in disputes:
            say = "; ".join(f"{wsrc}: {w}" for w, wsrc, _n in found)
            line = next((f["line"] for f in flags if f["rule"].startswith("digits.") and f["text"] in s),
                        (d.meta["source"].get("lines") or [1])[0])  # the gap's raw line, as its flag says
            flag = {"rule": RULE, "line": line, "text": s, "message": f"witnesses disagree, gap left open ({say})"}
            if flag not in flags:  # a run of collate before said so already
                new_flags.append(flag)
        if not fills and not new_flags:
            continue
        for s, w, _wsrc, numbers in fills:
            new_body = new_body.replace(s, w, 1)
            filled += len(numbers)
        for i, f in enumerate(flags):
            t = f["text"]
            if not fills or not f["rule"].startswith("digits.") or not gap.search(t) or t in new_body:
                continue  # not a gap, or a gap still open
            m = regex.search(_flag_pattern(t, gap), new_body)
            if m:
                wsrc = next((ws for _s, w, ws, _n in fills if m.group(0) in w), fills[0][2])
                flags[i] = {**f, "text": m.group(0), "message": f"filled from {wsrc}; was: {f['message']}"}
        if fills:
            changes = dict(d.meta.get("changes") or {})
            changes[RULE] = changes.get(RULE, 0) + sum(len(n) for *_x, n in fills)
            d.meta["changes"] = dict(sorted(changes.items()))
            changed += 1
        d.meta["flags"] = flags + new_flags
        write_atomic(d.path, "---\n" + front_matter_text(d.meta) + "---\n" + new_body)
        d.body = new_body
        rewritten = True
    if rewritten:
        _rewrite_manifest(out, {d.path.relative_to(out).as_posix(): d.meta for d in docs})
    return {"articles_changed": changed, "gaps_filled": filled, "gaps_disputed": disputed}


def _rewrite_manifest(out: Path, metas: dict[str, dict]) -> None:
    mpath = out / MANIFEST
    if not mpath.is_file():
        return
    lines = []
    for line in mpath.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        meta = metas.get(rec["path"])
        if meta is not None:
            rec = {"path": rec["path"], **meta}
        lines.append(json.dumps(rec, ensure_ascii=False) + "\n")
    write_atomic(mpath, "".join(lines))
