"""normalize: raw Chinese scans in, clean per-article Markdown out.

The Python API for other tools is two functions:

* :func:`clean_text` — a raw page to a list of :class:`Article` (text,
  metadata, what changed), as ``normalize run`` writes them;
* :func:`fix_text` — every text-level repair, no article split: a filter.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath

__version__ = "0.1.0"

from .article import Article  # noqa: E402


@lru_cache(maxsize=1)
def _default_pipeline():
    from .pipeline import Pipeline
    return Pipeline()


def clean_text(text: str, source: str | dict | None = None) -> list[Article]:
    """Clean one raw page with the default rules.  ``source`` is the raw
    file's path as the front matter should show it (``"raw/a.txt"``), or a
    dict that may give ``path``, ``sha256`` and ``stem``.  A rule pattern
    past its time limit raises ``normalize.rules.RuleTimeout``."""
    if isinstance(source, (str, PurePath)):
        path = PurePath(source)
        source = {"path": path.as_posix(), "stem": path.stem}
    elif source is not None and not isinstance(source, dict):
        raise TypeError(f"source must be a path or a dict, not {type(source).__name__}")
    return _default_pipeline().clean(text, source)[0]


def fix_text(text: str) -> str:
    """Clean text with the default rules, keeping it one text (no articles)."""
    return settled_fix(_default_pipeline(), text)[0]


FIX_PASSES = 4


def settled_fix(pipe, text: str, source: str | None = None):
    """``pipe.fix`` run again on its own output until nothing changes (at
    most ``FIX_PASSES`` passes): a filter must be idempotent, and a page's
    repairs can make another repair apply (an ellipsis written as 。。。 once
    made …… can let a spam-link rule see a line with no sentence of its own).
    Returns the text, the first pass's Doc (its changes name raw lines) and
    the Docs of the later passes that changed something (theirs name lines
    of the text the pass before wrote)."""
    fixed, doc = pipe.fix(text, source)
    later = []
    for _ in range(FIX_PASSES - 1):
        again, again_doc = pipe.fix(fixed, source)
        if again == fixed:
            break
        fixed = again
        later.append(again_doc)
    return fixed, doc, later


__all__ = ["Article", "clean_text", "fix_text", "__version__"]
