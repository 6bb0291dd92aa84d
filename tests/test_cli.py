"""The command line: fix as a filter, explain, --check / --diff, incremental runs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from normalize.cli import main

PAGE = "记者 王晓明\n\n本报讯 全县召开大会,部署今年工作。\n\n全县大会召开\n"


def invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_fix_is_a_filter():
    res = invoke("fix", "-", input="近年来,镇赉县立足实际。 党建品牌联创\n")
    assert res.exit_code == 0
    assert res.output == "近年来，镇赉县立足实际。党建品牌联创\n"


def test_a_missing_file_is_a_usage_error_for_fix_run_and_explain(tmp_path):
    """The same mistake, the same exit status (2) whichever command is given."""
    missing = tmp_path / "nope.txt"
    for args in (("fix", missing), ("explain", missing), ("run", missing, "--out", tmp_path / "out")):
        res = invoke(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "nope.txt" in res.output


def test_fix_explain_goes_to_stderr(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("溧阳市\n\n注册\n\n近年来,镇赉县立足实际。\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "normalize", "fix", str(f), "--explain"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == "近年来，镇赉县立足实际。\n"
    assert "punctuation.comma" in proc.stderr and "REMOVED" in proc.stderr and "forum.login" in proc.stderr


def test_explain_points_at_raw_lines(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("第一行没有问题。\n\n第三行,有逗号。\n", encoding="utf-8")
    res = invoke("explain", f)
    assert res.exit_code == 0
    line = next(l for l in res.output.splitlines() if "punctuation.comma" in l)
    assert line.split()[0] == "3" and '"," → "，"' in line


def test_check_and_diff_write_nothing(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("run", raw, "--out", out, "--check")
    assert res.exit_code == 1 and not out.exists()
    res = invoke("run", raw, "--out", out, "--diff")
    assert "+++ b/" in res.output and "全县召开大会，部署今年工作。" in res.output and not out.exists()
    assert invoke("run", raw, "--out", out).exit_code == 0
    assert invoke("run", raw, "--out", out, "--check").exit_code == 0
    (raw / "a.txt").write_text(PAGE.replace("今年", "明年"), encoding="utf-8")
    res = invoke("run", raw, "--out", out, "--check")
    assert res.exit_code == 1 and "would change" in res.output
    assert "今年" in (out / "a" / "01.md").read_text(encoding="utf-8")


def two_pages(tmp_path):
    """raw/a.txt and raw/b.txt, and where to clean them."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(PAGE, encoding="utf-8")
    (raw / "b.txt").write_text(PAGE.replace("全县", "全市"), encoding="utf-8")
    out = tmp_path / "out"
    return raw, out


def test_incremental_run_skips_unchanged_and_force_redoes(tmp_path):
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    res = invoke("run", raw, "--out", out)
    assert "2 unchanged" in res.output
    (raw / "b.txt").write_text(PAGE.replace("全县", "全省"), encoding="utf-8")
    res = invoke("run", raw, "--out", out)
    assert "1 unchanged" in res.output
    assert "全省" in (out / "b" / "01.md").read_text(encoding="utf-8")
    assert "unchanged" not in invoke("run", raw, "--out", out, "--force").output
    # the manifest is rebuilt from the articles when it is lost
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    (out / "manifest.jsonl").unlink()
    assert "2 unchanged" in invoke("run", raw, "--out", out).output
    assert (out / "manifest.jsonl").read_text(encoding="utf-8") == manifest


def test_stale_articles_are_removed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    two = PAGE + "\n记者 李华\n\n本报讯 全市召开大会。\n\n全市大会召开\n"
    (raw / "a.txt").write_text(two, encoding="utf-8")
    out = tmp_path / "out"
    invoke("run", raw, "--out", out)
    assert (out / "a" / "02.md").exists()
    (raw / "a.txt").write_text(PAGE, encoding="utf-8")
    invoke("run", raw, "--out", out)
    assert not (out / "a" / "02.md").exists()
    assert len((out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_a_run_over_some_inputs_keeps_the_others_in_the_manifest(tmp_path):
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    for extra in ([], ["--force"]):
        assert invoke("run", raw / "b.txt", "--out", out, *extra).exit_code == 0
        assert (out / "manifest.jsonl").read_text(encoding="utf-8") == manifest


def test_one_file_cleaned_again_goes_where_its_folder_put_it(tmp_path):
    raw = tmp_path / "raw"
    (raw / "s1").mkdir(parents=True)
    (raw / "s1" / "a.txt").write_text(PAGE, encoding="utf-8")
    (raw / "z.txt").write_text(PAGE.replace("全县", "全市"), encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", raw, "--out", out).exit_code == 0
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    assert invoke("run", raw / "s1" / "a.txt", "--out", out, "--force").exit_code == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md")) == ["s1/a/01.md", "z/01.md"]
    assert (out / "manifest.jsonl").read_text(encoding="utf-8") == manifest
    # the order inputs are named in does not change the output
    assert invoke("run", raw / "z.txt", raw / "s1" / "a.txt", "--out", out, "--force").exit_code == 0
    assert (out / "manifest.jsonl").read_text(encoding="utf-8") == manifest


def test_a_folder_without_changes_jsonl_is_cleaned_again(tmp_path):
    """An older version's output (no changes.jsonl) is not reused as it is:
    the next run writes what the report needs; a complete folder is kept."""
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    changes = (out / "a" / "changes.jsonl").read_bytes()
    (out / "a" / "changes.jsonl").unlink()
    kept = (out / "b" / "changes.jsonl").stat().st_mtime_ns
    res = invoke("run", raw, "--out", out)
    assert res.exit_code == 0, res.output
    assert (out / "a" / "changes.jsonl").read_bytes() == changes
    assert (out / "b" / "changes.jsonl").stat().st_mtime_ns == kept
    assert "1 unchanged" in res.output, res.output  # b, not a


def test_other_code_reuses_nothing(tmp_path):
    """The articles' stamp holds rules, settings and version, not the code:
    the output folder remembers which code wrote it, and a run by other code
    (an upgrade without a new version number) cleans every file again, once."""
    from normalize.runner import CODE_STAMP, code_stamp
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    assert (out / CODE_STAMP).read_text(encoding="utf-8") == code_stamp() + "\n"
    assert "2 unchanged" in invoke("run", raw, "--out", out).output
    (out / CODE_STAMP).write_text("0.1.0 0000000000000000\n", encoding="utf-8")
    res = invoke("run", raw, "--out", out)
    assert res.exit_code == 0 and "unchanged" not in res.output, res.output
    assert (out / CODE_STAMP).read_text(encoding="utf-8") == code_stamp() + "\n"
    assert "2 unchanged" in invoke("run", raw, "--out", out).output


def test_gone_raw_files_keep_their_articles_until_pruned(tmp_path):
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    (raw / "a.txt").unlink()
    res = invoke("run", raw, "--out", out)
    assert res.exit_code == 0 and "1 raw file gone: their articles kept (--prune removes them)" in res.output
    assert (out / "a" / "01.md").is_file()
    assert [json.loads(line)["source"]["path"] for line in (out / "manifest.jsonl").open(encoding="utf-8")] \
        == ["raw/a.txt", "raw/b.txt"]  # in the order a run over both writes
    res = invoke("run", raw, "--out", out, "--prune", "--check")
    assert res.exit_code == 1 and (out / "a" / "01.md").is_file()
    assert (out / "a" / "changes.jsonl").is_file()
    res = invoke("run", raw, "--out", out, "--prune")
    assert res.exit_code == 0 and "their articles removed" in res.output
    assert not (out / "a").exists()
    assert [json.loads(line)["source"]["path"] for line in (out / "manifest.jsonl").open(encoding="utf-8")] \
        == ["raw/b.txt"]
    assert "gone" not in invoke("run", raw, "--out", out).output


def test_two_input_folders_holding_the_same_path_keep_the_first(tmp_path):
    """y2023/raw/a.txt and y2024/raw/a.txt in one run both show as raw/a.txt:
    the first named is cleaned, the second reported as taken (it named the
    first; both had been skipped)."""
    out = tmp_path / "out"
    for year, text in (("y2023", PAGE), ("y2024", PAGE.replace("全县", "全市"))):
        (tmp_path / year / "raw").mkdir(parents=True)
        (tmp_path / year / "raw" / "a.txt").write_text(text, encoding="utf-8")
    res = invoke("run", tmp_path / "y2023" / "raw", tmp_path / "y2024" / "raw", "--out", out)
    assert res.exit_code == 1 and "1 files, 1 articles" in res.output, res.output
    assert "y2024/raw/a.txt: its output folder" in res.output and "y2023/raw/a.txt, a file of the same name" in res.output
    assert "全县" in (out / "a" / "01.md").read_text(encoding="utf-8")
    assert len((out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_a_file_of_another_batch_never_writes_over_an_earlier_ones_articles(tmp_path):
    """batch1/a.txt and batch2/a.txt both write a/NN.md: the second run
    reports its file and keeps the first's articles, unless --force says
    it takes the folder over (then the manifest lists it alone)."""
    out = tmp_path / "out"
    for name, text in (("batch1", PAGE), ("batch2", PAGE.replace("全县", "全市"))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_text(text, encoding="utf-8")
    assert invoke("run", tmp_path / "batch1", "--out", out).exit_code == 0
    first = (out / "a" / "01.md").read_bytes()
    res = invoke("run", tmp_path / "batch2", "--out", out)
    assert res.exit_code == 1 and "is taken by batch1/a.txt, cleaned by an earlier run" in res.output
    assert (out / "a" / "01.md").read_bytes() == first
    assert [json.loads(line)["source"]["path"] for line in (out / "manifest.jsonl").open(encoding="utf-8")] \
        == ["batch1/a.txt"]
    assert invoke("run", tmp_path / "batch2", "--out", out, "--force").exit_code == 0
    assert "全市" in (out / "a" / "01.md").read_text(encoding="utf-8")
    assert [json.loads(line)["source"]["path"] for line in (out / "manifest.jsonl").open(encoding="utf-8")] \
        == ["batch2/a.txt"]


def test_files_of_one_name_in_two_folders_have_ids_of_their_own(tmp_path):
    raw = tmp_path / "raw"
    for sub in ("s1", "s2"):
        (raw / sub).mkdir(parents=True)
        (raw / sub / "a.txt").write_text(PAGE, encoding="utf-8")
    (raw / "b.txt").write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", raw, "--out", out).exit_code == 0
    ids = [json.loads(line)["id"] for line in (out / "manifest.jsonl").open(encoding="utf-8")]
    assert ids == ["b-01", "s1/a-01", "s2/a-01"]


def test_a_file_that_fails_keeps_its_last_articles_listed(tmp_path):
    """A raw file that was cleaned and is now empty (or undecodable, or too
    large) fails this run; what the last run made of it stays, and stays in
    the manifest, so --check and --prune still see it."""
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    (raw / "a.txt").write_bytes(b"")
    res = invoke("run", raw, "--out", out)
    assert res.exit_code == 1 and "empty file (skipped; the last run's articles are kept)" in res.output
    assert (out / "manifest.jsonl").read_text(encoding="utf-8") == manifest
    assert (out / "a" / "01.md").is_file()


def test_a_damaged_manifest_is_read_again_from_the_articles(tmp_path):
    raw, out = two_pages(tmp_path)
    assert invoke("run", raw, "--out", out).exit_code == 0
    manifest = (out / "manifest.jsonl").read_text(encoding="utf-8")
    for damage in (manifest[: len(manifest) // 4] + "\n", manifest + '{"path": "x/01.md"}\n'):
        (out / "manifest.jsonl").write_text(damage, encoding="utf-8")
        res = invoke("run", raw, "--out", out)
        assert res.exit_code == 0 and "manifest is damaged" in res.output and "Traceback" not in res.output
        assert "2 unchanged" in res.output, res.output
        assert (out / "manifest.jsonl").read_text(encoding="utf-8") == manifest


def test_settings_file_applies_below_it(tmp_path):
    raw = tmp_path / "raw"
    (raw / "tw").mkdir(parents=True)
    (raw / "tw" / "normalize.toml").write_text('opencc = "t2s"\n', encoding="utf-8")
    (raw / "tw" / "a.txt").write_text("本報訊 全縣召開大會。\n", encoding="utf-8")
    (raw / "b.txt").write_text("本報訊 全縣召開大會。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", raw, "--out", out).exit_code == 0
    assert "全县召开大会" in (out / "tw" / "a" / "01.md").read_text(encoding="utf-8")
    assert "全縣召開大會" in (out / "b" / "01.md").read_text(encoding="utf-8")
    recs = [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    stamps = {r["source"]["path"]: r["normalizer"]["rules"] for r in recs}
    assert stamps["raw/tw/a.txt"] != stamps["raw/b.txt"]
    assert invoke("run", raw, "--out", out, "--opencc", "nonsense").exit_code == 2


def test_bad_settings_file_stops_the_run(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "normalize.toml").write_text('preset = 3\n', encoding="utf-8")
    (raw / "a.txt").write_text(PAGE, encoding="utf-8")
    res = invoke("run", raw, "--out", tmp_path / "out")
    assert res.exit_code == 2 and "normalize.toml" in res.output and "preset" in res.output


def test_python_api():
    import normalize
    arts = normalize.clean_text(PAGE)
    assert arts[0].title == "全县大会召开"
    assert normalize.fix_text("近年来,镇赉县立足实际。\n") == "近年来，镇赉县立足实际。\n"


def test_python_m_normalize_version():
    proc = subprocess.run([sys.executable, "-m", "normalize", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "normalize" in proc.stdout


def test_fix_reads_the_files_folder_settings(tmp_path):
    (tmp_path / "normalize.toml").write_text('opencc = "t2s"\n', encoding="utf-8")
    f = tmp_path / "a.txt"
    f.write_text("本報訊 全縣召開大會。\n", encoding="utf-8")
    assert invoke("fix", f).output == "本报讯 全县召开大会。\n"
    assert invoke("fix", f, "--opencc", "off").output == "本報訊 全縣召開大會。\n"


def test_fix_and_explain_read_normalize_toml_in_parent_folders(tmp_path, monkeypatch):
    """fix/explain of a raw file: the nearest normalize.toml above it, as
    far up as it goes; explain of an article: the settings run read for its
    raw file (up to the input folder, not above)."""
    monkeypatch.chdir(tmp_path)
    Path("normalize.toml").write_text('gap_marker = "〓"\n', encoding="utf-8")
    sub = Path("raw", "sub")
    sub.mkdir(parents=True)
    Path("raw", "normalize.toml").write_text('gap_marker = "■"\n', encoding="utf-8")
    (sub / "b.txt").write_text("本报讯 这条公路全长公里，串联全市景点。\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["fix", str(sub / "b.txt")])
    assert res.exit_code == 0 and "全长■公里" in res.output, res.output
    Path("raw", "normalize.toml").unlink()
    res = CliRunner().invoke(main, ["fix", str(sub / "b.txt")])
    assert res.exit_code == 0 and "全长〓公里" in res.output, res.output
    assert CliRunner().invoke(main, ["run", "raw", "--out", "out"]).exit_code == 0
    article = str(Path("out", "sub", "b", "01.md"))
    assert "全长□公里" in Path(article).read_text(encoding="utf-8")  # run reads none above raw/
    res = CliRunner().invoke(main, ["explain", article])
    assert res.exit_code == 0 and "全长□公里" in res.output, res.output
    Path("raw", "normalize.toml").write_text('gap_marker = "■"\n', encoding="utf-8")
    assert CliRunner().invoke(main, ["run", "raw", "--out", "out"]).exit_code == 0
    res = CliRunner().invoke(main, ["explain", article])
    assert res.exit_code == 0 and "全长■公里" in res.output, res.output


def _one_article(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.txt").write_text("本报讯 这条公路全长公里，串联全市景点。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(raw), "--out", str(out)]).exit_code == 0
    return out / "b" / "01.md"


def test_explain_of_an_article_with_bad_source_lines_is_a_clear_error(tmp_path):
    art = _one_article(tmp_path)
    text = art.read_text(encoding="utf-8")
    start = text.index("  lines:\n")
    end = text.index("flags:", start)
    art.write_text(text[:start] + "  lines:\n  - one\n  - 2\n" + text[end:], encoding="utf-8")
    res = CliRunner().invoke(main, ["explain", str(art)])
    assert res.exit_code == 2 and "source.lines must be two whole numbers" in res.output, res.output


def test_explain_refuses_a_source_path_that_leaves_the_folders(tmp_path, monkeypatch):
    art = _one_article(tmp_path)
    monkeypatch.chdir(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("本报讯 机密内容。\n", encoding="utf-8")
    text = art.read_text(encoding="utf-8")
    for path in (str(secret), "raw/../secret.txt"):
        art.write_text(text.replace("path: raw/b.txt", f"path: {path}").replace(
            text[text.index("sha256: "):text.index("\n", text.index("sha256: "))], "sha256: null"), encoding="utf-8")
        res = CliRunner().invoke(main, ["explain", str(art)])
        assert res.exit_code == 2 and "refused" in res.output and "机密" not in res.output, res.output


def test_explain_of_an_article_whose_raw_file_changed_says_so(tmp_path, monkeypatch):
    art = _one_article(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["explain", str(art)])
    assert res.exit_code == 0, res.output
    (tmp_path / "raw" / "b.txt").write_text("本报讯 这条公路全长8公里。\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["explain", str(art)])
    assert res.exit_code == 1 and "has changed since the article was written" in res.output, res.output
    assert "not found" not in res.output
    (tmp_path / "raw" / "b.txt").unlink()
    res = CliRunner().invoke(main, ["explain", str(art)])
    assert res.exit_code == 1 and "which is not found" in res.output, res.output


def test_explain_of_an_article_made_with_other_rules_says_so(tmp_path, monkeypatch):
    """An article made with --rules local: explain without them would list
    other changes than the article holds, so it says so (exit 1); with the
    run's rules it explains, the local rule's change among them."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("本报讯 旧县名召开大会。\n", encoding="utf-8")
    local = tmp_path / "local"
    local.mkdir()
    (local / "local.toml").write_text(
        'description = "county renamed"\n[[rule]]\nid = "county"\nmessage = "renamed"\n'
        'pattern = "旧县名"\nreplace = "新县名"\nfixes = [["旧县名", "新县名"]]\nkeeps = ["县名"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert invoke("run", "raw", "--out", "clean", "--rules", "local").exit_code == 0
    res = invoke("explain", "clean/a/01.md")
    assert res.exit_code == 1 and "made with other rules or settings" in res.output, res.output
    res = invoke("explain", "clean/a/01.md", "--rules", "local")
    assert res.exit_code == 0 and "local.county" in res.output, res.output


def test_check_with_collate_accounts_for_collate(tmp_path):
    """run --check --collate after run --collate: nothing would change;
    with the raw file of the filled gap's witness changed, it would."""
    raw = tmp_path / "raw"
    raw.mkdir()
    page = "本报讯 今年以来，全县新建的农村公路全长35公里，惠及群众12万人。\n"
    (raw / "a_paper.txt").write_text(page, encoding="utf-8")
    (raw / "b_repost.txt").write_text(page.replace("35", ""), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert res.exit_code == 0 and "1 gaps filled" in res.output, res.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for force in ([], ["--force"]):
        res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate", "--check", *force])
        assert res.exit_code == 0 and "0 would change" in res.output, res.output
    # a run without --collate keeps the unchanged files as they are, fills and all: --check says so
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--check"])
    assert res.exit_code == 0 and "0 would change" in res.output, res.output
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--check", "--force"])
    assert res.exit_code == 1  # cleaned again without collate, the filled article would lose its number
    (raw / "a_paper.txt").write_text(page.replace("35", "36"), encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate", "--diff"])
    assert "+本报讯 今年以来，全县新建的农村公路全长36公里" in res.output
    assert f"--- a/{out / 'a_paper' / '01.md'}" in res.output  # paths of OUT, not of the copy
    assert f"--- a/{out / 'b_repost' / '01.md'}" in res.output  # the fill follows its witness
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing written
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert "全长36公里" in (out / "b_repost" / "01.md").read_text(encoding="utf-8")


def test_collate_leaves_a_gap_open_when_witnesses_disagree(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    page = "本报讯 今年以来，全县新建的农村公路全长35公里，惠及群众12万人。\n"
    (raw / "a1.txt").write_text(page, encoding="utf-8")
    (raw / "a2.txt").write_text(page.replace("35", "53"), encoding="utf-8")
    (raw / "b_repost.txt").write_text(page.replace("35", ""), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--collate"])
    assert res.exit_code == 0 and "0 gaps filled" in res.output and "1 left open: witnesses disagree" in res.output
    text = (out / "b_repost" / "01.md").read_text(encoding="utf-8")
    assert "全长□公里" in text and "witnesses disagree, gap left open (raw/a1.txt: " in text
    again = CliRunner().invoke(main, ["collate", str(out)])
    assert again.exit_code == 0 and (out / "b_repost" / "01.md").read_text(encoding="utf-8") == text


def test_readme_states_the_fix_pass_limit():
    """The README's word on how often fix reruns is the code's."""
    from normalize import FIX_PASSES
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    assert f"until nothing changes, at most {FIX_PASSES} passes" in text


def test_a_bogus_preset_in_normalize_toml_names_that_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "normalize.toml").write_text('preset = "bogus"\n', encoding="utf-8")
    (raw / "a.txt").write_text("本报讯 全县召开大会，部署今年工作。\n", encoding="utf-8")
    for args in (["run", "raw", "--out", "out"], ["fix", "raw/a.txt"], ["explain", "raw/a.txt"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert f"{raw / 'normalize.toml'}: preset 'bogus' has no rule file" in res.output, res.output
        assert "pipeline.toml" not in res.output and "Traceback" not in res.output
    # a preset the command line gives wins over the file's, as every setting does
    assert CliRunner().invoke(main, ["fix", "raw/a.txt", "--preset", "newspaper"]).exit_code == 0


def test_fix_explain_shows_what_the_later_passes_changed(tmp_path):
    """``fix`` re-reads its output until it settles: a change only a second
    pass makes (a later stage's output matched by an earlier stage) is in
    the output, so --explain lists it too, under its pass."""
    (tmp_path / "first.toml").write_text('''description = "x"
[[rule]]
id = "xy"
message = "xy to z"
pattern = 'xy'
replace = "z"
fixes = [["xy", "z"]]
keeps = ["yx"]
''', encoding="utf-8")
    (tmp_path / "second.toml").write_text('''description = "x"
after = "first"
[[rule]]
id = "q"
message = "q to x"
pattern = 'q'
replace = "x"
fixes = [["q", "x"]]
keeps = ["y"]
''', encoding="utf-8")
    raw = tmp_path / "in.txt"
    raw.write_text("qy\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["fix", "--no-default-rules", "--rules", str(tmp_path), "--explain", str(raw)])
    assert res.exit_code == 0, res.output
    assert res.stdout == "z\n"
    first, _, later = res.stderr.partition("-- pass 2")
    assert "second.q" in first and "first.xy" not in first
    assert "first.xy" in later
