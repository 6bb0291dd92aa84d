"""Hostile input, faults and user rules: no hang, no traceback, nothing lost.

Each test is one way a new user or a hostile tester broke an earlier
version: an output folder inside the input, an unwritable output, control
characters, a user pattern that backtracks without end, kill -9 in the middle
of a run, an article given to ``explain``, an unknown preset."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import normalize
import normalize.rules as rules_mod
from conftest import RAW, ROOT
from normalize.cli import main

ENV = dict(os.environ, PYTHONPATH=str(ROOT))  # subprocesses run this checkout's code


def invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# 1. an output folder equal to, or inside, an input folder ------------------------

def test_output_folder_equal_to_the_input_is_never_read_as_input(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    first = invoke("run", raw, "--out", raw, "--jobs", "1")
    assert first.exit_code == 0, first.output
    assert "is inside the input folder" in first.stderr
    before = files(raw)
    second = invoke("run", raw, "--out", raw, "--jobs", "1", "--force")
    assert second.exit_code == 0, second.output
    assert "3 files, 13 articles" in second.stderr
    assert files(raw) == before  # nothing cleaned from its own output
    assert not list(raw.glob("*/*/*.md"))


def test_output_folder_inside_the_input_is_never_read_as_input(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    for _ in range(2):
        res = invoke("run", raw, "--out", raw / "clean", "--jobs", "1", "--force")
        assert res.exit_code == 0, res.output
        assert "3 files, 13 articles" in res.stderr
    assert sorted(p.name for p in (raw / "clean").iterdir()) == sorted(
        [p.stem for p in RAW.glob("*.txt")] + ["manifest.jsonl", ".normalize-code"])


# 2. an output folder that cannot be written ----------------------------------------

def test_output_through_a_file_is_one_line_and_status_2(tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    res = invoke("run", RAW, "--out", tmp_path / "afile" / "out", "--jobs", "1")
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "cannot write to the output folder" in res.stderr
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    assert os.listdir(tmp_path) == ["afile"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_one_line_and_status_2(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        res = invoke("run", RAW, "--out", out, "--jobs", "1")
    finally:
        out.chmod(0o755)
    assert res.exit_code == 2 and "cannot write to the output folder" in res.stderr
    assert not list(out.iterdir())


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_article_that_cannot_be_written_fails_that_file_alone(tmp_path, jobs):
    out = tmp_path / "out"
    blocked = sorted(RAW.glob("*.txt"))[0].stem
    (out / blocked / "01.md").mkdir(parents=True)  # a folder where the article goes: unwritable even for root
    res = invoke("run", RAW, "--out", out, "--jobs", jobs)
    assert res.exit_code == 1, res.output
    assert f"{blocked}.txt: cannot write" in res.stderr and "Traceback" not in res.output
    assert "2 files" in res.stderr and "1 errors" in res.stderr
    others = [p.stem for p in RAW.glob("*.txt") if p.stem != blocked]
    assert all((out / s / "01.md").is_file() for s in others)


# 3. control characters -------------------------------------------------------------

def test_controls_are_removed_and_recorded(tmp_path):
    assert normalize.fix_text("中文\x00测试") == "中文测试\n"
    raw = tmp_path / "raw"
    raw.mkdir()
    body = "今天全县召开大会，部署今年的工作。\n" * 600  # past the first 8 KiB, where binary files are told apart
    (raw / "a.txt").write_text(body + "会上\x00通报了\x1b[31m情况\x08。\n\n全县\x7f干部\x85参加\x9b。\n", encoding="utf-8")
    (raw / "b.txt").write_text(body + "会上通报了[31m情况。\n\n全县干部\n参加。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", raw, "--out", out, "--jobs", "1").exit_code == 0
    a = (out / "a" / "01.md").read_text(encoding="utf-8")
    b = (out / "b" / "01.md").read_text(encoding="utf-8")
    assert a.split("\n---\n", 1)[1] == b.split("\n---\n", 1)[1]  # a NUL changes no join
    assert not any(c in a for c in "\x00\x1b\x08\x7f\x9b")
    removed = [json.loads(l) for l in (out / "a" / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    controls = [(r["line"], r["text"]) for r in removed if r["rule"] == "unicode.control"]
    assert controls == [(601, "\x00"), (601, "\x1b"), (601, "\x08"), (603, "\x7f"), (604, "\x9b")]  # \x85 is a line end


# 4. a user pattern that backtracks without end -------------------------------------

SLOW_RULE = """description = "a pattern that backtracks"
[[rule]]
id = "slow"
message = "nested quantifier"
pattern = '(a+)+$'
replace = "b"
fixes = [["aa", "b"]]
keeps = ["c"]
"""


def test_a_rule_past_its_time_limit_fails_that_file_and_the_batch_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(rules_mod, "TIMEOUT", 0.2)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "local.toml").write_text(SLOW_RULE, encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("标题\n\n" + "a" * 5000 + "!\n", encoding="utf-8")
    (raw / "b.txt").write_text("今天全县召开大会。\n", encoding="utf-8")
    start = time.monotonic()
    res = invoke("run", raw, "--out", tmp_path / "out", "--rules", tmp_path / "rules", "--jobs", "1")
    assert time.monotonic() - start < 30
    assert res.exit_code == 1, res.output
    assert "a.txt: rule local.slow ran past its time limit" in res.stderr
    assert (tmp_path / "out" / "b" / "01.md").is_file() and not (tmp_path / "out" / "a").exists()


def test_rules_test_warns_of_a_pattern_that_backtracks(tmp_path):
    (tmp_path / "local.toml").write_text(SLOW_RULE, encoding="utf-8")
    res = invoke("rules", "--rules", tmp_path, "--test")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    at = lines.index(next(l for l in lines if "local.slow" in l))
    assert lines[at + 1].startswith("    WARN pattern takes over")
    assert "1 slow patterns" in lines[-1]


def test_no_default_pattern_backtracks_on_long_lines():
    from normalize.pipeline import Pipeline
    slow = [(r.id, w) for r in Pipeline().rules if (w := r.stress())]
    assert not slow


# 5. addresses, e-mail and code spans keep their spaces; fix is idempotent -----------

@pytest.mark.parametrize("text", ["扫码关注 http://t.cn/abc 领取福利", "联系 a.b@example.com 或来电，谢谢",
                                  "输入 `x = 1` 即可", "见 www.example.com/路径?x=1 页面"])
def test_addresses_and_code_keep_their_bounding_spaces(text):
    once = normalize.fix_text(text + "\n")
    assert once == text + "\n"
    assert normalize.fix_text(once) == once


def test_spacing_still_applies_around_them():
    assert normalize.fix_text("全县 召开 大会 ,网址 http://a.b/c 。\n") == "全县召开大会，网址 http://a.b/c 。\n"


# 6. the documented Python API ---------------------------------------------------------

def test_clean_text_takes_a_source_path_as_the_readme_shows():
    arts = normalize.clean_text("全县召开大会\n\n今天全县召开大会，部署工作。\n", source="raw/a.txt")
    assert arts and arts[0].meta["id"] == "a-01" and arts[0].meta["source"]["path"] == "raw/a.txt"
    arts = normalize.clean_text("今天全县召开大会。\n", source={"path": "raw/b.txt", "stem": "b"})
    assert arts[0].meta["id"] == "b-01"
    with pytest.raises(TypeError):
        normalize.clean_text("今天。\n", source=3)


# 7. kill -9 in the middle of a run, then resume ----------------------------------------

def test_kill_9_then_resume_leaves_nothing_behind(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    page = (RAW / sorted(p.name for p in RAW.glob("*.txt"))[0]).read_text(encoding="utf-8")
    for n in range(150):  # enough that the run is still going when it is killed, even on a fast machine
        (raw / f"p{n:03d}.txt").write_text(page.replace("本报讯", f"本报讯{n}", 1), encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "normalize", "run", str(raw), "--out", str(out), "--jobs", "2"]
    proc = subprocess.Popen(cmd, env=ENV, cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("p*/01.md"))) < 5:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, as a power cut would
    proc.wait()
    time.sleep(0.3)
    assert proc.returncode == -signal.SIGKILL  # it was still running
    assert list(out.glob(".manifest-*"))  # what the killed run left
    # a dead writer's temporary article, as a kill in the middle of a write leaves it
    done = sorted(out.glob("p*/01.md"))[0].parent  # a folder the killed run finished (workers go out of order)
    (done / ".01.md.999999.tmp").write_text("half", encoding="utf-8")
    res = subprocess.run(cmd, env=ENV, cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert not list(out.glob(".manifest-*")) and not list(out.rglob("*.tmp"))
    fresh = tmp_path / "fresh"
    subprocess.run([*cmd[:-4], "--out", str(fresh), "--jobs", "1"], env=ENV, cwd=tmp_path, check=True,
                   capture_output=True)
    assert files(out) == files(fresh)


# 8. explain of an article; explain into a closed pipe ------------------------------------

def test_explain_of_an_article_explains_its_raw_lines(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    out = tmp_path / "clean"
    assert invoke("run", raw, "--out", out, "--jobs", "1").exit_code == 0
    art = sorted(out.glob("000_*/02.md"))[0]
    rel = art.relative_to(out).as_posix()
    records = [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    first, last = next(r for r in records if r["path"] == rel)["source"]["lines"]
    res = invoke("explain", art)
    assert res.exit_code == 0, res.output
    head, *rest = res.stdout.splitlines()
    assert head.startswith("# ") and f"raw lines {first}–{last}" in head
    assert rest and all(first <= int(l.split()[0]) <= last for l in rest)


def test_explain_into_a_closed_pipe_ends_quietly(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("今天 全县\n召开 大会,\n" * 3000, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "normalize", "explain", str(f)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait() == 0 and "Traceback" not in err and "Error" not in err


# 9. an image link on a line taken as a byline ---------------------------------------------

def test_an_image_address_on_a_byline_line_is_kept():
    from normalize.pipeline import Pipeline
    arts, doc = Pipeline().clean("![图](a.jpg)发籽\n", {"path": "raw/x.txt"})
    kept = [a.meta["images"] for a in arts] + [r.text for r in doc.removed]
    assert any("a.jpg" in k for k in kept)


# 10. a file of white space alone --------------------------------------------------------

@pytest.mark.parametrize("data", [b"   \n\t\n", "\u3000\u3000\n\n".encode(), b"\xef\xbb\xbf \n", "\u200b\n".encode()])
def test_a_whitespace_only_file_is_an_empty_file(tmp_path, data):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes(data)
    res = invoke("run", raw, "--out", tmp_path / "out", "--jobs", "1")
    assert res.exit_code == 1 and "empty file" in res.stderr


# 11. rules whose own examples fail --------------------------------------------------------

def test_run_warns_of_rules_whose_examples_fail(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "local.toml").write_text("""description = "a wrong example"
[[rule]]
id = "wrong"
message = "x to y"
pattern = '旧名'
replace = "新名"
fixes = [["旧名", "别名"]]
keeps = ["名字"]
""", encoding="utf-8")
    res = invoke("run", RAW, "--out", tmp_path / "out", "--rules", tmp_path / "rules", "--jobs", "1")
    assert res.exit_code == 0
    assert "warning: rule local.wrong" in res.stderr and "examples fail" in res.stderr


# 13. an unknown preset --------------------------------------------------------------------

@pytest.mark.parametrize("command", [["run", str(RAW)], ["fix", "-"], ["rules"]])
def test_an_unknown_preset_lists_the_valid_ones(tmp_path, command):
    out = ["--out", tmp_path / "out"] if command[0] == "run" else []
    res = invoke(*command, "--preset", "foo", *out, input="")
    assert res.exit_code == 2
    assert "valid presets: copywriting, newspaper" in res.stderr and "site-packages" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_an_image_and_a_link_to_one_address_on_a_page_of_furniture_both_stay(pipe):
    """A page that is all furniture keeps what its rules took into metadata in
    removed.jsonl; an image and a spam link to the same address are two
    copies of it, and both are kept (the link's removal holds only its own)."""
    text = "![链接](http://a.b/c)[链接](http://a.b/c)\n"
    arts, doc = pipe.clean(text, {"path": "raw/a.txt", "stem": "a"})
    kept = "".join(a.to_markdown() for a in arts) + "".join(r.text for r in doc.removed)
    assert kept.count("http://a.b/c") == 2
