"""The review site written by ``normalize report``: what the pages hold.

The browser behaviour (clicks, filter, keyboard, no script run) is in
test_report_browser.py; here the HTML itself is read with the standard
parser: every change of the run is on the page under its rule, every
removed piece is struck through, untrusted raw text is escaped, and a page
says why when its raw file is missing or changed.
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from normalize.cli import main
from normalize.pipeline import Pipeline
from normalize.report import CSP, build_report

ROOT = Path(__file__).resolve().parent.parent
FORUM = "002_09e89491b425070b"

# a forum post whose text is an attack on whatever shows it
HOSTILE = ("某某论坛\n\n注册\n\n"
           "网友甲写道：<script>alert(1)</script>这个办法好，全县共有12个村参加。\n\n"
           "网友乙写道：\"><img src=x onerror=alert(1)>我们村也去了，一共去了30人。\n\n"
           "标题里也有<b onmouseover=alert(2)>粗体</b>字。\n")


def make_batch(base: Path) -> Path:
    """The sample scans and the hostile post cleaned into ``base/clean``;
    the raw files under ``base/raw`` (source paths resolve against ``base``)."""
    raw = base / "raw"
    raw.mkdir(parents=True)
    for p in sorted((ROOT / "raw").glob("*.txt")):
        shutil.copy(p, raw / p.name)
    (raw / "900_hostile.txt").write_text(HOSTILE, encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(base / "clean"), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    return base / "clean"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    out = make_batch(base)
    build_report(out, raw_bases=[base], jobs=1)
    return base, out, out / "report"


class Page(HTMLParser):
    """Elements of a page: (tag, attrs, text inside) for marks and struck text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack, self.scripts, self.handlers, self.metas = [], [], [], [], []
        self.data = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.handlers += [k for k in a if k.startswith("on")]
        if tag == "script":
            self.scripts.append(a)
        if tag == "meta":
            self.metas.append(a)
        self.elements.append((tag, a))

    def handle_data(self, data):
        self.data.append(data)

    @property
    def text(self) -> str:
        return "".join(self.data)


def records(out: Path, source: str) -> list[dict]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["source"]["path"] == source]


def test_index_lists_every_raw_file_with_totals(site):
    _base, out, html = site
    page = Page((html / "index.html").read_text(encoding="utf-8"))
    links = [a["href"] for t, a in page.elements if t == "a"]
    sources = {json.loads(l)["source"]["path"] for l in (out / "manifest.jsonl").read_text().splitlines()}
    assert len(links) == len(sources) == 4
    for href in links:
        assert (html / href).is_file()
    n_flags = sum(len(json.loads(l)["flags"]) for l in (out / "manifest.jsonl").read_text().splitlines())
    assert f"{n_flags} flags" in page.text
    assert "撤县设市之激荡三十年三十领航溧阳融" in page.text  # titles, for the search box


def test_every_change_of_the_run_is_on_the_page_under_its_rule(site):
    _base, out, html = site
    for stem in ("000_98cc0969cadc0532", "001_48b55da3b9b61d7e", FORUM):
        page = Page((html / "files" / f"{stem}.html").read_text(encoding="utf-8"))
        shown = Counter(a["data-rule"] for _t, a in page.elements if "chg" in a.get("class", "").split())
        expected = Counter()
        for r in records(out, f"raw/{stem}.txt"):
            expected.update(r["changes"])
        assert shown == expected, stem
        assert sum(shown.values()) > 100


def test_changes_carry_before_after_and_the_rule_message(site):
    _base, _out, html = site
    text = (html / "files" / f"{FORUM}.html").read_text(encoding="utf-8")
    assert '<mark class="chg" data-rule="punctuation.comma" data-a="，" tabindex="0">,</mark>' in text
    page = Page(text)
    dl = page.text[page.text.index("rules on this page"):]
    assert "punctuation.comma" + next(r.message for r in Pipeline().rules if r.id == "punctuation.comma") in dl
    # a gap inserted by a rule sits in the raw line where its flag's context says
    gaps = [a for t, a in page.elements if t == "ins"]
    assert len(gaps) >= 10 and all(a["data-rule"].startswith("digits.") and a["data-b"] == "" for a in gaps)
    joins = [a for t, a in page.elements if a.get("data-rule") == "unwrap.join"]
    assert joins and all(a["class"] == "end chg" and a["data-b"] == "\n" for a in joins)


def test_removed_pieces_are_struck_through_in_the_raw_pane(site):
    _base, out, html = site
    text = (html / "files" / f"{FORUM}.html").read_text(encoding="utf-8")
    page = Page(text)
    struck = Counter(a["data-rule"] for t, a in page.elements if t == "del" and a.get("tabindex") == "0")
    removed = Counter(json.loads(l)["rule"]
                      for l in (out / FORUM / "removed.jsonl").read_text(encoding="utf-8").splitlines())
    assert struck == removed
    assert '<del class="chg rm" data-rule="forum.spam-link"' in text


def test_flags_link_to_their_raw_line_and_clean_spot(site):
    _base, out, html = site
    page = Page((html / "files" / f"{FORUM}.html").read_text(encoding="utf-8"))
    links = [a for t, a in page.elements if t == "a" and "flag-link" in a.get("class", "")]
    flags = [f for r in records(out, f"raw/{FORUM}.txt") for f in r["flags"]]
    assert len(links) == len(flags) == 17
    ids = {a.get("id") for _t, a in page.elements}
    for a in links:
        assert a["href"] == f"#L{a['data-line']}" and f"L{a['data-line']}" in ids
        assert a["data-target"] in ids
    placed = [a for t, a in page.elements if t == "mark" and "flag" in a.get("class", "").split()]
    assert len(placed) == 17  # every flag's context found in the clean text
    for p in (html / "files").glob("*.html"):  # on every sample page, spaces gone since included
        assert "flag unplaced" not in p.read_text(encoding="utf-8"), p


def test_hostile_raw_text_is_escaped_and_pages_run_no_inline_code(site):
    _base, _out, html = site
    for p in [html / "index.html", *sorted((html / "files").glob("*.html"))]:
        text = p.read_text(encoding="utf-8")
        page = Page(text)
        assert page.handlers == [], p
        assert all(s.get("src", "").endswith("assets/report.js") for s in page.scripts), p
        assert {"http-equiv": "Content-Security-Policy", "content": CSP} in page.metas
        assert not any(t in ("img", "b", "iframe", "object") for t, _a in page.elements), p
    text = (html / "files" / "900_hostile.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<script>alert" not in text
    assert "script-src 'self'" in CSP and "'unsafe-inline'" not in CSP and "http" not in CSP


def test_a_missing_or_changed_raw_file_is_said_on_the_page(tmp_path):
    out = make_batch(tmp_path)
    (tmp_path / "raw" / f"{FORUM}.txt").unlink()
    with open(tmp_path / "raw" / "000_98cc0969cadc0532.txt", "a", encoding="utf-8") as fh:
        fh.write("后来加的一行。\n")
    s = build_report(out, tmp_path / "site", raw_bases=[tmp_path], jobs=1)
    assert s["missing"] == 2
    missing = (tmp_path / "site" / "files" / f"{FORUM}.html").read_text(encoding="utf-8")
    assert "raw file not found" in missing and "撤县设市" in missing  # the clean side is still there
    assert 'class="rm end" data-rule="forum.spam-link"' in missing  # and the run's removed pieces
    changed = (tmp_path / "site" / "files" / "000_98cc0969cadc0532.html").read_text(encoding="utf-8")
    assert "raw file changed since the run" in changed and 'class="chg' not in changed
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert index.count("raw file not found") == 1 and index.count("changed since the run") == 1


def test_other_rules_than_the_runs_are_said_not_placed(site, tmp_path):
    base, out, _html = site
    res = CliRunner().invoke(main, ["report", str(out), "--html", str(tmp_path / "s"), "--raw", str(base),
                                    "--preset", "copywriting", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "s" / "files" / f"{FORUM}.html").read_text(encoding="utf-8")
    assert "rules or settings differ from the run" in page and 'class="chg' not in page


def test_raw_option_takes_the_input_folder_too(site, tmp_path):
    base, out, _html = site
    res = CliRunner().invoke(main, ["report", str(out), "--html", str(tmp_path / "s"),
                                    "--raw", str(base / "raw"), "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert "4 raw files" in res.output and "without placed changes" not in res.output


def test_an_unchanged_page_is_not_written_again(site, tmp_path):
    base, out, _html = site
    site_dir = tmp_path / "s"
    build_report(out, site_dir, raw_bases=[base], jobs=1)
    pages = sorted((site_dir / "files").glob("*.html"))
    before = {p: p.stat().st_mtime_ns for p in pages}
    for p in pages:  # a page edited by hand, or by an older report, is stale
        if p.name.startswith("000"):
            p.write_text("stale", encoding="utf-8")
    build_report(out, site_dir, raw_bases=[base], jobs=1)
    after = {p: p.stat().st_mtime_ns for p in pages}
    assert [p.name for p in pages if after[p] != before[p]] == ["000_98cc0969cadc0532.html"]
    assert "stale" not in pages[0].read_text(encoding="utf-8")


def test_report_of_a_folder_that_is_no_run_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code == 2
    assert "manifest.jsonl" in res.output and "Traceback" not in res.output


def test_a_hand_broken_manifest_is_a_clear_error(site, tmp_path):
    _base, out, _html = site
    bad = tmp_path / "out"
    bad.mkdir()
    line = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0]
    rec = json.loads(line)
    rec["flags"] = [{"rule": "x"}]  # no line
    (bad / "manifest.jsonl").write_text(line + "\n" + json.dumps(rec) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(bad)])
    assert res.exit_code == 2 and "manifest.jsonl:2: not a manifest line" in res.output
    assert "Traceback" not in res.output


def test_raw_files_are_found_where_run_ran_or_in_the_input_folder(site):
    base, _out, _html = site
    from normalize.report import find_raw
    for where in (base, base / "raw"):
        raw = find_raw(f"raw/{FORUM}.txt", [where])
        assert raw.root == base / "raw" and raw.display == f"raw/{FORUM}.txt"
    assert find_raw(f"raw/{FORUM}.txt", [base / "nowhere"]) is None


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_report_refuses_a_source_path_that_leaves_the_folders(tmp_path, how):
    """A received output folder must not make the report embed any file of
    this machine: a source.path run never writes is refused, and said so."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.txt").write_text("本报讯 全县召开大会。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--jobs", "1"]).exit_code == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容在此。\n", encoding="utf-8")
    path = str(secret) if how == "absolute" else "raw/../secret.txt"
    manifest = out / "manifest.jsonl"
    rec = json.loads(manifest.read_text(encoding="utf-8"))
    rec["source"]["path"] = path
    manifest.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    build_report(out, raw_bases=[tmp_path], jobs=1)
    pages = [p.read_text(encoding="utf-8") for p in (out / "report").rglob("*.html")]
    assert not any("机密" in p for p in pages)
    assert any("refused" in p for p in pages)


def test_changes_are_placed_from_the_run_without_cleaning_again(site, tmp_path, monkeypatch):
    """The report reads changes.jsonl; the raw files are not cleaned again."""
    base, out, html = site

    def no_cleaning(*_a, **_k):
        raise AssertionError("the report cleaned a raw file again")
    monkeypatch.setattr(Pipeline, "run_text_stages", no_cleaning)
    build_report(out, tmp_path / "s", raw_bases=[base], jobs=1)
    for p in sorted((html / "files").glob("*.html")):
        assert (tmp_path / "s" / "files" / p.name).read_bytes() == p.read_bytes(), p.name


def test_output_without_changes_jsonl_is_cleaned_again_and_said_so(site, tmp_path):
    """An older version's output (no changes.jsonl): the same marks, from
    cleaning the raw file again, and a note saying so."""
    base, out, html = site
    old = tmp_path / "clean"
    shutil.copytree(out, old, ignore=shutil.ignore_patterns("report"))
    for p in old.rglob("changes.jsonl"):
        p.unlink()
    build_report(old, raw_bases=[base], jobs=1)

    def marks(text: str):
        page = Page(text)
        return ([(t, a) for t, a in page.elements if t in ("mark", "ins", "del", "p", "h3")],
                "recleaned" in {a.get("id") for _t, a in page.elements})
    for stem in ("000_98cc0969cadc0532", "001_48b55da3b9b61d7e", FORUM):
        new, noted_new = marks((html / "files" / f"{stem}.html").read_text(encoding="utf-8"))
        again, noted = marks((old / "report" / "files" / f"{stem}.html").read_text(encoding="utf-8"))
        assert noted and not noted_new
        assert [e for e in again if e[1].get("id") != "recleaned"] == new, stem


def test_a_broken_changes_jsonl_falls_back_to_cleaning_again(site, tmp_path):
    base, out, _html = site
    bad = tmp_path / "clean"
    shutil.copytree(out, bad, ignore=shutil.ignore_patterns("report"))
    with open(bad / FORUM / "changes.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"rule": "x"}\n')
    build_report(bad, raw_bases=[base], jobs=1)
    page = (bad / "report" / "files" / f"{FORUM}.html").read_text(encoding="utf-8")
    assert 'id="recleaned"' in page and 'data-rule="punctuation.comma"' in page


def test_the_site_never_mixes_with_the_articles_of_a_raw_file_named_report(tmp_path):
    """raw/report.txt writes OUT/report/, the site's default folder: report
    says so and writes nothing there; --html elsewhere works; nor may the
    site hold article folders (--html OUT)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "report.txt").write_text("本报讯 全县召开大会，部署今年工作。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(out)]).exit_code == 0
    before = sorted(p.name for p in (out / "report").iterdir())
    for args in ([], ["--html", str(out)], ["--html", str(out / "report" / "site")]):
        res = CliRunner().invoke(main, ["report", str(out), "--raw", str(tmp_path), *args])
        assert res.exit_code == 2 and "raw/report.txt" in res.output and "--html" in res.output, res.output
    assert sorted(p.name for p in (out / "report").iterdir()) == before
    res = CliRunner().invoke(main, ["report", str(out), "--raw", str(tmp_path), "--html", str(tmp_path / "site")])
    assert res.exit_code == 0 and (tmp_path / "site" / "index.html").is_file(), res.output
