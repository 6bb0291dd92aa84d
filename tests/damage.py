"""Damage for the tests, written apart from the code under test.

Why its own module: a test that builds its column pages with the
unwrapper's own notion of width (``structure.width``) or its own printer
only checks that the repairer agrees with itself.  This printer is a plain
model of a typesetter: a column has ``cells`` cells, a Chinese character or
full-width mark fills one, two ASCII characters share one, a paragraph's
first line starts two cells in, and closing punctuation may hang past the
edge instead of opening the next line.  It imports nothing from normalize.
"""
from __future__ import annotations

_HANG = set("，。、；：！？”’）》」』")


def _cells(ch: str) -> float:
    return 0.5 if ord(ch) < 0x80 else 1.0


def set_column(paragraph: str, cells: int, indent: int = 2) -> list[str]:
    """The printed lines of ``paragraph`` in a column ``cells`` wide."""
    lines: list[str] = []
    line, used = "", float(indent)
    for ch in paragraph:
        need = _cells(ch)
        if line and used + need > cells and ch not in _HANG:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += need
    if line:
        lines.append(line)
    return lines
