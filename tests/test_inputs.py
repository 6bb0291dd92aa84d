"""Raw files in any of the encodings archives hold; bad ones reported and skipped."""
from __future__ import annotations

import codecs
import json

import pytest
from click.testing import CliRunner

from normalize.cli import main
from normalize.inputs import InputError, decode

TEXT = "记者 王晓明\n\n本报讯 全县召开大会，部署今年工作。\n\n全县大会召开\n"


@pytest.mark.parametrize("data", [
    TEXT.encode("utf-8"),
    codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    TEXT.encode("gb18030"),
    TEXT.encode("gbk"),
    TEXT.encode("utf-16"),  # with BOM
    "記者 王曉明\n\n本報訊 全縣召開大會，部署今年工作。\n".encode("big5"),
], ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16", "big5"])
def test_encodings_are_detected(data):
    text, _enc = decode(data)
    assert "王" in text and "\ufeff" not in text



@pytest.mark.parametrize("text, enc", [
    ("臺灣經濟發展\n", "big5"),      # GB18030 reads these bytes as 籓芖竒蕾祇甶: valid, but no common word
    ("今天天气很好。\n", "gbk"),
    ("會議通知\n", "big5"),
    ("会议通知\n", "gbk"),
])
def test_a_few_words_are_decoded_in_their_own_encoding(text, enc):
    assert decode(text.encode(enc))[0] == text

def test_line_ends_are_normalised():
    from normalize import clean_text
    crlf = TEXT.replace("\n", "\r\n")
    cr = TEXT.replace("\n", "\r")
    assert [a.to_markdown() for a in clean_text(crlf)] == [a.to_markdown() for a in clean_text(TEXT)]
    assert [a.to_markdown() for a in clean_text(cr)] == [a.to_markdown() for a in clean_text(TEXT)]


@pytest.mark.parametrize("data,why", [
    (b"", "empty"),
    (b"  \n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    (bytes([0xFF, 0xFE, 0x00, 0xD8, 0x41]), "utf-16"),
    (bytes([0x81, 0x30, 0x81]) * 3 + b"\xff\xff\xff", "cannot be decoded"),
])
def test_bad_input_is_refused(data, why):
    with pytest.raises(InputError) as exc:
        decode(data)
    assert why in str(exc.value)


def test_bad_files_are_reported_skipped_and_batch_goes_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a_good.txt").write_text(TEXT, encoding="utf-8")
    (raw / "b_empty.txt").write_bytes(b"")
    (raw / "c_binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (raw / "d_good.md").write_bytes(TEXT.encode("gb18030"))
    (raw / "e_big.txt").write_text(TEXT * 50, encoding="utf-8")
    (raw / "notes.csv").write_text("ignored", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--jobs", "1", "--max-bytes", "2000"])
    assert res.exit_code == 1
    assert "b_empty.txt: empty file" in res.output
    assert "c_binary.txt: binary data" in res.output
    assert "e_big.txt: larger than --max-bytes" in res.output
    assert "Traceback" not in res.output
    recs = [json.loads(l) for l in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted({r["source"]["path"] for r in recs}) == ["raw/a_good.txt", "raw/d_good.md"]
    assert (out / "a_good" / "01.md").read_text(encoding="utf-8") .count("全县召开大会") == 1
    assert (raw / "b_empty.txt").read_bytes() == b""  # raw files are never touched


def test_output_folder_inside_input_is_not_walked(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "clean"
    assert CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(out)]).exit_code == 0
    res = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(out), "--force"])
    assert res.exit_code == 0 and "1 files" in res.output


def test_two_raw_files_one_output_folder(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.md").write_text(TEXT, encoding="utf-8")
    (raw / "a.txt").write_text(TEXT.replace("全县", "全市"), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out)])
    assert res.exit_code == 1
    assert "a.txt: its output folder" in res.output
    assert "全县" in (out / "a" / "01.md").read_text(encoding="utf-8")
    assert len((out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_upper_case_extensions_are_raw_pages_too(tmp_path):
    """A.TXT and B.Md (scanner software, old systems) are walked like a.txt."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "A.TXT").write_text(TEXT, encoding="utf-8")
    (raw / "B.Md").write_text(TEXT, encoding="utf-8")
    (raw / "c.doc").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out)])
    assert res.exit_code == 0 and "2 files" in res.output, res.output
    assert (out / "A" / "01.md").is_file() and (out / "B" / "01.md").is_file()


def test_new_output_folder_is_written_whole_and_rewritten_in_place(tmp_path):
    """A source's first output goes into a hidden folder renamed into place;
    a later run over it rewrites files there and drops stale articles."""
    from pathlib import Path

    from normalize.batch import Result, write_result
    from normalize.inputs import RawFile
    raw = RawFile(tmp_path / "raw" / "s" / "a.txt", tmp_path / "raw", Path("s/a.txt"))
    out = tmp_path / "clean"
    write_result(out, Result(raw, files={"s/a/01.md": "一\n", "s/a/02.md": "二\n", "s/a/removed.jsonl": ""}))
    assert sorted(p.name for p in (out / "s").iterdir()) == ["a"]  # no hidden folder left
    assert (out / "s/a/02.md").read_text(encoding="utf-8") == "二\n"
    write_result(out, Result(raw, files={"s/a/01.md": "甲\n", "s/a/removed.jsonl": ""}))
    assert sorted(p.name for p in (out / "s/a").iterdir()) == ["01.md", "removed.jsonl"]
    assert (out / "s/a/01.md").read_text(encoding="utf-8") == "甲\n"


def test_output_of_an_earlier_run_inside_the_input_is_not_cleaned(tmp_path):
    """ff/o_first holds a previous run (manifest.jsonl, NN.md beside
    removed.jsonl): a later run into another folder skips it and says so;
    a lone article folder (its manifest lost) is skipped too."""
    ff = tmp_path / "ff"
    ff.mkdir()
    (ff / "a.txt").write_text(TEXT, encoding="utf-8")
    assert CliRunner().invoke(main, ["run", str(ff), "--out", str(ff / "o_first")]).exit_code == 0
    lone = ff / "kept" / "b"
    lone.mkdir(parents=True)
    (lone / "01.md").write_text((ff / "o_first" / "a" / "01.md").read_text(encoding="utf-8"), encoding="utf-8")
    (lone / "notes.md").write_text(TEXT, encoding="utf-8")
    (lone / "removed.jsonl").write_text("", encoding="utf-8")
    out = tmp_path / "ffa"
    res = CliRunner().invoke(main, ["run", str(ff), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 files" in res.output and "2 output folders of earlier runs not read as input" in res.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md")) == ["a/01.md"]


def test_a_fifo_named_like_a_raw_file_is_reported_not_read(tmp_path):
    """Opening a FIFO blocks until something writes to it: run would hang.
    (Should run open it, a writer here lets it go on, to fail, not hang.)"""
    import os
    import threading
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(TEXT, encoding="utf-8")
    fifo = raw / "b.txt"
    os.mkfifo(fifo)
    done = threading.Event()

    def release():
        while not done.wait(0.05):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # only succeeds once a reader waits
            except OSError:
                pass
    writer = threading.Thread(target=release, daemon=True)
    writer.start()
    try:
        res = CliRunner().invoke(main, ["run", str(raw), "--out", str(tmp_path / "out"), "--jobs", "1"])
    finally:
        done.set()
        writer.join()
    assert res.exit_code == 1
    assert "b.txt: not a regular file" in res.output and "1 files, 1 articles" in res.output


def test_a_file_name_that_is_not_utf8_is_a_failure_of_that_file(tmp_path):
    import os
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(TEXT, encoding="utf-8")
    bad = os.path.join(os.fsencode(raw), b"b\xff\xfe.txt")
    with open(bad, "wb") as fh:
        fh.write(TEXT.encode("utf-8"))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 1, res.output
    assert "file name is not valid UTF-8" in res.output and "1 files, 1 articles" in res.output
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    assert [json.loads(line)["source"]["path"] for line in
            (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()] == ["raw/a.txt"]


ENCODINGS = __import__("pathlib").Path(__file__).parent / "fixtures" / "encodings"


@pytest.mark.parametrize("name,enc,lang", [
    ("ja.txt", "shift_jis", "Japanese"), ("ja.txt", "euc_jp", "Japanese"), ("ja.txt", "cp932", "Japanese"),
    ("ko.txt", "euc_kr", "Korean"), ("ko.txt", "cp949", "Korean"),
])
def test_japanese_and_korean_bytes_are_refused_not_mojibake(name, enc, lang):
    data = (ENCODINGS / name).read_text(encoding="utf-8").encode(enc)
    with pytest.raises(InputError) as exc:
        decode(data)
    assert "not Chinese" in str(exc.value) and lang in str(exc.value)


def test_korean_hanja_only_and_big5_misread_are_refused():
    hanja = (ENCODINGS / "ko.txt").read_text(encoding="utf-8").split("\n\n")[-1]
    with pytest.raises(InputError, match="not Chinese"):
        decode(hanja.encode("euc_kr"))
    # Shift-JIS 日本語のテキストです。 as GBK reads 擔杮岅偺僥僉僗僩偱偡丅
    with pytest.raises(InputError, match="not Chinese"):
        decode(("日本語のテキストです。" * 3).encode("shift_jis"))
    # EUC-JP of the same reads best as Big5 (ゥ呿賄及氾平旦玄匹允): refused too
    with pytest.raises(InputError, match="decoded as BIG5 .* not Chinese"):
        decode(("日本語のテキストです。" * 3).encode("euc_jp"))


def test_chinese_with_rare_characters_still_decodes():
    # names and places of rare characters in an ordinary report stay Chinese
    text = "据新华社电 赟、堃、犇、喆、燚、淼、垚、鑫等字常见于人名。记者在现场看到，工作人员正在为群众办理手续。\n"
    for enc in ("gb18030", "gbk"):
        assert decode(text.encode(enc))[0] == text
    trad = "據新華社電 記者在現場看到，工作人員正在為群眾辦理手續，當地政府表示將繼續推進這項工作。\n"
    assert decode(trad.encode("big5"))[0] == trad


def test_japanese_file_is_reported_and_batch_goes_on(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes((ENCODINGS / "ja.txt").read_text(encoding="utf-8").encode("shift_jis"))
    (raw / "b.txt").write_bytes(TEXT.encode("gbk"))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(raw), "--out", str(out), "--jobs", "1"])
    assert res.exit_code == 1 and "a.txt: decoded as GB18030" in res.output and "Traceback" not in res.output
    assert not (out / "a").exists() and (out / "b" / "01.md").exists()


# -- a large file, read a chunk at a time ---------------------------------------

def _read_both(tmp_path, monkeypatch, data: bytes, chunk: int):
    """``read`` of ``data`` with chunks of ``chunk`` bytes, and ``decode`` of
    it whole: each ``(text, sha256, encoding)`` or the InputError's message."""
    import hashlib

    from normalize import inputs
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    monkeypatch.setattr(inputs, "CHUNK", chunk)
    try:
        got = inputs.read(inputs.file_raw(path))
    except InputError as exc:
        got = str(exc)
    try:
        text, enc = decode(data)
        whole = (text, hashlib.sha256(data).hexdigest(), enc)
    except InputError as exc:
        whole = str(exc)
    return got, whole


LONG = (TEXT * 40 + "𠀀𪚥〇𡈼\n" * 5) * 4   # over the 8 kB head; characters of 3 and 4 bytes in UTF-8


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1000])
@pytest.mark.parametrize("data", [
    LONG.encode("utf-8"),
    codecs.BOM_UTF8 + LONG.encode("utf-8"),
    LONG.encode("utf-16"),
    codecs.BOM_UTF16_BE + LONG.encode("utf-16-be"),
    LONG.encode("utf-32"),
    LONG.encode("gb18030"),
    "記者 王曉明\n\n本報訊 全縣召開大會，部署今年工作。\n".encode("big5") * 300,
    LONG.replace("\n", "\r\n").encode("utf-8"),
], ids=["utf8", "utf8-bom", "utf16", "utf16-be", "utf32", "gb18030", "big5", "crlf"])
def test_read_in_chunks_is_read_whole(tmp_path, monkeypatch, data, chunk):
    """Chunks cut inside a character (UTF-8's 3 and 4 bytes, UTF-16's
    surrogate pairs, a BOM) give the text, digest and encoding of the whole
    bytes; GB18030 and Big5 are judged on the whole bytes as before."""
    got, whole = _read_both(tmp_path, monkeypatch, data, chunk)
    assert isinstance(whole, tuple)
    assert got == whole


@pytest.mark.parametrize("data", [
    b"\0\1\2binary" * 5000,                                  # binary
    codecs.BOM_UTF8 + "正文".encode("utf-8") * 5000 + b"\xff\xfe",  # broken despite its BOM, late
    codecs.BOM_UTF16_LE + "正文".encode("utf-16-le") * 5000 + b"\x00",  # UTF-16 cut short
    b" \n\t" * 5000,                                          # whitespace bytes
    b"\x0b" * 20000,                                           # whitespace bytes, also control bytes
    "\u3000\u200b\n".encode("utf-8") * 5000,                    # full-width spaces and zero-width marks
    "ｶﾀｶﾅ 日本語のテキストです。".encode("shift_jis") * 500 + b"\xff",   # not UTF-8, not Chinese
    b"\xff\xff" * 10000,                                       # nothing decodes it
    "正文".encode("utf-8") * 5000 + b"\xe4\xb8",                 # UTF-8 cut short at the end
], ids=["binary", "bad-bom", "utf16-odd", "spaces", "vt", "blank", "japanese", "undecodable", "utf8-cut"])
def test_read_in_chunks_refuses_as_whole(tmp_path, monkeypatch, data):
    """Bad input read in chunks is refused with the message of the whole bytes."""
    for chunk in (3, 16, 1 << 20):
        got, whole = _read_both(tmp_path, monkeypatch, data, chunk)
        assert isinstance(whole, str), whole
        assert got == whole, chunk


@pytest.mark.parametrize("data", [LONG.encode("utf-8"), LONG.encode("utf-16"), codecs.BOM_UTF8 + LONG.encode("utf-8")],
                         ids=["utf8", "utf16", "utf8-bom"])
def test_large_utf_file_is_never_decoded_whole(tmp_path, monkeypatch, data):
    """A BOM's encoding or UTF-8 is decoded chunk by chunk: the bytes are
    never held whole (``decode`` of all of them is not called)."""
    from normalize import inputs
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    monkeypatch.setattr(inputs, "CHUNK", 5)

    def whole(_data):
        raise AssertionError("decoded whole")
    monkeypatch.setattr(inputs, "decode", whole)
    assert inputs.read(inputs.file_raw(path))[0] == LONG
