"""The unwrapper's per-line core: plain data in, plain data out.

Why a module of its own: the per-line work of :mod:`normalize.unwrap` (what
each printed line looks like, where the column is, which lines are headline
decks, which line runs on into the next) is a third of a run's time, and it
is the part a native core will take over.  It is written here against plain
data only, no :class:`~normalize.doc.Doc`, no line objects, no callbacks, so
that another implementation can replace it function for function.  This
pure-Python version is the reference: ``tests/test_cores.py`` runs every
implementation in ``IMPLEMENTATIONS`` on random pages of the repo's fixtures
and compares it with this one.  What stays in unwrap.py is the reading of
the page as a whole (bylines by their wording, tables of contents, source
lines, numbered sections, vertical titles, forum posts) and the building
of blocks; it hands its findings over as kinds and mark bits.

The contract (two functions; a line is a printed line without its
surrounding spaces, never empty, without ``\\n``):

``line_features(texts: list[str], params) -> (widths, bits, balance)``
    ``widths``: ``array('d')``, the display width of each line
    (:func:`normalize.structure.width`: Han 1, ASCII ½, stray spaces 0; a
    multiple of ½).  ``bits``: ``array('I')``, for each line the OR of the
    feature bits below that hold (``ENDED`` … ``COLON_END``); the mark bits
    (``EDITORS_NOTE`` …) are 0.  ``balance``: ``array('i')``, opening minus
    closing marks of ``“‘（(《「『【`` / ``”’）)》」』】`` on the line.
    All three have ``len(texts)`` entries.  ``params`` as for
    ``decide_joins`` (``statement_tail`` is the one read here).

``decide_joins(texts, widths, bits, balance, kinds, params) -> (kinds, joins)``
    ``texts``, ``widths``, ``balance`` as above; ``bits`` as above, with
    ``DATELINE`` possibly set by the page reading (a dateline broken over
    two lines) and the mark bits set by it; ``kinds``: ``bytes``, one kind
    code per line (``TEXT`` … ``QUOTE``) as the page reading left them;
    ``params``: the values of :class:`UnwrapParams`, in field order
    (``dataclasses.astuple``).  Returns new ``kinds`` (``bytearray``: lines
    found to be sub-headings, deck lines, caption lines) and ``joins``
    (``bytearray`` of ``len(texts) - 1`` entries, 0 for an empty page):
    ``joins[i]`` is 1 when line ``i`` runs on into line ``i + 1``, else 0.
    A text line marked ``HTML_BLOCK`` neither runs on nor is run into, and
    on a paragraph page (no column width) a text line marked ``FIELDS``
    narrower than the page's printed width does not run on (both unless
    ``GOES_ON``: the writer ended these lines, see :func:`_end_items`).
    Invariants: the inputs are not modified; a line marked ``NO_JOIN``
    never runs on; a line marked ``GOES_ON`` (and no ``NO_JOIN``) always
    does; only ``TEXT`` lines change kind; a line runs on into the next
    only where both are text, or a caption runs on into a text line (which
    becomes caption), or the two lines of a sub-heading too long for one
    line (both ``H``), or a deck/``GOES_ON`` line into the next.  The
    output depends on nothing but the inputs (deterministic).

Feature and mark bits (``bits``):

=================  ===========================================================
``ENDED``          ends a sentence (:func:`normalize.structure.ends_sentence`)
``SOFT``           ends on punctuation that ends no sentence (``soft_end``)
``HEADLINE``       headline-shaped, width aside (:func:`headline_shape`)
``DATELINE``       opens with a dateline (``structure.dateline``)
``WORDS``          holds a Han character or a Latin letter
``PAREN``          one parenthesis from start to end: ``（本报平壤电）``
``INNER_STOP``     holds 。！？ or ；
``DATELINE_TAIL``  ends a dateline's parenthesis (``日电）``, ``（新华社…）``)
``DASH_START``     starts with ``—``
``DASHES_START``   starts with ``——``
``DASHES_END``     ends with ``——``
``HANGS``          its last character may hang past the column (``structure.HANGING``)
``COLON_END``      ends on ``：；:;``
``HTML_BLOCK``     an HTML block written on one line: ``<table>…</table>`` (also pre, ul, ol, dl)
``FIELDS``         form fields with nothing filled in: labels each ending on a colon (``合同编号：``)
``EDITORS_NOTE``   mark: starts an editor's note (nothing runs on into it)
``SPREAD``         mark: letter-spaced to fill its column (a full line on a column page)
``GOES_ON``        mark: the page reading says it runs on (a headline over lines)
``NO_JOIN``        mark: never runs on (a forum post's header follows, typed lines)
``BLANK_BREAK``    mark: a blank line follows that ends a paragraph (the page reading weighs
                   the page's blank lines): a text line never runs on past it (a deck's may)
=================  ===========================================================
"""
from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass
from itertools import takewhile

import regex

from . import structure as st

# kind codes (``kinds``) and their names in unwrap and Doc
TEXT, TITLE, H, BYLINE, CAPTION, QUOTE = range(6)
KIND_NAMES = ("text", "title", "h", "byline", "caption", "quote")
KIND_CODES = {name: code for code, name in enumerate(KIND_NAMES)}

ENDED, SOFT, HEADLINE, DATELINE, WORDS, PAREN, INNER_STOP, DATELINE_TAIL = (1 << k for k in range(8))
DASH_START, DASHES_START, DASHES_END, HANGS, COLON_END, HTML_BLOCK, FIELDS = (1 << k for k in range(8, 15))
EDITORS_NOTE, SPREAD, GOES_ON, NO_JOIN = (1 << k for k in range(16, 20))
MARKS = EDITORS_NOTE | SPREAD | GOES_ON | NO_JOIN
BLANK_BREAK = 1 << 20
MARKS |= BLANK_BREAK


@dataclass(frozen=True, slots=True)
class UnwrapParams:
    """Every threshold of the unwrapper, each with why it has its value.
    Widths are display columns (Han 1, ASCII ½).  The code reads them from
    ``unwrap.PARAMS``; the pipeline hashes its values into the rules stamp,
    so a changed value re-cleans the files it covers."""
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
    blank_runon_share: float = 0.5  # a page's blank lines end paragraphs when fewer than this share of them
    # follow a line that runs on (ends no sentence, wider than half the page's lines): a double-spaced
    # page has most of them there (0.75-0.93 on gen_pages.py's, 0.89 on sample 000), a page broken
    # mid-sentence at its page ends over half (d12 0.83, d21 0.62), typed paragraphs few (web 0, forums 0.24-0.50)
    # -- tables of contents
    min_contents: int = 3       # fewer entries than this are a short list, not a table of contents
    entry_widest: int = 40      # a contents entry is one short line
    entry_shortest: int = 2     # entry text shorter than this proves nothing when it recurs
    entry_prefix_min: int = 4   # an entry cut at the column edge matches a heading it begins from this length


STATEMENT_END = regex.compile(r"[。；…][”’」』）)]*$")
PARENTHETICAL = regex.compile(r"^[（(][^（）()]*[）)]$")  # （本报平壤12月28日电）: a note, not a heading
CLOSING_NOTE_RE = regex.compile(rf"(?:{st.CLOSING_NOTE})$")
DATELINE_TAIL_RE = regex.compile(r"\d日电[)）]$|[（(]新华社[^（）()]*[)）]$")
_WORDS = regex.compile(r"\p{Han}|[A-Za-z]")
OPENERS, CLOSERS = "“‘（(《「『【", "”’）)》」』】"
_HTML_BLOCK = regex.compile(r"^<(table|pre|ul|ol|dl)\b.*</\1>$", regex.IGNORECASE)
# a line of form fields with nothing filled in: labels, each ending on a
# colon (合同编号：, 采购人（甲方）：, 地 址： 地 址：), no other punctuation
_FIELD = r"[^\p{P}\s](?:[^\p{P}]|[（(][^\p{P}]{1,8}[）)]){0,15}"
_EMPTY_FIELDS = regex.compile(rf"^(?:{_FIELD}\s*[：:]\s*)+$")
# counted by the standard library's engine: a class of literal characters,
# found many times faster than by str.translate or the regex module
_MARKS = re.compile("[" + re.escape(OPENERS + CLOSERS) + "]")   # both in one scan
_CLOSING = frozenset(CLOSERS)
_PARENS = re.compile("[（()）]").findall
_INNER_STOP = re.compile("[。；！？]")


_AS_PARAMS: dict[tuple, UnwrapParams] = {}


def _as_params(params) -> UnwrapParams:
    if isinstance(params, UnwrapParams):
        return params
    p = _AS_PARAMS.get(params)
    if p is None:
        p = _AS_PARAMS[params] = UnwrapParams(*params)
    return p


def balance_of(text: str) -> int:
    """Opening minus closing quotes and brackets."""
    marks = _MARKS.findall(text)
    return len(marks) - 2 * sum(map(_CLOSING.__contains__, marks)) if marks else 0


def headline_shape(t: str, soft: bool, statement_tail: int) -> bool:
    """What a headline line can look like, width aside: it may end on ？, ！
    or ——, never on 。 or ；, and is not a parenthesis, a dateline's tail or
    a report's closing note."""
    last = t[-1]
    if soft and not t.endswith("——"):
        return False
    if last in "。；…" or (last in "”’」』）)" and STATEMENT_END.search(t[-statement_tail:])):
        return False
    if last in ".”’」』）)" and t.rstrip("”’」』）)")[-1:] == "." and st.ends_sentence(t):
        return False  # a half-width full stop after Chinese (同意.) ends a sentence as 。 does
    if t.startswith(("（", "(")):
        return False
    parens = _PARENS(t)  # (one scan, not a count of each of the four)
    if parens and parens.count("（") + parens.count("(") != parens.count("）") + parens.count(")"):
        return False
    # (nor does it close on a note that ends a report: （完）, （记者 王五 摄）)
    return not (last in ")）" and (DATELINE_TAIL_RE.search(t) or CLOSING_NOTE_RE.search(t[-st.PARAMS.sentence_tail:])))


def line_features(texts: list[str], params):
    """``(widths, bits, balance)`` of every line (see the module docstring)."""
    p = _as_params(params)
    statement_tail = p.statement_tail
    n = len(texts)
    widths = array("d", bytes(8 * n))
    bits = array("I", bytes(4 * n))
    balance = array("i", bytes(4 * n))
    width, ends, soft_end, dateline = st.width, st.ends_sentence, st.soft_end, st.dateline
    hanging, words = st.HANGING, _WORDS.search
    inner_stop = _INNER_STOP.search
    heads = frozenset(h[0] for h in st.DATELINE_HEADS)  # (a dateline is read after the line's spaces)
    # ends_sentence and soft_end inlined for a line that ends on no space (all
    # but a rare few: the line comes stripped): the same tests on its last character
    final, soft_chars = st._FINAL_CHARS, st._SOFT_CHARS
    sentence_end, sentence_tail = st.SENTENCE_END.search, st.PARAMS.sentence_tail
    for i, t in enumerate(texts):
        widths[i] = width(t)
        first, last = t[0], t[-1]
        if last.isspace():
            soft, ended = soft_end(t), ends(t)
        else:
            soft = last in soft_chars
            ended = last in final and (sentence_end(t[-sentence_tail:]) is not None
                                       or last in ".”’)" and st.latin_sentence(t))
        b = (ENDED if ended else 0) | (SOFT if soft else 0)
        if headline_shape(t, soft, statement_tail):
            b |= HEADLINE
        if (first in heads or first.isspace()) and dateline(t):
            b |= DATELINE
        if "\u4e00" <= first <= "\u9fef" or words(t):  # (a common Han character first: no search)
            b |= WORDS
        if first in "（(" and last in "）)" and PARENTHETICAL.match(t):
            b |= PAREN
        if inner_stop(t):
            b |= INNER_STOP
        if last in ")）" and DATELINE_TAIL_RE.search(t):
            b |= DATELINE_TAIL
        if first == "—":
            b |= DASH_START | (DASHES_START if t.startswith("——") else 0)
        if last == "—" and t.endswith("——"):
            b |= DASHES_END
        if last in hanging:
            b |= HANGS
        if last in "：；:;":
            b |= COLON_END
            if last in "：:" and _EMPTY_FIELDS.match(t):
                b |= FIELDS
        if first == "<" and _HTML_BLOCK.match(t):
            b |= HTML_BLOCK
        bits[i] = b
        balance[i] = balance_of(t)
    return widths, bits, balance


def decide_joins(texts, widths, bits, balance, kinds, params):
    """New kinds and the join of every line boundary (see the module docstring)."""
    p = _as_params(params)
    kinds = bytearray(kinds)
    col = _column_widths(widths, bits, kinds, p)
    goes_on = _mark_decks(texts, widths, bits, balance, kinds, col, p)
    goes_on |= _mark_opening_title(texts, widths, bits, kinds, col, p)
    joins = _joins(widths, bits, kinds, col, p)
    _end_items(widths, bits, kinds, joins, col, p)
    for i in goes_on:
        joins[i] = 1
    for i in range(len(joins)):
        b = bits[i]
        if b & NO_JOIN:
            joins[i] = 0
        elif b & GOES_ON:
            joins[i] = 1
    return kinds, joins


def _column_widths(widths, bits, kinds, p) -> list[float] | None:
    """Per-line column width W on a column page, or None on a paragraph page."""
    body = [i for i, k in enumerate(kinds) if k == TEXT]
    if len(body) < p.column_min_lines:
        return None
    column_max = p.column_max
    if sum(widths[i] <= column_max for i in body) < p.column_share * len(body):
        # A wider column shows in the lines that end no sentence: in a column
        # most lines are such, nearly all of one width (full, or a first line
        # two short); on a page of one paragraph a line they are rare breaks.
        open_ = [widths[i] for i in body if not bits[i] & ENDED]
        if len(open_) < p.wide_min_open or len(open_) < p.wide_open_share * len(body):
            return None
        counts = Counter(math.floor(w + 0.5) for w in open_)
        mode = max(counts, key=lambda k: (counts[k], k))
        lo, hi = mode - p.mode_below, mode + p.mode_above
        if mode > p.column_widest or sum(lo <= w <= hi for w in open_) < p.mode_share * len(open_):
            return None
    col: list[float] = [0.0] * len(kinds)
    seg: list[int] = []

    def close():
        if not seg:
            return
        # W from the lines that end no sentence: full lines, and first lines
        # two short; with short paragraphs the two are equally common, so the
        # upper quartile, not the mode
        open_ = sorted(math.floor(widths[i] + 0.5) for i in seg if not bits[i] & ENDED)
        if len(open_) >= p.quartile_min_lines:
            w = open_[int(len(open_) * p.quartile)]
        else:
            counts = Counter(math.floor(widths[i] + 0.5) for i in seg)
            w = max(counts, key=lambda k: (counts[k], k))
        for i in seg:
            col[i] = float(w)
        seg.clear()

    for i, k in enumerate(kinds):
        if k == TEXT:
            seg.append(i)
        elif k in (BYLINE, TITLE):
            close()
    close()
    return col


def _starts_block(kinds, bits, i: int) -> bool:
    return kinds[i] in (BYLINE, TITLE) or bool(bits[i] & DATELINE)


def _headline_piece(texts, widths, bits, balance, kinds, i: int, longest: float, p) -> int | None:
    """End (exclusive) of the headline that starts at line ``i``: the line
    itself, or, when it opens quotes or brackets it does not close
    (``当好便利生活的小蜜蜂（中国`` / ``道路中国梦）``), the lines up to the one
    that closes them; None when that is not headline-shaped."""
    if kinds[i] != TEXT or bits[i] & DATELINE or not bits[i] & WORDS:
        return None  # a headline has words (a row of ***** or ———— is a rule)
    open_, k, n = balance[i], i + 1, len(kinds)
    while open_ > 0 and k < n and k - i < p.max_headline_piece and kinds[k] == TEXT and not bits[k] & DATELINE:
        open_ += balance[k]
        k += 1
    if k == i + 1 and k < n and bits[i] & SOFT and texts[i][-1] in "，、" and _comma_broken(widths, bits, balance,
                                                                                       kinds, i, p.heading_max):
        return k + 1  # a headline broken after its comma (湖南省强化农业科技支撑， / 优化粮食品种结构)
    if k == i + 1:
        return k if widths[i] <= longest and bits[i] & HEADLINE else None
    text = "".join(texts[i:k])
    if any(widths[x] > longest for x in range(i, k)) \
            or not headline_shape(text, st.soft_end(text), p.statement_tail):
        return None
    # a headline breaks at a word, not after a comma or a sentence (红色条幅格外醒目：“ / …万岁！”)
    if any((bits[x] & SOFT and not bits[x] & DASHES_END) or bits[x] & INNER_STOP for x in range(i, k)):
        return None
    return k


def _comma_broken(widths, bits, balance, kinds, i: int, longest: float) -> bool:
    """Lines ``i`` (ending on its ， or 、) and ``i + 1`` read as one headline
    broken at its comma: both short (a headline breaks there into two short
    halves; a paragraph's line is wider), no sentence inside, no bracket
    left open, the second a headline line of words.  Only a candidate: what
    stands around the pair decides whether it is a deck."""
    j = i + 1
    # (not right under a byline, where a paragraph's first line ends on a
    # comma as often as not, nor a ——line, which a deck's subtitle would take)
    if (i and kinds[i - 1] == BYLINE) or bits[i] & DASH_START:
        return False
    return (kinds[j] == TEXT and bool(bits[j] & HEADLINE) and bool(bits[j] & WORDS)
            and not bits[j] & (DATELINE | SOFT) and not (bits[i] | bits[j]) & INNER_STOP
            and balance[i] == 0 and balance[j] == 0 and widths[i] <= longest and widths[j] <= longest)


def _mark_decks(texts, widths, bits, balance, kinds, col, p) -> set[int]:
    """A run of unfinished lines right before a byline, a dateline or the end
    of the page, after a finished paragraph, is a headline deck.  On a column
    page a headline may be much wider than the column; elsewhere it is short.
    Returns the deck lines that go on on the next line (a headline broken
    inside its brackets, a column tag ``（国际论坛）`` printed on a line of its own)."""
    column_page = col is not None
    longest = 2 * p.long if column_page else p.long
    n = len(kinds)
    goes_on: set[int] = set()
    # a line's piece is asked for again by the run it ends; lines after the
    # run, the only ones asked later, keep their kinds, so one answer holds
    memo: dict[int, int | None] = {}

    def piece(j):
        try:
            return memo[j]
        except KeyError:
            e = memo[j] = _headline_piece(texts, widths, bits, balance, kinds, j, longest, p)
            return e

    i, retried = 0, -1
    while i < n:
        if piece(i) is None:
            i += 1
            continue
        j, pieces = i, []
        while j < n:
            e = piece(j)
            if e is None and pieces and bits[j] & PAREN and widths[j] <= longest and not bits[j] & DATELINE_TAIL:
                e = j + 1  # the column tag of the headline above
                pieces[-1] = (pieces[-1][0], e)
                j = e
                continue
            if e is None:
                break
            pieces.append((j, e))
            j = e
        commas = [x for x, (a, e) in enumerate(pieces) if e - a == 2 and bits[a] & SOFT]
        if commas and len(pieces) > p.opening_deck:
            # a deck is a kicker, a title and a subtitle at most: a longer run
            # holding a break at a comma is a paragraph's column lines
            pieces = pieces[:commas[0]]
            if not pieces:
                i += 1
                continue
            j = pieces[-1][1]
        # (a page that is nothing but these lines is text, not a headline)
        before_ok = (j < n) if i == 0 else (kinds[i - 1] != TEXT or bool(bits[i - 1] & ENDED))
        # a paragraph page (web, PDF) opening on one to three short lines before
        # its body: the article's headline, whether or not a byline follows
        # (body: wider than a sub-heading, or a finished sentence as wide as
        # the page's printed lines under lines clearly narrower, or a finished
        # sentence under a blank line that ends a paragraph: 会议通知 / 明天…。)
        # (or on its byline: a document's institution or commentator over its title)
        at_top = (i == 0 or (i == 1 and kinds[0] == BYLINE and (len(pieces) > 1 or _signed_by_a_body(texts[0])))) \
            and not column_page

        def opens_at(j):
            return j - i <= p.opening_deck and j < n and kinds[j] in (TEXT, H) \
                and (widths[j] > p.heading_max or kinds[j] == H or (bits[j - 1] & BLANK_BREAK and bits[j] & ENDED)
                     or (bits[j] & ENDED
                         and widths[j] >= _short_paragraphs_width(widths, bits, kinds, p) - p.narrow_margin
                         > max(widths[i:j]))
                     # (under a byline over them, a finished line wider than them by a margin)
                     or (i == 1 and bits[j] & ENDED and widths[j] > max(widths[i:j]) + p.narrow_margin))
        if at_top and len(pieces) > 1:
            # the run took the body's first line too: a line wider than a
            # sub-heading as wide as the printed line under it and as the
            # page's printed lines (a first line that lost its indent, not a
            # headline over a paragraph; on a page of a paragraph a line the
            # lines' widths differ)
            last = pieces[-1]
            if last[1] - last[0] == 1 and last[1] < n and widths[last[0]] > p.heading_max \
                    and abs(widths[last[0]] - widths[last[1]]) <= p.narrow_margin \
                    and abs(widths[last[0]] - _wrap_width(widths, kinds, p)) <= p.narrow_margin and opens_at(last[0]):
                pieces, j = pieces[:-1], last[0]
        opens = at_top and opens_at(j)
        # on a column page, lines set across columns at the page's top or
        # right under a byline, before the body: the headline under its byline
        # (the end of the page ends a deck only for a run that did not open
        # inside a paragraph: there it is the paragraph's own unfinished end)
        # (nor, on a column page, a run whose last line is full when the page
        # opened on its headline or the line above is full too: a page ends on
        # its last article's text, cut short at the column's edge, where a
        # headline printed after its body ends on a line of its own width)
        cut = column_page and widths[n - 1] >= col[n - 1] - p.full_slack \
            and (kinds[0] == TITLE or (n - 2 >= i and abs(widths[n - 2] - col[n - 2]) <= p.full_slack
                                       and widths[n - 1] <= col[n - 1] + p.full_slack))
        after_ok = (i != retried and not cut if j == n else _starts_block(kinds, bits, j)) or opens
        if not (before_ok and after_ok) and col is not None and (i == 0 or kinds[i - 1] == BYLINE):
            wide = [q for q in pieces if all(widths[k] > col[k] + p.across_margin for k in range(*q))]
            if i > 0 and kinds[i - 1] == BYLINE and (i == 1 or (kinds[i - 2] == TEXT and bits[i - 2] & ENDED)) \
                    and bits[n - 1] & ENDED:
                # a byline printed above its headline, opening the page or after
                # the article before ended, on a page whose last line ends a
                # sentence (a page ending on a headline prints its headlines
                # after the bodies): a line under it that no paragraph's first line can be
                # (full or wider, or narrower than a sub-heading's margin: a
                # first line is its column less the indent OCR lost, and the
                # column reads a column wider where marks hang) is the deck;
                # one no wider than half its column is a section's label (核心阅读)
                # (a headline broken inside its brackets goes on however wide)
                def unlike_first(k):
                    return (widths[k] > col[k] - p.full_slack
                            or col[k] * p.after_byline_share < widths[k] < col[k] - p.narrow_margin)
                wide = list(takewhile(lambda q: unlike_first(q[0]), pieces))
            end = wide[-1][1] if wide and wide == pieces[:len(wide)] else i
            # at most a deck's lines, and the body under them back at the column's width
            if i < end < n and end - i <= p.opening_deck and kinds[end] == TEXT \
                    and widths[end] <= col[end] + p.full_slack:
                pieces, j, after_ok, before_ok = wide, end, True, True
        if before_ok and not after_ok:
            # a subtitle (——…) under one or two headline lines closes a deck
            # even when no byline or dateline follows it
            subs = [x for x, q in enumerate(pieces[:p.opening_deck]) if x and bits[q[0]] & DASHES_START]
            if subs:
                pieces = pieces[:subs[0] + 1]
                j, after_ok = pieces[-1][1], True
        if before_ok and not after_ok and column_page and i > 0:
            m = _deck_between_bodies(widths, bits, kinds, col, pieces, p)
            if m:
                pieces = pieces[:m]
                j, after_ok = pieces[-1][1], True
        if before_ok and after_ok and j > i:
            for a, e in pieces:
                for k in range(a, e):
                    kinds[k] = TITLE
                goes_on.update(range(a, e - 1))
            if opens and i == 1:  # under a document's byline: one title, broken as _mark_opening_title says
                goes_on.update(title_breaks(texts, bits, i, j))
        elif not before_ok:
            # a run that opened mid-paragraph (a paragraph's last line can be
            # headline-shaped: …产业可大！”) may hold a deck after that line
            # ends its sentence: try again from there
            k = next((k for k in range(i + 1, j) if bits[k - 1] & ENDED), j)
            i = retried = max(k, i + 1)
            continue
        i = max(j, i + 1)
    return goes_on


def _deck_between_bodies(widths, bits, kinds, col, pieces, p) -> int:
    """On a column page, after a finished paragraph, the headline of an
    article printed with no byline or dateline under it (or over a byline
    the page reading could not see): how many of ``pieces`` it takes, 0 when
    they are no deck.  It shows itself by a line set across columns (a
    sub-heading is set in its column, wrapped when long), under at most a
    short kicker or two (narrower than a paragraph's first line); a
    ——subtitle under it belongs to it, and the body under the deck is back
    at its column's width.  (A short line ending on —— is no kicker here: in
    the corpus' 1,008 articles all 79 such lines head a section of the
    body, 波兰—— over 共享中欧班列带来的发展机遇.)"""
    m = 0
    for x, (a, e) in enumerate(pieces[:p.opening_deck]):
        if all(widths[k] > col[k] + p.across_margin for k in range(a, e)):
            m = x + 1
            break
        if any(widths[k] > col[k] - p.narrow_margin for k in range(a, e)):
            return 0
    if m and m < len(pieces) and bits[pieces[m][0]] & DASHES_START:
        m += 1
    if not m:
        return 0
    nxt = pieces[m - 1][1]
    if nxt >= len(kinds) or kinds[nxt] != TEXT or widths[nxt] > col[nxt] + p.full_slack:
        return 0
    return m


def _mark_opening_title(texts, widths, bits, kinds, col, p) -> set[int]:
    """On a column page, a first line clearly narrower than its column that
    ends no sentence, over more text, is the page's title (a transcript's or
    a booklet's: 周总理讲话 over its 时间：… lines).  A printed line of
    body text is full unless it ends its paragraph, and a page does not open
    on a paragraph's unfinished last line.  The line under it must be body:
    of its column's width, not a dateline (本报…, 新华社…, however damaged).

    A document's title set large breaks over two or three such lines (为捍卫
    毛主席的无产阶 / 革命路而奋战終生), perhaps under or over its byline (an
    institution, a commentator): all of them narrower than the column, then
    the body at its width.  Two lines that open the page so are one title
    broken where the typesetter broke it (a body's first line is full or two
    short, and a paragraph's last line ends its sentence): joined, but for a
    ——subtitle or a kicker ending on —— or ：.  Further down the page, such
    a title under an institution's or a commentator's byline that follows a
    finished paragraph is the next document's (on a page of long lines too,
    measured against the page's printed width).  Returns the lines that go on."""
    n = len(kinds)
    if n < 2:
        return set()
    goes_on: set[int] = set()
    if col is not None:
        goes_on |= _title_under(texts, widths, bits, kinds, col, p, 1 if kinds[0] == BYLINE else 0)
    ref = col if col is not None else [_wrap_width(widths, kinds, p)] * n
    for s in range(1, n - 1):
        if kinds[s] == BYLINE and kinds[s - 1] == TEXT and bits[s - 1] & ENDED and _signed_by_a_body(texts[s]):
            goes_on |= _title_under(texts, widths, bits, kinds, ref, p, s + 1)
    return goes_on


def _title_under(texts, widths, bits, kinds, col, p, i: int) -> set[int]:
    """The title lines from line ``i`` (under a byline when ``i`` > 0), see
    :func:`_mark_opening_title`; ``col`` the width of the line each stands in."""
    n = len(kinds)

    def narrow(k):
        b = bits[k]
        return kinds[k] == TEXT and bool(b & HEADLINE) and bool(b & WORDS) and not b & (ENDED | DATELINE) \
            and widths[k] <= min(p.heading_max, col[k] - p.narrow_margin)

    def comma_broken(k):
        # a title broken after its comma (青岛啤酒发挥协同作用， / 打造行业生态):
        # a short line ending on ， or 、 with no sentence in it, over a
        # short title line; whether it is a title, the body under decides
        b = bits[k]
        return kinds[k] == TEXT and bool(b & SOFT) and bool(b & WORDS) and texts[k][-1] in "，、" \
            and not b & (INNER_STOP | DATELINE | DASH_START) and balance_of(texts[k]) == 0 \
            and widths[k] <= min(p.heading_max, col[k] - p.narrow_margin) and k + 1 < n and narrow(k + 1)

    j = i
    # (a label and its value, 时间：… / 地点：…, under a title is its own line: no more of the title)
    while j < n and j - i < p.title_lines_max and (narrow(j) or (j == i and comma_broken(j))) \
            and not (j > i and _LABEL.match(texts[j])):
        j += 1
    if i < j < n and bits[j] & PAREN and kinds[j] == TEXT and widths[j] <= p.heading_max:
        j += 1  # the column tag of the title above, on a line of its own: （生态论苑）
    e = j
    while e < n and kinds[e] == BYLINE and (i == 0 or e > j):  # (under the title, when none is over it)
        e += 1
    if j == i or e >= n or kinds[e] != TEXT or (i > 0 and not _signed_by_a_body(texts[i - 1])
                                                 and not (i == 1 and col[e] > p.column_max and st.bare_names(texts[0]))):
        # (a reporter's byline over a short line: the line is a section's
        # label, 核心阅读; over a news page's lines, the article's body; a
        # page wider than a newspaper's column opening on bare names, 李宁
        # over 紧扣时代主题 / 繁荣戏剧创作, a booklet's article signed over
        # its title: in a newspaper's column the line under the names is the
        # body's first, its indent lost, 周之然 谢亚宏 / 据朝鲜中央通讯社１９)
        return set()
    if "".join(texts[e][:16].split()).startswith(st.DATELINE_HEADS) or widths[e] > col[e] + p.across_margin:
        return set()
    if j - i > 1 and narrow(e):
        return set()  # (short lines go on under the run: a list or verse, no title)
    for k in range(i, j):
        kinds[k] = TITLE
    if i == 0 and j == 1 and e == j:
        return set()
    return title_breaks(texts, bits, i, j)


_LABEL = regex.compile(r"^\p{Han}{1,4}[：:]")


def _signed_by_a_body(text: str) -> bool:
    """A byline naming an institution or its commentator (中共浙江省委宣传部,
    本报评论员): a document's, printed over its title."""
    return bool(st.institution(text)) or text.rstrip().endswith("评论员")


def title_breaks(texts, bits, i: int, j: int) -> set[int]:
    """Lines ``i`` .. ``j - 1`` are one title broken over lines: each goes on
    into the next, but for a ——subtitle or a kicker ending on —— or ："""
    return {k for k in range(i, j - 1)
            if not bits[k + 1] & DASHES_START and not bits[k] & DASHES_END and texts[k][-1] not in "：:"}


def _wrap_width(widths, kinds, p) -> float:
    """The page's printed line width: the upper quartile of its text lines."""
    ws = sorted(math.floor(widths[i] + 0.5) for i, k in enumerate(kinds) if k == TEXT)
    return float(ws[int(len(ws) * p.quartile)]) if ws else 0.0


def _short_paragraphs_width(widths, bits, kinds, p) -> float:
    """A paragraph page of short paragraphs (a notice, a brief): its printed
    width, read only where two or more text lines narrower than a body line
    (``long``) end a sentence; else infinite (one short sentence under a
    short line shows no page: it may be a paragraph's second piece)."""
    finished = sum(1 for i, k in enumerate(kinds) if k == TEXT and bits[i] & ENDED and widths[i] <= p.long)
    return _wrap_width(widths, kinds, p) if finished >= 2 else math.inf


def _end_items(widths, bits, kinds, joins, col, p) -> None:
    """Lines the writer ended, whatever follows them: an HTML block a
    converter wrote on one line (``<table>…</table>``) is a block of its
    own; and on a paragraph page a line of empty form fields (``合同编号：``,
    a label with nothing after its colon) short of the page's printed width
    is a paragraph of its own: its writer ended it there, where a printed
    line ends because it is full.  Column pages judge by their column."""
    last = len(joins)
    short = None
    for i, k in enumerate(kinds):
        b = bits[i]
        if k != TEXT or not b & (HTML_BLOCK | FIELDS):
            continue
        if b & HTML_BLOCK:
            if i < last:
                joins[i] = 0
            if i:
                joins[i - 1] = 0
        elif col is None and i < last:
            if short is None:  # (read once, from the kinds the joins left)
                short = _wrap_width(widths, kinds, p) - p.narrow_margin
            if widths[i] < short:
                joins[i] = 0


def _joins(widths, bits, kinds, col, p) -> bytearray:
    """``joins[i]``: line i continues on line i+1.  A caption runs on for a
    few lines; other text is judged against its column where the page has
    one (:func:`_column_join`), else as paragraphs (:func:`_paragraph_join`)."""
    long, caption_max = p.long, p.caption_lines
    n = len(kinds)
    joins = bytearray(max(0, n - 1))
    para_open = False  # the current block is a paragraph still running
    caption_lines = 0
    wrap = _short_paragraphs_width(widths, bits, kinds, p) if col is None else math.inf
    for i in range(n - 1):
        ka, kb = kinds[i], kinds[i + 1]
        if ka == CAPTION:
            caption_lines += 1
            j = (kb == TEXT and caption_lines < caption_max and not bits[i] & ENDED and not bits[i + 1] & ENDED
                 and widths[i + 1] <= long)
            if j:
                joins[i] = 1
                kinds[i + 1] = CAPTION
            else:
                caption_lines = 0
            continue
        caption_lines = 0
        if ka != TEXT or kb != TEXT or bits[i + 1] & (DATELINE | EDITORS_NOTE):
            para_open = False
            continue
        if col is not None:
            j = _column_join(widths, bits, kinds, joins, i, col[i], para_open, p)
        else:
            j = _paragraph_join(widths, bits, kinds, joins, i, p, wrap)
        if bits[i] & BLANK_BREAK:
            j = False  # the page ends its paragraphs with blank lines: this one ends here
        joins[i] = j
        para_open = j
    return joins


def _column_join(widths, bits, kinds, joins, i: int, w: float, para_open: bool, p) -> bool:
    """Whether text line i goes on to line i+1 on a page whose column is
    ``w`` wide here; a sub-heading (line i, or lines i-1 and i) is marked
    ``H`` and ends its block."""
    heading_max = p.heading_max
    a, aw = bits[i], widths[i]
    ended = a & ENDED
    justified = a & SPREAD  # letter-spaced to its column: full
    full = aw >= w - p.full_slack or justified
    # the column here, from the next two lines (one of them is full)
    local = None
    for k in range(i + 1, min(len(kinds), i + 1 + p.local_lines)):
        if kinds[k] == TEXT and (local is None or widths[k] > local):
            local = widths[k]
    # a sub-heading: after a finished paragraph, clearly narrower than
    # a first line (which is about two columns short); (min(w, local) written
    # out: this runs for every line of a column page)
    narrow = aw <= heading_max and aw <= (w if local is None or local >= w else local) - p.narrow_margin
    # a line far wider than its column was printed across columns
    wide = aw > w + p.across_margin and aw <= p.long
    after_byline = i > 0 and kinds[i - 1] == BYLINE and aw <= w * p.after_byline_share
    if (not para_open and not ended and i > 0 and (kinds[i - 1] == TEXT or after_byline)
            and not justified and (narrow or wide)
            and not a & (SOFT | DATELINE | PAREN)):
        # short, unfinished, alone: a sub-heading when body follows
        kinds[i] = H
        return False
    if (para_open and narrow and not ended and not a & SOFT and i > 1 and not joins[i - 2]
            and kinds[i - 2] == TEXT and bits[i - 2] & ENDED
            and not bits[i - 1] & (INNER_STOP | DATELINE)
            and widths[i - 1] + aw <= 2 * heading_max and not a & PAREN):
        # a sub-heading too long for one line: after a finished
        # paragraph, a full line and a short one that ends no sentence
        kinds[i - 1] = kinds[i] = H
        return False
    if (full and not ended and not justified and not a & (SOFT | INNER_STOP | DATELINE | PAREN)
            and aw <= heading_max and i > 0 and kinds[i - 1] == TEXT and bits[i - 1] & ENDED
            and widths[i + 1] - (1 if bits[i + 1] & HANGS else 0) > w - p.narrow_margin
            and _first_line(widths, bits, kinds, i + 1, w, p)):
        # a full line ending no sentence between a finished one and a first
        # line short by its lost indent (not a sub-heading's short second
        # line): a sub-heading as wide as its column
        kinds[i] = H
        if i - 1 < len(joins):
            joins[i - 1] = 0
        return False
    if ended and not full:
        return False
    if para_open and narrow and not ended and widths[i + 1] + p.indent_slack <= w:
        # only a paragraph's last line falls short of its column (one that ends
        # on no mark), and the next starts short by its lost indent
        return False
    if ended:
        # a full line ending a sentence: the next starts a paragraph
        # when it is indented short and goes on past its own line
        return not _first_line(widths, bits, kinds, i + 1, w, p)
    return True


def _first_line(widths, bits, kinds, i: int, w: float, p) -> bool:
    """Line ``i`` starts a paragraph: short of the column ``w`` by its lost
    indent (punctuation hanging past the edge does not count) and going on
    past its own line."""
    bw = widths[i]
    short = bw <= w - p.indent_slack
    if not short and bits[i] & HANGS:
        # a first line two short whose closing mark hangs past the edge:
        # short by the lost indent with the mark left out, beside the lines
        # after it measured the same way (W, a quantile, may count the
        # marks that hang on full lines)
        after = [widths[k] - (1 if bits[k] & HANGS else 0)
                 for k in range(i + 1, min(len(kinds), i + 1 + p.local_lines)) if kinds[k] == TEXT]
        short = bw - 1 <= min(w, max(after, default=w)) - p.indent_slack
    return short and i + 1 < len(kinds) and kinds[i + 1] == TEXT and not bits[i] & ENDED


def _paragraph_join(widths, bits, kinds, joins, i: int, p, wrap: float = math.inf) -> bool:
    """Whether text line i goes on to line i+1 on a page with no column
    width: a sentence's end ends the paragraph; a run of short unfinished
    lines before body text is a heading (marked ``H``, joins cleared).
    Body text is a line wider than any headline, or, on a page of short
    paragraphs, a finished sentence as wide as the page's printed lines
    (``wrap``, :func:`_short_paragraphs_width`) under a line clearly
    narrower than them: a piece of a paragraph broken at the page's edge
    is as wide as its lines."""
    a = bits[i]
    if a & ENDED:
        return False
    b, w = widths[i + 1], widths[i]
    body = b > p.long or (bits[i + 1] & ENDED and b >= wrap - p.narrow_margin > w)
    if (widths[i] <= p.heading_max and not a & (SOFT | PAREN) and body
            and (run := _heading_run(widths, bits, kinds, joins, i, p))):
        # short pieces ending no sentence, right before body text: a
        # heading (a two-line one, 朝鲜 / 或将重启…, is two pieces)
        for k in run:
            kinds[k] = H
            if k < len(joins):
                joins[k] = 0
        return False
    if a & COLON_END and widths[i] > p.long:
        return False  # a long line ending on a colon introduces what follows
    return True


def _heading_run(widths, bits, kinds, joins, i: int, p) -> list[int]:
    """Line ``i`` and the short unfinished lines joined into it, when they
    follow a finished paragraph (or open the page): all of a heading; else []."""
    k = i
    while k > 0 and joins[k - 1]:
        k -= 1
        if widths[k] > p.heading_max or bits[k] & (SOFT | PAREN) or kinds[k] != TEXT \
                or i - k >= p.heading_lines:
            return []
    return list(range(k, i + 1))


# Implementations of the contract, by name; the first is the reference.
# A native core adds itself here (and unwrap takes the fastest that loads).
IMPLEMENTATIONS = {"python": (line_features, decide_joins)}
