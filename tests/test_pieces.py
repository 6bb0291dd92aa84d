"""A large file cleaned piece by piece gives what cleaning it whole gives.

The files are built here (pages of a paper, one enormous line) and cleaned
twice: whole, and in pieces far smaller than the default, so that every kind
of cut is taken and the state that crosses pieces is exercised."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import regex

from normalize.batch import Spec, clean_and_write, clean_file, manifest_text, pieces
from normalize.inputs import file_raw

WHOLE = Spec(piece_chars=10**9)
SENTENCES = [
    "河西镇组织农技人员深入田间地头，为种植户讲解实用技术。",
    "今年以来，该镇累计举办培训班{n}期，培训农民{m}人次。",
    "在社区服务中心，志愿者们为老人测量血压、讲解防诈骗知识。",
    "活动受到居民欢迎，{n}名老人参加了体检。",
    "据介绍，全县新建农村公路{m}公里，惠及群众{n}万人。",
    "村里的合作社带动周边农户增收，去年人均收入达到{m}元。",
    "下一步，当地将继续完善基础设施，推动乡村全面振兴。",
]
TITLES = ["河西镇科技助春耕", "志愿服务暖人心", "农村公路通到家门口", "合作社里话增收", "乡村振兴开新局"]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ["晓明", "华", "强", "丽", "伟", "芳", "军", "敏"]


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[i * 7 % len(GIVEN)]


def _paragraph(k: int, j: int) -> str:
    """A paragraph as a column prints it: lines of 16 characters."""
    text = "".join(s.format(n=k * 7 + j + 3, m=k * 13 + j * 5 + 20)
                   for s in SENTENCES[(k + j) % 3:(k + j) % 3 + 3 + j % 3])
    return "\n".join(text[i:i + 16] for i in range(0, len(text), 16))


def issue(pages: int) -> str:
    """Pages of a paper as one file: a form feed, a page header or both
    opening each page (pages 15 to 29 a header only), the page's own editor
    line, two or three articles (headline, byline, paragraphs in
    16-character column lines)."""
    out = []
    for k in range(pages):
        header = f"《人民日报》（2021年{k // 28 + 1}月{k % 28 + 1}日 第 {k % 20 + 1} 版）\n"
        opening = ["\f", header, "\f" + header][k % 3] if k and not 15 <= k < 30 else header
        page = [opening + f"本版主编 {_name(k)} 编辑 {_name(k + 3)}\n"]
        for a in range(2 + k % 2):
            page.append(f"\n{TITLES[(k + a) % len(TITLES)]}（{k + 1}之{a + 1}）\n\n记者 {_name(k + a + 5)}\n\n")
            page.append("\n\n".join(_paragraph(k, a * 3 + j) for j in range(2 + a)) + "\n")
        out.append("".join(page))
    return "".join(out)


def _clean(path: Path, spec: Spec):
    res = clean_file(file_raw(path), spec)
    assert res.error is None, res.error
    return res


def _by_line(changes: str) -> dict[int, list[str]]:
    out = defaultdict(list)
    for line in changes.splitlines():
        rec = json.loads(line)
        if "rule" in rec:
            out[rec["line"]].append(line)
    return out


def test_pages_in_pieces_are_the_whole_file(tmp_path):
    path = tmp_path / "issue.txt"
    text = issue(40)
    path.write_text(text, encoding="utf-8")
    size = 3000
    cuts = [start for start, _end in pieces(text, size)][1:]
    assert len(cuts) >= 10
    assert all(text[c - 1] == "\n" for c in cuts)
    assert any(text[c] == "\f" for c in cuts) and any(text[c] == "《" for c in cuts)  # both kinds of page start
    whole, parts = _clean(path, WHOLE), _clean(path, Spec(piece_chars=size))
    assert whole.files.keys() == parts.files.keys()
    assert len([k for k in whole.files if k.endswith(".md")]) == 100  # ids of three digits: renumbered at the end
    for name, content in whole.files.items():
        if not name.endswith("changes.jsonl"):
            assert parts.files[name] == content, name
    assert manifest_text(whole.records) == manifest_text(parts.records)
    # changes.jsonl: the same records; in the order made within each piece,
    # so each raw line's changes in the same order; the block lines the same
    a, b = whole.files["issue/changes.jsonl"], parts.files["issue/changes.jsonl"]
    assert sorted(a.splitlines()) == sorted(b.splitlines())
    assert _by_line(a) == _by_line(b)
    assert [x for x in a.splitlines() if x.startswith('{"block"')] == \
        [x for x in b.splitlines() if x.startswith('{"block"')]
    # each article has its own page's editors; page headers' dates
    fm = [json.loads(r) for r in parts.records]
    assert fm[0]["editors"] == [{"name": _name(0), "role": "主编"}, {"name": _name(3), "role": "编辑"}]
    assert fm[-1]["editors"] == [{"name": _name(39), "role": "主编"}, {"name": _name(42), "role": "编辑"}]
    assert len({r["date"] for r in fm}) > 10


def test_written_piecewise_is_written_whole(tmp_path):
    """The run writes a large file's articles as it makes them: the same
    files as the whole file's, and a second run over them changes nothing."""
    path = tmp_path / "raw" / "issue.txt"
    path.parent.mkdir()
    path.write_text(issue(12), encoding="utf-8")
    raw = file_raw(path)
    for spec, out in ((WHOLE, tmp_path / "a"), (Spec(piece_chars=3000), tmp_path / "b")):
        res = clean_and_write(raw, spec, str(out))
        assert res.error is None and res.records and not res.files
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for f in files:
        if f.name != "changes.jsonl":
            assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    stamp = {p: p.stat().st_mtime_ns for p in (tmp_path / "b").rglob("*") if p.is_file()}
    (tmp_path / "b" / "issue" / "99.md").write_text("stale", encoding="utf-8")
    res = clean_and_write(raw, Spec(piece_chars=3000), str(tmp_path / "b"))
    assert res.error is None
    # unchanged files untouched, the stale article gone
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "b").rglob("*") if p.is_file()} == stamp
    assert not list(p for p in tmp_path.rglob(".*.tmp"))


def test_a_run_writes_the_manifest_of_the_whole_file(tmp_path, monkeypatch):
    """``normalize run``, one job and two: the articles and manifest a whole
    file's cleaning writes."""
    from click.testing import CliRunner

    from normalize import batch
    from normalize.cli import main
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "issue.txt").write_text(issue(12).replace("\n", "\r\n"), encoding="utf-8")
    (raw / "page.txt").write_text(issue(1), encoding="utf-8")
    assert len(issue(12)) > 2 * 3000 > len(issue(1))
    outs = {}
    for label, size, jobs in (("whole", 10**9, "1"), ("one", 3000, "1"), ("two", 3000, "2")):
        monkeypatch.setattr(batch, "PIECE_CHARS", size)
        outs[label] = tmp_path / label
        result = CliRunner().invoke(main, ["run", str(raw), "--out", str(outs[label]), "--jobs", jobs])
        assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(outs["whole"]) for p in outs["whole"].rglob("*") if p.is_file())
    assert len(files) > 30
    for label in ("one", "two"):
        assert files == sorted(p.relative_to(outs[label]) for p in outs[label].rglob("*") if p.is_file())
        for f in files:
            if f.name != "changes.jsonl":
                assert (outs[label] / f).read_bytes() == (outs["whole"] / f).read_bytes(), (label, f)


def _letters(text):
    return regex.findall(r"[\p{Han}0-9A-Za-z]", text)


def test_one_enormous_line(tmp_path):
    """One line far longer than a piece: cut after sentence ends, its
    paragraph put together again; the text is the whole file's and nothing
    is lost."""
    line = "".join(_paragraph(k, j).replace("\n", "") for k in range(12) for j in range(6))
    path = tmp_path / "one.txt"
    path.write_text("一行里的全部报道\n\n" + line + "\n", encoding="utf-8")
    size = 500
    assert len(list(pieces(line, size))) >= 10
    whole, parts = _clean(path, WHOLE), _clean(path, Spec(piece_chars=size))
    assert whole.files.keys() == parts.files.keys() == {"one/01.md", "one/changes.jsonl", "one/removed.jsonl"}
    assert parts.files["one/01.md"] == whole.files["one/01.md"]
    assert parts.files["one/removed.jsonl"] == whole.files["one/removed.jsonl"]
    body = parts.files["one/01.md"].split("\n---\n", 1)[1]
    kept = Counter(_letters(body)) + Counter(
        c for r in parts.files["one/removed.jsonl"].splitlines() for c in _letters(json.loads(r)["text"]))
    assert not Counter(_letters(path.read_text(encoding="utf-8"))) - kept
    a, b = whole.files["one/changes.jsonl"], parts.files["one/changes.jsonl"]
    assert sorted(a.splitlines()) == sorted(b.splitlines())


def test_a_small_file_is_cleaned_whole(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(issue(2), encoding="utf-8")
    assert len(path.read_text(encoding="utf-8")) < 2 * 3000
    assert _clean(path, Spec(piece_chars=3000)).files == _clean(path, WHOLE).files


def test_pieces_of_furniture_only(tmp_path):
    """Pieces holding no article (a long run of page furniture): their
    changes count to the article before them, as in the whole file."""
    text = issue(6) + "\f" + "版式设计：张丹峰\n" * 1200 + issue(6)[1:]
    path = tmp_path / "furniture.txt"
    path.write_text(text, encoding="utf-8")
    assert sum(1 for a, _b in pieces(text, 3000) if text[a:a + 20].strip("\f").startswith("版式设计")) >= 3
    whole, parts = _clean(path, WHOLE), _clean(path, Spec(piece_chars=3000))
    assert whole.files.keys() == parts.files.keys()
    for name, content in whole.files.items():
        if not name.endswith("changes.jsonl"):
            assert parts.files[name] == content, name


def test_the_text_handed_over_is_let_go(tmp_path, monkeypatch):
    """``clean_file`` hands a large file's text to ``clean_in_pieces`` in a
    list, which is emptied once the last piece is cleaned: the text is not
    held while the output is finished."""
    from normalize import batch
    path = tmp_path / "issue.txt"
    path.write_text(issue(8), encoding="utf-8")
    boxes = []
    real = batch.clean_in_pieces

    def spy(res, text, *args):
        boxes.append(text)
        assert isinstance(text, list) and len(text) == 1 and len(text[0]) > 6000
        return real(res, text, *args)
    monkeypatch.setattr(batch, "clean_in_pieces", spy)
    res = _clean(path, Spec(piece_chars=3000))
    assert boxes == [[]] and res.records


def test_memos_change_no_output(tmp_path, monkeypatch):
    """The models' memos (gaps' probabilities, table places and ratios, the
    column model's tails and heads) are cleared when full: cleared at every
    entry, the output is the same."""
    from normalize import gaps, interleave
    path = tmp_path / "issue.txt"
    sample = Path(__file__).resolve().parents[1] / "raw" / "001_48b55da3b9b61d7e.txt"  # columns merged by height
    text = regex.sub(r"\d+(?=公里|万人|元|人次|期)", "", issue(8))  # units whose numbers are lost
    path.write_text(text + "\f" + sample.read_text(encoding="utf-8"), encoding="utf-8")
    lm, cols = gaps.language_model(str(gaps.lm_path(gaps.DATA))), interleave.model()
    memos = (lm.memo, lm.at, lm.ratios, cols._tails, cols._heads)
    for memo in memos:
        memo.clear()
    before = _clean(path, Spec(piece_chars=3000)).files
    assert all(len(memo) > 1 for memo in memos)  # each memo is asked
    for memo in memos:
        memo.clear()
    monkeypatch.setattr(gaps, "_MEMO", 1)
    monkeypatch.setattr(interleave, "_MEMO", 1)
    after = _clean(path, Spec(piece_chars=3000)).files
    assert after == before
    assert all(len(memo) <= 10 for memo in memos)  # the bound, and what one call adds past it


def test_a_short_line_is_measured_without_a_copy():
    """``_short`` (a page header's line, read on a line of any length)
    says what ``len(line.strip()) <= most`` says: lines of every length
    around the step it reads in, white space of every kind at either end."""
    import random

    from normalize.batch import _short
    rnd = random.Random(5)
    spaces = [" ", "\u3000", "\t", "\x1c", "\x85", "\f"]
    for _ in range(3000):
        body = "".join(rnd.choice("第1版要闻 \u3000") for _ in range(rnd.choice([0, 1, 5, 29, 30, 31, 40, 300, 700])))
        lead = "".join(rnd.choice(spaces) for _ in range(rnd.choice([0, 3, 255, 256, 257, 600])))
        trail = "".join(rnd.choice(spaces) for _ in range(rnd.choice([0, 2, 256, 513])))
        text = "前文\n" + lead + body + trail + "\n后文"
        start, end = 3, len(text) - 3
        for most in (0, 30):
            assert _short(text, start, end, most) == (len(text[start:end].strip()) <= most)


def test_pieces_of_many_parts_are_the_pieces_of_the_text(tmp_path, monkeypatch):
    """A large file read in chunks is cut from its decoded parts, never
    joined: the same pieces, line numbers and output as from the text in
    one part (pages, CRLF line ends split between parts, one enormous line)."""
    from normalize import inputs
    from normalize.batch import _pieces_of
    text = issue(14)
    one = text.replace("\n", "").replace("\f", "") + "\n"   # every page header on one line
    for k, body in enumerate((text, text.replace("\n", "\r\n"), one)):
        path = tmp_path / f"f{k}.txt"
        path.write_bytes(body.encode("utf-8"))
        spec = Spec(piece_chars=3000)
        whole = _clean(path, spec).files
        monkeypatch.setattr(inputs, "CHUNK", 997)   # parts of 997 bytes after the first 8 kB
        parts = inputs.read(file_raw(path), parts=True)[0]
        assert len(parts) > 10
        assert _clean(path, spec).files == whole
        monkeypatch.undo()
        norm = body.replace("\r\n", "\n")
        got = list(_pieces_of([norm[i:i + 500] for i in range(0, len(norm), 500)], 3000))
        want = [(norm[a:b], norm.count("\n", 0, a) + 1, a > 0 and norm[a - 1] != "\n") for a, b in pieces(norm, 3000)]
        assert got == want and len(want) >= 4
