"""The front-matter emitter: the same bytes whether or not PyYAML has libyaml,
every character written as itself, and read back as what was written."""
from __future__ import annotations

import json
import subprocess
import sys

import yaml
from hypothesis import given, settings, strategies as hs

from conftest import ROOT
from normalize.article import FIELDS, Article, front_matter_text

# the characters that decide a YAML scalar's style, and text around them
TRICKY = hs.sampled_from(list("ab1 :#-'\"?,[]{}&*!|>%@`\t\n\r\x00\x07\x1b\x7f\x85\x9f\u2028\u2029\u3000"
                              "中文𠮷😑\U00020bb7\ufeff\u200b\u200f\xa0.~=<\\\U0010ffff\ufffe")
                         + ["null", "yes", "No", "~", "1.5", "0x1", "2023-10-01", "---", "...", "<<", "=",
                            "1_000", ".inf", "-1", "0o7", "12:30:00"])
TRICKY_TEXT = hs.lists(TRICKY, max_size=8).map("".join)
ANY_TEXT = hs.one_of(TRICKY_TEXT, hs.text(max_size=20))


def meta(s: str, key: str) -> dict:
    return {k: None for k in FIELDS} | {
        "id": "x-01", "title": s, "images": [s, "a.jpg"], "authors": [{"name": s, "role": None}],
        "forum": {"floor": 1, "author": s, "time": None, "site": None, "thread": None},
        "source": {"path": "raw/x.txt", "sha256": None, "lines": [1, 3]},
        "flags": [{"rule": "digits.gap", "line": 2, "text": s, "message": "m"}],
        "changes": {key or "k": 2}, "normalizer": {"version": "0.1.0", "rules": "abc"}, "editors": []}


def pure(d: dict) -> str:
    return yaml.dump(d, Dumper=yaml.SafeDumper, allow_unicode=True, sort_keys=False, width=1 << 30,
                     default_flow_style=False)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, TRICKY_TEXT)
def test_front_matter_reads_back_as_written(s, key):
    d = meta(s, key.replace("\n", "").replace("\x85", "").replace("\u2028", "").replace("\u2029", ""))
    ours = front_matter_text(d)
    assert yaml.safe_load(ours) == d
    # where PyYAML's pure emitter needs no escapes, ours writes its very bytes
    if not any(c in s + key for c in "\t\n\r\x00\x07\x1b\x7f\x85\x9f\u2028\u2029\ufeff\U0010ffff\ufffe") \
            and s.isprintable() and key.isprintable():
        assert ours == pure(d)


def test_every_character_is_written_as_itself():
    for s in ("\U00020bb7野家开业", "表情😑", "𠮷", "\u3000全角空格", "a\xa0b"):
        fm = front_matter_text(meta(s, "k"))
        assert f"title: {s}\n" in fm or f"title: '{s}'\n" in fm
        assert "\\U" not in fm and "\\u" not in fm


def test_controls_are_escaped_not_written():
    fm = front_matter_text(meta("中\x00文\x1b\t\n😑", "k"))
    assert 'title: "中\\0文\\e\\t\\n😑"\n' in fm
    assert yaml.safe_load(fm)["title"] == "中\x00文\x1b\t\n😑"


SNIPPET = """
import json, sys
from normalize.article import front_matter_text
metas = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps([front_matter_text(m) for m in metas]))
"""
NO_LIBYAML = "import sys; sys.modules['yaml._yaml'] = None\nimport yaml; assert not yaml.__with_libyaml__\n"


def test_same_bytes_with_and_without_libyaml():
    metas = [meta(s, "unwrap.join") for s in ("\U00020bb7野家开业", "😑", "a: b", "null", "中文\t", "'q'", "")]
    got = []
    for prefix in ("", NO_LIBYAML):
        res = subprocess.run([sys.executable, "-c", prefix + SNIPPET], input=json.dumps(metas), cwd=ROOT,
                             capture_output=True, text=True, check=True)
        got.append(json.loads(res.stdout))
    assert got[0] == got[1]
    assert [yaml.safe_load(fm) for fm in got[1]] == metas


def test_article_file_starts_with_the_front_matter():
    md = Article(meta=meta("标题", "k"), blocks=[("p", "正文。")]).to_markdown()
    assert md.startswith("---\nid: x-01\ntitle: 标题\n")
