"""The review site in a real browser: Debian's chromium driven by Selenium.

Why a browser: the flags must scroll both panes and highlight the raw line,
the filter must highlight what it says, and hostile raw text must run
nothing; only a browser can tell.  ``.ci/browser-deps`` (run by ``make
test``) installs chromium and chromedriver; without them these tests fail
under CI=true and are skipped elsewhere.  Screenshots of each page type are
kept in ``test-artifacts/report/`` (or $REPORT_ARTIFACTS).
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from normalize.report import build_report

from test_report import FORUM, make_batch

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("REPORT_ARTIFACTS", ROOT / "test-artifacts" / "report"))


def _unavailable(why: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {why} (.ci/browser-deps installs chromium)", pytrace=False)
    pytest.skip(f"browser tests skipped: {why}")


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install '.[test]')")
    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chrome or not driver:
        _unavailable("chromium or chromedriver not found")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        d = webdriver.Chrome(service=Service(driver), options=opts)
    except Exception as exc:  # a browser that does not start is the same failure
        _unavailable(f"chromium did not start: {exc}")
    yield d
    d.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    out = make_batch(base)
    build_report(out, raw_bases=[base], jobs=1)
    return out / "report"


def shot(driver, name: str, capsys) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))
    with capsys.disabled():
        print(f"\n  screenshot: {ARTIFACTS / name}")


def errors(driver) -> list:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_first_gap_flag_highlights_its_raw_line_in_view(browser, site, capsys):
    browser.get((site / "files" / f"{FORUM}.html").as_uri())
    first = browser.find_element("css selector", "a.flag-link")
    assert "digits." in first.text  # the forum sample's flags are gaps
    line = first.get_attribute("data-line")
    first.click()
    raw_line = browser.find_element("id", f"L{line}")
    assert "hit" in raw_line.get_attribute("class").split()
    assert browser.find_elements("css selector", ".l.hit") == [raw_line]
    in_view = browser.execute_script(
        "const e = arguments[0], p = document.getElementById('raw');"
        "const r = e.getBoundingClientRect(), q = p.getBoundingClientRect();"
        "return r.top >= q.top && r.top < q.bottom && r.bottom > q.top"
        " && r.top >= 0 && r.top < window.innerHeight;", raw_line)
    assert in_view
    target = browser.find_element("id", first.get_attribute("data-target"))
    assert "current" in target.get_attribute("class").split()
    assert browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(), q = document.getElementById('clean').getBoundingClientRect();"
        "return r.top >= q.top && r.bottom <= q.bottom;", target)
    shot(browser, "file-page.png", capsys)
    # a change shows rule, before → after and the rule's message when focused
    comma = browser.find_element("css selector", "#raw mark.chg[data-rule='punctuation.comma']")
    browser.execute_script("arguments[0].focus()", comma)
    assert comma.get_attribute("data-tip").startswith('punctuation.comma: "," → "，" — ')
    assert comma.get_attribute("title") == comma.get_attribute("data-tip")
    # the keyboard steps to the next flag
    browser.find_element("tag name", "body").send_keys("n")
    second = browser.find_elements("css selector", "a.flag-link")[1]
    assert "current" in second.find_element("xpath", "..").get_attribute("class").split()
    assert errors(browser) == []


def test_a_raw_line_number_shows_its_clean_paragraph(browser, site):
    browser.get((site / "files" / f"{FORUM}.html").as_uri())
    browser.find_element("css selector", "#L24 .n").click()
    para = browser.find_elements("css selector", "#clean .span")
    assert len(para) == 1 and "我市在全市" in para[0].text
    assert int(para[0].get_attribute("data-first")) <= 24 <= int(para[0].get_attribute("data-last"))
    para[0].click()  # and back: the paragraph's raw lines
    assert [e.get_attribute("id") for e in browser.find_elements("css selector", "#raw .l.span")] == ["L24"]
    assert errors(browser) == []


def test_filter_by_rule_highlights_its_changes(browser, site, capsys):
    browser.get((site / "files" / f"{FORUM}.html").as_uri())
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element("id", "filter")).select_by_value("rule:punctuation.comma")
    highlighted = browser.find_elements("css selector", "#raw .chg.hl")
    # what the run counted for that rule, in the front matter
    import json
    expected = sum(json.loads(l)["changes"].get("punctuation.comma", 0)
                   for l in (site.parent / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
                   if json.loads(l)["source"]["path"] == f"raw/{FORUM}.txt")
    assert len(highlighted) == expected > 100
    assert all(e.get_attribute("data-rule") == "punctuation.comma" for e in highlighted)
    assert browser.find_element("id", "hits").text == f"{expected} highlighted"
    Select(browser.find_element("id", "filter")).select_by_value("kind:digits")
    assert len(browser.find_elements("css selector", "#clean mark.flag.hl")) == 17
    shot(browser, "file-page-filtered.png", capsys)


def test_hostile_raw_text_shows_as_text_and_runs_nothing(browser, site, capsys):
    browser.get_log("browser")  # start from an empty log
    browser.get((site / "files" / "900_hostile.html").as_uri())
    raw = browser.find_element("id", "raw").text
    assert "<script>alert(1)</script>" in raw
    assert '"><img src=x onerror=alert(1)>' in raw
    assert browser.find_elements("css selector", "img") == []
    assert browser.find_elements("css selector", "#raw script, #clean script, b") == []
    from selenium.common.exceptions import NoAlertPresentException
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert errors(browser) == []  # not even a script the policy had to block
    shot(browser, "hostile-page.png", capsys)


def test_index_sorts_by_flags_and_searches_titles(browser, site, capsys):
    browser.get((site / "index.html").as_uri())
    rows = lambda: [r for r in browser.find_elements("css selector", "#files tbody tr") if r.is_displayed()]
    assert len(rows()) == 4
    browser.find_element("css selector", "th[data-sort='2']").click()
    flags = [int(r.find_elements("tag name", "td")[2].text) for r in rows()]
    per_file = Counter()
    for line in (site.parent / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        per_file[rec["source"]["path"]] += len(rec["flags"])
    assert flags[:len(per_file)] == sorted(per_file.values(), reverse=True)
    browser.find_element("id", "search").send_keys("溧阳")
    assert [r.find_element("tag name", "a").text for r in rows()] == [f"raw/{FORUM}.txt"]
    assert errors(browser) == []
    browser.find_element("id", "search").clear()
    browser.find_element("id", "search").send_keys(" ")
    shot(browser, "index.png", capsys)
