"""Rebuild paragraphs from printed lines.

Why this is its own stage: the worst damage in a scan is a break inside a
sentence, and no regex sees enough of the page to mend it.  The unwrapper
looks at the page as a whole:

* **Column pages** (OCR of narrow newspaper columns): most lines are printed
  lines of one column width ``W``, estimated per stretch of page between
  bylines, never a constant.  A line shorter than its column that ends a
  sentence closes a paragraph; a full line that ends a sentence closes one
  when the next line starts about two columns short (the lost indent).
  Widths are display columns (Han 1, ASCII ½ but a half-width mark in Chinese
  text, which print set full-width, 1), stray spaces not counted.
* **Paragraph pages** (PDF-to-Markdown, web scrapes): every line is a
  paragraph or a piece of one.  A piece that does not end a sentence joins
  the next piece (a paragraph broken at a column foot, centred short lines),
  unless the next is a byline, headline or caption, or up to three short
  such pieces stand right before body text (a heading).

On both, a short line without sentence punctuation standing alone before
body text is a sub-heading (``h``), and so, on a column page, is a full line
followed by such a short one after a finished paragraph (a sub-heading too
long for its column); a run of such lines just before a byline,
a dateline or the end of the page is a headline deck (``title``).  Bylines
(``byline``) and captions (``caption``: ``▲…``, ``*…*``, ``图为…``, the words
an image link left on its line, or the line after an image) are blocks of
their own, and so are a thematic break (``---``), each row of a list of
names a colon introduces, and a forum quote line (``quote``: ``> …``, see
posts.py).  Nothing is ever joined across them, nor across a
forum post's header; on a board whose lines are typed paragraphs nothing is
joined at all.  An article this program wrote, cleaned again, is laid out
already: each of its lines is a block of the kind its Markdown says
(article.read_block), and none of the above is guessed again.

This module reads the page as a whole (bylines by their wording, tables of
contents, source lines, numbered sections, vertical titles, forum posts)
and builds the blocks; each line's features, the column widths, the decks,
the page's opening title and the joins are computed by
:mod:`normalize.linecore` over plain columns, the interface a native core
implements.
"""
from __future__ import annotations

import bisect
import math
import re
from array import array
from collections import Counter
from dataclasses import astuple, dataclass

import regex

from . import linecore as core, posts, structure as st
from .article import laid_out, read_block
from .doc import Doc
from .prefilter import required_strings
from .linecore import UnwrapParams  # noqa: F401  (the thresholds, defined with the core that reads most of them)



PARAMS = UnwrapParams()
ITALIC = regex.compile(r"^\*(?!\*)(.+?)\*$")
_STATEMENT_END = regex.compile(r"[。；…][”’」』）)]*$")
_INNER_STOP = regex.compile(r"[。！？；]")  # a line with a sentence end is no headline's
_HAN = regex.compile(r"\p{Han}")
# documents that are not news: a chapter or numbered section heading
# (第三章 总则, 一、代序) on a line of its own is a sub-heading, and an
# editor's note (编者按) a paragraph of its own
SECTION_HEADING = regex.compile(r"^(?:第[一二三四五六七八九十百零〇\d]{1,4}[章节篇部讲]|[一二三四五六七八九十]{1,3}、)\s*\S")
# (编者按, 作者按, 译者按, and 編者按 or an OCR'd 福者按: in 1,008 clean
# articles 者按 stands only there, at a paragraph's start, followed by ：)
EDITORS_NOTE = regex.compile(r"^[【\[]?(?:\p{Han}者按|编者的话|編者的話|编后|編後|按语|按語)[】\]]?(?:[：:]|$)")
# Markdown a converter writes for a list or a table: an item (``- 加强组织领导``,
# ``1. 压实责任``) or a table row (``| 公路 | 35 |``) is a line of its own,
# whatever the page's joining says of lines that end no sentence.
MD_ITEM = regex.compile(r"^(?:[-*+]|\d{1,3}[.)])[ \t]+\S")
MD_ROW = regex.compile(r"^\|.*\|[ \t]*$")
# a thematic break (``---``, ``* * *``): a block of its own, never joined to text
MD_BREAK = regex.compile(r"^(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
# (what a line must start with, or hold near its start, to be either of
# these: most lines are ruled out without trying the pattern)
_SECTION_FIRST = frozenset("第一二三四五六七八九十")
_NOTE_WORD = re.compile("按|后|後|话|話")
# two printed lines ending and starting on a Latin letter are joined with a space
_LATIN_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(slots=True)
class Line:
    """A printed line as the page reading sees it; its features come from
    :func:`linecore.line_features`, computed for all lines in one call."""
    start: int
    end: int
    text: str
    width: float
    raw_line: int
    ended: bool               # ends a sentence
    soft: bool                # ends on punctuation that does not end one
    is_dateline: bool
    headline_shape: bool
    kind: str = "text"        # text, title, h, byline, caption, quote
    strip_prefix: int = 0      # characters of markup to drop (#, ▲, *)
    strip_suffix: int = 0
    md_level: int = 0
    editors_note: bool = False  # starts an editor's note (编者按：…)


_LINE_SPACE = " \t\u3000\u00a0\ufeff\r"


def _lines(doc: Doc) -> tuple[list[Line], tuple]:
    """The page's printed lines and their features (widths, bits, balance)."""
    spans, texts, pos = [], [], 0
    for raw in doc.text.split("\n"):
        s = raw.strip(_LINE_SPACE)
        if s:
            start = pos + len(raw) - len(raw.lstrip(_LINE_SPACE))
            spans.append(start)
            texts.append(s)
        pos += len(raw) + 1
    features = FEATURES(texts, _params())
    widths, bits, _balance = features
    origin = doc.origin
    ended, soft, dateline, shape = core.ENDED, core.SOFT, core.DATELINE, core.HEADLINE
    out = [Line(start, start + len(t), t, w, origin[start], bool(b & ended), bool(b & soft), bool(b & dateline),
                bool(b & shape))
           for start, t, w, b in zip(spans, texts, widths, bits)]
    return out, features


# A byline holds one of the strings its hint pattern needs (read off the
# pattern, see prefilter.py), and ends no sentence nor on a comma (as
# parse_byline checks): most lines are ruled out without the pattern.
_BYLINE_NEEDS = required_strings(st._BYLINE_HINT.pattern) if hasattr(st, "_BYLINE_HINT") else None
# (literal strings only: the standard library's engine finds any of them
# many times faster than a loop of ``in`` tests)
_BYLINE_NEEDED = None if _BYLINE_NEEDS is None else \
    re.compile("|".join(re.escape(s) for s in sorted(_BYLINE_NEEDS, key=lambda s: (-len(s), s))))


def _may_be_byline(text: str) -> bool:
    return _BYLINE_NEEDED is None or _BYLINE_NEEDED.search(text) is not None


def _classify(doc: Doc, lines: list[Line]) -> None:
    image_lines = sorted({n.line for n in doc.notes if n.key == "images"})  # searched, never scanned
    alts = _image_alts(doc) if image_lines else None
    p = PARAMS
    prev_raw_line = 0
    for ln in lines:
        raw_line = ln.raw_line
        first, last = ln.text[0], ln.text[-1]
        md = st.MD_HEADING.match(ln.text) if first == "#" else None
        it = ITALIC.match(ln.text) if first == "*" and not MD_BREAK.match(ln.text) else None
        if first == ">" and ln.text.startswith("> ") and len(ln.text) > 2:
            ln.kind, ln.strip_prefix = "quote", 2  # a forum quote (see posts.py): a block of its own
        elif md:
            # '#' is a headline; '##' one only when a deck or byline follows it
            ln.kind = "title" if len(md.group(1)) == 1 else "h"
            ln.md_level = len(md.group(1))
            ln.strip_prefix = md.start(2)
            ln.strip_suffix = len(ln.text) - md.end(2)
        elif it:
            ln.kind, ln.strip_prefix, ln.strip_suffix = "caption", 1, 1
        elif last in "摄图影发" and st.PHOTO_CREDIT.match(ln.text):
            ln.kind = "caption"
        elif not ln.ended and not ln.soft and _may_be_byline(ln.text) and st.parse_byline(ln.text):
            ln.kind = "byline"
        elif first in _SECTION_FIRST and SECTION_HEADING.match(ln.text) and ln.width <= p.section_widest \
                and not ln.ended and not ln.soft:
            ln.kind = "h"
        elif _NOTE_WORD.search(ln.text, 0, 6) and EDITORS_NOTE.match(ln.text):
            ln.editors_note = True
            if len(ln.text) <= p.editors_note_head:  # 编者按： alone on its line heads the note
                ln.kind = "h"
        elif first in "▲△▼◆" and st.CAPTION_MARK.match(ln.text):
            ln.kind = "caption"
            ln.strip_prefix = st.CAPTION_MARK.match(ln.text).end()
        elif image_lines and bisect.bisect_right(image_lines, prev_raw_line) < bisect.bisect_left(image_lines, raw_line) \
                and ln.width <= p.heading_max and not ln.ended:
            ln.kind = "caption"
        elif alts and alts.get(raw_line) == ln.text:
            ln.kind = "caption"  # an image's own words, alone on its line: its caption
        prev_raw_line = raw_line
    _mark_bold_lines(lines)
    _mark_photo_captions(lines)
    _mark_name_bylines(lines)
    _mark_institution_bylines(lines)
    for ln, nxt in zip(lines, lines[1:]):
        # a dateline broken at the column edge (新华社乌鲁木齐1月13 / 日电);
        # (known only after the names are read: the end of a paragraph over
        # a broken dateline, …资金等要 / 素保障, would read as a rare name)
        if not ln.is_dateline and ln.kind == "text" and nxt.kind == "text" and ln.text.startswith(st.DATELINE_HEADS):
            dm = st.dateline(ln.text + nxt.text)
            ln.is_dateline = bool(dm and dm.end() > len(ln.text))
        if ln.md_level == 2 and (nxt.kind == "byline" or nxt.is_dateline
                                 or (nxt.text.startswith(("——", "—")) and nxt.width <= p.long)):
            ln.kind = "title"


def _image_alts(doc: Doc) -> dict[int, str]:
    """Raw line -> the words an image link left on it (``![老党员彭承温在家中
    整理资料](p1.png)`` leaves its alternative text, rule ``furniture.image``).
    A line that is those words alone was the image: they are its caption, a
    block of their own, never the start of the paragraph under it."""
    names, rules, lines, _before, after = doc.changes.columns()
    if "furniture.image" not in names:
        return {}
    rid = names.index("furniture.image")
    out: dict[int, str] = {}
    for r, line, a in zip(rules, lines, after):
        if r == rid and a.strip():
            out[line] = None if line in out else a.strip()  # (two images on a line: neither alone)
    return out


# A photo's caption printed as a line of text (图为老党员彭承温在家中整理资料):
# ``图为`` (the picture shows) opens nothing else in a paper; the one
# paragraph of 16,933 in the clean corpus that starts with it is a caption.
PHOTO_CAPTION = regex.compile(r"^[（(]?图为\p{Han}")


def _mark_photo_captions(lines: list[Line]) -> None:
    """A ``图为…`` line that starts a block (the page's first, or after a
    blank line, a finished sentence or a block of another kind) and ends no
    sentence is a caption: not the start of the paragraph under it."""
    p = PARAMS
    prev = None
    for ln in lines:
        if ln.kind == "text" and ln.text[0] in "图（(" and not ln.ended and ln.width <= p.long \
                and PHOTO_CAPTION.match(ln.text) \
                and (prev is None or prev.kind != "text" or prev.ended or ln.raw_line > prev.raw_line + 1):
            ln.kind = "caption"
        prev = ln


# The editors sign a note that introduces a series or a page (——编  者,
# ——本报编辑部) on a line of its own under it: the note's last line, never
# the ——subtitle of the headline that follows (a subtitle says what its
# article is about; 编者 is who wrote the note).  The clean corpus prints
# ——编  者 28 times, each a paragraph of its own, never a subtitle.
NOTE_SIGNATURE = regex.compile(r"^——[^\S\n]*(?:编[^\S\n]*者|(?:本报)?编[^\S\n]*辑[^\S\n]*部)$")


def _note_signatures(lines: list[Line]) -> list[int]:
    """Text lines that sign a note: a NOTE_SIGNATURE right after a finished sentence."""
    return [i for i in range(1, len(lines)) if lines[i].kind == "text" and lines[i].text.startswith("——")
            and NOTE_SIGNATURE.match(lines[i].text) and lines[i - 1].ended]


# A converter from Word or PDF marks a heading it cannot size as a bold line of
# its own (``**采购合同**``): Markdown's emphasis, but alone on its line and
# ending no sentence it is a heading, read as ``##`` is; opening the page, it
# is the document's title.
BOLD_LINE = regex.compile(r"^\*\*(?!\*)(.+?)(?<!\*)\*\*$")


def _mark_bold_lines(lines: list[Line]) -> None:
    p = PARAMS
    for i, ln in enumerate(lines):
        if ln.kind != "text" or ln.text[0] != "*" or not (m := BOLD_LINE.match(ln.text)):
            continue
        inner = m.group(1).strip()
        if not inner or st.width(inner) > p.heading_max or st.ends_sentence(inner) or st.soft_end(inner):
            continue
        ln.kind, ln.md_level = ("title" if i == 0 else "h"), 2
        ln.strip_prefix, ln.strip_suffix = m.start(1), len(ln.text) - m.end(1)


# A compilation prints each article as title, byline, source line
# (《人民日报》（2025年10月20日 第 05 版）), body.  What stands between the
# source line and the page break or finished paragraph before it is the
# article's headline and byline: at most a title wrapped over three printed
# lines and a byline or two (``max_header_lines``).
def _unbalanced(text: str) -> bool:
    """More opening than closing quotes or brackets."""
    return core.balance_of(text) > 0


def _wrap_width(lines: list[Line]) -> float:
    """The page's printed line width: the upper quartile of its text lines."""
    ws = sorted(math.floor(ln.width + 0.5) for ln in lines if ln.kind == "text")
    return float(ws[int(len(ws) * PARAMS.quartile)]) if ws else 0.0


def _mark_name_bylines(lines: list[Line]) -> None:
    """A line of one to four bare names (``王明 李华``, ``刘  赫``, every name
    with a common surname) where a byline stands is one: before a dateline,
    or between a headline, the page's start or a finished paragraph and the
    body.  Inside a paragraph no printed line holds only a name (every line
    but a paragraph's last is full, and the last ends a sentence), so such a
    line is never body text; a short headline that reads like a name is the
    risk, which the surnames keep small.  Names with uncommon surnames
    (莽九晨) count only over a dateline: right under a headline, the end of
    a PDF line wrapped at the page edge (色产业) reads as one too."""
    p = PARAMS
    for i, ln in enumerate(lines):
        # (where it stands first: names are read only where a byline may stand)
        if ln.kind != "text" or ln.ended or ln.soft or ln.width > p.names_widest:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        prev = lines[i - 1] if i else None
        if nxt is None or nxt.kind not in ("text", "title"):  # (a title: a '#' line of a cleaned page)
            continue
        after = lines[i + 2] if i + 2 < len(lines) else None
        if not nxt.is_dateline and not nxt.ended and nxt.width <= p.heading_max and after is not None \
                and after.width > p.long:
            continue  # a short line over long paragraphs is a heading: the name is a section's label
        if nxt.is_dateline:  # an uncommon surname only over a dateline
            if st.bare_names(ln.text) or st.unlisted_names(ln.text):
                ln.kind = "byline"
            continue
        # under a deck (kicker, title, subtitle) that follows a finished paragraph (or opens the page)
        k = i - 1
        while k >= 0 and i - k <= p.deck_above_names and lines[k].kind == "text" and not lines[k].ended:
            if k == i - 1 and k and core.PARENTHETICAL.match(lines[k].text) and lines[k - 1].headline_shape:
                k -= 1  # the column tag of the title above, on a line of its own: （生态论苑）
                continue
            if not lines[k].headline_shape and k == i - 1 and nxt.width > p.heading_max \
                    and _bracket_broken_title(lines, k - 1):
                # (a title broken inside its brackets right over the names, the
                # body under them: 一座城，创新实践人文经济学（长 / 三角…观察）/ 王远)
                k -= 2
                continue
            if not lines[k].headline_shape:
                # (a title broken after its comma: its first line, so the
                # deck's top; at the page's start or under a blank line only:
                # after a finished line with none between, 在本次大赛中， /
                # 荣获…的有 over a list of winners is the body's own sentence)
                if k < i - 1 and _comma_broken_title(lines[k], lines[k + 1]) \
                        and (k == 0 or (lines[k].raw_line > lines[k - 1].raw_line + 1
                                        and (lines[k - 1].ended or lines[k - 1].kind != "text"))):
                    k -= 1
                break
            k -= 1
        # (a deck never opens on its ——subtitle: ——编者 after a note signs it)
        headline_above = k < i - 1 and (k < 0 or lines[k].ended or lines[k].kind != "text") \
            and not lines[k + 1].text.startswith("——")
        if (prev is None or prev.kind in ("title", "byline") or headline_above
                or (prev.ended and nxt.kind == "text")) and st.bare_names(ln.text):
            ln.kind = "byline"


def _comma_broken_title(ln: Line, nxt: Line) -> bool:
    """``ln`` is the first half of a title broken after its comma (青岛啤酒发挥协同作用，
    / 打造行业生态): both lines short, the first ending on ， or 、 with no
    sentence inside, the second a headline's line.  Only a candidate: a
    deck is what stands between a finished paragraph (or the page's start)
    and the names under it."""
    p = PARAMS
    return ln.text[-1] in "，、" and ln.width <= p.heading_max and nxt.width <= p.heading_max \
        and nxt.headline_shape and not _INNER_STOP.search(ln.text) and not ln.text.startswith("—")


def _bracket_broken_title(lines: list[Line], k: int) -> bool:
    """Lines ``k`` and ``k + 1`` are a headline broken inside its brackets:
    both short text lines with no sentence in them, the first opening a
    bracket the second closes, the two together a headline's shape."""
    p = PARAMS
    if k + 1 >= len(lines):
        return False
    a, b = lines[k], lines[k + 1]
    if a.kind != "text" or b.kind != "text" or a.ended or b.ended or a.soft or a.is_dateline \
            or max(a.width, b.width) > p.heading_max or not _unbalanced(a.text):
        return False
    t = a.text + b.text
    return core.balance_of(t) == 0 and not _INNER_STOP.search(t) and core.headline_shape(
        t, st.soft_end(t), p.statement_tail)


def _mark_institution_bylines(lines: list[Line]) -> None:
    """A line that is only an institution's name (中共浙江省委宣传部,
    国务院发展研究中心课题组: structure.institution) is the byline of the
    headline it stands by: under one to ``deck_above_names`` headline lines
    that open the page or follow a finished paragraph, or over them at
    such a place, with body text (wider than a sub-heading) or a dateline
    under the whole.  Elsewhere it is text: the signatures closing a joint
    statement follow a finished paragraph and each other."""
    p = PARAMS
    n = len(lines)

    def head(k):  # a line a headline may hold (its brackets may open on one line and close on the next)
        ln = lines[k]
        return ln.kind == "text" and not ln.ended and not ln.soft and not ln.is_dateline \
            and ln.width <= p.long and not st.institution(ln.text)

    def opens(k):  # line k starts a block: the page's first, or after a finished paragraph
        return k == 0 or (lines[k - 1].kind == "text" and lines[k - 1].ended) or lines[k - 1].kind == "byline"

    def body(k, heads):  # body text: a dateline, or wider than a sub-heading or than the headline's lines
        return k < n and lines[k].kind == "text" and (
            lines[k].is_dateline or lines[k].width > min(p.heading_max, max(x.width for x in heads) + p.narrow_margin))

    for i, ln in enumerate(lines):
        if ln.kind != "text" or ln.ended or ln.soft or not st.institution(ln.text):
            continue
        k = i - 1
        while k >= 0 and i - k <= p.deck_above_names and head(k):
            k -= 1
        # (a title broken after its comma, 实施新战略路线， / 集中精力发展经济、改善民生:
        # its first line, at the page's start or under a blank line, as in the name reading)
        if 0 <= k < i - 1 and i - k <= p.deck_above_names and _comma_broken_title(lines[k], lines[k + 1]) \
                and (k == 0 or (lines[k].raw_line > lines[k - 1].raw_line + 1
                                and (lines[k - 1].ended or lines[k - 1].kind != "text"))):
            k -= 1
        if k < i - 1 and opens(k + 1) and body(i + 1, lines[k + 1:i]):
            ln.kind = "byline"  # under its headline
            continue
        e = i + 1  # (over its headline: short headline lines, the body's lines may be as short)
        while e < n and e - i <= p.deck_above_names and lines[e].width <= p.heading_max:
            if head(e) and lines[e].headline_shape:
                e += 1
            elif e == i + 1 and e + 1 < n and lines[e].kind == "text" and _comma_broken_title(lines[e], lines[e + 1]):
                e += 1  # (a title's first half broken after its comma: 坚定不移朝着强国建设、)
            else:
                break
        if e > i + 1 and opens(i) and body(e, lines[i + 1:e]):
            ln.kind = "byline"  # over it


def _names_under_decks(lines: list[Line], kinds) -> list[int]:
    """Lines of bare names (common surnames) right under a headline deck the
    core found, over more text: the byline of that headline.  The page
    reading looks for names before the decks are known, walking up over
    headline-shaped lines; a title broken inside its brackets
    (``…（现`` / ``场评论…⑦）``) hides its deck from that walk."""
    title, text = core.KIND_CODES["title"], core.KIND_CODES["text"]
    p = PARAMS
    out = []
    for i in range(1, len(lines) - 1):
        ln = lines[i]
        if kinds[i - 1] == title and kinds[i] == text and kinds[i + 1] == text and ln.kind == "text" \
                and not ln.ended and not ln.soft and ln.width <= p.names_widest and st.bare_names(ln.text):
            out.append(i)
    return out


def _mark_contents(lines: list[Line], contents: dict[str, str], at: int) -> set[int]:
    """Lines that are entries of the table of contents become headings or
    titles; the short lines that stood above the table are the document's
    title (one title, however it wrapped).  Returns title lines that go on."""
    if not contents:
        return set()
    keys = set(contents)
    goes_on: set[int] = set()
    p = PARAMS
    top = [i for i, ln in enumerate(lines) if ln.raw_line < at]
    if 0 < len(top) <= p.title_lines_max and all(lines[i].kind == "text" and not lines[i].ended for i in top):
        for i in top:
            lines[i].kind = "title"
        goes_on.update(top[:-1])
    for i, ln in enumerate(lines):
        # (an entry is a heading even where a name could stand: 代序 under the title)
        if ln.raw_line < at or ln.kind not in ("text", "byline") or ln.ended:
            continue
        key = _entry_key(ln.text)
        if ln.width > p.entry_widest and (key not in keys or ln.width > 2 * p.entry_widest):
            continue  # a long line is a heading only when it is an entry whole
        if _same_entry(key, keys):
            entry = _entry_of(key, keys)
            ln.kind = contents[entry]
            goes_on.update(_entry_goes_on(lines, i, key, entry))
    return goes_on


def _entry_goes_on(lines: list[Line], i: int, key: str, entry: str) -> list[int]:
    """A heading wrapped like its entry (``…current and`` / ``continuous
    time (BOL)``): the next line completes the entry, so it is the same
    heading, and line ``i`` goes on."""
    if i + 1 >= len(lines) or len(key) >= len(entry) or not entry.startswith(key):
        return []
    nxt = lines[i + 1]
    whole = key + _entry_key(nxt.text)
    if nxt.kind != "text" or nxt.ended or not _entry_key(nxt.text) or not entry.startswith(whole):
        return []
    nxt.kind = lines[i].kind
    return [i]


# A manual or a specification numbers its sections hierarchically (1, 1.1,
# 1.2.1) and a converter prints each as a Markdown headline: they are the
# sections of one document, not the headlines of articles.
_DOTTED_NUMBER = regex.compile(r"^\d{1,2}(?:\.\d{1,2}){1,3}(?=\s)")  # 1.2 … (not 2.5亿)


def _mark_numbered_sections(lines: list[Line], contents: dict[str, str]) -> None:
    """On a page with at least ``min_contents`` Markdown headlines numbered
    ``x.y``, every Markdown headline is a section heading, numbered or not
    (警告, one its table of contents lists); only an unnumbered, unlisted one
    opening the page stays the document's title."""
    heads = [ln for ln in lines if ln.md_level and ln.kind in ("title", "h")]
    texts = [ln.text[ln.strip_prefix:len(ln.text) - ln.strip_suffix] for ln in heads]
    if sum(bool(_DOTTED_NUMBER.match(t)) for t in texts) < PARAMS.min_contents:
        return
    keys = set(contents)
    for ln, t in zip(heads, texts):
        if ln is lines[0] and not _numbered(t) and not _same_entry(_entry_key(t), keys):
            continue
        ln.kind = "h"


def _mark_source_headers(doc: Doc, lines: list[Line]) -> tuple[set[int], set[int]]:
    """Title and byline lines before each source line a rule removed (a
    ``date`` note); returns the title lines that go on on the next line (a
    headline wrapped at the page edge or inside its quotes/brackets), and
    the line under a source line when it is all there is before the next
    article's header: a compilation prints title, byline, source line,
    body, so that line is the article's body, never a headline however
    short (an advertisement's one-line slogan, 中国的  世界的  五粮液, under
    its title and source line).  With more lines under it, it may be a
    main title under its kicker's source line (海关总署 / source /
    十五条举措支持… / body), and is left to the page reading."""
    # (a page header's date, 2024年3月5日 星期二, heads a page, not an article)
    sources = sorted({n.line for n in doc.notes if n.key == "date" and n.rule != "furniture.page-header-day"})
    if not sources or not lines:
        return set(), set()
    breaks = sorted({r.line for r in doc.removed if r.rule.startswith("furniture.")} - set(sources))
    p = PARAMS
    raw = [ln.raw_line for ln in lines]
    wrap = _wrap_width(lines)
    goes_on: set[int] = set()
    heads: list[tuple[int, int]] = []  # each header's first line, and the line under its source line
    for src in sources:
        k = bisect.bisect_left(raw, src)
        j, stopped = k, False
        while j > 0:
            prev, upto = lines[j - 1], (lines[j].raw_line if j < k else src)
            b = bisect.bisect_right(breaks, prev.raw_line)
            if (b < len(breaks) and breaks[b] < upto) or prev.kind not in ("text", "title", "byline") \
                    or _STATEMENT_END.search(prev.text[-p.statement_tail:]) or prev.text[-1] in "。；：:;":
                stopped = True
                break
            if k - j == p.max_header_lines:
                break
            j -= 1
        if j == 0:
            stopped = True
        if not stopped or j == k:
            continue
        header = list(range(j, k))
        # bylines: the lines after the title that are a byline or only names
        n_by = 0
        for i in reversed(header[1:]):
            t = lines[i].text
            if st.parse_byline(t) or st.bare_names(t, surnames=False):
                n_by += 1
            else:
                break
        titles = header[:len(header) - n_by]
        if any(_INNER_STOP.search(lines[i].text) for i in titles[:-1]) or \
                any(lines[i].width > 2 * p.long for i in titles):
            continue  # sentences, not a headline
        for i in header:
            lines[i].kind = "title" if i in titles else "byline"
        heads.append((j, k))
        text = ""
        for a, b in zip(titles, titles[1:]):
            text += lines[a].text
            if _unbalanced(text) or lines[a].width >= wrap - p.full_slack:
                goes_on.add(a)
            else:
                text = ""
    # a line alone between its source line and the next article's header
    bodies = {k for (_, k), (j, _) in zip(heads, heads[1:]) if j == k + 1 and lines[k].kind == "text"}
    return goes_on, bodies


def _mark_vertical_titles(lines: list[Line]) -> set[int]:
    """A headline printed vertically comes out of OCR one character a line
    (記 / 剿 / 匪): a run of two or more lines of one Han character each,
    after a finished paragraph or at the page's top and before more text, is
    one title.  Body text never breaks a line after one character; a table
    read cell by cell does, but not right after a finished sentence.
    Returns the lines that go on."""
    goes_on: set[int] = set()
    n, i = len(lines), 0
    while i < n:
        j = i
        while j < n and lines[j].kind == "text" and len(lines[j].text) == 1 and _HAN.match(lines[j].text):
            j += 1
        if j - i >= 2 and j < n and (i == 0 or lines[i - 1].kind != "text" or lines[i - 1].ended):
            for k in range(i, j):
                lines[k].kind = "title"
            goes_on.update(range(i, j - 1))
        i = max(j, i + 1)
    return goes_on


# (a space the line had before it was spread, after 本报讯, stands wider:
# two or three spaces, of which one stays)
LETTER_SPACED = regex.compile(r"^[^\S\n]*(?:\S[ \u3000]{1,3}){4,}\S[^\S\n]*$", regex.MULTILINE)
SPREAD = regex.compile(r"(?<=\S)[ \u3000]{1,3}(?=\S)")


# -- tables of contents ---------------------------------------------------------
# A booklet or a compilation lists its sections or articles before printing
# them.  A run of such entries is furniture (to removed.jsonl), and evidence:
# a later line that is one of its entries is a section heading (numbered
# entries, 一、代序) or an article's title (entries without numbers).
CONTENTS_HEAD = regex.compile(r"^(?:#{1,6}\s+)?(?:(?:文章)?目\s*录(?:\s+Contents)?|Contents)$", regex.IGNORECASE)
_CONTENTS_FIRST = "#文目Cc"  # the characters CONTENTS_HEAD can start with
_ENTRY_NUMBER = regex.compile(r"^(?:第[一二三四五六七八九十百\d]{1,4}[章节部分篇讲]\s*|[一二三四五六七八九十]{1,3}\s*[、.．]\s*|"
                              r"\d{1,2}(?:\.\d{1,2}){0,2}[、.．]?\s+|[（(][一二三四五六七八九十\d]{1,3}[)）]\s*)")
_SPACE_PUNCT = regex.compile(r"[\s\p{P}]+")
_LETTER = regex.compile(r"\p{Han}|[A-Za-z]")
_ENTRY_TAIL = regex.compile(r"\s*(?:[.．·…—-]{2,}\s*)?\d{0,4}\s*$")  # a dotted leader and a page number


_LEADER_PAGE = regex.compile(r"(?:[.．·…][^\S\n]*){2,}\d{1,4}[^\S\n]*$")  # ``.. ... 12``: a leader and a page


def _entry_sized(rows: list[tuple[int, int, str]], k: int) -> bool:
    """A contents entry is one short line; a longer one (a bilingual title)
    shows itself by its dotted leader and page number, or by wrapping onto
    the next line that ends with them."""
    t = rows[k][2]
    if len(t) <= PARAMS.entry_widest or _LEADER_PAGE.search(t):
        return True
    return len(t) <= 2 * PARAMS.entry_widest and k + 1 < len(rows) and bool(_LEADER_PAGE.search(rows[k + 1][2]))


def _join_wrapped_entries(texts: list[str]) -> list[str]:
    """An entry wrapped onto a second line (its page number only on that
    one, which bears no number of its own) is one entry."""
    out: list[str] = []
    for t in texts:
        if out and _LEADER_PAGE.search(t) and not _numbered(t) and not _LEADER_PAGE.search(out[-1]) \
                and _numbered(out[-1]):
            out[-1] += " " + t
        else:
            out.append(t)
    return out


def _entry_key(text: str) -> str:
    """An entry or heading reduced to what both print: no Markdown heading
    mark, number, leader, page number, spaces or punctuation."""
    t = _ENTRY_TAIL.sub("", _ENTRY_NUMBER.sub("", text.strip().lstrip("#").lstrip()))
    return _SPACE_PUNCT.sub("", t)


_NUMBER_FIRST = frozenset("第一二三四五六七八九十（(")  # with a digit, what _ENTRY_NUMBER can start with


def _numbered(text: str) -> bool:
    t = text.strip()
    return bool(t) and (t[0] in _NUMBER_FIRST or t[0].isdigit()) and bool(_ENTRY_NUMBER.match(t))


def _same_entry(key: str, keys: set[str]) -> bool:
    """A heading is an entry when the two agree, or one begins the other (an
    OCR'd list cuts long entries at the column edge)."""
    return _entry_of(key, keys) is not None


_LOST_SEPARATOR = regex.compile(r"^[一二三四五六七八九十\d]{1,2}")  # 三两条路线…: the 、 after the number lost


def _entry_of(key: str, keys) -> str | None:
    p = PARAMS
    shortest = p.entry_shortest
    if len(key) < shortest:
        return None
    bare = _LOST_SEPARATOR.sub("", key)
    for cand in (key, bare):
        if cand in keys and len(cand) >= shortest:
            return cand
    for k in keys:
        kb = _LOST_SEPARATOR.sub("", k)
        if kb == bare and len(kb) >= shortest:
            return k
        if len(kb) >= p.entry_prefix_min and len(bare) >= p.entry_prefix_min and (bare.startswith(kb) or kb.startswith(bare)):
            return k
    return None


def take_contents(doc: Doc) -> tuple[dict[str, str], int]:
    """Remove the page's table of contents (rule ``unwrap.contents``); returns
    its entries (key -> "h" for a numbered section, "title" for an article)
    and the raw line the table started on (0 when there is none).  Without a
    目录 heading a run of entries counts only when most of them recur later."""
    p = PARAMS
    nonblank, pos = [], 0
    for raw in doc.text.split("\n"):
        t = raw.strip()
        if t:
            nonblank.append((pos, pos + len(raw), t))
        pos += len(raw) + 1
    # each line's number and key, read once however many runs it is tried in
    numbered: dict[int, bool] = {}
    keys_of: dict[int, str] = {}

    def is_numbered(k: int) -> bool:
        v = numbered.get(k)
        if v is None:
            v = numbered[k] = _numbered(nonblank[k][2])
        return v

    def key_of(k: int) -> str:
        v = keys_of.get(k)
        if v is None:
            v = keys_of[k] = _entry_key(nonblank[k][2])
        return v

    for i, (start, _end, t) in enumerate(nonblank):
        first = t[0]
        headed = first in _CONTENTS_FIRST and bool(CONTENTS_HEAD.match(t))
        if not headed and (first not in _NUMBER_FIRST and not first.isdigit() or not is_numbered(i)):
            continue  # without a heading, a table starts with a numbered entry
        j = i + 1 if headed else i
        k, seen = j, set()
        while k < len(nonblank) and (headed or is_numbered(k)) and _LETTER.search(nonblank[k][2]) \
                and _entry_sized(nonblank, k) \
                and not nonblank[k][2].endswith(("。", "；")) and key_of(k) not in seen:
            seen.add(key_of(k))  # an entry listed again is the text itself
            k += 1
        entries = nonblank[j:k]
        if len(entries) < p.min_contents:
            continue
        keys = [key_of(x) for x in range(j, k)]
        rest_set = {key_of(x) for x in range(k, len(nonblank))}
        recur = sum(1 for key in keys if _same_entry(key, rest_set))
        if not headed and recur < max(p.min_contents, len(keys) // 2 + 1):
            continue
        if len(nonblank) - k < len(entries):  # the list is the page: it is the text
            return {}, 0
        first_line = doc.line_at(start)
        doc.edit([(r[0], r[1], "") for r in nonblank[i:k]], "unwrap.contents", removal=True)
        entries = _join_wrapped_entries([e[2] for e in entries])
        return {_entry_key(e): ("h" if _numbered(e) else "title") for e in entries if _entry_key(e)}, first_line
    return {}, 0


_SPACED_NAMES = regex.compile(r"\p{Han}[^\S\n]{2,}\p{Han}")


def take_editor_list_rest(doc: Doc) -> None:
    """An editor list too long for its line goes on on the next (本版责编：杨  旭
    张帅祯  赵  政 / 栾心怡  张宇杰): that line goes to the editors, under the
    editor line's rule, when it is spaced as the first line (two spaces or
    more between names) and every name on it has a common surname
    (structure.name_row).  A headline under an editor line (走进  新时代) is
    no list of names and stays.  The rule file cannot tell names, so the
    check is here, before any line is joined."""
    firsts = {r.line: r.text for r in doc.removed if r.rule == "furniture.page-editors"}
    if not firsts:
        return
    edits, notes, pos = [], [], 0
    for raw in doc.text.split("\n"):
        t = raw.strip()
        if t:
            line = doc.line_at(pos + len(raw) - len(raw.lstrip()))
            first = firsts.get(line - 1)
            if first and _SPACED_NAMES.search(first) and _SPACED_NAMES.search(t) and st.name_row(t):
                edits.append((pos, pos + len(raw), ""))
                roles = st.EDITOR_ROLES.findall(first)  # the list's names keep its role
                notes.append((f"{roles[-1]} {t}" if roles else t, line))
        pos += len(raw) + 1
    doc.edit(edits, "furniture.page-editors", removal=True)
    for t, line in notes:
        doc.note("editors", t, line, "furniture.page-editors")


def collapse_letter_spacing(doc: Doc) -> set[int]:
    """``“ 一 组 一 会 ” 组 建``: a justified line with every character spread
    apart is one run of text; its spaces go before widths are measured.
    Returns the raw lines that were spread: justified, so full lines."""
    edits, spread = [], set()
    for m in LETTER_SPACED.finditer(doc.text):
        if _HAN.search(m.group(0)):
            edits += [(m.start() + s.start(), m.start() + s.end() - (s.end() - s.start() > 1), "")
                      for s in SPREAD.finditer(m.group(0))]
            spread.add(doc.line_at(m.start()))
    doc.edit(edits, "unwrap.letter-spacing")
    return spread


def _blank_after(doc: Doc, lines: list[Line]) -> list[int]:
    """Lines a blank line follows (a line a rule removed, a page number, is none)."""
    removed = {r.line for r in doc.removed}
    text, origin = doc.text, doc.origin
    blank = []
    for i in range(len(lines) - 1):
        b = lines[i + 1].start
        q = text.find("\n", text.find("\n", lines[i].end, b) + 1, b)  # an empty line's end between them
        while q != -1 and origin[q] in removed:
            q = text.find("\n", q + 1, b)
        if q != -1:
            blank.append(i)
    return blank


_DOT_END = regex.compile(r"·[”’」』）)]*\s*$")  # OCR's 。 read as a middle dot, closing marks after it
# the page shows it so (列夫· / 托尔斯泰 cut by a page end is one such line):
# d12, an OCR'd transcript, ends 9 of its paragraphs so
DOT_PAGE_MIN = 3


def _blank_breaks(doc: Doc, lines: list[Line], blank: list[int]) -> list[int]:
    """Lines a blank line follows, on a page whose blank lines end paragraphs.
    What a blank line means depends on how often the page uses them: OCR of
    a double-spaced page sets one after every printed line, a PDF's text one
    at each of its page ends, mid-sentence; there most of them follow a line
    that runs on (ends no sentence, wider than half the page's lines).  A
    page whose blank lines follow finished sentences and short lines
    (headings, titles, a paragraph's last line) sets them where paragraphs
    end: fewer than ``blank_runon_share`` of them follow a running line, and
    those are left to the column (a page break mid-sentence).  ``blank``:
    the lines a blank line follows (:func:`_blank_after`).

    A line wider than any printed column (``column_widest``) is a whole
    paragraph, as ``fix`` writes them: one that stops on OCR's ``·`` for 。
    (no paragraph of the corpus ends on ``·``) before a blank line ends
    there, a sentence's end, not a page break mid-sentence; read as one, a
    second pass of ``fix`` would join the paragraphs the first kept apart."""
    if not blank:
        return []
    wrap = _wrap_width(lines)
    dotted = {i for i in blank if lines[i].kind == "text" and lines[i].width > PARAMS.column_widest
              and _DOT_END.search(lines[i].text)}
    if len(dotted) < DOT_PAGE_MIN:  # (one 列夫· at a page break is a name cut short, no OCR'd 。)
        dotted = set()
    runs = {i for i in blank if i not in dotted and lines[i].kind == "text" and not lines[i].ended
            and lines[i].width > wrap / 2}
    if len(runs) >= PARAMS.blank_runon_share * len(blank):
        return sorted(dotted)
    # (a short line that ends no sentence ends its paragraph only over a line
    # as wide as the page's: over a narrower one it is the first of centred
    # lines, 党组织的工作落实最终靠的是 / 一支敢打硬仗、能打胜仗的党员队伍。;
    # and only when it stands alone, as a heading does: the unfinished tail of
    # a paragraph whose line before it runs on into it, …完成全部改造 / 任务，
    # 让更多居民, goes on after the blank line)
    blanks = set(blank)

    def tail(i):
        return i > 0 and i - 1 not in blanks and lines[i - 1].kind == "text" and not lines[i - 1].ended \
            and lines[i - 1].width > wrap / 2
    return [i for i in blank if i in dotted or i not in runs
            and (lines[i].ended or (lines[i + 1].width >= wrap - PARAMS.narrow_margin and not tail(i)))]


def unwrap(doc: Doc) -> Doc:
    """Turn the page into blocks (see module docstring); records each join."""
    if laid_out(doc):  # an article this program wrote: each line is a block, its Markdown ours
        doc.set_blocks((kind, doc.text[ln.start + a:ln.end - b], doc.origin[ln.start + a:ln.end - b])
                       for ln in _lines(doc)[0] for kind, a, b in [read_block(ln.text)])
        return doc
    take_editor_list_rest(doc)
    spread = collapse_letter_spacing(doc)
    contents, contents_line = take_contents(doc)
    lines, (widths, bits, balance) = _lines(doc)
    _classify(doc, lines)
    goes_on = _mark_contents(lines, contents, contents_line)
    _mark_numbered_sections(lines, contents)
    goes_on |= _mark_vertical_titles(lines)
    sourced, bodies = _mark_source_headers(doc, lines)
    goes_on |= sourced
    blank = _blank_after(doc, lines)
    breaks = _blank_breaks(doc, lines, blank)
    # the page reading's findings, as the core's plain columns
    heads, typed = posts.head_lines(doc), posts.typed_lines(doc)
    bits = array("I", bits)
    codes = core.KIND_CODES
    kinds = bytes([codes[ln.kind] for ln in lines])
    n = len(lines)
    dateline, note, no_join = core.DATELINE, core.EDITORS_NOTE, core.NO_JOIN
    for i, ln in enumerate(lines):
        b = bits[i]
        if ln.is_dateline:  # (the page reading finds datelines broken over two lines)
            b |= dateline
        if ln.editors_note:
            b |= note
        bits[i] = b
    for i in _note_signatures(lines):
        bits[i] &= ~core.HEADLINE  # a note's signature: the end of the text above, no headline's subtitle
    for i in bodies:
        bits[i] &= ~core.HEADLINE  # the line under a title's source line opens its body, however short
    if spread:
        for i, ln in enumerate(lines):
            if ln.raw_line in spread:
                bits[i] |= core.SPREAD
    for i in goes_on:
        bits[i] |= core.GOES_ON
    for i in breaks:
        bits[i] |= core.BLANK_BREAK
    if typed:  # a typed line's end is a paragraph's
        for i in range(n - 1):
            bits[i] |= no_join
    elif heads:  # never across a forum post's header
        post = [bisect.bisect_right(heads, ln.raw_line) for ln in lines]
        for i in range(n - 1):
            if post[i] < post[i + 1]:
                bits[i] |= no_join
    for i in _split_ellipses(lines) + _opens_on_closers(lines):
        bits[i] |= core.GOES_ON
    listed = _mark_markdown_lists(lines, bits)
    listed |= _mark_name_lists(lines, bits)
    listed |= _mark_references(lines, bits)
    texts = [ln.text for ln in lines]
    decided, joins = DECIDE(texts, widths, bits, balance, kinds, _params())
    late = _names_under_decks(lines, decided)
    if late:  # bylines the deck finder revealed: the page is read again with them
        kinds = bytearray(kinds)
        for i in late:
            lines[i].kind = "byline"
            kinds[i] = codes["byline"]
        decided, joins = DECIDE(texts, widths, bits, balance, bytes(kinds), _params())
    kinds = decided
    if listed:  # a list item or table row is never a sub-heading (a reference never a headline)
        kinds = bytearray(kinds)
        for i in listed:
            if kinds[i] == core.H or (kinds[i] == core.TITLE and lines[i].text[0] in "[［"):
                kinds[i] = core.TEXT
    if blank and kinds[0] in (core.TITLE, core.BYLINE) and not (typed or heads):  # (a thread's posts are its articles)
        kinds, joins = bytearray(kinds), bytearray(joins)
        _mark_later_titles(doc, lines, texts, bits, kinds, joins, set(blank))
    names = core.KIND_NAMES
    out = []
    text, origin = doc.text, doc.origin
    joined = array("i")  # the raw line of every join, recorded at once
    first = 0
    for i in range(n):
        if i < n - 1 and joins[i]:
            continue
        # lines first..i are one block
        kind = names[kinds[first]]
        kind = kind if kind != "text" else "p"
        if first == i:  # a block of one line: nothing joined
            ln = lines[i]
            s, e = ln.start + ln.strip_prefix, ln.end - ln.strip_suffix
            if ln.strip_prefix and kind == "caption" and st.CAPTION_MARK.match(ln.text):
                doc.remove("unwrap.caption-mark", origin[ln.start], text[ln.start:s].strip())
            out.append((kind, text[s:e], origin[s:e]))
            first = i + 1
            continue
        parts, org = [], array("i")
        for k in range(first, i + 1):
            ln = lines[k]
            s, e = ln.start + ln.strip_prefix, ln.end - ln.strip_suffix
            piece = text[s:e]
            if ln.strip_prefix and kind == "caption" and st.CAPTION_MARK.match(ln.text):
                doc.remove("unwrap.caption-mark", origin[ln.start], text[ln.start:s].strip())
            if k > first:
                line = origin[s] if s < len(origin) else doc.line_at(s)
                joined.append(line)
                if piece[:1] in _LATIN_LETTERS and parts[-1][-1:] in _LATIN_LETTERS:
                    parts.append(" ")
                    org.append(line)
            parts.append(piece)
            org.extend(origin[s:e])
        out.append((kind, "".join(parts), org))
        first = i + 1
    doc.changes.add_many("unwrap.join", joined, "\n", "")
    doc.set_blocks(out)
    return doc


def _indents(doc: Doc, lines: list[Line]) -> list[int]:
    """The spaces each printed line opens with (a centred line's margin)."""
    text = doc.text
    return [ln.start - (text.rfind("\n", 0, ln.start) + 1) for ln in lines]


def _mark_later_titles(doc: Doc, lines: list[Line], texts: list[str], bits, kinds: bytearray, joins: bytearray,
                       blank: set[int]) -> None:
    """On a page that opens on a title (a booklet, a compilation of
    articles), a later article's title with no byline under it reads as a
    sub-heading of the article before.  It is a title when it is set as the
    page's opening title is: one to ``title_lines_max`` short unfinished
    lines after a finished paragraph and a blank line, with a blank line
    under them exactly when the opening title has one, centred exactly when
    the opening title is, and body text under them (wider than they are),
    perhaps under a line of names (its byline; or over it, as over the
    opening title).  What sets it apart from a sub-heading: centring, or, on
    a page whose paragraphs mostly have no blank line under them, the blank
    line under it or a second line.  One line that nothing sets apart is a
    sub-heading.  (With no blank line over it, two short lines are no
    title: a section's two-line heading, 丰富应用场景 / 助力降本增效, is
    set so in 42 of the corpus' 2,016 paragraph pages.)  A numbered
    section (第二章, 三、) stays a heading."""
    p = PARAMS
    n = len(lines)
    TITLE, TEXT, H, BYLINE = core.TITLE, core.TEXT, core.H, core.BYLINE
    o = 1 if kinds[0] == BYLINE else 0
    t = o
    while t < n and kinds[t] == TITLE:
        t += 1
    if t == o or t >= n:
        return
    head_last = t if kinds[t] == BYLINE and not o else t - 1
    signed = bool(o) or head_last == t  # the opening article's byline, over or under its title
    wrap = None

    def body_wide(k, s):  # (the page's printed width read once, when a run first asks)
        nonlocal wrap
        if wrap is None:
            wrap = _wrap_width(lines)
        return lines[k].width >= wrap - p.narrow_margin \
            and lines[k].width > max(lines[x].width for x in range(s, k)) + p.narrow_margin
    indent = _indents(doc, lines)
    body_indent = Counter(indent[k] for k in range(n) if kinds[k] == TEXT and lines[k].width > p.heading_max)
    base = body_indent.most_common(1)[0][0] if body_indent else 0

    def centred(k):
        return indent[k] >= base + p.narrow_margin

    # (on a page that sets a blank line after its paragraphs, after half of
    # them or more, a blank line sets nothing apart: only centring does)
    ends = [k for k in range(n) if kinds[k] == TEXT and lines[k].ended]
    sparse = 2 * sum(k in blank for k in ends) < len(ends)
    open_blank = head_last in blank
    open_centred = all(centred(k) for k in range(o, t))

    def short_head(k):
        ln = lines[k]
        return kinds[k] in (TEXT, H) and not ln.ended and ln.width <= p.heading_max and ln.text[-1] not in "；：;:" \
            and not SECTION_HEADING.match(ln.text) and not ln.is_dateline and not ln.editors_note

    def names(k):
        ln = lines[k]
        return kinds[k] == BYLINE or (kinds[k] in (TEXT, H) and not ln.ended and ln.width <= p.names_widest
                                      and bool(st.bare_names(ln.text) or st.institution(ln.text)))

    a = head_last + 1
    while a < n:
        prev = a - 1
        if not (prev in blank and kinds[prev] == TEXT and lines[prev].ended):
            a += 1
            continue
        # a byline over the title, as over the opening one, or on a page whose
        # articles are signed, names over short lines over the body (or a
        # line the page reading found a byline by itself, whatever the page)
        over = (signed or kinds[a] == BYLINE) and names(a) and a not in blank
        s = a + 1 if over else a
        e = s
        # (a line as wide as the page's printed lines, clearly wider than
        # the title lines above it, is the body's first line however short:
        # 推进“车能路云” / 融合发展（新论） / “聪明的车…, on a page of 27 columns)
        while e < n and e - s < p.title_lines_max and short_head(e) and not (e > s and names(e)) \
                and not (e > s and body_wide(e, s)):
            e += 1
            if e - 1 in blank:
                break
        if e == s or lines[e - 1].soft or lines[s].text.startswith("—"):  # (——编者 signs a note)
            a += 1
            continue
        by = e if (not over and e < n and e - 1 not in blank and names(e)) else None
        last = by if by is not None else e - 1
        b = last + 1
        # (body under them: a paragraph's line, not a heading's standing alone
        # between blank lines, 变奏曲 / 一个土生土长的村庄，长出音乐小镇)
        if b >= n or kinds[b] != TEXT or lines[b].width <= max(lines[k].width for k in range(s, e)) + p.narrow_margin \
                or (b in blank and not lines[b].ended):
            a += 1
            continue
        cand_blank = last in blank
        cand_centred = all(centred(k) for k in range(s, e))
        if cand_blank != open_blank or cand_centred != open_centred \
                or not (cand_centred or (sparse and (e - s > 1 or cand_blank))):
            a += 1
            continue
        joins[prev] = 0
        if over:
            kinds[a], joins[a] = BYLINE, 0
        breaks = core.title_breaks(texts, bits, s, e)  # (one title broken over lines, as the opening one)
        for k in range(s, e):
            kinds[k] = TITLE
            joins[k] = int(k in breaks)
        if by is not None:
            kinds[by], joins[by] = BYLINE, 0
            lines[by].kind = "byline"
        joins[last] = 0
        a = b + 1


def _markdown_line(text: str) -> str | None:
    """``row`` for a Markdown table row or a thematic break (``---``, a
    block of its own like a row), ``item`` for a list item, else None."""
    first = text[0]
    if first == "|":
        return "row" if MD_ROW.match(text) else None
    if first in "-*_" and MD_BREAK.match(text):
        return "row"
    if (first in "-*+" or first.isascii() and first.isdigit()) and MD_ITEM.match(text):
        return "item"
    return None


def _mark_markdown_lists(lines: list[Line], bits) -> set[int]:
    """A Markdown list item or table row starts a block; a row ends one, and
    an item ends at the next item or blank line (its wrapped lines, right
    under it, go on with it).  Returns the lines that are items or rows:
    never headings, however short."""
    no_join = core.NO_JOIN
    found = [_markdown_line(ln.text) for ln in lines]
    marked: set[int] = set()
    in_item = False
    for i, ln in enumerate(lines):
        this = found[i]
        last = i + 1 == len(lines)
        blank_after = not last and lines[i + 1].raw_line > ln.raw_line + 1
        if this:
            marked.add(i)
            if i:
                bits[i - 1] |= no_join
            if not last and (this == "row" or blank_after or found[i + 1] == "item"):
                bits[i] |= no_join
            in_item = this == "item" and not blank_after
        elif in_item:  # a wrapped item's next line
            if blank_after:
                bits[i] |= no_join
            in_item = not blank_after
    return marked


def _mark_name_lists(lines: list[Line], bits) -> set[int]:
    """A list of names a sentence introduces with a colon (…获得“十佳志愿者”
    称号： / 王小明 李小红 张大伟 刘芳 / 陈建国 赵丽 孙强 周敏): each printed
    row of names is a block of its own, as a table's row is, never run into
    the next row or the sentence after the list.  Returns the rows: never
    headings, however short."""
    no_join = core.NO_JOIN
    rows: set[int] = set()
    run: list[int] = []
    for i in range(1, len(lines) + 1):
        ln = lines[i] if i < len(lines) else None
        if (ln is not None and ln.kind == "text" and not ln.ended and not ln.soft
                and (lines[i - 1].text[-1] in "：:" or i - 1 in run) and st.name_row(ln.text)):
            run.append(i)
            continue
        # the sentence goes on after the names (王建国 李明华 / 等。会议…):
        # they are its words, not a block of their own
        if run and not (ln is not None and ln.kind == "text" and ln.text.startswith(_GOES_ON)):
            rows.update(run)
            for k in run:
                bits[k - 1] |= no_join
                bits[k] |= no_join
        run = []
    return rows


_GOES_ON = ("等", "，", "、", "。", "；", "）", ",", ";")

# an ellipsis typed as dots (…… as ...... or 。。。) broken at a line's end:
# the dots the line ends on and those the next line starts with are one mark
_DOTS_TAIL = regex.compile(r"(?:\.+|。+|…+)$")
_DOTS_HEAD = regex.compile(r"^(?:\.+|。+|…+)")
_ELLIPSIS_LONGEST = {".": 6, "。": 3, "…": 2}


def _split_ellipses(lines: list[Line]) -> list[int]:
    """Lines whose ellipsis goes on at the next line's start (不够... /
    ...最后, 不够。。 / 。最后): no line opens a paragraph on a full stop,
    so the two pieces are one mark and the paragraph goes on.  A ``.`` or
    ``。`` alone on both sides is no ellipsis (three dots or two 。 at least)."""
    out = []
    for i in range(len(lines) - 1):
        a, b = lines[i].text, lines[i + 1].text
        if a[-1] not in ".。…" or b[0] not in ".。…" or lines[i].kind != "text" or lines[i + 1].kind != "text":
            continue
        tail, head = _DOTS_TAIL.search(a).group(0), _DOTS_HEAD.match(b).group(0)
        # (one mark of one kind: six dots, three 。 or two …, broken; a line
        # ending on a whole …… over one opening on …… is two marks)
        if tail[0] == head[0] and len(tail + head) <= _ELLIPSIS_LONGEST[head[0]] \
                and (head[0] != "." or len(tail + head) >= 3):
            out.append(i)
    return out


# marks no paragraph opens on: a closing quote or bracket, a comma, a full
# stop (a line wrapped just before one: …做好。 / ”这是…, …Discovery. / 上，…)
_CLOSERS = frozenset("，。、；：？！）」』”’》〉】")


def _opens_on_closers(lines: list[Line]) -> list[int]:
    """Lines whose paragraph goes on into the next, which opens on a mark
    that closes or continues a sentence (no paragraph opens so; the dots of
    a broken ellipsis are :func:`_split_ellipses`'): a full line, as wide as
    the page's (a short one over ``、概况`` is a heading over a section whose
    number OCR lost)."""
    out, wrap = [], None
    for i in range(len(lines) - 1):
        if lines[i + 1].text[0] in _CLOSERS and lines[i].kind == "text" and lines[i + 1].kind == "text" \
                and lines[i + 1].raw_line == lines[i].raw_line + 1:
            wrap = wrap if wrap is not None else _wrap_width(lines)
            if lines[i].width >= wrap - PARAMS.narrow_margin:
                out.append(i)
    return out


# a reference list's entries ([1] 王明，李华，等. 题名[J]. …): each opens with
# its number in brackets; an entry wrapped over lines goes on to the next
# number, whatever its lines end on (等. after the authors is no sentence's end)
_REFERENCE = regex.compile(r"^[\[［](\d{1,3})[\]］]")
_REFERENCE_PARTS = regex.compile(r"[.．]|\[[A-Z/]{1,6}\]|(?<!\d)(?:1[89]|20)\d\d(?!\d)")


def _mark_references(lines: list[Line], bits) -> set[int]:
    """A run of two or more lines opening with consecutive reference numbers
    (``[1]``, ``［2］``): each entry is a block of its own (never run into
    the entry before, never a heading), its wrapped lines (at most
    ``heading_lines`` between two numbers) go on with it.  After the last
    entry a line goes on only while the entry's line ends no sentence (or
    ends on 等. / 等。, the authors' list) and no blank line comes between.
    The list opens a block (the page's start, a blank line, a line narrower
    than the page's, a heading, a finished sentence before it); numbers
    opening lines inside a running sentence are citations."""
    nums = {}
    for i, ln in enumerate(lines):
        # (an entry reads as one: a full stop between its parts, a type code
        # [J] [M], or a year; a citation number glued to a sentence has none)
        if ln.text[0] in "[［" and ln.kind in ("text", "h") and (m := _REFERENCE.match(ln.text)) \
                and _REFERENCE_PARTS.search(ln.text, m.end()):
            nums[i] = int(m.group(1))
    if len(nums) < 2:
        return set()
    marked: set[int] = set()
    starts = sorted(nums)
    run = [starts[0]]
    runs = []
    for i in starts[1:]:
        if nums[i] == nums[run[-1]] + 1 and i - run[-1] <= PARAMS.heading_lines + 1:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
    runs.append(run)
    no_join, goes_on = core.NO_JOIN, core.GOES_ON
    wrap = 0.0
    for run in runs:
        first = run[0]
        # (a list opens a block: numbers that open wrapped lines inside a
        # running sentence, 卷积神经网络 / [1]在图像分类…, are citations)
        before = lines[first - 1] if first else None
        if len(run) < 2 or not (before is None or before.ended or before.kind != "text"
                                or before.width < (wrap := wrap or _wrap_width(lines)) - PARAMS.narrow_margin
                                or lines[first].raw_line > before.raw_line + 1):
            continue
        for a, b in zip(run, run[1:] + [None]):
            if a:
                bits[a - 1] |= no_join
            marked.add(a)
            end = b if b is not None else a + 1
            if b is None:  # the last entry: its wrapped lines, while it runs on
                while end < len(lines) and end - a <= PARAMS.heading_lines and lines[end].kind == "text" \
                        and lines[end].raw_line == lines[end - 1].raw_line + 1 \
                        and (not lines[end - 1].ended or _AUTHORS_END.search(lines[end - 1].text)):
                    end += 1
            for k in range(a, end - 1):
                bits[k] |= goes_on  # (a forum post's header or a typed line still stops it)
                marked.add(k + 1)
    return marked


_AUTHORS_END = regex.compile(r"等[.。]$")


_PARAMS_TUPLE: tuple = (None, ())


def _params() -> tuple:
    """``PARAMS`` as the core takes it (a tuple in field order), made once."""
    global _PARAMS_TUPLE
    if _PARAMS_TUPLE[0] is not PARAMS:
        _PARAMS_TUPLE = (PARAMS, astuple(PARAMS))
    return _PARAMS_TUPLE[1]


# the core's two functions: the reference, or a faster implementation of them
FEATURES, DECIDE = core.IMPLEMENTATIONS["python"]
