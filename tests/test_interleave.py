"""Interleaved columns (normalize/interleave.py): flagged, re-joined only when certain.

The pages here are built from the bodies of the committed sample output
(clean/000_*), laid out the way a converter without page geometry writes
them: printed lines joined by spaces into blocks, blocks separated by blank
lines, two columns merged by height or one column in order.
"""
from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
from collections import Counter

import pytest

from conftest import ROOT
from normalize import interleave as il
from normalize.segment import segment

RULE = il.RULE
SAMPLE_BODIES = sorted((ROOT / "clean" / "000_98cc0969cadc0532").glob("*.md"))


def body(path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = text[text.index("\n---\n", 4) + 5:]
    return [p for p in text.split("\n\n") if p.strip() and not p.startswith("#")]


def printed(paras: list[str], width: int) -> list[tuple[str, bool]]:
    out = []
    for p in paras:
        for k in range(0, len(p), width):
            out.append((p[k:k + width], k + width >= len(p)))
    return out


def blocks_of(lines, size: int) -> list[tuple[int, str]]:
    out, i = [], 0
    while i < len(lines):
        j = i
        while j < len(lines) and j - i < size:
            j += 1
            if lines[j - 1][1]:
                break
        out.append((i, " ".join(t for t, _e in lines[i:j])))
        i = j
    return out


def page(paras: list[str], two: bool, width: int = 16, size: int = 3) -> str:
    lines = printed(paras, width)
    if two:
        half = (len(lines) + 1) // 2
        merged = sorted([(top, 0, t) for top, t in blocks_of(lines[:half], size)]
                        + [(top, 1, t) for top, t in blocks_of(lines[half:], size)])
        texts = [t for _top, _c, t in merged]
    else:
        texts = [t for _top, t in blocks_of(lines, size)]
    return "# 标题\n\n" + "\n\n".join(texts) + "\n"


def flagged(articles) -> bool:
    return any(f["rule"] == RULE for a in articles for f in a.meta["flags"])


def han(text: str) -> Counter:
    return Counter(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def split_then_check(pipe, text):
    """The articles as the split leaves them, then as the check leaves them."""
    doc = pipe.run_text_stages(text)
    articles = segment(doc, {"path": "p.md", "stem": "p"}, {"version": "0", "rules": "x"})
    before = [a.text for a in articles]
    il.check(articles, doc, text)
    return before, articles, doc


# -- the model ------------------------------------------------------------------
def test_model_is_shipped_small_and_judges_words():
    assert il.MODEL.is_file() and il.MODEL.stat().st_size < 2_000_000
    m = il.model()
    word, broken = m.fit("国家主", "席习近"), m.fit("国家主", "水利部")
    assert isinstance(word, int) and isinstance(broken, int)
    assert word > broken + 300


def test_build_script_holds_out_every_fifth_article_and_is_deterministic(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    arts = [{"title": "t", "paragraphs": [f"{'鑫' if i == 0 else '森'}林{i}号" * 3]} for i in range(6)]
    (corpus / "a.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in arts), encoding="utf-8")
    outs = []
    for k in (1, 2):
        out = tmp_path / f"m{k}.gz"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_ngram.py"), "--corpus", str(corpus),
                        "--out", str(out)], check=True, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    counts = dict(line.split("\t") for line in gzip.decompress(outs[0]).decode().splitlines()
                  if not line.startswith("#"))
    assert "森" in counts and "鑫" not in counts  # article 0 is held out


# -- detection ------------------------------------------------------------------
@pytest.mark.parametrize("path", SAMPLE_BODIES, ids=lambda p: p.stem)
def test_one_column_pages_are_not_flagged(pipe, path):
    articles, _doc = pipe.clean(page(body(path), two=False), {"path": "p.md", "stem": "p"})
    assert not flagged(articles)


def test_two_column_pages_are_flagged_and_keep_every_character(pipe):
    hits = 0
    for path in SAMPLE_BODIES:
        before, articles, _doc = split_then_check(pipe, page(body(path), two=True))
        hits += flagged(articles)
        assert han("".join(a.text for a in articles)) == han("".join(before))
    assert hits >= len(SAMPLE_BODIES) - 1


def test_flag_names_the_raw_line_where_the_sentence_stops(pipe):
    text = page(body(SAMPLE_BODIES[1]), two=True)
    raw = text.split("\n")
    articles, _doc = pipe.clean(text, {"path": "p.md", "stem": "p"})
    flags = [f for a in articles for f in a.meta["flags"] if f["rule"] == RULE]
    assert flags
    for f in flags:
        tail = f["text"].split("‖")[0]
        assert tail[-4:].replace("，", ",") in raw[f["line"] - 1].replace(" ", "").replace("，", ",")
        assert "raw line" in f["message"]


def test_the_pdf_sample_shows_it_and_the_others_do_not(sample_runs):
    pdf = sample_runs["001"][0]
    titles = {a.meta["title"] for a in pdf if flagged([a])}
    assert {"醉心翰墨育新花", "95岁老党员彭承温：回忆峥嵘岁月，坚守红色初心"} <= titles
    assert sum(flagged([a]) for a in pdf) >= 3
    for key in ("000", "002"):
        assert not flagged(sample_runs[key][0])


def test_paragraph_pages_without_converter_blocks_are_left_alone(pipe):
    # whole paragraphs a line, each ending a sentence: nothing to judge
    paras = body(SAMPLE_BODIES[0])
    articles, doc = pipe.clean("# 标题\n\n" + "\n\n".join(paras) + "\n", {"path": "p.md", "stem": "p"})
    assert not flagged(articles)
    assert not [c for c in doc.changes if c.rule == il.REJOIN]


# -- re-joins -------------------------------------------------------------------
def test_rejoins_are_right_counted_and_flagged_with_both_lines(pipe):
    rejoined = 0
    for path in SAMPLE_BODIES:
        paras = body(path)
        written = "".join(paras)
        before, articles, doc = split_then_check(pipe, page(paras, two=True))
        changes = [c for c in doc.changes if c.rule == il.REJOIN]
        assert sum(a.meta["changes"].get(il.REJOIN, 0) for a in articles) == len(changes)
        for c in changes:
            assert c.after.strip("…") in written  # the join reads as the article was written
        notes = [f for a in articles for f in a.meta["flags"] if f["message"].startswith("re-joined")]
        assert len(notes) == len(changes)
        for f in notes:
            assert f"raw line {f['line']}" in f["message"] and f["message"].count("raw line") == 2
        assert han("".join(a.text for a in articles)) == han("".join(before))
        rejoined += len(changes)
    assert rejoined >= 1


def test_certain_needs_a_wide_margin_both_ways():
    def unit(k, text):
        return il.Unit(0, 0, len(text), k + 1, k + 1, text, k)
    m = il.model()
    # 国家主 goes on in 席 and nothing else fits: certain
    units = [unit(0, "今天上午国家主"), unit(1, "水利部门召开会议。"), unit(2, "席发表重要讲话。")]
    assert il.certain(units, m) == [(0, 2)]
    # two blocks that could both go on from it: not certain
    units.append(unit(3, "席位已经坐满。"))
    assert il.certain(units, m) == []


def test_output_is_deterministic(pipe):
    text = page(body(SAMPLE_BODIES[-1]), two=True)
    first = [(a.meta["flags"], a.meta["changes"], a.text) for a in pipe.clean(text, {"path": "p", "stem": "p"})[0]]
    again = [(a.meta["flags"], a.meta["changes"], a.text) for a in pipe.clean(text, {"path": "p", "stem": "p"})[0]]
    assert first == again


# -- blocks and printed lines ------------------------------------------------------
def test_wide_raw_lines_are_blocks_narrow_column_lines_are_not():
    from array import array

    def para(lines_text: list[tuple[int, str]]):
        text = "".join(t for _n, t in lines_text)
        org = array("i", [n for n, t in lines_text for _ch in t])
        return ("p", text, org)

    wide = [(1, "甲" * 30), (3, "乙" * 30), (5, "丙" * 12)]   # blank lines between: three blocks
    assert [u.text[0] for u in il.units_of([para(wide)])] == ["甲", "乙", "丙"]
    narrow = [(1, "甲" * 12), (3, "乙" * 12), (5, "丙" * 12)]  # an OCR column with blank lines: one paragraph
    assert len(il.units_of([para(narrow)])) == 1
    consecutive = [(1, "甲" * 30), (2, "乙" * 30)]           # no blank line: printed lines of one paragraph
    assert len(il.units_of([para(consecutive)])) == 1


def test_printed_lines_are_found_through_the_cleaning():
    # half-width marks become full-width one for one: cut by length
    assert il._cuts("他说，今天很好。明天也好", ["他说,今天很好。", "明天也好"]) == [8]
    # a marker the cleaning removed ("> "): cut by Han characters
    assert il._cuts("议事决策联商在推进多元共治中", [">议事决策联商在推进", "多元共治中"]) == [9]
    # a look-alike mended one for one keeps the length: still cut right
    assert il._cuts("要教一个成一个", ["要教-个", "成一个"]) == [4]
    # length and Han characters both changed: no cut (the block stays whole)
    assert il._cuts("要教一个，成一个", ["要教-个", "成一个"]) is None


def test_forum_posts_are_not_checked(pipe):
    """A forum post is typed lines, not a converter's columns: the same
    two-column text is flagged on a page, not in a post."""
    text = page(body(SAMPLE_BODIES[1]), two=True)
    assert flagged(pipe.clean(text, {"path": "p.md", "stem": "p"})[0])
    head = "####  老张  \n##### 1#       楼主       发表于 2022-8-24 02:17\n\n"
    articles, _doc = pipe.clean(head + text.replace("# 标题\n\n", ""), {"path": "p.md", "stem": "p"})
    assert articles and all(a.meta["forum"] for a in articles)
    assert not flagged(articles)


def test_pages_of_typed_lines_are_not_checked(pipe):
    """A board family whose lines are paragraphs as typed: skipped even
    where its posts are not split (no post header on the page)."""
    from normalize.doc import Note
    text = page(body(SAMPLE_BODIES[1]), two=True)
    doc = pipe.run_text_stages(text)
    articles = segment(doc, {"path": "p.md", "stem": "p"}, {"version": "0", "rules": "x"})
    doc.notes.append(Note("paragraphs", "lines", 1))
    il.check(articles, doc, text)
    assert not flagged(articles)


# -- the shortcuts are the long way, only shorter -----------------------------------
def _units_line_by_line(blocks):
    """units_of as first written: every raw line a run, each joined to the
    unit before unless the page is wide and a blank line comes between."""
    import bisect
    runs = []
    for bi, (kind, text, org) in enumerate(blocks):
        if kind != "p" or org is None or not text:
            continue
        start, n = 0, len(text)
        while start < n:
            end = bisect.bisect_right(org, org[start], start, n)
            if end <= start or org[end - 1] != org[start]:
                end = start + 1
                while end < n and org[end] == org[start]:
                    end += 1
            runs.append((bi, start, end, start > 0 and org[start] - org[start - 1] >= 2))
            start = end
    if not runs:
        return []
    widths = sorted(e - s for _b, s, e, _g in runs)
    wide = widths[len(widths) // 2] >= il.BLOCK_MIN
    out = []
    for bi, start, end, gap in runs:
        org = blocks[bi][2]
        if out and out[-1][0] == bi and not (wide and gap):
            out[-1][2], out[-1][4] = end, org[end - 1]
        else:
            out.append([bi, start, end, org[start], org[end - 1]])
    return [(b, s, e, f, la, blocks[b][1][s:e], k) for k, (b, s, e, f, la) in enumerate(out)]


def test_units_made_at_once_are_the_units_made_line_by_line():
    import random
    from array import array
    rnd = random.Random(7)
    wide_pages = 0
    for _ in range(300):
        blocks, line = [], 1
        width = rnd.choice([6, 12, 20, 30, 60])
        for _b in range(rnd.randint(1, 6)):
            kind = rnd.choice(["p", "p", "p", "h"])
            org = []
            for _l in range(rnd.randint(1, 6)):
                org += [line] * rnd.randint(1, 2 * width)
                line += rnd.choice([1, 1, 2, 3])  # a blank (or removed) line now and then
            if rnd.random() < 0.1 and len(org) > 2:
                org[1], org[-1] = org[-1], org[1]  # origins out of order: the slow walk
            blocks.append((kind, "字" * len(org), array("i", org) if rnd.random() < 0.95 else None))
        got = [(u.block, u.start, u.end, u.first, u.last, u.text, u.group) for u in il.units_of(blocks)]
        assert got == _units_line_by_line(blocks)
        wide_pages += any(u.start > 0 for u in il.units_of(blocks))
    assert 20 < wide_pages < 280  # both kinds of page were made


def test_printed_lines_given_up_on_are_the_ones_after_the_evidence_ran_out(pipe, monkeypatch):
    doc_text = page(body(SAMPLE_BODIES[0]) + body(SAMPLE_BODIES[1]), two=False, width=16, size=4)
    captured = []
    real = il.junctions
    monkeypatch.setattr(il, "junctions", lambda lines, m: captured.append(lines) or real(lines, m))
    pipe.clean(doc_text, {"path": "p.md", "stem": "p"})
    m = il.model()
    gave_up = 0
    for lines in captured:
        rows = real(lines, m)
        monkeypatch.setattr(il, "LINE_GIVE_UP", -10 ** 9)
        every = real(lines, m)
        monkeypatch.setattr(il, "LINE_GIVE_UP", -3000)
        assert [r for r in rows if r[4] == "block"] == [r for r in every if r[4] == "block"]
        line_rows, evidence = [], 0
        for r in (r for r in every if r[4] == "line"):
            if evidence <= il.LINE_GIVE_UP:
                break
            line_rows.append(r)
            evidence += il._evidence([r], *il.LINE)
        assert [r for r in rows if r[4] == "line"] == line_rows
        gave_up += len(line_rows) < sum(r[4] == "line" for r in every)
    assert gave_up  # the page is long and in order: the printed lines were given up on


def test_continuations_are_counted_as_they_were():
    m = il.model()
    t1, t2 = {}, {}
    for k in m.bi:
        t1[k[0]] = t1.get(k[0], 0) + 1
    for k in m.tri:
        t2[k[:2]] = t2.get(k[:2], 0) + 1
    assert m.t1 == t1 and list(m.t1) == list(t1)
    assert m.t2 == t2 and list(m.t2) == list(t2)


def test_the_model_file_is_read_as_line_by_line_reading_reads_it():
    text = gzip.decompress(il.MODEL.read_bytes()).decode("utf-8")
    fast, slow = il._counts(text), il._counts_by_line(text)
    assert fast == slow and all(list(f) == list(s) for f, s in zip(fast[:3], slow[:3]))
    assert fast[3] > 1 and all(fast[:3])
    # files not laid out as build_ngram.py writes them: read line by line, to the same counts
    for odd in ("# total\t9\n的\t3\n# x\n的人\t2\n",          # a comment below the counts
                "# total\t9\n的\t3\n\n的人\t2\n",             # a blank line
                "# total\t9\n的人\t2\n的\t3\n",               # bigrams before unigrams
                "# total\t9\n的\t3\n的人们\t2\n的人\t2\n",      # a trigram among the bigrams
                "# total\t9\n的\t3\t4\n人\n",                 # a line with two tabs, one with none
                "# total\t9\n的\t+3\n人民\t2\n"):             # a count int() reads that is not plain digits
        try:
            want = il._counts_by_line(odd)
        except (ValueError, IndexError) as exc:
            with pytest.raises(type(exc)):
                il._counts(odd)
        else:
            got = il._counts(odd)
            assert got == want and all(list(g) == list(w) for g, w in zip(got[:3], want[:3]))
    assert il._counts("# c\n# total\t7\n的\t3\n人\t1\n的人\t2\n的人民\t1\n") == (
        {"的": 3, "人": 1}, {"的人": 2}, {"的人民": 1}, 7)


def _cuts_by_character(text, pieces):
    """``_cuts`` as it read the Han characters one match each: the reference."""
    if sum(map(len, pieces)) == len(text):
        return [sum(map(len, pieces[:k + 1])) for k in range(len(pieces) - 1)]
    han = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0010ffff]")
    han_at = [m.start() for m in han.finditer(text)]
    cuts, seen = [], 0
    for p in pieces:
        hans = [m.start() for m in han.finditer(p)]
        if not hans:
            return None
        seen += len(hans)
        if seen > len(han_at):
            return None
        cut = han_at[seen - 1] + 1 + (len(p) - 1 - hans[-1])
        if not 0 < cut <= len(text) or (cuts and cut <= cuts[-1]):
            return None
        cuts.append(cut)
    if seen != len(han_at) or cuts[-1] != len(text):
        return None
    return cuts[:-1]


def test_cuts_by_runs_of_han_are_the_cuts_character_by_character():
    rnd = random.Random(5)
    alpha = "中文字，。a1 𠮷“”"
    found = 0
    for _ in range(20000):
        text = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 14)))
        pieces = ["".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 6))) for _ in range(rnd.randint(2, 4))]
        if rnd.random() < 0.5:  # a raw line's pieces, its marks changed by the cleaning
            pieces = [x for x in text.replace("，", " ，").split(" ") if x] or pieces
            text = text.replace(" ", "").replace("。", "．")
        got = il._cuts(text, pieces)
        assert got == _cuts_by_character(text, pieces), (text, pieces)
        found += got is not None and sum(map(len, pieces)) != len(text)
    assert found > 50  # cuts found by the Han path, not only by the lengths
