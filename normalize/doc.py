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
from array import array
from dataclasses import dataclass, field
from typing import Iterable

BLOCK_SEP = "\n\n"
GAP = "□"   # the default gap marker (setting ``gap_marker``); rules write ``{gap}``


@dataclass(frozen=True)
class Change:
    """One edit made by one rule: ``before`` became ``after`` at raw ``line``."""

    rule: str
    line: int
    before: str
    after: str


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


@dataclass
class Doc:
    text: str
    origin: array
    kinds: list[str] | None = None
    changes: list[Change] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    source: str | None = None   # the raw file's display path, when known

    @classmethod
    def from_text(cls, text: str, settings: dict | None = None) -> "Doc":
        origin = array("i")
        for line, ln in enumerate(text.split("\n"), 1):
            origin.extend(array("i", (line,)) * (len(ln) + 1))  # repeated in C, no list
        origin = origin[: len(text)]
        return cls(text=text, origin=origin, settings=dict(settings or {}))

    # -- the record: the only writers of changes, removals, flags and notes --
    def record_change(self, rule: str, line: int, before: str, after: str) -> None:
        """An edit a stage made without :meth:`edit` (a line join)."""
        self.changes.append(Change(rule, line, before, after))

    def remove(self, rule: str, line: int, text: str) -> None:
        """Text that left the page, kept for removed.jsonl."""
        self.removed.append(Removed(rule, line, text))

    def flag(self, flag: Flag) -> None:
        """Record a flag once, however often a stage re-runs its rules."""
        if flag not in self.flags:
            self.flags.append(flag)

    def replace_flag(self, old: Flag, new: Flag) -> None:
        """A flag whose matter was settled (a gap filled) says so instead."""
        self.flags[self.flags.index(old)] = new

    def note(self, key: str, value: str, line: int) -> None:
        """Page metadata a rule captured."""
        self.notes.append(Note(key, value, line))

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

    def blocks(self) -> list[tuple[str, str, int, int]]:
        """``(kind, text, first raw line, last raw line)`` for every block."""
        if self.kinds is None:
            raise ValueError("blocks exist only after unwrapping")
        out = []
        pos = 0
        for kind, text in zip(self.kinds, self.text.split(BLOCK_SEP)):
            end = pos + len(text)
            first = self.line_at(pos)
            last = self.line_at(max(pos, end - 1))
            out.append((kind, text, first, last))
            pos = end + len(BLOCK_SEP)
        return out

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
        text, origin = self.text, self.origin
        parts, org = [], array("i")
        prev = 0
        for start, end, new in edits:
            line = self.line_at(start)
            before = text[start:end]
            self.record_change(rule, line, before, new)
            if removal and before.strip():
                self.remove(rule, line, before.strip())
            parts.append(text[prev:start])
            org.extend(origin[prev:start])
            parts.append(new)
            org.extend([line] * len(new))
            prev = end
        parts.append(text[prev:])
        org.extend(origin[prev:])
        self.text = "".join(parts)
        self.origin = org

    def block_index(self, starts: list[int], pos: int) -> int:
        return bisect.bisect_right(starts, pos) - 1
