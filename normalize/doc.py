"""The text being cleaned, and the record of what was done to it.

Why a class of its own: every stage must be able to say *which raw line* a
change, a flag or a removed piece came from, long after earlier stages joined
lines or deleted boilerplate.  A :class:`Doc` therefore carries, beside its
text, the raw line number of every character (``origin``).  Stages never
rewrite ``text`` directly; they hand a list of edits to :meth:`Doc.edit`,
which keeps ``origin`` in step and records each edit as a :class:`Change`.

After line unwrapping the text is a sequence of *blocks* separated by one
blank line, and ``kinds`` names the kind of each block (``p`` paragraph,
``h`` sub-heading, ``title`` headline line, ``byline``, ``caption``).  Before
unwrapping ``kinds`` is ``None`` and the text is the raw page.
"""
from __future__ import annotations

import bisect
import struct
from array import array
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple

BLOCK_SEP = "\n\n"
_INT = struct.Struct("i")   # one item of an array("i"), as bytes
_ORIGIN_CHUNK = 65536       # characters of line numbers built at a time
GAP = "□"   # the default gap marker (setting ``gap_marker``); rules write ``{gap}``


@dataclass(frozen=True)
class Change:
    """One edit made by one rule: ``before`` became ``after`` at raw ``line``."""

    rule: str
    line: int
    before: str
    after: str


class ChangeLog:
    """``Doc.changes``: every Change, kept as columns.

    Why not a list of Change objects: a file holding a whole paper makes
    about one change per 30 bytes (a join for every printed line), and as
    objects they took more memory than the page itself.  Here a change costs
    a rule number, a line number and two references to strings shared
    between equal short ones; iterating yields Change objects again."""

    __slots__ = ("_names", "_ids", "_rule", "_line", "_before", "_after", "_shared")

    def __init__(self, changes: Iterable[Change] = ()):
        self._names: list[str] = []
        self._ids: dict[str, int] = {}
        self._rule, self._line = array("i"), array("i")
        self._before: list[str] = []
        self._after: list[str] = []
        self._shared: dict[str, str] = {}
        for c in changes:
            self.append(c)

    def add(self, rule: str, line: int, before: str, after: str) -> None:
        rid = self._ids.get(rule)
        if rid is None:
            rid = self._ids[rule] = len(self._names)
            self._names.append(rule)
        self._rule.append(rid)
        self._line.append(line)
        shared = self._shared
        self._before.append(shared.setdefault(before, before) if len(before) <= 4 else before)
        self._after.append(shared.setdefault(after, after) if len(after) <= 4 else after)

    def add_many(self, rule: str, lines: array, before: str, after: str) -> None:
        """One change per entry of ``lines`` (an ``array('i')``), all by
        ``rule`` and all ``before`` -> ``after`` (a line join per printed line)."""
        if not lines:
            return
        rid = self._ids.get(rule)
        if rid is None:
            rid = self._ids[rule] = len(self._names)
            self._names.append(rule)
        k = len(lines)
        self._rule.extend(array("i", (rid,)) * k)
        self._line.extend(lines)
        shared = self._shared
        before = shared.setdefault(before, before) if len(before) <= 4 else before
        after = shared.setdefault(after, after) if len(after) <= 4 else after
        self._before.extend([before] * k)
        self._after.extend([after] * k)

    def add_columns(self, names: list[str], rules: array, lines: array, before: list[str], after: list[str]) -> None:
        """Changes given as columns: ``names[rules[i]]`` changed ``before[i]``
        into ``after[i]`` at raw line ``lines[i]``."""
        ids = []
        for name in names:
            rid = self._ids.get(name)
            if rid is None:
                rid = self._ids[name] = len(self._names)
                self._names.append(name)
            ids.append(rid)
        self._rule.extend(array("i", [ids[n] for n in rules]))
        self._line.extend(lines)
        shared = self._shared
        self._before.extend([shared.setdefault(b, b) if len(b) <= 4 else b for b in before])
        self._after.extend([shared.setdefault(a, a) if len(a) <= 4 else a for a in after])

    def append(self, change: Change) -> None:
        self.add(change.rule, change.line, change.before, change.after)

    def __len__(self) -> int:
        return len(self._line)

    def __iter__(self):
        # the fields set directly: a frozen dataclass's __init__ costs five
        # times as much, and a run iterates over every change once
        names, new = self._names, object.__new__
        for rid, line, before, after in zip(self._rule, self._line, self._before, self._after):
            c = new(Change)
            d = c.__dict__
            d["rule"], d["line"], d["before"], d["after"] = names[rid], line, before, after
            yield c

    def columns(self) -> tuple[list[str], array, array, list[str], list[str]]:
        """The columns as they are (rule names, rule numbers, lines, befores,
        afters): a writer of every change reads them without building objects."""
        return self._names, self._rule, self._line, self._before, self._after

    def __getitem__(self, i: int) -> Change:
        return Change(self._names[self._rule[i]], self._line[i], self._before[i], self._after[i])

    def counts(self) -> dict[tuple[str, int], int]:
        """``(rule, line) -> number of changes``, without building Change objects."""
        out: dict[tuple[str, int], int] = {}
        names = self._names
        for rid, line in zip(self._rule, self._line):
            key = (names[rid], line)
            out[key] = out.get(key, 0) + 1
        return out


@dataclass(frozen=True)
class Flag:
    """Something a rule noticed and could not (or must not) settle by itself."""

    rule: str
    line: int
    text: str
    message: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "line": self.line, "text": self.text, "message": self.message}


@dataclass(frozen=True)
class Removed:
    """Text a rule took out of the page (boilerplate, furniture)."""

    rule: str
    line: int
    text: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "line": self.line, "text": self.text}


@dataclass(frozen=True)
class Note:
    """A piece of page metadata a rule captured (a named group of its pattern)."""

    key: str
    value: str
    line: int
    rule: str = ""   # the rule that captured it


class Block(NamedTuple):
    """One block of the unwrapped text and the raw lines it came from."""
    kind: str
    text: str
    first: int
    last: int


def splice(text: str, origin: array, edits: list[tuple[int, int, str]]) -> tuple[str, array, list[int]]:
    """The text with non-overlapping ``(start, end, replacement)`` edits
    applied in order, its raw-line array (a replacement's characters take
    the raw line of the text they replace) and that raw line for each edit.

    Plain data in and out: the one place a page's text and its line numbers
    change together, for :meth:`Doc.edit` and the rule core alike.  The new
    array is written in place at its final size, the kept stretches copied
    buffer to buffer: no growing array, no slices."""
    size = len(text)
    org = array("i", (0,)) * (size + sum(len(new) - (end - start) for start, end, new in edits))
    parts, lines = [], []
    prev = at = 0
    with memoryview(org) as dst, memoryview(origin) as src:
        for start, end, new in edits:
            line = origin[start] if start < size else (origin[-1] if size else 1)
            lines.append(line)
            parts.append(text[prev:start])
            dst[at:at + start - prev] = src[prev:start]
            at += start - prev
            parts.append(new)
            if new:
                dst[at:at + len(new)] = array("i", (line,)) * len(new)
                at += len(new)
            prev = end
        parts.append(text[prev:])
        dst[at:] = src[prev:]
    return "".join(parts), org, lines


@dataclass
class Doc:
    text: str
    origin: array
    kinds: list[str] | None = None
    changes: ChangeLog = field(default_factory=ChangeLog)
    flags: list[Flag] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    source: str | None = None   # the raw file's display path, when known
    page_breaks: list[int] = field(default_factory=list)  # raw lines holding a form feed
    written: tuple[dict, int] | None = None  # an article this program wrote: its front matter and where it ends

    @classmethod
    def from_text(cls, text: str, settings: dict | None = None) -> "Doc":
        # each line's number over its characters, written in place into one
        # array: no list of the lines, no growing array, no copy of the whole.
        # Short lines are gathered as bytes and written 64k characters at a
        # time (an array slice per line cost twice as much); a long line is
        # written in pieces: no temporary of its size
        size = len(text)
        origin = array("i", (0,)) * size
        pack = _INT.pack
        parts, at, n = [], 0, 1
        pos, find = 0, text.find
        while pos < size:
            end = find("\n", pos) + 1 or size
            if end - pos <= _ORIGIN_CHUNK:
                parts.append(pack(n) * (end - pos))
            else:
                if parts:
                    origin[at:pos] = array("i", b"".join(parts))
                    parts.clear()
                one = array("i", (n,))
                for a in range(pos, end, _ORIGIN_CHUNK):
                    b = min(end, a + _ORIGIN_CHUNK)
                    origin[a:b] = one * (b - a)
                at = end
            if end - at >= _ORIGIN_CHUNK or (end >= size and parts):
                origin[at:end] = array("i", b"".join(parts))
                parts.clear()
                at = end
            n += 1
            pos = end
        breaks, i = [], text.find("\f")
        while i != -1:  # a form feed starts a new printed page: segment keeps editors to their page
            breaks.append(origin[i])
            i = text.find("\f", i + 1)
        return cls(text=text, origin=origin, settings=dict(settings or {}), page_breaks=breaks)

    # -- the record: the only writers of changes, removals, flags and notes --
    def record_change(self, rule: str, line: int, before: str, after: str) -> None:
        """An edit a stage made without :meth:`edit` (a line join)."""
        self.changes.append(Change(rule, line, before, after))

    def remove(self, rule: str, line: int, text: str) -> None:
        """Text that left the page, kept for removed.jsonl."""
        self.removed.append(Removed(rule, line, text))

    def flag(self, flag: Flag) -> None:
        """Record a flag once, however often a stage re-runs its rules (a
        set beside the list, rebuilt when the list was changed elsewhere:
        a file with many flags must not test each against all)."""
        seen = self.__dict__.get("_seen_flags")
        if seen is None or seen[0] != len(self.flags):
            seen = [len(self.flags), set(self.flags)]
            self.__dict__["_seen_flags"] = seen
        if flag not in seen[1]:
            seen[1].add(flag)
            seen[0] += 1
            self.flags.append(flag)

    def drop_from(self, line: int, keep=lambda note: False) -> list:
        """Flags, changes and notes from raw line ``line`` on leave the
        record (text dropped whole after the rules ran: a thread's replies);
        notes ``keep`` accepts stay.  Returns the notes dropped."""
        self.flags[:] = [f for f in self.flags if f.line < line]
        self.changes = ChangeLog(c for c in self.changes if c.line < line)
        kept, gone = [], []
        for n in self.notes:
            (kept if n.line < line or keep(n) else gone).append(n)
        self.notes[:] = kept
        return gone

    def replace_flag(self, old: Flag, new: Flag) -> None:
        """A flag whose matter was settled (a gap filled) says so instead."""
        self.flags[self.flags.index(old)] = new

    def note(self, key: str, value: str, line: int, rule: str = "") -> None:
        """Page metadata a rule captured."""
        self.notes.append(Note(key, value, line, rule))

    @property
    def gap_marker(self) -> str:
        return self.settings.get("gap_marker") or GAP

    # -- positions --------------------------------------------------------
    def line_at(self, pos: int) -> int:
        try:
            return self.origin[pos]
        except IndexError:  # the end of the text: its last line
            return self.origin[-1] if self.origin else 1

    def block_starts(self) -> list[int]:
        """Offsets where blocks begin (only meaningful after unwrapping);
        remembered until the text changes."""
        cached = self.__dict__.get("_starts")
        if cached is not None and cached[0] is self.text:
            return cached[1]
        starts = [0]
        i = self.text.find(BLOCK_SEP)
        while i != -1:
            starts.append(i + len(BLOCK_SEP))
            i = self.text.find(BLOCK_SEP, i + len(BLOCK_SEP))
        self.__dict__["_starts"] = (self.text, starts)
        return starts

    def blocks(self) -> list[Block]:
        """``(kind, text, first raw line, last raw line)`` for every block."""
        if self.kinds is None:
            raise ValueError("blocks exist only after unwrapping")
        cached = self.__dict__.get("_blocks")  # (segment and the interleave check both ask)
        if cached is not None and cached[0] is self.text and cached[1] == self.kinds:
            return list(cached[2])
        out = []
        pos = 0
        for kind, text in zip(self.kinds, self.text.split(BLOCK_SEP)):
            end = pos + len(text)
            first = self.line_at(pos)
            last = self.line_at(max(pos, end - 1))
            out.append(Block(kind, text, first, last))
            pos = end + len(BLOCK_SEP)
        self.__dict__["_blocks"] = (self.text, list(self.kinds), out)
        return list(out)

    def set_blocks(self, blocks: Iterable[tuple[str, str, array]]) -> None:
        """Replace the whole text by ``(kind, text, origin)`` blocks."""
        kinds, parts, origin = [], [], array("i")
        for kind, text, org in blocks:
            if parts:
                origin.extend([origin[-1] if origin else 1] * len(BLOCK_SEP))
            kinds.append(kind)
            parts.append(text)
            origin.extend(org)
        self.kinds = kinds
        self.text = BLOCK_SEP.join(parts)
        self.origin = origin

    # -- editing ----------------------------------------------------------
    def edit(self, edits: list[tuple[int, int, str]], rule: str, removal: bool = False) -> None:
        """Apply non-overlapping ``(start, end, replacement)`` edits, in order.

        Each edit is recorded as a Change; with ``removal`` the deleted text is
        also recorded as Removed, so nothing leaves the page unaccounted for.
        """
        if not edits:
            return
        text = self.text
        add = self.changes.add
        self.text, self.origin, lines = splice(text, self.origin, edits)
        for (start, end, new), line in zip(edits, lines):
            before = text[start:end]
            add(rule, line, before, new)
            if removal and before.strip():
                self.remove(rule, line, before.strip())

    def block_index(self, starts: list[int], pos: int) -> int:
        return bisect.bisect_right(starts, pos) - 1
