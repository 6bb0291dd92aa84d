"""Forum threads as posts: one article per post, quotes as blockquotes.

Why a module of its own: a thread is read for what people said, so every
post is content and gets its own article, numbered in thread order, with the
floor, poster and time its header gave.  Which lines are headers is the board
family's business (``rules/forum-*.toml``): a family's rule removes a post's
header and captures ``forum_floor`` / ``forum_author`` / ``forum_time`` at the
header's raw line.  Here those notes become post boundaries and metadata, with
no knowledge of any board.

* A post runs from its header to the next one; the blocks before the first
  header belong to the first post, unless they hold body text (the news
  article above a comment section), which is then an article of its own.
* A post whose body was all chrome (a smiley, a blocked-post placeholder)
  still is a post: an article with an empty body.
* The setting ``forum_posts = "first"`` keeps only the first post (a repost of
  news, where replies are noise); the others go to removed.jsonl under
  ``forum.reply``, or, with ``keep_replies``, into a ``## 回复`` section.
* Quotes: a family rule turns a board's quote markup into ``[quote]`` …
  ``[/quote]`` lines; :func:`quote_stage` prefixes the lines between them with
  ``> ``, which the unwrapper reads as quote blocks of their own, so a quoted
  post is never joined to the reply's own sentences.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from .doc import Doc
from .structure import iso_date

HEAD_KEYS = ("forum_floor", "forum_author")  # a note with one of these marks a post's header
# notes that belong to the article their line is in (the others describe the page)
ARTICLE_NOTES = frozenset({"images", "continued_from", "continued_on", "credits"})
QUOTE_OPEN = regex.compile(r"^[^\S\n]*\[quote(?:=[^\]\n]*)?\][^\S\n]*$")
QUOTE_CLOSE = regex.compile(r"^[^\S\n]*\[/quote\][^\S\n]*$")
TIME = regex.compile(r"(\d{4})[^\S\n]*[-/.年][^\S\n]*(\d{1,2})[^\S\n]*[-/.月][^\S\n]*(\d{1,2})日?"
                     r"(?:[,，]?[^\S\n]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?")


@dataclass
class Post:
    line: int                 # raw line of its header
    floor: int | None = None
    author: str | None = None
    time: str | None = None   # as the board wrote it

    def meta(self, page: dict) -> dict:
        return {"floor": self.floor, "author": self.author, "time": iso_time(self.time),
                "site": page.get("site"),
                "thread": " ".join(page["title"].split()) if page.get("title") else None}

    def label(self) -> str:
        """``2# · 网友甲 · 2019-5-3 09:00``: the line over a reply kept in a section."""
        return " · ".join(x for x in (f"{self.floor}#" if self.floor else None, self.author, self.time) if x)


def iso_time(text: str | None) -> str | None:
    """``2022-8-24 02:17`` → ``2022-08-24T02:17``; a date alone → ``2022-08-24``;
    None when the board's words are not a date (``3小时前``)."""
    m = TIME.search(text or "")
    if not m:
        return None
    out = iso_date(int(m[1]), int(m[2]), int(m[3]))
    if out is None:
        return None
    if m[4] is not None and int(m[4]) < 24 and int(m[5]) < 60 and (not m[6] or int(m[6]) < 60):
        out += f"T{int(m[4]):02d}:{m[5]}" + (f":{m[6]}" if m[6] else "")
    return out


def posts(doc: Doc) -> list[Post]:
    """The thread's posts, from the notes the board family's header rule left."""
    by_line: dict[int, Post] = {}
    for n in doc.notes:
        if n.key in HEAD_KEYS:
            by_line.setdefault(n.line, Post(n.line))
    for n in doc.notes:
        p = by_line.get(n.line)
        value = n.value.strip()
        if p is None or not value:
            continue
        if n.key == "forum_floor" and p.floor is None and value.isdigit():
            p.floor = int(value)
        elif n.key == "forum_author" and p.author is None:
            p.author = value
        elif n.key == "forum_time" and p.time is None:
            p.time = value
    return [by_line[k] for k in sorted(by_line)]


def head_lines(doc: Doc) -> list[int]:
    """Raw lines of the post headers, sorted: nothing is joined across one."""
    return sorted({n.line for n in doc.notes if n.key in HEAD_KEYS})


def typed_lines(doc: Doc) -> bool:
    """Whether the board family says every line of this page is a paragraph
    as typed (``paragraphs = "lines"`` in its rule file)."""
    return any(n.key == "paragraphs" and n.value == "lines" for n in doc.notes)


def group(doc: Doc, blocks, new_draft) -> tuple[list, list[Post | None]] | None:
    """Drafts (made by ``new_draft``), one per post, and the post of each
    (None for an article standing before the first post); None when the page
    has no post headers."""
    found = posts(doc)
    if not found:
        return None
    starts = [p.line for p in found]
    before, parts = _partition(starts, blocks)
    kinds = _post_kinds(blocks, before, parts, typed_lines(doc))
    blocks = [b if b.kind == k else b._replace(kind=k) for b, k in zip(blocks, kinds)]
    drafts, owners = [], []
    if before:  # the news above the comments
        d = new_draft()
        for i in before:
            d.add(blocks[i])
        d.lines = [(blocks[before[0]].first, max(starts[0] - 1, blocks[before[0]].first))]
        drafts.append(d)
        owners.append(None)
    last_line = max([starts[-1]] + [b.last for b in blocks])
    for n, (post, part) in enumerate(zip(found, parts)):
        d = new_draft()
        for i in part:
            d.add(blocks[i])
        first = min([post.line] + [blocks[i].first for i in part])
        last = starts[n + 1] - 1 if n + 1 < len(starts) else last_line
        d.lines = [(first, max(first, last))]  # the whole post, header to next header
        drafts.append(d)
        owners.append(post)
    return drafts, owners


def _partition(starts: list[int], blocks) -> tuple[list[int], list[list[int]]]:
    """Indices of the blocks before the first post's header when they hold
    body text (the news above the comments: an article of its own; else they
    open the first post and this list is empty), and of each post's blocks."""
    parts: list[list[int]] = [[] for _ in starts]
    before: list[int] = []
    for i, b in enumerate(blocks):
        k = bisect.bisect_right(starts, b.first) - 1
        (before if k < 0 else parts[k]).append(i)
    if not any(blocks[i].kind not in ("title", "byline") for i in before):
        parts[0] = before + parts[0]
        before = []
    return before, parts


def _post_kinds(blocks, before: list[int], parts: list[list[int]], typed: bool) -> list[str]:
    """The kind of every block of a thread as its post reads it: a short line
    of a reply is no headline (only the opening post, before its body, may
    carry a deck), a heading that nothing in its post follows is a paragraph,
    and on a board whose lines are typed paragraphs a short line is one too."""
    kinds = [b.kind for b in blocks]
    for n, part in enumerate(parts):
        opening = n == 0 and not before  # the thread's opening post may carry a headline deck
        has_body = any(kinds[i] not in ("title", "byline") for i in part)
        body = False
        for k, i in enumerate(part):
            kind = kinds[i]
            if kind == "title" and (typed or not (opening and has_body and not body)):
                kind = "p"
            elif (kind == "h" and (typed or k == len(part) - 1)) or (kind == "caption" and typed):
                kind = "p"  # nothing follows it in its post, or a typed line
            kinds[i] = kind
            body = body or kind not in ("title", "byline")
    return kinds


def settle_kinds(doc: Doc) -> Doc:
    """Right after unwrapping: give a thread's blocks the kinds their posts
    give them (see :func:`_post_kinds`), so that the spacing and punctuation
    rules treat a reply's short last line as the paragraph it is written out
    as.  Were that decided only when the articles are made, the line would be
    spaced as a heading and spaced again as a paragraph when its own article
    is cleaned a second time."""
    found = posts(doc)
    if found and doc.kinds is not None:
        blocks = doc.blocks()
        kinds = _post_kinds(blocks, *_partition([p.line for p in found], blocks), typed_lines(doc))
        if kinds != doc.kinds:
            doc.kinds = kinds
    return doc


def keep_first(doc: Doc, drafts: list, owners: list[Post | None]):
    """Setting ``forum_posts = "first"``: the articles up to the first post;
    the replies go to removed.jsonl (``forum.reply``), or, with
    ``keep_replies``, become the blocks of a ``## 回复`` section, returned."""
    cut = next(i for i, p in enumerate(owners) if p is not None) + 1
    if cut >= len(drafts):
        return drafts, owners, []
    gone_from = drafts[cut].lines[0][0]
    section = [("h", "回复")] if doc.settings.get("keep_replies") else []
    for d, post in zip(drafts[cut:], owners[cut:]):
        texts = [t for _k, t, _f, _l in d.body]
        if section:
            section.append(("p", post.label()))
            section += [("quote" if k == "quote" else "p", t) for k, t, _f, _l in d.body]
        elif texts:
            doc.remove("forum.reply", d.lines[0][0], "\n".join(texts))
    if section:  # the kept article holds the replies: its source lines run to the last one
        drafts[cut - 1].lines.append((gone_from, max(b for d in drafts[cut:] for _a, b in d.lines)))
    else:  # what was found in removed text is not the kept article's: no flag, change or image of a reply
        removed = list(doc.removed)
        for n in doc.drop_from(gone_from, keep=lambda n: n.key not in ARTICLE_NOTES):
            value = n.value.strip()  # removed.jsonl keeps what the reply's rules took into metadata
            if value and not any(r.line == n.line and value in r.text for r in removed):
                doc.remove(n.rule or "forum.reply", n.line, value)
    return drafts[:cut], owners[:cut], section


def quote_stage(doc: Doc) -> Doc:
    """Lines between ``[quote]`` and ``[/quote]`` get a ``> `` prefix; the
    marker lines go.  Nested quotes are flattened to one level; a quote left
    open ends at the next post header."""
    if "[quote" not in doc.text:
        return doc
    heads = head_lines(doc)
    edits, opened, pos = [], None, 0
    for line in doc.text.split("\n"):
        end = pos + len(line)
        if QUOTE_OPEN.match(line):
            edits.append((pos, end, ""))
            opened = (opened or [])[:] + [doc.line_at(pos)]
        elif QUOTE_CLOSE.match(line):
            edits.append((pos, end, ""))
            opened = opened[:-1] or None if opened else None
        elif opened and line.strip():
            raw = doc.line_at(pos)
            if bisect.bisect_right(heads, raw) > bisect.bisect_right(heads, opened[0]):
                opened = None  # never closed: the next post is no quote
            else:
                start = pos + len(line) - len(line.lstrip())
                if not line.lstrip().startswith("> "):
                    edits.append((start, start, "> "))
        pos = end + 1
    # the markers go first (to removed.jsonl: a board's own [quote] is raw text); the prefixes
    # are then placed where their lines moved to
    markers = [e for e in edits if e[2] == ""]
    doc.edit(markers, "quotes.marker", removal=True)
    shift, prefixes = 0, []
    for start, end, new in edits:
        if new:
            prefixes.append((start - shift, start - shift, new))
        else:
            shift += end - start
    doc.edit(prefixes, "quotes.mark")
    return doc
