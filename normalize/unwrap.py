"""Rebuild paragraphs from printed lines.

Why this is its own stage: the worst damage in a scan is a break inside a
sentence, and no regex sees enough of the page to mend it.  The unwrapper
looks at the page as a whole:

* **Column pages** (OCR of narrow newspaper columns): most lines are printed
  lines of one column width ``W``, estimated per stretch of page between
  bylines, never a constant.  A line shorter than its column that ends a
  sentence closes a paragraph; a full line that ends a sentence closes one
  when the next line starts about two columns short (the lost indent).
  Widths are display columns (Han 1, ASCII ½), stray spaces not counted.
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
(``byline``) and captions (``caption``: ``▲…``, ``*…*``, or the line after an
image) are blocks of their own, and so is a forum quote line (``quote``:
``> …``, see posts.py).  Nothing is ever joined across them, nor across a
forum post's header; on a board whose lines are typed paragraphs nothing is
joined at all.  An article this program wrote, cleaned again, is laid out
already: each of its lines is a block of the kind its Markdown says
(article.read_block), and none of the above is guessed again.
"""
from __future__ import annotations

import bisect
import math
from array import array
from collections import Counter
from dataclasses import dataclass

import regex

from . import posts, structure as st
from .article import laid_out, read_block
from .doc import Doc



@dataclass(frozen=True, slots=True)
class UnwrapParams:
    """Every threshold of the unwrapper, each with why it has its value.
    Widths are display columns (Han 1, ASCII ½).  The code reads them from
    ``PARAMS``; the pipeline hashes its values into the rules stamp, so a
    changed value re-cleans the files it covers."""
    # -- what kind of line
    long: int = 40              # wider than this is body text, never a headline (a news headline is under 40 columns)
    heading_max: int = 25       # a sub-heading is at most this wide: one short line of a column or page
    section_widest: int = 25    # a numbered section heading (第三章 总则) is no wider than a sub-heading
    editors_note_head: int = 6  # 编者按： alone on its line (at most this many characters) heads the note
    names_widest: int = 20      # 王明 李华 张强 赵刚: four names and their spaces fit in this
    deck_above_names: int = 4   # a deck over a byline: kicker, a title broken over two lines, subtitle
    statement_tail: int = 8     # a statement end (。 and closing quotes/brackets) is within this many final characters
    # -- column pages: is the page one, and its column width W
    column_max: int = 22        # a column page's lines are mostly this narrow (newspaper columns print 10-20 Han)
    column_share: float = 0.8   # "mostly": this share of the text lines; a paragraph page has far fewer
    column_min_lines: int = 8   # fewer text lines than this show no column width: treated as paragraphs
    column_widest: int = 60     # a common width of open lines above this is a paragraph page's line, not a column
    wide_min_open: int = 5      # a wider column needs this many lines that end no sentence (a column's are most)
    wide_open_share: float = 0.4  # and this share of its lines open: a page of one-line paragraphs has few
    mode_below: float = 2.5     # open lines this far under the common width are of it (first lines two short)
    mode_above: float = 1.5     # and this far over (hanging punctuation, half-width characters)
    mode_share: float = 0.7     # the share of open lines of the common width a column shows
    quartile: float = 0.75      # W is this quantile of open lines: full and two-short first lines equally common
    quartile_min_lines: int = 3  # with fewer open lines than this W is the commonest width of all lines
    # -- column pages: where paragraphs end
    full_slack: int = 1         # a line within this of W is full (rounding, a half-width character)
    local_lines: int = 2        # the column at a line is the widest of the next this many (one of two is full)
    narrow_margin: int = 3      # a sub-heading is this much narrower than its column (a first line is 2 short)
    across_margin: int = 2      # a line this much wider than its column was set across columns
    after_byline_share: float = 0.5  # right under a byline, a line at most this share of W is a sub-heading
    indent_slack: float = 1.5   # a next line this far short of W lost its two-column indent: a new paragraph
    # -- paragraph pages and blocks
    caption_lines: int = 2      # a caption is printed on at most this many lines
    heading_lines: int = 3      # a heading before body text is at most this many short pieces
    opening_deck: int = 3       # kicker, title, subtitle: the most lines a headline opening a page has
    max_headline_piece: int = 3  # a headline broken inside its quotes or brackets spans at most this many lines
    max_header_lines: int = 5   # before a source line: a title over three lines and a byline or two
    title_lines_max: int = 3    # a document's title over its table of contents wraps over at most three lines
    # -- tables of contents
    min_contents: int = 3       # fewer entries than this are a short list, not a table of contents
    entry_widest: int = 40      # a contents entry is one short line
    entry_shortest: int = 2     # entry text shorter than this proves nothing when it recurs
    entry_prefix_min: int = 4   # an entry cut at the column edge matches a heading it begins from this length


PARAMS = UnwrapParams()
ITALIC = regex.compile(r"^\*(?!\*)(.+?)\*$")
_STATEMENT_END = regex.compile(r"[。；…][”’」』）)]*$")
_COLON_END = regex.compile(r"[：；:;]$")
_INNER_STOP = regex.compile(r"[。！？；]")  # a line with a sentence end is no headline's
_PARENTHETICAL = regex.compile(r"^[（(][^（）()]*[）)]$")  # （本报平壤12月28日电）: a note, not a heading
_DATELINE_TAIL = regex.compile(r"\d日电[)）]$|[（(]新华社[^（）()]*[)）]$")
_HAN = regex.compile(r"\p{Han}")
_WORDS = regex.compile(r"\p{Han}|[A-Za-z]")
# documents that are not news: a chapter or numbered section heading
# (第三章 总则, 一、代序) on a line of its own is a sub-heading, and an
# editor's note (编者按) a paragraph of its own
SECTION_HEADING = regex.compile(r"^(?:第[一二三四五六七八九十百零〇\d]{1,4}[章节篇部讲]|[一二三四五六七八九十]{1,3}、)\s*\S")
# (编者按, 作者按, 译者按, and 編者按 or an OCR'd 福者按: in 1,008 clean
# articles 者按 stands only there, at a paragraph's start, followed by ：)
EDITORS_NOTE = regex.compile(r"^[【\[]?(?:\p{Han}者按|编者的话|編者的話|编后|編後|按语|按語)[】\]]?(?:[：:]|$)")
LATIN_END = regex.compile(r"[A-Za-z]$")
LATIN_START = regex.compile(r"^[A-Za-z]")


@dataclass(slots=True)
class Line:
    start: int
    end: int
    text: str
    width: float
    kind: str = "text"        # text, title, h, byline, caption
    strip_prefix: int = 0      # characters of markup to drop (#, ▲, *)
    strip_suffix: int = 0
    md_level: int = 0
    justified: bool = False    # letter-spaced to fill its column: a full line
    raw_line: int = 0
    ended: bool = False        # ends a sentence
    soft: bool = False         # ends on punctuation that does not end one
    is_dateline: bool = False
    editors_note: bool = False  # starts an editor's note (编者按：…)

    headline_shape: bool = False

    def __post_init__(self):
        self.ended = st.ends_sentence(self.text)
        self.soft = st.soft_end(self.text)
        self.is_dateline = bool(st.dateline(self.text))
        self.headline_shape = _headline_shape(self.text, self.soft)


def _lines(doc: Doc) -> list[Line]:
    out, pos = [], 0
    text = doc.text
    for raw in text.split("\n"):
        s = raw.strip(" \t\u3000\u00a0\ufeff\r")
        if s:
            start = pos + raw.index(s)
            out.append(Line(start, start + len(s), s, st.width(s), raw_line=doc.origin[start]))
        pos += len(raw) + 1
    return out


def _classify(doc: Doc, lines: list[Line]) -> None:
    image_lines = sorted({n.line for n in doc.notes if n.key == "images"})  # searched, never scanned
    p = PARAMS
    prev_raw_line = 0
    for ln in lines:
        raw_line = ln.raw_line
        first, last = ln.text[0], ln.text[-1]
        md = st.MD_HEADING.match(ln.text) if first == "#" else None
        it = ITALIC.match(ln.text) if first == "*" else None
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
        elif st.parse_byline(ln.text):
            ln.kind = "byline"
        elif SECTION_HEADING.match(ln.text) and ln.width <= p.section_widest and not ln.ended and not ln.soft:
            ln.kind = "h"
        elif EDITORS_NOTE.match(ln.text):
            ln.editors_note = True
            if len(ln.text) <= p.editors_note_head:  # 编者按： alone on its line heads the note
                ln.kind = "h"
        elif first in "▲△▼◆" and st.CAPTION_MARK.match(ln.text):
            ln.kind = "caption"
            ln.strip_prefix = st.CAPTION_MARK.match(ln.text).end()
        elif bisect.bisect_right(image_lines, prev_raw_line) < bisect.bisect_left(image_lines, raw_line) \
                and ln.width <= p.heading_max and not ln.ended:
            ln.kind = "caption"
        prev_raw_line = raw_line
    _mark_bold_lines(lines)
    _mark_name_bylines(lines)
    for ln, nxt in zip(lines, lines[1:]):
        # a dateline broken at the column edge (新华社乌鲁木齐1月13 / 日电)
        if not ln.is_dateline and ln.kind == "text" and nxt.kind == "text" and ln.text.startswith(st.DATELINE_HEADS):
            dm = st.dateline(ln.text + nxt.text)
            ln.is_dateline = bool(dm and dm.end() > len(ln.text))
        if ln.md_level == 2 and (nxt.kind == "byline" or nxt.is_dateline
                                 or (nxt.text.startswith(("——", "—")) and nxt.width <= p.long)):
            ln.kind = "title"


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
_OPENERS, _CLOSERS = "“‘（(《「『【", "”’）)》」』】"


_DROP_OPENERS = str.maketrans("", "", _OPENERS)
_DROP_CLOSERS = str.maketrans("", "", _CLOSERS)


def _unbalanced(text: str) -> bool:
    """More opening than closing marks (counted by deleting them, in C)."""
    return len(text) - len(text.translate(_DROP_OPENERS)) > len(text) - len(text.translate(_DROP_CLOSERS))


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
        if ln.kind != "text" or ln.ended or ln.soft or ln.width > p.names_widest:
            continue
        common = st.bare_names(ln.text)
        if not common and not st.unlisted_names(ln.text):
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        prev = lines[i - 1] if i else None
        if nxt is None or nxt.kind not in ("text", "title"):  # (a title: a '#' line of a cleaned page)
            continue
        after = lines[i + 2] if i + 2 < len(lines) else None
        if not nxt.is_dateline and not nxt.ended and nxt.width <= p.heading_max and after is not None \
                and after.width > p.long:
            continue  # a short line over long paragraphs is a heading: the name is a section's label
        # under a deck (kicker, title, subtitle) that follows a finished paragraph (or opens the page)
        k = i - 1
        while k >= 0 and i - k <= p.deck_above_names and lines[k].kind == "text" and lines[k].headline_shape \
                and not lines[k].ended:
            k -= 1
        # (a deck never opens on its ——subtitle: ——编者 after a note signs it)
        headline_above = k < i - 1 and (k < 0 or lines[k].ended or lines[k].kind != "text") \
            and not lines[k + 1].text.startswith("——")
        if nxt.is_dateline or (common and (prev is None or prev.kind in ("title", "byline") or headline_above
                                           or (prev.ended and nxt.kind == "text"))):
            ln.kind = "byline"  # an uncommon surname only over a dateline


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


def _mark_source_headers(doc: Doc, lines: list[Line]) -> set[int]:
    """Title and byline lines before each source line a rule removed (a
    ``date`` note); returns the title lines that go on on the next line (a
    headline wrapped at the page edge or inside its quotes/brackets)."""
    sources = sorted({n.line for n in doc.notes if n.key == "date"})
    if not sources or not lines:
        return set()
    breaks = sorted({r.line for r in doc.removed if r.rule.startswith("furniture.")} - set(sources))
    p = PARAMS
    raw = [ln.raw_line for ln in lines]
    wrap = _wrap_width(lines)
    goes_on: set[int] = set()
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
        text = ""
        for a, b in zip(titles, titles[1:]):
            text += lines[a].text
            if _unbalanced(text) or lines[a].width >= wrap - p.full_slack:
                goes_on.add(a)
            else:
                text = ""
    return goes_on


def _column_widths(lines: list[Line]) -> list[float] | None:
    """Per-line column width W on a column page, or None on a paragraph page."""
    p = PARAMS
    body = [ln for ln in lines if ln.kind == "text"]
    if len(body) < p.column_min_lines:
        return None
    column_max = p.column_max
    if sum(ln.width <= column_max for ln in body) < p.column_share * len(body):
        # A wider column shows in the lines that end no sentence: in a column
        # most lines are such, nearly all of one width (full, or a first line
        # two short); on a page of one paragraph a line they are rare breaks.
        open_ = [ln.width for ln in body if not ln.ended]
        if len(open_) < p.wide_min_open or len(open_) < p.wide_open_share * len(body):
            return None
        counts = Counter(math.floor(w + 0.5) for w in open_)
        mode = max(counts, key=lambda k: (counts[k], k))
        lo, hi = mode - p.mode_below, mode + p.mode_above
        if mode > p.column_widest or sum(lo <= w <= hi for w in open_) < p.mode_share * len(open_):
            return None
    widths: list[float] = [0.0] * len(lines)
    seg: list[int] = []

    def close():
        if not seg:
            return
        # W from the lines that end no sentence: full lines, and first lines
        # two short; with short paragraphs the two are equally common, so the
        # upper quartile, not the mode
        open_ = sorted(math.floor(lines[i].width + 0.5) for i in seg if not lines[i].ended)
        if len(open_) >= p.quartile_min_lines:
            w = open_[int(len(open_) * p.quartile)]
        else:
            counts = Counter(math.floor(lines[i].width + 0.5) for i in seg)
            w = max(counts, key=lambda k: (counts[k], k))
        for i in seg:
            widths[i] = float(w)
        seg.clear()

    for i, ln in enumerate(lines):
        if ln.kind == "text":
            seg.append(i)
        elif ln.kind in ("byline", "title"):
            close()
    close()
    return widths


def _starts_block(ln: Line) -> bool:
    return ln.kind in ("byline", "title") or ln.is_dateline


def _deck_like(ln: Line, longest: float) -> bool:
    """Not too long, and not ending a statement (a headline may end on ？ or ！)."""
    return ln.width <= longest and ln.headline_shape


def _headline_shape(t: str, soft: bool) -> bool:
    """What a headline line can look like, width aside: it may end on ？, ！
    or ——, never on 。 or ；, and is not a parenthesis or a dateline's tail."""
    last = t[-1]
    if soft and not t.endswith("——"):
        return False
    if last in "。；…" or (last in "”’」』）)" and _STATEMENT_END.search(t[-PARAMS.statement_tail:])):
        return False
    if t.startswith(("（", "(")) or t.count("（") + t.count("(") != t.count("）") + t.count(")"):
        return False
    return not (last in ")）" and _DATELINE_TAIL.search(t))


def _headline_piece(lines: list[Line], i: int, longest: float) -> int | None:
    """End (exclusive) of the headline that starts at line ``i``: the line
    itself, or, when it opens quotes or brackets it does not close
    (``当好便利生活的小蜜蜂（中国`` / ``道路中国梦）``), the lines up to the one
    that closes them; None when that is not headline-shaped."""
    if lines[i].kind != "text" or lines[i].is_dateline or not _WORDS.search(lines[i].text):
        return None  # a headline has words (a row of ***** or ———— is a rule)
    text, k = lines[i].text, i + 1
    while _unbalanced(text) and k < len(lines) and k - i < PARAMS.max_headline_piece \
            and lines[k].kind == "text" and not lines[k].is_dateline:
        text += lines[k].text
        k += 1
    if k == i + 1:
        return k if _deck_like(lines[i], longest) else None
    if any(lines[x].width > longest for x in range(i, k)) or not _headline_shape(text, st.soft_end(text)):
        return None
    # a headline breaks at a word, not after a comma or a sentence (红色条幅格外醒目：“ / …万岁！”)
    if any((lines[x].soft and not lines[x].text.endswith("——")) or _INNER_STOP.search(lines[x].text)
           for x in range(i, k)):
        return None
    return k


def _mark_decks(lines: list[Line], column_page: bool, widths: list[float] | None = None) -> set[int]:
    """A run of unfinished lines right before a byline, a dateline or the end
    of the page, after a finished paragraph, is a headline deck.  On a column
    page a headline may be much wider than the column; elsewhere it is short.
    Returns the deck lines that go on on the next line (a headline broken
    inside its brackets, a column tag ``（国际论坛）`` printed on a line of its own)."""
    prm = PARAMS
    longest = 2 * prm.long if column_page else prm.long
    n = len(lines)
    goes_on: set[int] = set()
    i = 0
    while i < n:
        if _headline_piece(lines, i, longest) is None:
            i += 1
            continue
        j, pieces = i, []
        while j < n:
            e = _headline_piece(lines, j, longest)
            if e is None and pieces and _PARENTHETICAL.match(lines[j].text) and lines[j].width <= longest \
                    and not _DATELINE_TAIL.search(lines[j].text):
                e = j + 1  # the column tag of the headline above
                pieces[-1] = (pieces[-1][0], e)
                j = e
                continue
            if e is None:
                break
            pieces.append((j, e))
            j = e
        # (a page that is nothing but these lines is text, not a headline)
        before_ok = (j < n) if i == 0 else (lines[i - 1].kind != "text" or lines[i - 1].ended)
        # a paragraph page (web, PDF) opening on one to three short lines before
        # its body: the article's headline, whether or not a byline follows
        opens = i == 0 and not column_page and j - i <= prm.opening_deck and j < n and lines[j].kind in ("text", "h") \
            and (lines[j].width > prm.heading_max or lines[j].kind == "h")
        # on a column page, lines set across columns at the page's top or
        # right under a byline, before the body: the headline under its byline
        after_ok = j == n or _starts_block(lines[j]) or opens
        if not (before_ok and after_ok) and widths is not None and (i == 0 or lines[i - 1].kind == "byline"):
            wide = [p for p in pieces if all(lines[k].width > widths[k] + prm.across_margin for k in range(*p))]
            end = wide[-1][1] if wide and wide == pieces[:len(wide)] else i
            # at most a deck's lines, and the body under them back at the column's width
            if i < end < n and end - i <= prm.opening_deck and lines[end].kind == "text" \
                    and lines[end].width <= widths[end] + prm.full_slack:
                pieces, j, after_ok, before_ok = wide, end, True, True
        if before_ok and not after_ok:
            # a subtitle (——…) under one or two headline lines closes a deck
            # even when no byline or dateline follows it
            subs = [x for x, p in enumerate(pieces[:prm.opening_deck]) if x and lines[p[0]].text.startswith("——")]
            if subs:
                pieces = pieces[:subs[0] + 1]
                j, after_ok = pieces[-1][1], True
        if before_ok and after_ok and j > i:
            for a, e in pieces:
                for k in range(a, e):
                    lines[k].kind = "title"
                goes_on.update(range(a, e - 1))
        i = max(j, i + 1)
    return goes_on


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


def _mark_opening_title(lines: list[Line], widths: list[float] | None) -> None:
    """On a column page, a first line clearly narrower than its column that
    ends no sentence, over more text, is the page's title (a transcript's or
    a booklet's: 周总理讲话 over its 时间：… lines).  A printed line of
    body text is full unless it ends its paragraph, and a page does not open
    on a paragraph's unfinished last line.  The line under it must be body:
    of its column's width, not a dateline (本报…, 新华社…, however damaged)."""
    if widths is None or len(lines) < 2 or lines[0].kind != "text" or lines[1].kind != "text":
        return
    ln, nxt, p = lines[0], lines[1], PARAMS
    # (over a dateline it is a byline; over a line set across columns, a deck's kicker)
    if ln.headline_shape and not ln.ended and not ln.is_dateline and _WORDS.search(ln.text) \
            and ln.width <= min(p.heading_max, widths[0] - p.narrow_margin) \
            and not "".join(nxt.text[:16].split()).startswith(st.DATELINE_HEADS) \
            and nxt.width <= widths[1] + p.across_margin:
        ln.kind = "title"


def _joins(lines: list[Line], widths: list[float] | None) -> list[bool]:
    """``joins[i]``: line i continues on line i+1.  A caption runs on for a
    few lines; other text is judged against its column where the page has
    one (:func:`_column_join`), else as paragraphs (:func:`_paragraph_join`)."""
    p = PARAMS  # bound once: read on every line
    long, caption_max = p.long, p.caption_lines
    n = len(lines)
    joins = [False] * n
    para_open = False  # the current block is a paragraph still running
    caption_lines = 0
    for i in range(n - 1):
        a, b = lines[i], lines[i + 1]
        if a.kind == "caption":
            caption_lines += 1
            joins[i] = (b.kind == "text" and caption_lines < caption_max and not a.ended and not b.ended
                        and b.width <= long)
            if joins[i]:
                b.kind = "caption"
            else:
                caption_lines = 0
            continue
        caption_lines = 0
        if a.kind != "text" or b.kind != "text" or b.is_dateline or b.editors_note:
            para_open = False
            continue
        if widths is not None:
            joins[i] = _column_join(lines, joins, i, widths[i], para_open, p)
        else:
            joins[i] = _paragraph_join(lines, joins, i, p)
        para_open = joins[i]
    return joins


def _column_join(lines: list[Line], joins: list[bool], i: int, w: float, para_open: bool, p) -> bool:
    """Whether text line i goes on to line i+1 on a page whose column is
    ``w`` wide here; a sub-heading (line i, or lines i-1 and i) is marked
    ``h`` and ends its block."""
    a, b = lines[i], lines[i + 1]
    heading_max = p.heading_max
    ended = a.ended
    full = a.width >= w - p.full_slack or a.justified
    # the column here, from the next two lines (one of them is full)
    local = max([ln.width for ln in lines[i + 1:i + 1 + p.local_lines] if ln.kind == "text"] or [w])
    # a sub-heading: after a finished paragraph, clearly narrower than
    # a first line (which is about two columns short)
    narrow = a.width <= min(w, local) - p.narrow_margin and a.width <= heading_max
    # a line far wider than its column was printed across columns
    wide = a.width > w + p.across_margin and a.width <= p.long
    after_byline = i > 0 and lines[i - 1].kind == "byline" and a.width <= w * p.after_byline_share
    if (not para_open and not ended and i > 0 and (lines[i - 1].kind == "text" or after_byline)
            and not a.justified and (narrow or wide)
            and not a.soft and not a.is_dateline and not _PARENTHETICAL.match(a.text)):
        # short, unfinished, alone: a sub-heading when body follows
        a.kind = "h"
        return False
    if (para_open and narrow and not ended and not a.soft and i > 1 and not joins[i - 2]
            and lines[i - 2].kind == "text" and lines[i - 2].ended
            and not _INNER_STOP.search(lines[i - 1].text) and not lines[i - 1].is_dateline
            and lines[i - 1].width + a.width <= 2 * heading_max and not _PARENTHETICAL.match(a.text)):
        # a sub-heading too long for one line: after a finished
        # paragraph, a full line and a short one that ends no sentence
        lines[i - 1].kind = a.kind = "h"
        return False
    if ended and not full:
        return False
    if para_open and narrow and not ended and b.width + p.indent_slack <= w:
        # only a paragraph's last line falls short of its column (one that ends
        # on no mark), and the next starts short by its lost indent
        return False
    if ended:
        # a full line ending a sentence: the next starts a paragraph
        # when it is indented short and goes on past its own line
        # (punctuation hanging past the edge does not count)
        nxt_short = b.width - (1 if b.text[-1] in st.HANGING and b.width > w else 0) <= w - p.indent_slack
        goes_on = i + 2 < len(lines) and lines[i + 2].kind == "text" and not b.ended
        return not (nxt_short and goes_on)
    return True


def _paragraph_join(lines: list[Line], joins: list[bool], i: int, p) -> bool:
    """Whether text line i goes on to line i+1 on a page with no column
    width: a sentence's end ends the paragraph; a run of short unfinished
    lines before body text is a heading (marked ``h``, joins cleared)."""
    a, b = lines[i], lines[i + 1]
    if a.ended:
        return False
    if (a.width <= p.heading_max and not a.soft and not _PARENTHETICAL.match(a.text) and b.width > p.long
            and (run := _heading_run(lines, joins, i))):
        # short pieces ending no sentence, right before body text: a
        # heading (a two-line one, 朝鲜 / 或将重启…, is two pieces)
        for k in run:
            lines[k].kind = "h"
            joins[k] = False
        return False
    if _COLON_END.search(a.text) and a.width > p.long:
        return False  # a long line ending on a colon introduces what follows
    return True


def _heading_run(lines: list[Line], joins: list[bool], i: int) -> list[int]:
    """Line ``i`` and the short unfinished lines joined into it, when they
    follow a finished paragraph (or open the page): all of a heading; else []."""
    p = PARAMS
    k = i
    while k > 0 and joins[k - 1]:
        k -= 1
        ln = lines[k]
        if ln.width > p.heading_max or ln.soft or ln.kind != "text" or _PARENTHETICAL.match(ln.text) \
                or i - k >= p.heading_lines:
            return []
    return list(range(k, i + 1))


_HTML_BLOCK = regex.compile(r"^<(table|pre|ul|ol|dl)\b.*</\1>$", regex.IGNORECASE)
# a line of form fields with nothing filled in: labels, each ending on a
# colon (合同编号：, 采购人（甲方）：, 地 址： 地 址：), no other punctuation
_FIELD = r"[^\p{P}\s](?:[^\p{P}]|[（(][^\p{P}]{1,8}[）)]){0,15}"
_EMPTY_FIELDS = regex.compile(rf"^(?:{_FIELD}\s*[：:]\s*)+$")


def _end_items(lines: list[Line], joins: list[bool], widths: list[float] | None) -> None:
    """Lines the writer ended, whatever follows them: an HTML block a
    converter wrote on one line (``<table>…</table>``) is a block of its
    own; and on a paragraph page a line of empty form fields (``合同编号：``,
    a label with nothing after its colon) short of the page's printed width
    is a paragraph of its own: its writer ended it there, where a printed
    line ends because it is full.  Column pages judge by their column."""
    short = _wrap_width(lines) - PARAMS.narrow_margin if widths is None else 0.0
    for i, ln in enumerate(lines):
        if ln.kind != "text":
            continue
        if ln.text[0] == "<" and _HTML_BLOCK.match(ln.text):
            joins[i] = False
            if i:
                joins[i - 1] = False
        elif ln.width < short and ln.text[-1] in "：:" and _EMPTY_FIELDS.match(ln.text):
            joins[i] = False


LETTER_SPACED = regex.compile(r"^[^\S\n]*(?:\S[ \u3000]){4,}\S[^\S\n]*$", regex.MULTILINE)
SPREAD = regex.compile(r"(?<=\S)[ \u3000](?=\S)")


# -- tables of contents ---------------------------------------------------------
# A booklet or a compilation lists its sections or articles before printing
# them.  A run of such entries is furniture (to removed.jsonl), and evidence:
# a later line that is one of its entries is a section heading (numbered
# entries, 一、代序) or an article's title (entries without numbers).
CONTENTS_HEAD = regex.compile(r"^(?:#{1,6}\s+)?(?:(?:文章)?目\s*录(?:\s+Contents)?|Contents)$", regex.IGNORECASE)
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


def _numbered(text: str) -> bool:
    return bool(_ENTRY_NUMBER.match(text.strip()))


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
    text = doc.text
    rows, pos = [], 0
    for raw in text.split("\n"):
        rows.append((pos, pos + len(raw), raw.strip()))
        pos += len(raw) + 1
    nonblank = [r for r in rows if r[2]]
    for i, (start, _end, t) in enumerate(nonblank):
        headed = bool(CONTENTS_HEAD.match(t))
        j = i + 1 if headed else i
        k, seen = j, set()
        while k < len(nonblank) and _LETTER.search(nonblank[k][2]) \
                and _entry_sized(nonblank, k) and (headed or _numbered(nonblank[k][2])) \
                and not nonblank[k][2].endswith(("。", "；")) and _entry_key(nonblank[k][2]) not in seen:
            seen.add(_entry_key(nonblank[k][2]))  # an entry listed again is the text itself
            k += 1
        entries = nonblank[j:k]
        if len(entries) < p.min_contents:
            continue
        keys = [_entry_key(e[2]) for e in entries]
        rest = [_entry_key(r[2]) for r in nonblank[k:]]
        rest_set = set(rest)
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


def collapse_letter_spacing(doc: Doc) -> set[int]:
    """``“ 一 组 一 会 ” 组 建``: a justified line with every character spread
    apart is one run of text; its spaces go before widths are measured.
    Returns the raw lines that were spread: justified, so full lines."""
    edits, spread = [], set()
    for m in LETTER_SPACED.finditer(doc.text):
        if _HAN.search(m.group(0)):
            edits += [(m.start() + s.start(), m.start() + s.end(), "") for s in SPREAD.finditer(m.group(0))]
            spread.add(doc.line_at(m.start()))
    doc.edit(edits, "unwrap.letter-spacing")
    return spread


def unwrap(doc: Doc) -> Doc:
    """Turn the page into blocks (see module docstring); records each join."""
    if laid_out(doc):  # an article this program wrote: each line is a block, its Markdown ours
        doc.set_blocks((kind, doc.text[ln.start + a:ln.end - b], doc.origin[ln.start + a:ln.end - b])
                       for ln in _lines(doc) for kind, a, b in [read_block(ln.text)])
        return doc
    spread = collapse_letter_spacing(doc)
    contents, contents_line = take_contents(doc)
    lines = _lines(doc)
    _classify(doc, lines)
    headline_goes_on = _mark_contents(lines, contents, contents_line)
    _mark_numbered_sections(lines, contents)
    headline_goes_on |= _mark_vertical_titles(lines)
    headline_goes_on |= _mark_source_headers(doc, lines)
    widths = _column_widths(lines)
    headline_goes_on |= _mark_decks(lines, widths is not None, widths)
    _mark_opening_title(lines, widths)
    if widths is not None:
        for ln in lines:
            if ln.raw_line in spread:
                ln.justified = True
    joins = _joins(lines, widths)
    _end_items(lines, joins, widths)
    for i in headline_goes_on:
        joins[i] = True
    heads, typed = posts.head_lines(doc), posts.typed_lines(doc)
    for i in range(len(lines) - 1):  # never across a forum post's header, nor a typed line's end
        if joins[i] and (typed or bisect.bisect_right(heads, lines[i].raw_line)
                         < bisect.bisect_right(heads, lines[i + 1].raw_line)):
            joins[i] = False
    blocks = []
    cur: list[Line] = []
    for i, ln in enumerate(lines):
        cur.append(ln)
        if not joins[i]:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    out = []
    for group in blocks:
        kind = group[0].kind if group[0].kind != "text" else "p"
        parts, org = [], array("i")
        for k, ln in enumerate(group):
            s, e = ln.start + ln.strip_prefix, ln.end - ln.strip_suffix
            piece = doc.text[s:e]
            if ln.strip_prefix and kind == "caption" and st.CAPTION_MARK.match(ln.text):
                doc.remove("unwrap.caption-mark", doc.line_at(ln.start),
                                           doc.text[ln.start:s].strip())
            if k:
                prev = parts[-1]
                doc.record_change("unwrap.join", doc.line_at(s), "\n", "")
                if LATIN_END.search(prev) and LATIN_START.search(piece):
                    parts.append(" ")
                    org.append(doc.line_at(s))
            parts.append(piece)
            org.extend(doc.origin[s:e])
        out.append((kind, "".join(parts), org))
    doc.set_blocks(out)
    return doc
