#!/usr/bin/env python3
"""Build the list of words that begin with a surname's character, which
``normalize/structure.py`` uses to tell a line of spaced words (``安全 生产
常抓``, ``方法 路径 成效``) from a line of bare names (``莽九晨 林芮 王莉``).

Why a word list: a spaced sub-heading of two-character words passes the
surname check (安, 方, 路, 成 are surnames) as often as a byline does; what
sets it apart is that its tokens are words.  A name token rarely is one: of
the clean corpus' 114 reporters' names two are entries of jieba's
dictionary with a count of ten or more.  The list holds jieba's entries of
two or three Han characters whose first character starts a surnamed name
(the only tokens the check has to judge) and whose count is ``--min-count``
or more.

A second list, ``places.txt.gz``, holds the corpus' place names that begin
so: two or three Han before 市, 省, 县, 区 or 州 (石家庄 of 石家庄市), seen
``--min-places`` times or more in the clean corpus' paragraphs.  A reader's
letter signs with place and name (河南鄢陵县  邢先生); a last line whose
"name" is such a place (河北省 石家庄) names no one.

jieba is needed here only (``pip install '.[build]'``), never at
run time.

    python scripts/build_name_words.py [--min-count 10] [--corpus ../shared/corpus] [--min-places 2]

Deterministic: the same dictionary and corpus give the same bytes (words in code
point order, gzip without a time stamp).
"""
from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
import sys
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from normalize.structure import _NAME_FIRST  # noqa: E402  (which characters start a surnamed name)

WORD = regex.compile(r"\p{Han}{2,3}")


def build(dict_path: Path, min_count: int) -> bytes:
    words = set()
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and WORD.fullmatch(parts[0]) and parts[0][0] in _NAME_FIRST and int(parts[1]) >= min_count:
            words.add(parts[0])
    text = "# words that begin with a surname's character, from jieba's dict.txt; built by scripts/build_name_words.py\n"
    text += "".join(w + "\n" for w in sorted(words))
    return gzip.compress(text.encode("utf-8"), mtime=0)


PLACE = regex.compile(r"(?=(\p{Han}{2,3})[市省县区州])")


def places(corpus: Path, min_count: int) -> bytes:
    counts = Counter()
    for f in sorted(corpus.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for p in json.loads(line).get("paragraphs") or []:
                    p = "".join(p.split())
                    for m in PLACE.finditer(p):
                        for n in (2, 3):
                            w = p[m.start(): m.start() + n]
                            if w[0] in _NAME_FIRST and p[m.start() + n: m.start() + n + 1] in "市省县区州" \
                                    and WORD.fullmatch(w):
                                counts[w] += 1
    text = "# place names before 市省县区州 in the corpus, beginning with a surname's character; built by scripts/build_name_words.py\n"
    text += "".join(w + "\n" for w in sorted(w for w, c in counts.items() if c >= min_count))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dict", default="jieba", help="word list 'word count [pos]' per line; 'jieba' (default) for jieba's own")
    ap.add_argument("--min-count", type=int, default=10)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--min-places", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "normalize" / "data")
    a = ap.parse_args()
    if a.dict == "jieba":
        import jieba  # only here, never at run time
        path = Path(jieba.__file__).parent / "dict.txt"
    else:
        path = Path(a.dict)
    for name, data in (("name_words.txt.gz", build(path, a.min_count)),
                       ("places.txt.gz", places(a.corpus, a.min_places))):
        (a.out / name).write_bytes(data)
        print(f"{a.out / name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
