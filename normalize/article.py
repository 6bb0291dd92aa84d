"""An article: its text, its metadata and what was changed to get there.

Why the contract lives here: other tools (search indexes, corpus builders)
read what we write, so the front matter has every key, always, in one order,
and the Markdown body has one shape.  ``FIELDS`` is that order; the JSON
Schema in ``schema/article.schema.json`` says the same for validators.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

FIELDS = ("id", "title", "kicker", "subtitle", "authors", "editors", "dateline", "date",
          "source_org", "continued_from", "continued_on", "images", "forum", "source",
          "flags", "changes", "normalizer")


@dataclass
class Article:
    meta: dict
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)

    @property
    def title(self) -> str | None:
        return self.meta.get("title")

    @property
    def text(self) -> str:
        """The body as plain paragraphs (no Markdown markup)."""
        return "\n\n".join(t for _k, t in self.blocks)

    def front_matter(self) -> dict:
        return {k: self.meta.get(k) for k in FIELDS}

    def to_markdown(self) -> str:
        fm = front_matter_text(self.front_matter())
        parts = []
        if self.meta.get("title"):
            parts.append("# " + " ".join(self.meta["title"].split()))
        parts += [render_block(k, t) for k, t in self.blocks]
        return "---\n" + fm + "---\n\n" + "\n\n".join(parts) + "\n"


def front_matter_text(meta: dict) -> str:
    """The YAML between the ``---`` lines: every key, in contract order."""
    out: list[str] = []
    _mapping({k: meta.get(k) for k in FIELDS}, "", out)
    return "".join(out)


# -- the emitter ---------------------------------------------------------------
# Why our own: PyYAML's two emitters disagree on characters outside the Basic
# Multilingual Plane (libyaml escapes 𠮷 and emoji as "\U00020BB7"), so the
# bytes of an article would depend on how PyYAML was built; and the front
# matter is a fixed schema of strings, numbers, null, lists and mappings,
# which a few lines write many times faster than either emitter.  Each scalar
# gets the style PyYAML's pure emitter (SafeDumper, allow_unicode) picks —
# plain, else single-quoted — so the bytes are the ones it writes; what it
# would double-quote (controls, line breaks, tabs, odd spaces) is
# double-quoted here too, escaping only what YAML cannot hold literally:
# every printable character, astral ones included, is written as itself.

_RESOLVER = Resolver()
_BREAKS = "\n\x85\u2028\u2029"
_WS = "\0 \t\r\n\x85\u2028\u2029"
# printable for YAML and for PyYAML's reader; what is not is escaped
_NOT_PRINTABLE = re.compile("[^\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|\ufeff")
_ESCAPES = {"\0": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f",
            "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\u2028": "L", "\u2029": "P"}
_DQ_ESCAPE = re.compile('["\\\\\x85\u2028\u2029\ufeff]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]')
_PLAIN_FAST = re.compile(r"\w(?:[\w.\-/]*\w)?")  # identifiers, paths, Han text: no indicator can apply


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    if ch in _ESCAPES:
        return "\\" + _ESCAPES[ch]
    o = ord(ch)
    return f"\\x{o:02X}" if o <= 0xFF else f"\\u{o:04X}" if o <= 0xFFFF else f"\\U{o:08X}"


def _plain_ok(s: str) -> bool:
    """PyYAML's test for a plain scalar in block context (Emitter.analyze_scalar)."""
    if s.startswith(("---", "...")):
        return False
    n = len(s)
    c0 = s[0]
    if c0 in "#,[]{}&*!|>'\"%@`" or c0 == " " or s[-1] == " ":
        return False
    if c0 in "?:-" and (n == 1 or s[1] in _WS):
        return False
    if ": " in s or ":\t" in s or s.endswith(":") or " #" in s or "\t#" in s:
        return False
    for ws in ("\0", "\r"):  # a ':' or '#' next to these counts too
        if ":" + ws in s or ws + "#" in s:
            return False
    return True


def _quoted(s: str) -> str:
    return '"' + _DQ_ESCAPE.sub(_escape, s) + '"'


def scalar(value) -> str:
    """One scalar as YAML text, for a value or a simple key."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"front matter holds no {type(value).__name__}: {value!r}")
    if not value:
        return "''"
    return _string(value)


def _is_str(s: str) -> bool:
    """Whether YAML reads ``s`` unquoted as a string (not null, a number, a date …)."""
    return s[0] not in _IMPLICIT_FIRST or _RESOLVER.resolve(ScalarNode, s, (True, False)) == _STR


@lru_cache(maxsize=8192)  # rule ids, messages, names and paths recur from article to article
def _string(s: str) -> str:
    if _PLAIN_FAST.fullmatch(s) and _is_str(s):
        return s
    if _NOT_PRINTABLE.search(s) or any(b in s for b in _BREAKS):
        return _quoted(s)
    if _plain_ok(s) and _is_str(s):
        return s
    return "'" + s.replace("'", "''") + "'"


_STR = "tag:yaml.org,2002:str"
_IMPLICIT_FIRST = frozenset(k for k in _RESOLVER.yaml_implicit_resolvers if k)


def _mapping(d: dict, indent: str, out: list[str], first: str | None = None) -> None:
    """A block mapping; ``first`` replaces the indent of its first line (``- ``)."""
    if not d:
        raise ValueError("an empty mapping is written inline")
    for k, v in d.items():
        out.append(first if first is not None else indent)
        first = None
        out.append(scalar(k))
        _value(v, indent, out, ":")


def _sequence(items: list, indent: str, out: list[str], first: str | None = None) -> None:
    """A block sequence, not indented under its key (as PyYAML writes it)."""
    for v in items:
        out.append(first if first is not None else indent)
        first = None
        out.append("-")
        if isinstance(v, dict) and v:
            _mapping(v, indent + "  ", out, " ")
        elif isinstance(v, (list, tuple)) and v:
            _sequence(v, indent + "  ", out, " ")
        else:
            _value(v, indent, out, "")


def _value(v, indent: str, out: list[str], sep: str) -> None:
    if isinstance(v, dict):
        if v:
            out.append(sep + "\n")
            _mapping(v, indent + "  ", out)
            return
        out.append(sep + " {}\n")
    elif isinstance(v, (list, tuple)):
        if v:
            out.append(sep + "\n")
            _sequence(v, indent, out)
            return
        out.append(sep + " []\n")
    else:
        out.append(sep + " " + scalar(v) + "\n")


def render_block(kind: str, text: str) -> str:
    """One block as Markdown: ``## `` sub-heading, ``*caption*``, ``> quote``; a paragraph
    opening on ``#``, or wrapped in ``*``, escaped with a backslash."""
    if kind == "h":
        return "## " + text
    if kind == "caption":
        return "*" + text + "*"
    if kind == "quote":
        return "> " + text
    if text.startswith("#") or (len(text) > 2 and text[0] == "*" and text[1] != "*" and text[-1] == "*"):
        return "\\" + text  # a paragraph that would read back as a heading or a caption
    return text
