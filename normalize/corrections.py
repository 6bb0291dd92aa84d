"""Filling gaps from evidence: an archivist's corrections file.

Why a file and not a rule: a missing number is never guessed.  When an
archivist has checked the print edition, they write down what the cleaned
text says and what it should say, for one raw file::

    # corrections.toml, beside the raw files (named in normalize.toml as
    # corrections = "corrections.toml", or placed in a --rules folder)
    [[correction]]
    file = "002_09e89491b425070b.txt"     # the raw file's path under the input folder
    context = "全长□公里"                  # the cleaned text, gap included
    text = "全长35公里"                    # what the original says
    note = "checked against the print edition"   # optional

Each applied correction is a change (``corrections.file``) and turns the gap
flags it fills into flags that say ``filled``.  A correction whose context
is not found changes nothing and is flagged, so a stale entry shows.

Which file: ``file`` is a path, never a name looked for anywhere, so that
``b.txt`` does not also correct ``raw/s1/b.txt`` and ``raw/s2/b.txt``.  It
is the source path ``run`` shows (``raw/s1/b.txt``), the path under the
input folder (``s1/b.txt``), or the path from the corrections file's own
folder when that folder is the file's or above it (``b.txt`` in
``raw/s1/corrections.toml``): each names one file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .doc import Doc, Flag
from .rules import RuleError

RULE = "corrections.file"


@dataclass(frozen=True)
class Correction:
    file: str
    context: str
    text: str
    note: str
    where: str   # the corrections file it came from
    base: tuple[str, ...] = ()   # the parts of that file's folder (absolute)


def load_corrections(path: Path) -> tuple[list[Correction], bytes]:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(path, None, f"cannot read corrections: {exc}") from None
    out = []
    for n, e in enumerate(data.get("correction", []), 1):
        label = f"correction #{n}"
        for key in ("file", "context", "text"):
            if not isinstance(e.get(key), str) or not e[key]:
                raise RuleError(path, label, f"missing or empty '{key}'")
        if e["context"] == e["text"]:
            raise RuleError(path, label, "'text' is the same as 'context'")
        out.append(Correction(e["file"], e["context"], e["text"], str(e.get("note", "")), path.name,
                              path.resolve().parent.parts))
    return out, raw


def applies(c: Correction, source: str | None) -> bool:
    """Whether ``c`` names the raw file shown as ``source`` (see module docstring)."""
    if not source:
        return False
    parts, want = source.split("/"), c.file.replace("\\", "/").removeprefix("./").split("/")
    if parts == want or parts[1:] == want:
        return True
    # the source's leading folders end the corrections file's folder: the rest is a path from there
    return any(parts[k:] == want and tuple(parts[:k]) == c.base[len(c.base) - k:]
               for k in range(1, len(parts)))


def apply_corrections(doc: Doc) -> Doc:
    """The built-in stage: apply this source's corrections (see module docstring)."""
    entries = [c for c in doc.settings.get("_corrections", ()) if applies(c, doc.source)]
    for c in entries:
        at = doc.text.find(c.context)
        if at == -1:
            doc.flag(Flag(RULE, 1, c.context, f"correction from {c.where} not applied: context not found"))
            continue
        line = doc.line_at(at)
        doc.edit([(at, at + len(c.context), c.text)], RULE)
        mark_filled(doc, line, c.context, c.text, f"filled from {c.where}" + (f" ({c.note})" if c.note else ""))
    return doc


def mark_filled(doc: Doc, line: int, before: str, after: str, why: str) -> None:
    """Gap flags on ``line`` whose text lies in ``before`` now say how they were filled."""
    gap = doc.gap_marker
    for f in list(doc.flags):
        if f.line == line and f.rule.startswith("digits.") and gap in f.text and _overlaps(f.text, before, gap):
            doc.replace_flag(f, Flag(f.rule, f.line, after, f"{why}; was: {f.message}"))


def _overlaps(flag_text: str, context: str, gap: str) -> bool:
    core = flag_text.strip()
    return any(core[i:i + 3] in context for i in range(max(1, len(core) - 2)) if gap in core[i:i + 3])
