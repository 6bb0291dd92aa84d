"""Reading raw files: which files, which encoding, and which to refuse.

Why strict: archives hold scans from many converters.  A file we cannot read
honestly (binary, empty, an encoding we would have to guess wildly) is
reported by path and skipped; it must never turn into plausible-looking
mojibake in the output.  Raw files are only ever opened for reading.
"""
from __future__ import annotations

import codecs
import functools
import gzip
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import regex

SUFFIXES = (".txt", ".md")
# A file this large is cleaned in pieces (see batch): ``make bench``'s scaling
# curve shows the time per MB flat and memory falling with size (the fixed
# part, the models, shared by more bytes; what grows is the decoded text,
# held while the first pieces are cleaned, under a byte per byte of Chinese
# UTF-8); measured at this size by hand before the text was read in chunks:
# 462 MB per job at the limit.  Larger files go through with --max-bytes.
DEFAULT_MAX_BYTES = 256_000_000
MANIFEST = "manifest.jsonl"  # what a run writes at the top of its output folder


class InputError(Exception):
    """A raw file that is reported and skipped."""


@dataclass(frozen=True)
class RawFile:
    path: Path        # as found on disk
    root: Path        # the input folder it was found under (its parent for a file)
    rel: Path         # path under root

    @property
    def display(self) -> str:
        """``<input folder name>/<path under it>``: never absolute."""
        return (Path(self.root.name) / self.rel).as_posix() if self.root.name else self.rel.as_posix()

    @property
    def out_stem(self) -> Path:
        return self.rel.with_suffix("")


def walk(paths: list[Path], skip: Path | None = None, known=None, passed: list | None = None) -> Iterator[RawFile]:
    """Files named on the command line, and ``*.txt`` / ``*.md`` under folders
    (``A.TXT`` too; a folder's files by name, then its sub-folders by name), one at a time:
    a batch of any size is never held in memory.  ``skip`` (the output
    folder) is never walked into: cleaned articles are not raw scans.  Nor
    is the output of an earlier run into another folder: a folder holding a
    ``manifest.jsonl`` is a run's output, and the ``*.md`` beside a
    ``removed.jsonl`` are its articles; each such folder is added to
    ``passed``.  ``known(raw)``: whether the last run cleaned ``raw`` (see ``file_raw``)."""
    skip = skip.resolve() if skip is not None else None
    # inputs in walk order too, so that the order they were named in does not matter
    inputs = [(p, None) if p.is_dir() else (p, file_raw(p, known)) for p in paths]
    order = sorted(range(len(inputs)), key=lambda n: (((1, inputs[n][0].name),) if inputs[n][1] is None
                                                      else walk_key(inputs[n][1].display), n))
    for p, named in (inputs[n] for n in order):
        if named is not None:
            yield named
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            here = Path(dirpath)
            if MANIFEST in filenames and (skip is None or here.resolve() != skip):
                dirnames[:] = []  # an earlier run's output folder: its articles are not raw scans
                if passed is not None:
                    passed.append(here)
                continue
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and (skip is None or (here / d).resolve() != skip))
            # an article folder (the current output's when it is the input
            # folder itself, or an earlier run's without its manifest)
            ours = "removed.jsonl" in filenames
            if ours and passed is not None and not (skip is not None and skip in here.resolve().parents):
                passed.append(here)
            for f in sorted(filenames):
                ext = f.lower()  # A.TXT from a scanner's or an old system's folder is a raw page too
                if ext.endswith(SUFFIXES) and not f.startswith(".") and not (ours and ext.endswith(".md")):
                    fp = here / f
                    yield RawFile(fp, p, fp.relative_to(p))


def refused_source(path: str) -> str | None:
    """Why a ``source.path`` read from an output folder must not be followed
    (None when it may): ``run`` writes the input folder's name and the path
    under it, never an absolute path nor one that climbs out with ``..``; a
    received output folder holding one would make ``report`` or ``explain``
    read (and show) any file on this machine."""
    if path.startswith(("/", "\\")) or Path(path).is_absolute() or regex.match(r"[A-Za-z]:", path):
        return f"source.path {path!r} is absolute: refused"
    if ".." in regex.split(r"[/\\]", path):
        return f"source.path {path!r} climbs out with '..': refused"
    return None


def walk_key(display: str) -> tuple:
    """Where ``walk`` finds the raw file shown as ``display``: a folder's
    files by name, then its sub-folders by name."""
    parts = display.split("/")
    return tuple((1, d) for d in parts[:-1]) + ((0, parts[-1]),)


def file_raw(p: Path, known=None) -> RawFile:
    """A file named on the command line.  Its input folder is its own folder,
    unless the last run found it under a folder further up (``raw/s1/b.txt``
    cleaned by ``normalize run raw``): then that one, so that cleaning the
    file alone writes where the folder's run wrote it."""
    for root in p.parents if known else ():
        raw = RawFile(p, root, p.relative_to(root))
        if known(raw):
            return raw
    return RawFile(p, p.parent, Path(p.name))


def settings_folders(paths: list[Path]) -> Iterator[Path]:
    """Folders under the inputs that hold a ``normalize.toml``."""
    for p in paths:
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                if "normalize.toml" in filenames:
                    yield Path(dirpath)


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\0" in sample:
        return True
    ctrl = len(sample.translate(None, _NOT_CONTROL))  # the control bytes that are left
    return ctrl > max(2, len(sample) // 100)


_BLANK = regex.compile(r"[\s\p{Cc}\p{Cf}]*")  # whitespace, controls, zero-width marks, BOMs


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``; raises InputError for empty, binary or undecodable data.
    A file of nothing but whitespace (full-width spaces, a BOM, zero-width
    marks) is empty too: no article could come of it.

    Order: a BOM decides; else strict UTF-8; else GB18030 (a superset of GBK
    and GB2312) and Big5, taking the one whose text is most plausibly Chinese,
    and refusing it when its Han characters are not the common ones Chinese
    text is made of (Japanese or Korean bytes read as Chinese: see ``_uncommon``).
    """
    if not data or data.isspace():  # as data.strip() would say, without a copy of a large file
        raise InputError("empty file")
    text, enc = _decode(data)
    if _BLANK.fullmatch(text):
        raise InputError("empty file (only whitespace)")
    return text, enc


def _decode(data: bytes) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {enc} despite its byte-order mark ({exc.reason})") from None
    if _looks_binary(data):
        raise InputError("binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        head = text[:HEAD]
        # the commonest Han characters (either script) tell the two apart even
        # on a few words: 臺灣經濟發展 in Big5 reads in GB18030 as 籓芖竒蕾祇甶,
        # all in the basic block but none of them common
        common_set = _common_han()
        common = sum(1 for ch in head if ch in common_set)
        rare = sum(1 for ch in head if "\u3400" <= ch <= "\u4dbf" or "\ue000" <= ch <= "\uf8ff")
        candidates.append((common - 10 * rare, enc, text))
    if not candidates:
        raise InputError("cannot be decoded as UTF-8, GB18030/GBK or Big5")
    score, enc, text = max(candidates, key=lambda c: (c[0], c[1] == "gb18030"))
    if score <= 0 and not any("\u4e00" <= ch <= "\u9fff" for ch in text[:HEAD]):
        raise InputError("cannot be decoded as UTF-8, GB18030/GBK or Big5 (no Chinese text found)")
    why = _uncommon(text, enc, data)
    if why:
        raise InputError(why)
    return text, enc


# Japanese and Korean bytes are mostly valid GB18030 or Big5 too and decode
# to Han characters, but to rare ones (Shift-JIS 日本語の as 擔杮岅偺).  In
# Chinese text most Han characters are among the thousand commonest (built
# from a corpus by scripts/build_common_han.py, with traditional forms); in
# such mojibake few are.  Measured by scripts/eval_encodings.py: the lowest
# share in the samples, the real pages and held-out articles (simplified and
# traditional) is 0.78, the highest in Japanese and Korean texts read as
# Chinese 0.31; a page with fewer Han characters than COMMON_MIN_HAN is too
# little evidence and is let through (1 in 2,400 windows of 20 characters of
# clean text falls below the threshold).
COMMON_SHARE, COMMON_MIN_HAN = 0.5, 20
HEAD = 200_000  # characters (bytes) read as evidence of the encoding: the head of a large file is enough
_HAN = regex.compile(r"\p{Han}")


@functools.cache
def _common_han() -> frozenset:
    with gzip.open(Path(__file__).with_name("data") / "common_han.txt.gz", "rt", encoding="utf-8") as fh:
        return frozenset("".join(line.strip() for line in fh if not line.startswith("#")))


def _uncommon(text: str, enc: str, data: bytes) -> str | None:
    """Why ``text`` (``data`` decoded as ``enc``) is not Chinese, or None."""
    han = _HAN.findall(text[:HEAD])
    if len(han) < COMMON_MIN_HAN:
        return None
    common = _common_han()
    share = sum(ch in common for ch in han) / len(han)
    if share >= COMMON_SHARE:
        return None
    guess = ""
    for other, lang, script in (("shift_jis", "Japanese", r"\p{Hiragana}"), ("euc_jp", "Japanese", r"\p{Hiragana}"),
                                ("euc_kr", "Korean", r"\p{Hangul}")):
        try:
            sample = data[:HEAD].decode(other, errors="strict")
        except UnicodeDecodeError:
            continue
        if len(regex.findall(script, sample)) * 4 >= len(sample.strip()):
            guess = f"; it reads as {lang} in {other.upper().replace('_', '-')}, which is not cleaned"
            break
    return (f"decoded as {enc.upper()} its Han characters are mostly rare ones ({share:.0%} common,"
            f" Chinese text has over {COMMON_SHARE:.0%}): not Chinese, or not this encoding{guess}")


# A file larger than this is read CHUNK bytes at a time, each chunk hashed and
# decoded as it comes (see ``_read_chunked``): its bytes are never held whole
# beside its text.
CHUNK = 1 << 20


def _read_chunked(fh, head: bytes) -> tuple[list[str], str, str] | None:
    """``(parts, sha256, encoding)`` of an open file whose first bytes (at
    least 8,192) are ``head``, the rest read CHUNK bytes at a time and
    decoded chunk by chunk, for a BOM's encoding or UTF-8; None when
    ``decode`` must judge the whole bytes (no BOM and not UTF-8, only
    whitespace, a BOM's encoding broken): those are read as before, with
    its messages.  The text comes as the decoded chunks, never the bytes
    next to it (see ``read``)."""
    enc = next((e for bom, e in _BOMS if head.startswith(bom)), None)
    if enc is None:
        if head.isspace():  # perhaps all of it: decode says which message
            return None
        if _looks_binary(head):
            raise InputError("binary data, not text")
        enc = "utf-8"
    decoder = codecs.getincrementaldecoder(enc)("strict")
    sha = hashlib.sha256()
    parts = []
    chunk = head
    try:
        while chunk:
            sha.update(chunk)
            parts.append(decoder.decode(chunk))
            chunk = fh.read(CHUNK)
        parts.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return None
    if all(_BLANK.fullmatch(p) for p in parts):
        raise InputError("empty file (only whitespace)")
    return [p for p in parts if p], sha.hexdigest(), enc


def read(raw: RawFile, max_bytes: int = DEFAULT_MAX_BYTES, parts: bool = False) -> tuple:
    """``(text, sha256, encoding)`` of a raw file, opened read-only; a file
    over CHUNK bytes is hashed and decoded a chunk at a time.  With
    ``parts`` the text comes as a list of strings, the decoded chunks, not
    joined: a large file cleaned in pieces lets each go once cleaned."""
    try:
        raw.display.encode("utf-8")
    except UnicodeEncodeError:  # its bytes, kept as surrogates, cannot go into the UTF-8 manifest
        raise InputError("file name is not valid UTF-8: rename it to clean it") from None
    try:
        st = raw.path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block the run forever, a device never end
            raise InputError("not a regular file (a FIFO, socket or device): not read")
        size = st.st_size
        if size > max_bytes:
            raise InputError(f"larger than --max-bytes ({size} > {max_bytes} bytes)")
        with open(raw.path, "rb") as fh:
            head = max(CHUNK, 8192)  # at least what the BOM and binary checks look at
            data = fh.read(head)
            if len(data) == head:
                got = _read_chunked(fh, data)
                if got is not None:
                    return got if parts else ("".join(got[0]), *got[1:])
                fh.seek(0)
                data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}") from None
    text, enc = decode(data)
    return [text] if parts else text, hashlib.sha256(data).hexdigest(), enc
