"""An article: its text, its metadata and what was changed to get there.

Why the contract lives here: other tools (search indexes, corpus builders)
read what we write, so the front matter has every key, always, in one order,
and the Markdown body has one shape.  ``FIELDS`` is that order; the JSON
Schema in ``schema/article.schema.json`` says the same for validators.

The contract is also read back here: an article this program wrote, given to
it again (``fix`` of an ``.md``, or a folder of articles ``run`` as raw
input), opens with our own front matter (:func:`own_front_matter`), and its
body is already laid out, each line a block whose Markdown is ours
(:func:`read_block`, the inverse of :func:`render_block`): cleaning clean
text must change nothing, so such a body is read as written, never re-joined
or re-read as a converter's markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
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


# on a page that is an article this program wrote, the note the pipeline leaves
# (key "paragraphs", like a board's typed lines: none is joined)
LAID_OUT = "article"
DESCRIPTIVE = ("title", "kicker", "subtitle", "authors", "editors", "dateline", "date", "source_org",
               "continued_from", "continued_on", "images", "forum")  # what the article is, not how it was cleaned


def own_front_matter(text: str) -> tuple[dict, int] | None:
    """For a text that opens with front matter this program wrote (``id``
    first, a ``source`` and a ``normalizer: {version, rules}``): the front
    matter and the offset just past its closing ``---`` line; else None (a
    web page's own front matter, any other text)."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3, 1 << 20)
    if end == -1 or "\nnormalizer:\n" not in text[:end]:
        return None
    try:
        fm = yaml.safe_load(text[4:end + 1])
    except yaml.YAMLError:
        return None
    if not isinstance(fm, dict) or next(iter(fm), None) != "id" or "source" not in fm:
        return None
    stamp = fm.get("normalizer")
    if not isinstance(stamp, dict) or not {"version", "rules"} <= set(stamp):
        return None
    return fm, end + 5


def laid_out(doc) -> bool:
    """Whether the page is the body of an article this program wrote."""
    return any(n.key == "paragraphs" and n.value == LAID_OUT for n in doc.notes)


# ``* * *``: a thematic break, a paragraph as written (never a caption, never escaped)
_STARS_BREAK = re.compile(r"^\*(?:[ \t]*\*){2,}$")


def read_block(line: str) -> tuple[str, int, int]:
    """One line of a body this program wrote: its block kind and how many
    characters of Markdown stand before and after its text (``# `` is the
    title, ``## `` a sub-heading, ``*…*`` a caption, ``> `` a quote, a
    backslash an escaped paragraph).  The inverse of :func:`render_block`."""
    if line.startswith("## "):
        return "h", 3, 0
    if line.startswith("# "):
        return "title", 2, 0
    if line.startswith("> "):
        return "quote", 2, 0
    if len(line) > 2 and line[0] == "*" and line[1] != "*" and line[-1] == "*" and not _STARS_BREAK.match(line):
        return "caption", 1, 1
    if line[:1] == "\\" and render_block("p", line[1:]) == line:
        return "p", 1, 0
    return "p", 0, 0


def render_block(kind: str, text: str) -> str:
    """One block as Markdown: ``## `` sub-heading, ``*caption*``, ``> quote``; a paragraph
    opening on ``#``, or wrapped in ``*``, escaped with a backslash."""
    if kind == "h":
        return "## " + text
    if kind == "caption":
        return "*" + text + "*"
    if kind == "quote":
        return "> " + text
    if text.startswith("#") or (len(text) > 2 and text[0] == "*" and text[1] != "*" and text[-1] == "*"
                                and not _STARS_BREAK.match(text)):
        return "\\" + text  # a paragraph that would read back as a heading or a caption
    return text
