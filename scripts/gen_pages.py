#!/usr/bin/env python3
"""Build damaged multi-article newspaper pages, with gold, from clean corpus articles.

Why a second generator: ``scripts/eval.py`` builds its pages with the
package's own column printer and byline parser, so it can only measure the
code against the code's own notions.  This one imports nothing from
``normalize`` and copies none of its predicates: its column wrapping, its
idea of a finished paragraph and its names are written here, from what
printed pages do.  It varies what real OCR pages vary:

* bylines with a role (记者, 本报记者, 通讯员, 文/图 …) or without (one to four
  bare names, a single name), names padded to three columns, or none and the
  reporters named in the dateline's parenthesis;
* datelines of every form (本报讯, 本报讯（记者…）, 本报杭州9月10日电,
  新华社北京…电（记者…）) or none;
* headline decks of one to three lines (kicker, title, ——subtitle), printed
  before the byline, after it, or after the body (per page, as OCR does);
* a title wider than its page line broken over two lines, a long one over
  three (drawn from a random stream of its own, so that adding it changed
  nothing else a seed builds), never before a closing mark or after an
  opening one;
* columns 10-17 wide, a blank line after every line or none, lost indents,
  closing marks hanging past the edge, letter-spaced full lines and digits
  spread apart (``2 0 2 3年``);
* with ``--docs N``, N pages more as OCR'd printed documents are (one or two
  articles, lines 26-40 wide): the title set large over one to three short
  lines, broken where a typesetter breaks it, perhaps centred, perhaps with
  a subtitle line; the author an institution or its commentator (本报评论员,
  中共浙江省委宣传部, 中共南京市委员会) or a person, on a line of its own
  under or over the title, or none.  They come from a random stream of
  their own, after the news pages, which stay as they were.
* with ``--booklets N``, N pages more as a booklet's or a compilation's
  pages are: three or four articles set as a document's, most of them
  signed by no one (the title right after the article before, over its
  body), every title set alike (centred or not, a blank line under it or
  not), a blank line between articles on three pages in four, none on the
  fourth.  From a random stream of their own, after the documents.
* with ``--paragraph-blanks``, every page instead sets a blank line only
  after a paragraph, a sub-heading, a deck line and a byline, and its OCR
  reads the punctuation half-width (``,`` ``.`` ``:`` ``;`` ``?`` ``!``
  where print set ，。：；？！) with a space either side of a number: the
  page as printed is the same, so the rest of what a seed builds is too.

Gold goes out in the format of ``../shared/eval/gold`` (score.py reads it).

    python scripts/gen_pages.py OUT [--pages 200] [--seed 7] [--docs 0] [--booklets 0] [--shared ../shared]

writes OUT/raw/pNNNN.txt (and qNNNN.txt, the documents, bNNNN.txt, the booklets), OUT/gold/*.json and
OUT/variants.jsonl (what each page varied, for breakdowns).
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# -- this generator's own simple notions ---------------------------------------
CLOSING = set("，。、；：？！”’）》」』…")   # a printed line never starts with one of these
OPENING = set("“‘（《「『")                   # nor ends on one of these
FINISH = ("。", "！", "？", "。”", "！”", "？”", "…")          # the last paragraph of a cut article ends on one
CJK = re.compile(r"[\u3400-\u9fff]")
PLACES = ["北京", "杭州", "成都", "西安", "南京", "武汉", "广州", "兰州", "长沙", "昆明", "哈尔滨", "乌鲁木齐"]
KICKERS = ["喜迎新春", "聚焦高质量发展", "一线见闻", "乡村振兴在行动", "走基层", "科技前沿",
           "民生直通车", "调研手记", "时代楷模", "新春走基层——"]


def cols(ch: str) -> float:
    """Columns a character takes on the page: ASCII half, the rest one."""
    return 0.5 if ord(ch) < 128 else 1.0


def wrap(text: str, width: int, indent: int) -> list[str]:
    """``text`` set in a column ``width`` wide, the first line indented by
    ``indent`` columns (which OCR then loses); closing marks stay on the line
    they close rather than open the next one."""
    out, cur, used = [], "", float(indent)
    for ch in text:
        if cur and used + cols(ch) > width and ch not in CLOSING:
            out.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += cols(ch)
    if cur:
        out.append(cur)
    return out


def settle(t: str, cut: int) -> int:
    """A line break at ``cut`` moved, as a typesetter moves it, so that no
    line starts on a closing mark or ends on an opening one."""
    while 0 < cut < len(t) - 1 and (t[cut] in CLOSING or t[cut - 1] in OPENING):
        cut += 1
    return cut


def spread(line: str) -> str:
    """A justified line as some OCR reads it: a space between every character."""
    return " ".join(line)


def spread_digits(line: str) -> str:
    return re.sub(r"\d{2,}", lambda m: " ".join(m.group(0)), line)


HALF = str.maketrans("，。：；？！", ",.:;?!")


def half_width(line: str) -> str:
    """A printed line as an OCR that reads marks half-width and sets numbers apart reads it."""
    return re.sub(r" ?(\d+(?:\.\d+)?%?) ?", r" \1 ", line.translate(HALF)).strip()


# -- corpus ---------------------------------------------------------------------
def load(shared: Path) -> tuple[list[dict], list[str]]:
    arts, pool = [], []
    for f in sorted((shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            names = [n.strip() for n in (a.get("authors") or "").split(";")
                     if 2 <= len(n.strip()) <= 4 and all(CJK.match(c) for c in n.strip())]
            pool += names
            paras = [re.sub(r"\s+", "", p) for p in a.get("paragraphs") or []]
            # a paragraph naming the article's authors, or a reporter label, is its byline
            paras = [p for p in paras if len(p) >= 2 and "记者" not in p[:8]
                     and not (names and any(n in p for n in names) and len(p) < 40)]
            title = re.sub(r"\s+", " ", (a.get("title") or "")).strip()
            # a corpus title ending on —— or ： is a kicker whose main title was lost
            if not title or not paras or len(title) > 40 or title.endswith(("——", "：")):
                continue
            # drop the corpus' own datelines so the page decides which one to print
            paras[0] = re.sub(r"^(?:本报讯|(?:本报|新华社)\S{0,12}?\d{1,2}月\d{1,2}日电)(?:（[^）]{0,30}）)?", "", paras[0])
            if not paras[0]:
                paras = paras[1:]
            sub = (a.get("subtitle") or "").strip()
            arts.append({"title": title, "subtitle": sub if sub.startswith("——") and len(sub) <= 40 else None,
                         "names": names, "paras": paras})
    return arts, sorted(set(pool))


def body_of(art: dict, rnd: random.Random) -> list[dict]:
    """Two to six paragraphs; a short paragraph without a final mark is a
    sub-heading; the article ends on a finished paragraph."""
    n = rnd.randint(2, 6)
    paras = art["paras"][:n]
    while paras and not paras[-1].endswith(FINISH):
        paras.pop()
    out = []
    for p in paras:
        heading = len(p) <= 20 and not p.endswith(FINISH) and not p.endswith(("，", "：", "；", "、"))
        out.append({"type": "h" if heading else "p", "text": p})
    if out and out[0]["type"] == "h":
        return []
    return out


# -- one article ------------------------------------------------------------------
ROLED = ["记者", "本报记者", "通讯员", "本报通讯员", "实习生"]


def pad(name: str) -> str:
    return name[0] + "  " + name[1] if len(name) == 2 else name


def byline(rnd: random.Random, names: list[str]) -> tuple[str | None, list[dict], str]:
    """(printed byline or None, authors, form) for up to four names."""
    form = rnd.choice(["role", "role", "role2", "bare", "bare1", "slash", "padded", "none"])
    if form == "role":
        role = rnd.choice(ROLED)
        return f"{role} {' '.join(names)}", [{"name": n, "role": role} for n in names], form
    if form == "role2" and len(names) >= 2:
        a, b = names[:1], names[1:]
        return (f"本报记者 {' '.join(a)} 通讯员 {' '.join(b)}",
                [{"name": n, "role": "记者"} for n in a] + [{"name": n, "role": "通讯员"} for n in b], form)
    if form in ("bare", "role2"):
        return " ".join(names), [{"name": n, "role": None} for n in names], "bare"
    if form == "bare1":
        return names[0], [{"name": names[0], "role": None}], form
    if form == "slash":
        return f"文/图 {names[0]}", [{"name": names[0], "role": "记者"}], form
    if form == "padded":
        return "本报记者 " + "  ".join(pad(n) for n in names), [{"name": n, "role": "记者"} for n in names], form
    return None, [], form


def dateline(rnd: random.Random, names: list[str], have_byline: bool) -> tuple[str, list[dict], str]:
    """(printed dateline or "", authors it names, form)."""
    place, date = rnd.choice(PLACES), f"{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日"
    forms = ["none", "bare", "local"] + ([] if have_byline else ["bare-names", "local-names", "xinhua-names"])
    form = rnd.choice(forms + ["xinhua"])
    who = "、".join(names)
    if form == "bare":
        return "本报讯 ", [], form
    if form == "local":
        return f"本报{place}{date}电 ", [], form
    if form == "xinhua":
        return f"新华社{place}{date}电 ", [], form
    if form == "bare-names":
        return f"本报讯（记者{who}）", [{"name": n, "role": "记者"} for n in names], form
    if form == "local-names":
        return f"本报{place}{date}电（记者{who}）", [{"name": n, "role": "记者"} for n in names], form
    if form == "xinhua-names":
        return f"新华社{place}{date}电（记者{who}）", [{"name": n, "role": "记者"} for n in names], form
    return "", [], "none"


def article(art: dict, arts: list[dict], pool: list[str], rnd: random.Random) -> dict | None:
    blocks = body_of(art, rnd)
    if not blocks:
        return None
    k = rnd.choice([1, 1, 2, 2, 3, 4])
    names = (art["names"] + rnd.sample(pool, 4))[:k]
    names = list(dict.fromkeys(names))
    by, authors, by_form = byline(rnd, names)
    dl, dl_authors, dl_form = dateline(rnd, names, by is not None)
    if by is None and not dl_authors:
        by_form = "none"
    lead = blocks[0]["text"]
    blocks[0] = {"type": "p", "text": dl + lead}
    kicker = subtitle = None
    deck_form = rnd.choice(["title", "title", "kicker", "subtitle", "three"])
    if deck_form in ("kicker", "three"):
        kicker = rnd.choice(KICKERS)
    if deck_form in ("subtitle", "three"):
        other = rnd.choice([t["title"] for t in arts if len(t["title"]) <= 22 and not re.search(r"[（(]", t["title"])])
        subtitle = art["subtitle"] or "——" + other
    return {"title": art["title"], "kicker": kicker, "subtitle": subtitle, "byline": by,
            "authors": authors + dl_authors, "blocks": blocks,
            "forms": {"byline": by_form, "dateline": dl_form, "deck": deck_form, "names": len(names)}}


# -- one page -----------------------------------------------------------------------
def print_page(items: list[dict], rnd: random.Random, breaks: random.Random,
               paragraph_blanks: bool = False) -> tuple[str, dict]:
    width = rnd.randint(10, 17)
    blank = rnd.random() < 0.5
    if paragraph_blanks:
        blank = False
    titles_after = rnd.random() < 0.3
    byline_first = rnd.random() < 0.15   # byline above the headline (some layouts)
    head_width = rnd.randint(16, 26)    # a headline wider than this breaks over two lines
    out: list[str] = []

    def put(line: str, last: bool = True):
        out.append(half_width(line) if paragraph_blanks else line)
        if blank or (paragraph_blanks and last):
            out.append("")

    def deck(a):
        if a["kicker"]:
            put(a["kicker"])
        t = a["title"]
        a["forms"]["title_lines"] = 1
        if len(t) > head_width and " " not in t and rnd.random() < 0.5:
            cut = settle(t, rnd.randint(len(t) // 2 - 2, len(t) // 2 + 2))
            if len(t) >= 15 and breaks.random() < 0.4:  # a long title over three lines
                a["forms"]["title_lines"] = 3
                third = len(t) // 3
                cuts = [settle(t, breaks.randint(third - 1, third + 1)),
                        settle(t, breaks.randint(2 * third - 1, 2 * third + 1))]
                put(t[:cuts[0]])
                put(t[cuts[0]:cuts[1]])
                put(t[cuts[1]:])
            else:
                a["forms"]["title_lines"] = 2
                put(t[:cut])
                put(t[cut:])
        else:
            put(t)
        if a["subtitle"]:
            put(a["subtitle"])

    for a in items:
        if not titles_after and not byline_first:
            deck(a)
        if a["byline"]:
            put(a["byline"])
        if not titles_after and byline_first:
            deck(a)
        for b in a["blocks"]:
            if b["type"] == "h":  # a sub-heading is set in its column, centred, wrapped if long
                hl = wrap(b["text"], width, 0)
                for i, ln in enumerate(hl):
                    put(ln, i == len(hl) - 1)
                continue
            lines = wrap(b["text"], width, 2)
            for i, ln in enumerate(lines):
                if rnd.random() < 0.04 and i < len(lines) - 1 and len(ln) >= 6:
                    ln = spread(ln)
                elif rnd.random() < 0.1:
                    ln = spread_digits(ln)
                put(ln, i == len(lines) - 1)
        if titles_after:
            deck(a)
    page = "\n".join(out).rstrip("\n") + "\n"
    return page, {"width": width, "blank": "paragraphs" if paragraph_blanks else blank,
                  "titles": "after" if titles_after else ("below-byline" if byline_first else "before")}


# -- printed documents ------------------------------------------------------------
PROVINCES = ["浙江", "江苏", "四川", "湖南", "河北", "山东", "福建", "云南", "甘肃", "江西"]
CITIES = ["南京", "杭州", "成都", "长沙", "石家庄", "济南", "福州", "昆明", "兰州", "南昌"]


def institution(rnd: random.Random) -> str:
    """An author that is a body of people, or its commentator, as documents sign."""
    prov, city = rnd.choice(PROVINCES), rnd.choice(CITIES)
    return rnd.choice([
        "本报评论员", "人民日报评论员", "新华社评论员", "本报特约评论员",
        f"中共{prov}省委宣传部", f"中共{city}市委员会", f"中共{prov}省委组织部",
        f"{prov}省人民政府办公厅", f"中共{prov}省委党校课题组", f"{city}市委理论学习中心组",
        "中共中央党史和文献研究院", "国务院发展研究中心课题组"])


def title_lines(t: str, rnd: random.Random) -> list[str]:
    """A document's title set large: a short one on one line, a longer one over
    two or three, broken near equal parts where print breaks."""
    if " " in t and len(t) > 9:  # phrases apart by a space: a line each
        return t.split()
    if len(t) <= 9 or (len(t) <= 14 and rnd.random() < 0.4):
        return [t]
    n = 3 if len(t) >= 18 and rnd.random() < 0.5 else 2
    cuts, prev = [], 0
    for k in range(1, n):
        c = settle(t, max(prev + 2, min(len(t) - 2, round(len(t) * k / n) + rnd.randint(-2, 2))))
        if c <= prev or c >= len(t):
            return [t]
        cuts.append(c)
        prev = c
    return [t[a:b] for a, b in zip([0] + cuts, cuts + [len(t)])]


def document_page(items: list[dict], rnd: random.Random, sep: bool = True) -> tuple[str, dict]:
    """One or two articles printed as an OCR'd document: wide lines, no blank
    line but between parts, titles over short lines.  ``sep``: a blank line
    after each article (without it the next title follows the body's last
    line, as on a booklet page that leaves no space)."""
    width = rnd.randint(26, 40)
    centre = rnd.random() < 0.5
    gap = rnd.random() < 0.4       # a blank line between the title block and the body
    out: list[str] = []
    for a in items:
        forms = a["forms"]
        lines = title_lines(a["title"], rnd)
        forms["doc_title_lines"] = len(lines)
        head = [(" " * max(0, (width - len(ln)) // 2) if centre else "") + ln for ln in lines]
        if a["subtitle"]:
            head.append(a["subtitle"])
        where = forms["author_at"]
        if a["byline"] and where == "over":
            out.append(a["byline"])
        out += head
        if a["byline"] and where == "under":
            out.append((" " * max(0, (width - len(a["byline"])) // 2) if centre else "") + a["byline"])
        if gap:
            out.append("")
        for b in a["blocks"]:
            if b["type"] == "h":
                out.append(b["text"])
            else:
                out += wrap(b["text"], width, 2)
        if sep:
            out.append("")
    page = "\n".join(out).rstrip("\n") + "\n"
    return page, {"width": width, "blank": gap, "titles": "document"}


def doc_article(art: dict, pool: list[str], rnd: random.Random, forms: list[str] | None = None) -> dict | None:
    blocks = body_of(art, rnd)
    if not blocks:
        return None
    form = rnd.choice(forms or ["institution", "institution", "commentator", "person", "none"])
    if form == "commentator":
        by = rnd.choice(["本报评论员", "人民日报评论员", "新华社评论员"])
    elif form == "institution":
        by = institution(rnd)
    elif form == "person":
        by = (art["names"] + rnd.sample(pool, 1))[0]
    else:
        by = None
    subtitle = art["subtitle"] if rnd.random() < 0.5 else None
    return {"title": art["title"], "kicker": None, "subtitle": subtitle, "byline": by,
            "authors": [{"name": by, "role": None}] if by else [], "blocks": blocks,
            "forms": {"byline": "doc-" + form, "author_at": rnd.choice(["under", "under", "over"]) if by else "none"}}


def write_page(out: Path, name: str, page: str, how: dict, items: list[dict]) -> dict:
    """A page's raw text and its gold written; its variant record returned."""
    (out / "raw" / f"{name}.txt").write_text(page, encoding="utf-8")
    gold = {"source": f"{name}.txt", "articles": [
        {"kicker": a["kicker"], "title": a["title"], "subtitle": a["subtitle"], "authors": a["authors"],
         "blocks": a["blocks"]} for a in items]}
    (out / "gold" / f"{name}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"source": f"{name}.txt", **how, "articles": [a["forms"] for a in items]}


def build(shared: Path, out: Path, pages: int, seed: int, docs: int = 0,
          paragraph_blanks: bool = False, booklets: int = 0) -> None:
    rnd = random.Random(seed)
    breaks = random.Random(f"title-breaks-{seed}")
    arts, pool = load(shared)
    (out / "raw").mkdir(parents=True, exist_ok=True)
    (out / "gold").mkdir(parents=True, exist_ok=True)
    variants = []
    for p in range(pages):
        items, want = [], rnd.randint(2, 5)
        while len(items) < want:
            a = article(rnd.choice(arts), arts, pool, rnd)
            if a:
                items.append(a)
        page, how = print_page(items, rnd, breaks, paragraph_blanks)
        variants.append(write_page(out, f"p{p:04d}", page, how, items))
    drnd = random.Random(f"documents-{seed}")
    for p in range(docs):
        items, want = [], drnd.choice([1, 1, 2])
        while len(items) < want:
            a = doc_article(drnd.choice(arts), pool, drnd)
            if a:
                items.append(a)
        page, how = document_page(items, drnd)
        variants.append(write_page(out, f"q{p:04d}", page, how, items))
    # booklets: pages of a compilation or a booklet, three or four articles,
    # most of them signed by no one, every title set as the page sets titles
    brnd = random.Random(f"booklets-{seed}")
    for p in range(booklets):
        items, want = [], brnd.choice([3, 3, 4])
        while len(items) < want:
            a = doc_article(brnd.choice(arts), pool, brnd, forms=["none", "none", "none", "person"])
            if a:
                items.append(a)
        sep = brnd.random() < 0.75
        page, how = document_page(items, brnd, sep)
        variants.append(write_page(out, f"b{p:04d}", page, {**how, "titles": "booklet", "sep": sep}, items))
    (out / "variants.jsonl").write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in variants),
                                        encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--docs", type=int, default=0, help="also build this many document pages (qNNNN)")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--paragraph-blanks", action="store_true",
                    help="blank lines only where paragraphs end, punctuation read half-width, numbers set apart")
    ap.add_argument("--booklets", type=int, default=0,
                    help="also build this many booklet pages (bNNNN: three or four articles, most unsigned)")
    args = ap.parse_args()
    build(args.shared, args.out, args.pages, args.seed, args.docs, args.paragraph_blanks, args.booklets)


if __name__ == "__main__":
    main()
