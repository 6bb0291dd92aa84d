"""Split a cleaned page into articles, from the text alone.

Why from the text: scans carry no layout, only reading order, and OCR puts a
headline deck *before* its byline on some pages and *after* the body on
others.  We decide per page from evidence: a page that opens with a byline
(or a dateline) and ends on a headline deck has its titles after the bodies.

The page arrives as blocks (see ``unwrap``): ``title`` blocks form decks
(kicker, title, ``——`` subtitle), ``byline`` blocks give authors, the rest
is body.  Metadata captured by rules (``Note``) is attached by raw line:
credits and ``(下转…)`` to the article before them, images and ``(上接…)`` to
the article after them, page editors to every article of their page.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

import regex

from . import interleave
from . import posts as forum_posts
from . import structure as st
from .article import Article
from .doc import Block, Doc
from .unwrap import EDITORS_NOTE


@dataclass(frozen=True, slots=True)
class SegmentParams:
    """The splitter's thresholds, each with why its value.  The code reads
    them from ``PARAMS``; the pipeline hashes the values into the rules
    stamp, so a changed value re-cleans."""
    glued_name_min: int = 2        # a name glued after the last sentence (…发展。王明) has two
    glued_name_max: int = 3        # or three Han characters (surname and given name)
    glued_body_min: int = 20       # only at the end of a real paragraph, longer than this
    page_header_widest: int = 30   # a page header line naming 第X版 is short: 《人民日报》（…第4版）
    id_digits: int = 2             # article ids count with at least this many digits (page-01)


PARAMS = SegmentParams()
# an editor's note runs to a paragraph or two: the corpus' two are 83 and 410
# characters.  (Kept out of PARAMS for now so that the rules stamp of the
# committed clean/ output stays as it is; it belongs there.)
NOTE_CHARS = 500
# a run of Han after the last sentence end of an article without a byline:
# its author, glued on by the OCR, when it is as long as a name and reads as
# one (``st.bare_names``: a common surname), never a serial's 待续 or 未完
GLUED_AUTHOR = regex.compile(r"(?<=[。！？”])(\p{Han}+)$")
# a report filed from several places closes on its dateline and reporters
# in brackets (（本报北京、开罗10月19日电  记者李欣怡、陈一鸣）): 25 of the
# corpus' 1,008 articles end so, their authors the names it lists
CLOSING_DATELINE = regex.compile(r"^[（(]据?(?:本[报報]|新[华華]社)[^（）()]{0,120}?[电電][^（）()]*?(?:记者|記者)[：:]?"
                                 r"(?P<names>[^（）()：:]*)[)）]$")
# the reporters a lead names right after its dateline (本报讯 记者张三报道：,
# 本报北京3月4日电  记者张三、李四报道), each a name with a common surname
REPORTED_BY = regex.compile(r"[^\S\n]*(?:本报)?记者[^\S\n]*(?P<names>\p{Han}{2,4}(?:[、，,][^\S\n]*\p{Han}{2,4}){0,3})"
                            r"[^\S\n]*报道(?:[：:，,]|[^\S\n])")
# a closing line naming who compiled the text: 首都大专院校红卫兵总部整理,
# （本报记者李亚楠采访整理）, （文  阳整理）: 6 of the corpus' 1,008 articles
# end so, and a transcript or booklet signs so above its date and printer
COMPILED_BY = regex.compile(r"^[（(]?(?:(?:本报)?记者[^\S\n]*)?(?P<who>[^\s，。、；：:（）()]{2,20}?|\p{Han}[^\S\n]+\p{Han})"
                            r"(?:采访)?整理[)）]?$")
# a reader's letter signs with its place and name: 河南鄢陵县  邢先生
SIGNED = regex.compile(r"^\p{Han}{2,12}?[省市县区州旗镇乡村][^\S\n]+(?P<name>\p{Han}{2,3})$")
# who compiled a text is a person (a surnamed name of 2–4 characters) or a
# body of people (…总部, …编辑部, …小组): 根据录音, 本文内容由网络资料 name no
# one, nor does 本文由编辑部 say who it is
COMPILER_BODY = regex.compile(r"(?!\p{Han}*?(?:由|根据))\p{Han}{2,18}(?:部|组|会|社|室|处|办|队|团|站|所|院|局|委|馆|中心)")
# a reader signs as a surnamed name or as 邢先生, 王女士; a place (市, 省, …, or
# one the corpus names so, ``st.is_place``) after a place is no signature
SIGNER_TITLE = regex.compile(r"\p{Han}(?:先生|女士|老师|同志)")
SIGNATURE_AFTER = 3     # a signature stands among an article's last three blocks (date and printer under it)
SPREAD_DIGITS = regex.compile(r"(?<=\d)[ \u3000]+(?=\d)")
DATE = regex.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
# a title that ends on a date with its weekday names its issue (财经早餐2024年8月5日
# 星期一, as a page header dates its page); a date alone in a title may be
# what the article is about (纪念1949年10月1日)
ISSUE_TITLE = regex.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日[^\S\n]*(?:星期|礼拜|周)[一二三四五六日天][)）]?$")


@dataclass
class Draft:
    deck: list[str] = field(default_factory=list)
    deck_blocks: list[Block] = field(default_factory=list)
    authors: list[dict] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)
    lines: list[tuple[int, int]] = field(default_factory=list)
    closed: bool = False

    def add(self, block):
        kind, text, first, last = block
        self.lines.append((first, last))
        if kind == "title":
            self.deck.append(text)
            self.deck_blocks.append(block)
        elif kind == "byline":
            self.authors += (st.parse_byline(text) or st.bare_names(text, surnames=False)
                             or st.institution(text) or [])
        else:
            self.body.append(block)


def _units(blocks):
    """Runs of blocks of one family: deck, byline or body."""
    fam = {"title": "deck", "byline": "byline"}
    units = []
    for b in blocks:
        f = fam.get(b.kind, "body")
        if units and units[-1][0] == f:
            units[-1][1].append(b)
        else:
            units.append((f, [b]))
    return units


def _titles_after(units) -> bool:
    if not units:
        return False
    first_f = units[0][0]
    # a page opening on a byline, a dateline or plain body text (no headline
    # above it) and ending on a headline deck prints its titles after the bodies
    opens = first_f in ("byline", "body")
    return bool(opens and units[-1][0] == "deck")


def _group(blocks, boundaries: set[int]) -> list[Draft]:
    units = _units(blocks)
    after = _titles_after(units)
    drafts: list[Draft] = []
    cur: Draft | None = None

    def new():
        nonlocal cur
        cur = Draft()
        drafts.append(cur)
        return cur

    for fam, run in units:
        if fam == "deck":
            if after:
                (cur if cur and not cur.closed else new())
                for b in run:
                    cur.add(b)
                cur.closed = True
            else:
                # a byline printed above its headline (some layouts) belongs to it
                if not (cur and cur.authors and not cur.body and not cur.deck):
                    new()
                for b in run:
                    cur.add(b)
        elif fam == "byline":
            if cur is None or cur.closed or cur.body or (after and cur.authors):
                new()
            for b in run:
                cur.add(b)
        else:
            for b in run:
                # a dateline with body text right before it, no headline or byline,
                # goes on with the article: one headline over several reports (43
                # of the corpus' 1,008 articles hold such a dateline; its brief
                # columns print a headline over every 本报电)
                if cur is None or cur.closed or b.first in boundaries:
                    new()
                cur.add(b)
    out: list[Draft] = []
    for d in drafts:
        if not d.body and not d.authors and d.deck and out and not after:
            # a headline with nothing under it (its text lost, or a page ending on
            # a heading) is no article: it stays, as a heading, in the one before
            out[-1].body += [Block("h", t, f, l) for _k, t, f, l in d.deck_blocks]
            out[-1].lines += d.lines
        elif d.body or d.deck:
            out.append(d)
    return out


def _move_notes(drafts: list[Draft]) -> None:
    """An editor's note printed above a headline (编者按： … 发表于后, then
    the title) introduces that article: the note's blocks, from its head to
    the end of the article before, move to the start of the next one's body
    when that one's headline stands before its body.  Not a note that is the
    first body text of its own article (it opens that article), nor one
    longer than a note runs (``NOTE_CHARS``: else it is the note of the
    article before, printed with its body under it)."""
    for prev, cur in zip(drafts, drafts[1:]):
        if not prev.body or not cur.deck_blocks or (cur.body and cur.body[0].first < cur.deck_blocks[0].first):
            continue
        k = next((i for i in range(len(prev.body) - 1, -1, -1) if EDITORS_NOTE.match(prev.body[i].text)), None)
        if not k or sum(len(b.text) for b in prev.body[k:]) > NOTE_CHARS:
            continue
        moved = prev.body[k:]
        del prev.body[k:]
        spans = {(b.first, b.last) for b in moved}
        prev.lines = [s for s in prev.lines if s not in spans]
        cur.body[:0] = moved
        cur.lines[:0] = [(b.first, b.last) for b in moved]


def _distinct(people: list[dict]) -> list[dict]:
    """One entry per name (a byline printed twice, a credits block naming
    the byline's reporter again); a role found later fills a missing one."""
    out: dict[str, dict] = {}
    for p in people:
        if p["name"] not in out:
            out[p["name"]] = dict(p)
        elif out[p["name"]]["role"] is None:
            out[p["name"]]["role"] = p["role"]
    return list(out.values())


def _dateline_people(dm: regex.Match) -> list[dict]:
    """The people a dateline names: 本报平壤4月14日电（记者周之然、程维丹）."""
    inner = dm.group("inner")
    return (st.parse_names(inner) or []) if inner else []


# what ends a phrase: a character followed by one of these in clean text
PHRASE_END = "，。、；：！？”）》,.;:!?"
# what a title can break inside: a Han character or a digit
JOINABLE = regex.compile(rf"[{st.HAN}0-9]")


def _inside_word(first: str, second: str) -> bool:
    """A deck line broken where no phrase ends: the line stops on a Han
    character or a digit and the next opens on one (no mark, no ——), and
    the pair across the break (``美|好``, ``20|23年``) is seen in clean text
    more often than the line's last character is seen ending a phrase
    (before a mark).  From the character counts of ``data/ngram.txt.gz``
    (see ``interleave``); a pair seen fewer than twice (``伤|员`` is one) is
    no evidence, so the lines stay apart.  And the wrap fills a line
    before it breaks: a line shorter than the next is a kicker over its
    title (``奋进新时代`` / ``中国经济…``: 时代中国 is a common run of
    text, yet a phrase ends there), never a title's first part."""
    if len(first) < len(second):
        return False
    a, b = first[-1:], second[:1]
    if not (JOINABLE.fullmatch(a) and JOINABLE.fullmatch(b)):
        return False
    m = interleave.model()
    pair = m.bi.get(a + b, 0)
    return pair >= 2 and pair > sum(m.bi.get(a + p, 0) for p in PHRASE_END)


def _join_broken(mains: list[str]) -> list[str]:
    """Main deck lines with a title the column's wrap broke over two or
    more lines put together again: each line that breaks inside a word
    (``_inside_word``) is joined to the next.  A kicker is a phrase of its
    own (it ends where a phrase can: 乡村振兴在行动 over its title) and
    stays a line of its own."""
    out: list[str] = []
    for line in mains:
        if out and _inside_word(out[-1], line):
            out[-1] += line
        else:
            out.append(line)
    return out


def _deck_fields(deck: list[str]) -> tuple[str | None, str | None, str | None]:
    subs = [d for d in deck if d.startswith(("——", "—", "--"))]
    mains = _join_broken([d for d in deck if d not in subs])
    title = mains[-1] if mains else None
    kicker = " ".join(mains[:-1]) or None
    subtitle = " ".join(subs) or None
    return kicker, title, subtitle


def _iso_date(text: str, pattern: regex.Pattern = DATE) -> str | None:
    m = pattern.search(text)
    if not m:
        return None
    return st.iso_date(*(int(x) for x in m.groups()))


def parse_credits(text: str) -> dict:
    """A credits block (``内容来源 / X / 记者 / Y / 本期编辑 / Z``) as metadata."""
    out = {"source_org": None, "authors": [], "editors": []}
    role = None
    for tok in re.split(r"[\s:：]+", text.strip()):
        if not tok:
            continue
        if tok in ("内容来源", "来源", "稿件来源", "素材来源"):
            role = "source"
        elif st.EDITOR_ROLES.fullmatch(tok):
            role = ("editor", tok.removeprefix("本版").removeprefix("本期"))
        elif st.ROLE.match(tok):
            role = ("author", st.ROLE_NAMES.get(tok, tok.removeprefix("本报")))
        elif role == "source":
            out["source_org"] = tok if out["source_org"] is None else out["source_org"] + " " + tok
        elif isinstance(role, tuple):
            (out["authors"] if role[0] == "author" else out["editors"]).append({"name": tok, "role": role[1]})
    return out


# a printed page's number (第4版, 第 05 版): its group is the number, the
# page a compilation's source line names (see _edition_editors)
PAGE_HEADER = regex.compile(r"第[^\S\n]*([\d一二三四五六七八九十]{1,3})[^\S\n]*版")
PAGE_MARKS = {"furniture.page-header": 0, "furniture.page-number": 1,  # rule -> lines after it where a page starts
              "furniture.page-header-day": 0, "furniture.page-section": 0}


def _page_editors(doc: Doc, blocks, drafts: list[Draft]) -> list[list[dict]]:
    """The page editors of each draft: those of the editor lines on its own page.

    A file can hold a whole issue, so an editor line (本版主编 … 编辑 …) must
    not reach the articles of other pages.  Pages end at a form feed, a page
    header (《…报》（… 第4版）, a line of its own naming 第X版) or a page-number
    footer.  Where several editor lines share one such page (a file that
    marks no pages), each editor line bounds its own: it opens its page when
    the first one stands before the first body text there, else it closes it.
    Editor lines with no text between them are one page's.  Every step is a
    sort or a binary search: a file of any size costs in proportion to it."""
    notes = sorted((n.line, st.parse_editors(n.value)) for n in doc.notes if n.key == "editors")
    if not notes:
        return [[] for _ in drafts]
    breaks = set(doc.page_breaks)
    breaks.update(r.line + PAGE_MARKS[r.rule] for r in doc.removed if r.rule in PAGE_MARKS)
    widest = PARAMS.page_header_widest
    breaks.update(b.first for b in blocks if len(b.text) <= widest and b.kind != "byline" and PAGE_HEADER.search(b.text)
                  and not st.ends_sentence(b.text))
    breaks = sorted(breaks)
    firsts = [b.first for b in blocks]
    # editor lines of one page: same stretch between breaks, no block between them
    groups: list[tuple[int, int, list[dict]]] = []   # (page stretch, line, people)
    for line, people in notes:
        region = bisect.bisect_right(breaks, line)
        if (groups and groups[-1][0] == region
                and bisect.bisect_left(firsts, line) == bisect.bisect_right(firsts, groups[-1][1])):
            groups[-1] = (region, line, groups[-1][2] + people)
        else:
            groups.append((region, line, people))
    regions = [g[0] for g in groups]
    body_first = {}  # stretch -> its first line of body text
    for d in drafts:
        f = d.body[0].first if d.body else min(a for a, _b in d.lines)
        r = bisect.bisect_right(breaks, f)
        body_first[r] = min(body_first.get(r, f), f)
    out = []
    for d in drafts:
        first = min(a for a, _b in d.lines)
        last = max(b for _a, b in d.lines)
        ref_open = d.body[0].first if d.body else first
        people = []
        lo = bisect.bisect_left(regions, bisect.bisect_right(breaks, first))
        hi = bisect.bisect_right(regions, bisect.bisect_right(breaks, last))
        k = lo
        while k < hi:  # every stretch the draft touches that has editor lines
            region = regions[k]
            end = bisect.bisect_right(regions, region)
            if end - k == 1:
                people += groups[k][2]
            elif groups[k][1] < body_first.get(region, groups[k][1] + 1):  # editor lines open their pages
                j = bisect.bisect_right([g[1] for g in groups[k:end]], ref_open) - 1
                people += groups[k + max(j, 0)][2]
            else:  # they close their pages
                j = bisect.bisect_left([g[1] for g in groups[k:end]], last)
                people += groups[k + min(j, end - k - 1)][2]
            k = end
        out.append(people)
    return out


def _edition_editors(doc: Doc, blocks, drafts: list[Draft], page_editors: list[list[dict]]) -> list[list[dict]]:
    """A compilation (a PDF of articles, each with a source line naming the
    paper's page it was printed on) keeps the paper's editor lines too, one
    per printed page, each right before a source line naming that page
    (本版责编：… / 《人民日报》（… 第 05 版）), on a PDF page of its own or
    beside one article.  Its editors are those of every article whose
    source line names that page, whatever PDF page the article fell on;
    other articles keep their page's (``page_editors``)."""
    sources = sorted((r.line, m.group(1)) for r in doc.removed
                     if r.rule == "furniture.page-header" and (m := PAGE_HEADER.search(r.text)))
    if not sources:
        return page_editors
    at = [line for line, _e in sources]
    firsts = sorted(b.first for b in blocks)
    editors: dict[str, list[dict]] = {}
    for n in sorted(doc.notes, key=lambda n: n.line):
        if n.key != "editors":
            continue
        k = bisect.bisect_right(at, n.line)
        # (the source line must come next, with no text between them)
        if k < len(at) and bisect.bisect_left(firsts, at[k]) == bisect.bisect_right(firsts, n.line):
            editors.setdefault(sources[k][1], []).extend(st.parse_editors(n.value))
    if not editors:
        return page_editors
    out = []
    for d, people in zip(drafts, page_editors):
        first, last = min(a for a, _b in d.lines), max(b for _a, b in d.lines)
        own = {e for line, e in sources[bisect.bisect_left(at, first):bisect.bisect_right(at, last)]}
        out.append(editors[next(iter(own))] if len(own) == 1 and next(iter(own)) in editors else people)
    return out


def _boundaries(doc: Doc, blocks) -> set[int]:
    """First lines of blocks that open an article whatever stands before
    them: the block after a ``(上接…)`` note."""
    boundaries = set()
    firsts = [b.first for b in blocks]
    for n in doc.notes:
        if n.key == "continued_from":
            k = bisect.bisect_right(firsts, n.line)
            if k < len(blocks):
                boundaries.add(blocks[k].first)
    return boundaries


def _drafts(doc: Doc, blocks):
    """Grouping: the page's drafts, from a forum thread's posts (one per
    post) or from its blocks.  Returns (thread, drafts, posts, replies)."""
    thread = forum_posts.group(doc, blocks, Draft)  # a forum thread: one article per post
    replies = []
    if thread is None:
        drafts, posts = _group(blocks, _boundaries(doc, blocks)), []
        _move_notes(drafts)
    else:
        drafts, posts = thread
        if doc.settings.get("forum_posts") == "first":
            drafts, posts, replies = forum_posts.keep_first(doc, drafts, posts)
    return thread, drafts, posts, replies


def _keep_unowned_notes(doc: Doc) -> None:
    """No article to carry what rules took into the metadata (an image's
    address on a page that is only a photo credit): removed.jsonl keeps it,
    even where a later removal on that line holds the same text (an image and
    a link to one address: the removal holds the link's copy, not the
    image's)."""
    for n in doc.notes:
        value = n.value.strip()
        if value:
            doc.remove(n.rule or f"segment.{n.key}", n.line, value)


def _owner(drafts: list[Draft]):
    """Raw line -> index of the draft that holds it, for notes, flags and
    changes; a line between drafts goes to the one before (or, with
    ``prefer_next``, the one after)."""
    return owner_of(sorted((first, last, i) for i, d in enumerate(drafts) for first, last in d.lines))


def owner_of(spans: list[tuple[int, int, int]]):
    """Raw line -> index, from sorted ``(first, last, index)`` line ranges:
    the range holding the line, else (with ``prefer_next``) the one after,
    else the one before."""
    span_firsts = [s[0] for s in spans]

    def owner(line: int, prefer_next: bool = False) -> int:
        k = bisect.bisect_right(span_firsts, line) - 1
        if k >= 0 and spans[k][0] <= line <= spans[k][1]:
            return spans[k][2]
        if prefer_next and k + 1 < len(spans):
            return spans[k + 1][2]
        return spans[k][2] if k >= 0 else spans[0][2]
    return owner


def _distribute_notes(doc: Doc, n_drafts: int, owner) -> tuple[list[dict], dict]:
    """Notes: each rule's note to the draft it belongs to (images and
    ``(上接…)`` to the next, credits and ``(下转…)`` to the one before) or
    to the page.  Returns the per-draft metadata and the page's."""
    meta = [dict() for _ in range(n_drafts)]
    page = {}
    for n in doc.notes:
        if n.key == "editors":
            pass  # see _page_editors
        elif n.key in ("images", "continued_from"):
            i = owner(n.line, prefer_next=True)
            if n.key == "images":
                meta[i].setdefault("images", []).append(n.value.strip())
            else:
                meta[i]["continued_from"] = n.value.strip()
        elif n.key == "date":
            # a compilation's source line stands between an article's title and its body
            meta[owner(n.line, prefer_next=True)].setdefault("date", n.value.strip())
            page.setdefault(n.key, n.value.strip())
        elif n.key in ("continued_on", "credits"):
            i = owner(n.line)
            if n.key == "continued_on":
                meta[i]["continued_on"] = n.value.strip()
            else:
                c = parse_credits(n.value)
                meta[i].setdefault("credit_authors", []).extend(c["authors"])
                meta[i].setdefault("credit_editors", []).extend(c["editors"])
                if c["source_org"]:
                    meta[i]["source_org"] = c["source_org"]
        else:
            page.setdefault(n.key, n.value.strip())
    return meta, page


def _records_by_draft(doc: Doc, n_drafts: int, owner) -> tuple[list[list[dict]], list[Counter]]:
    """Distribution: the page's flags and change counts, per draft."""
    flags_by = [[] for _ in range(n_drafts)]
    for f in doc.flags:
        flags_by[owner(f.line)].append(f.as_dict())
    changes_by = [Counter() for _ in range(n_drafts)]
    for (rule, line), n in doc.changes.counts().items():
        changes_by[owner(line)][rule] += n
    return flags_by, changes_by


def _authors_and_dateline(d: Draft, body: list[tuple[str, str]], forum: bool):
    """The draft's authors and dateline: its bylines, else those its lead's
    dateline names (本报讯（赵轶群、姜涛）), else those its closing dateline
    names, else a name glued after its last sentence.  Trims a glued name off ``body`` in place."""
    p = PARAMS
    authors = list(d.authors)
    dateline = None
    for k, t in body[:1]:
        dm = st.dateline(t) if k == "p" else None
        if dm:
            dateline = dm.group(0)[: dm.start("inner") - 1].strip() if dm.group("inner") else dm.group(0).strip()
            dateline = SPREAD_DIGITS.sub("", dateline)  # 9月2 2日电: the date as printed, 9月22日电
            names = _dateline_people(dm)
            if names and not authors:  # 本报讯（赵轶群、姜涛）: the lead names its authors
                authors = names
            elif not names and not authors and (rb := REPORTED_BY.match(t, dm.end())):
                who = regex.split(r"[、，,][^\S\n]*", rb.group("names"))
                # 本报讯 记者张三报道：, not 记者连日来报道 (连日 is a word that a
                # surname's character begins, no name)
                # (nor 记者于日前报道: a time word after a preposition)
                if all(st.bare_names(n) and not st.opens_with_word(n) and not st.time_word(n, glued=True)
                       for n in who):
                    authors = [{"name": n, "role": "记者"} for n in who]
    closing = CLOSING_DATELINE.match(body[-1][1]) if not authors and body and body[-1][0] == "p" else None
    if closing:
        authors = st.parse_names(closing.group("names"), default_role="记者") or []
    if not authors and not forum and body:
        authors = _signature(body)
    if not authors and not forum and body and body[-1][0] == "p":
        g = GLUED_AUTHOR.search(body[-1][1])
        # as long as a name and read as one (a common surname): 待续, 未完 are marks, not people
        if g and p.glued_name_min <= len(g.group(1)) <= p.glued_name_max and len(body[-1][1]) > p.glued_body_min \
                and st.bare_names(g.group(1)):
            authors = [{"name": g.group(1), "role": None}]
            body[-1] = ("p", body[-1][1][: g.start()])
    return authors, dateline


def _signature(body: list[tuple[str, str]]) -> list[dict]:
    """Who signs an article at its end: the one who compiled it (…整理),
    among its last blocks, only short lines under it (a date, a printer's
    note); or a reader's place and name as its last line.  The line stays
    in the body, as a closing dateline does."""
    tail = body[-SIGNATURE_AFTER:]
    for k in range(len(tail) - 1, -1, -1):
        text = tail[k][1].strip()
        m = COMPILED_BY.match(text)
        if m:
            who = "".join(m.group("who").split())
            if st.bare_names(who) or COMPILER_BODY.fullmatch(who):
                return [{"name": who, "role": "整理"}]
            return []  # 根据录音整理: compiled, by no one named
        if k == len(tail) - 1 and (m := SIGNED.match(text)) and _signer(m.group("name")):
            return [{"name": m.group("name"), "role": None}]
        if len(text) > PARAMS.page_header_widest or st.ends_sentence(text):
            break  # a paragraph: no signature above it
    return []


def _signer(name: str) -> bool:
    """A reader's name after their place: 邢先生, or a surnamed name that
    is not itself a place (河北省 石家庄)."""
    if name[-1] in "市省县区州" or st.is_place(name):
        return False
    return bool(SIGNER_TITLE.fullmatch(name) or st.bare_names(name))


def _forum_meta(i: int, thread, posts, page: dict) -> dict | None:
    """A post's forum block; on a page that is one post (no thread found),
    the board and the thread's own title, which a deck in the post may differ from."""
    if thread is not None:
        return posts[i].meta(page) if posts[i] is not None else None
    if i == 0 and (any(k.startswith("forum_") for k in page) or "site" in page):
        return {"floor": int(page["forum_floor"]) if page.get("forum_floor", "").isdigit() else None,
                "author": page.get("forum_author"), "time": forum_posts.iso_time(page.get("forum_time")),
                "site": page.get("site"),
                "thread": " ".join(page["title"].split()) if page.get("title") else None}
    return None


def segment(doc: Doc, source: dict, normalizer: dict) -> list[Article]:
    """The page's articles, each with the full front matter: grouping
    (blocks into drafts), notes and distribution (metadata, flags and
    changes to their drafts), then each draft's front matter."""
    blocks = [b for b in doc.blocks() if b.text.strip()]
    thread, drafts, posts, replies = _drafts(doc, blocks)
    for kind, text, first, _last in blocks:
        if kind == "byline":  # parsed into authors; the line as printed is kept here
            doc.remove("segment.byline", first, text)
    if not drafts:
        _keep_unowned_notes(doc)
        return []
    owner = _owner(drafts)
    page_editors = _edition_editors(doc, blocks, drafts, _page_editors(doc, blocks, drafts))
    meta, page = _distribute_notes(doc, len(drafts), owner)
    flags_by, changes_by = _records_by_draft(doc, len(drafts), owner)
    stem = source.get("stem", "page")
    width = max(PARAMS.id_digits, len(str(len(drafts))))
    articles = []
    for i, d in enumerate(drafts):
        m = meta[i]
        kicker, title, subtitle = _deck_fields(d.deck)
        if title is None and i == 0 and page.get("title") and not m.get("continued_from"):
            title = " ".join(page["title"].split())
        body = [(k, t) for k, t, _f, _l in d.body]
        authors, dateline = _authors_and_dateline(d, body, thread is not None)
        authors = _distinct(authors + m.get("credit_authors", []))
        if not authors and i == 0 and page.get("author"):  # a web page's front matter names its author(s)
            authors = [{"name": " ".join(a.strip("\"' ").split()), "role": None}
                       for a in regex.split(r"[,，、;；]", page["author"].strip().strip("[]")) if a.strip("\"' ")]
        editors = _distinct(page_editors[i] + m.get("credit_editors", []))
        first = min(a for a, _b in d.lines)
        last = max(b for _a, b in d.lines)
        stated = m.get("date") or page.get("date")
        date = _iso_date(stated) if stated else None
        if date is None and title:
            date = _iso_date(title, ISSUE_TITLE)
        if i == len(drafts) - 1:
            body += replies  # forum_posts = "first" with keep_replies: a "## 回复" section
        articles.append(Article(meta={
            "id": f"{stem}-{i + 1:0{width}d}",
            "title": title,
            "kicker": kicker,
            "subtitle": subtitle,
            "authors": authors or None,
            "editors": editors or None,
            "dateline": dateline,
            "date": date,
            "source_org": m.get("source_org") or page.get("source_org"),
            "continued_from": m.get("continued_from"),
            "continued_on": m.get("continued_on"),
            "images": m.get("images") or [],
            "forum": _forum_meta(i, thread, posts, page),
            "source": {"path": source.get("path"), "sha256": source.get("sha256"), "lines": [first, last]},
            "flags": sorted(flags_by[i], key=lambda f: (f["line"], f["rule"], f["text"])),
            "changes": dict(sorted(changes_by[i].items())),
            "normalizer": normalizer,
        }, blocks=body))
    return articles
