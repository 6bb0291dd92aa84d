"""An article: its text, its metadata and what was changed to get there.

Why the contract lives here: other tools (search indexes, corpus builders)
read what we write, so the front matter has every key, always, in one order,
and the Markdown body has one shape.  ``FIELDS`` is that order; the JSON
Schema in ``schema/article.schema.json`` says the same for validators.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import yaml

# libyaml's emitter is five times faster; PyYAML wheels ship it.  The two
# emitters write the same bytes for our front matter except characters
# outside the Basic Multilingual Plane, which libyaml escapes (\U0001F611).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

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
    return yaml.dump({k: meta.get(k) for k in FIELDS}, Dumper=_DUMPER, allow_unicode=True, sort_keys=False,
                     width=1 << 30, default_flow_style=False)


def render_block(kind: str, text: str) -> str:
    """One block as Markdown: ``## `` sub-heading, ``*caption*``, ``> quote``, escaped ``#``."""
    if kind == "h":
        return "## " + text
    if kind == "caption":
        return "*" + text + "*"
    if kind == "quote":
        return "> " + text
    if text.startswith("#"):
        return "\\" + text
    return text
