"""Built-in stages: the few steps that are code, not rule files.

Why code: a targeted Unicode clean-up and OpenCC conversion work on every
character and need tables, not patterns; line unwrapping and article
segmentation need the whole page (see ``unwrap`` and ``segment``).  Each is a
plain ``Doc -> Doc`` function; the pipeline names them in ``pipeline.toml``.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

from .doc import Doc, Removed

# zero-width characters, soft hyphen, BOM, word joiner, bidi marks; the form
# feed of a page break (where it stood is kept: Doc.page_breaks)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\f"
_FULLWIDTH_ALNUM = regex.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
_INVISIBLE_RE = regex.compile(f"[{_INVISIBLE}]+")
_LINE_ENDS = regex.compile(r"\r\n?|[\u2028\u2029\x85]")
# C0 and C1 controls and DEL, but tab and newline (line ends are newlines by now)
_CONTROL_RE = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")


def unicode_cleanup(doc: Doc) -> Doc:
    """NFC; full-width ASCII letters and digits to half-width; invisible
    characters out.  Never a blanket NFKC, which would undo full-width
    punctuation that house style wants.  Control characters (NUL, ESC,
    backspace …; not tab or newline) are no text: they are removed first and,
    like any removal, recorded with their raw line in removed.jsonl."""
    controls = [(m.start(), m.end(), "") for m in _CONTROL_RE.finditer(doc.text)]
    if controls:
        # recorded here, not by Doc.edit: it keeps only what .strip() leaves, and \x1c-\x1f are "space"
        doc.removed += [Removed("unicode.control", doc.line_at(s), doc.text[s:e]) for s, e, _ in controls]
        doc.edit(controls, "unicode.control")
    if not doc.text.isascii():
        nfc = unicodedata.normalize("NFC", doc.text)
        if nfc != doc.text:
            if len(nfc) == len(doc.text):
                doc.text = nfc
            else:  # composition changed lengths: edit character by character
                edits = [(i, i + 1, unicodedata.normalize("NFC", ch)) for i, ch in enumerate(doc.text)
                         if unicodedata.normalize("NFC", ch) != ch]
                doc.edit(edits, "unicode.nfc")
        edits = [(m.start(), m.end(), m.group(0).translate(_HALF)) for m in _FULLWIDTH_ALNUM.finditer(doc.text)]
        doc.edit(edits, "unicode.fullwidth-alnum")
        edits = [(m.start(), m.end(), "") for m in _INVISIBLE_RE.finditer(doc.text)]
        doc.edit(edits, "unicode.invisible")
    return doc


_HALF = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B)}


@lru_cache(maxsize=8)
def _converter(config: str):
    import opencc

    name = config.removesuffix(".json")
    return opencc.OpenCC(name)


OPENCC_CONFIGS = ("s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "t2tw", "hk2t",
                  "t2hk", "t2jp", "jp2t", "tw2t")


def opencc_text(text: str, config: str | None) -> str:
    if not config or config == "off":
        return text
    return _converter(config).convert(text)


def opencc_stage(doc: Doc) -> Doc:
    """Traditional/simplified conversion, chosen per source (``opencc`` setting).

    OpenCC keeps length for almost every character; we convert line by line
    and record each changed line as one change.
    """
    config = doc.settings.get("opencc") or "off"
    if config == "off":
        return doc
    edits, pos = [], 0
    for line in doc.text.split("\n"):
        new = opencc_text(line, config)
        if new != line:
            edits.append((pos, pos + len(line), new))
        pos += len(line) + 1
    doc.edit(edits, f"opencc.{config}")
    return doc


def normalize_line_ends(text: str) -> str:
    return _LINE_ENDS.sub("\n", text)
