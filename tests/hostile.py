"""Hostile text for the property tests (tests/test_properties.py) and the
longer fuzz run (scripts/fuzz.py, ``make fuzz``): pieces of every kind a raw
page can hold, and the properties every cleaned page must have."""
from __future__ import annotations

import json
import unicodedata
from collections import Counter

import regex

from normalize import settled_fix

HAN = list("中文测试党建全县大会记者本报讯通讯员王晓明年月日个名的了是在有一二三〇") + ["𠮷", "\U00020bb7野家", "\uf900"]
DIGITS = list("0123456789") + list("０１２３４５６７８９")
LATIN = list("abcxyzABCXYZ") + list("ａｂｃＡＢＣ") + ["é", "ß", "Ω"]
PUNCT = list("，。、；：？！“”‘’（）《》【】…—·～,.;:?!\"'()[]{}<>-/%@#&*_=+|\\^~`") + ["……", "——", "...", "。。。"]
CONTROLS = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0))] + ["\r", "\r\n"]
SPACES = [" ", "  ", "\t", "\u3000", "\u00a0", "\u2002", "\u200a"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u202a", "\u202b",
             "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u061c"]
COMBINING = ["\u0301", "\u0308", "\u0327", "\u3099", "\u20dd", "\ufe0f"]
ASTRAL = ["😑", "𝐀", "🀄", "\U0001F1E8\U0001F1F3", "\U000E0041"]
LINKS = ["http://t.cn/abc", "https://example.org/a_b?x=1&y=2#frag", "www.example.com/路径", "ftp://x.y/z",
         "a.b@example.com", "用户@例子.中国", "`x = 1`", "`中文 code`", "``a`b``", "<https://a.b/c>",
         "[链接](http://a.b/c)", "![图](a.jpg)", "![](media/image1.jpeg)"]
LINES = ["\n", "\n\n", "\n\n\n", "# ", "## ", "> ", "- ", "* ", "1# ", "楼主", "注册 | 登录", "[复制链接]",
         "记者 王晓明", "本报讯 ", "（上接一版）", "(下转第二版)", "本版主编：李四", "内容来源\n\n溧阳市融媒体中心\n",
         "扫码关注 ", " 领取福利", "详见", "于年12月", "全长公里", "——编者", "■", "●", "▲", "TOP"]
# text: what the property tests in CI draw from; PIECES adds page chrome,
# bylines, Markdown markers and gaps for the longer fuzz run
TEXT = HAN * 3 + DIGITS + LATIN + PUNCT + CONTROLS + SPACES + INVISIBLE + COMBINING + ASTRAL + LINKS + ["\n", "\n\n"]
PIECES = TEXT + LINES


def letters(text: str) -> Counter:
    """Han characters, digits and Latin letters, counted after canonical
    decomposition (NFC composing e + ◌́ into é is no loss)."""
    return Counter(regex.findall(r"[\p{Han}0-9A-Za-z]", unicodedata.normalize("NFD", text)))


def kept_letters(articles, doc) -> Counter:
    """What of a page's letters its articles and its removed record hold."""
    kept = Counter()
    for a in articles:
        fm = {k: v for k, v in a.front_matter().items() if k not in ("id", "source", "flags", "changes", "normalizer")}
        kept += letters(a.to_markdown().split("\n---\n", 1)[1] + json.dumps(fm, ensure_ascii=False))
    for r in doc.removed:
        kept += letters(r.text)
    return kept


def body(article) -> str:
    """An article's Markdown body: what ``normalize run`` writes after the front matter."""
    return article.to_markdown().split("\n---\n", 1)[1].lstrip("\n")


def content(articles, doc=None, deck=True) -> Counter:
    """The characters of articles as a reader sees them (headline deck,
    paragraphs; with ``doc``, the byline lines it parsed into authors), white
    space not counted: how a page is split into articles and blocks is not
    text.  ``deck=False``: only what the Markdown body shows (the title)."""
    parts = []
    for a in articles:
        parts += [a.meta.get("kicker") or "", a.meta.get("subtitle") or ""] if deck else []
        parts += [a.meta.get("title") or ""] + [t for _k, t in a.blocks]
    if doc is not None:
        parts += [r.text for r in doc.removed if r.rule == "segment.byline"]
    return Counter(regex.sub(r"\s+|\\(?=#)|(?<=^|\n)#{1,2} ", "", "\n".join(parts)))


def check(pipe, text: str, single_pass: list | None = None) -> list[str]:
    """Every property a cleaned page must have; what failed (empty: all held).
    Cleaned again, an article's Markdown body (no front matter: read as any
    page) keeps its text; the article's whole file (read as one we wrote)
    comes back byte for byte under ``fix`` and with the same body under ``run``.
    ``single_pass`` (a list) collects inputs where one pass of the text
    stages is not yet a fixed point (``fix`` then runs again)."""
    problems = []
    fixed = settled_fix(pipe, text)[0]
    again = settled_fix(pipe, fixed)[0]
    if again != fixed:
        problems.append(f"fix not idempotent: {fixed!r} -> {again!r}")
    if single_pass is not None and pipe.fix(text)[0] != fixed:
        single_pass.append(text)
    articles, doc = pipe.clean(text, {"path": "raw/x.txt", "sha256": None, "stem": "x"})
    missing = letters(text) - kept_letters(articles, doc)
    if missing:
        problems.append(f"lost {dict(missing)}")
    for a in articles:
        b = body(a)
        recleaned, doc2 = pipe.clean(b, {"path": "clean/x/01.md", "sha256": None, "stem": "x"})
        diff = content(recleaned, doc2)
        diff.subtract(content([a], deck=False))
        if any(diff.values()):
            problems.append(f"clean output changes when cleaned again: {b!r}: {dict(+diff)} more, {dict(-diff)} fewer")
        # the article as written (front matter and all), cleaned again: read as laid out, it comes back
        md = a.to_markdown()
        if settled_fix(pipe, md)[0] != md:
            problems.append(f"an article file changes under fix: {md!r}")
        again = pipe.clean(md, {"path": "in/x-01.md", "sha256": None, "stem": "x-01"})[0]
        if [body(x) for x in again] != [b]:
            problems.append(f"an article file changes under run: {b!r} -> {[body(x) for x in again]!r}")
    return problems
