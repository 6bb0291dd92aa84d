#!/usr/bin/env python3
"""Does ``normalize.inputs.decode`` read Chinese in its legacy encodings right,
and refuse Japanese and Korean bytes that would decode as Chinese mojibake?

Chinese: the samples, the real pages and every 10th held-out corpus article
(index % 5 == 0, never used to build ``common_han.txt.gz``), each encoded as
GB18030, GBK (where it can be) and Big5 (after OpenCC s2tw; characters Big5
lacks replaced): decoded, it must give back the same text.  Japanese and
Korean: the texts under tests/fixtures/encodings, whole and in paragraphs,
in Shift-JIS, EUC-JP, EUC-KR (and CP932/CP949): each must be refused.  Also
shown: the lowest share of common Han characters on the Chinese side and the
highest on the other, computed here from the shipped set.

    python scripts/eval_encodings.py [--shared ../shared]
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import opencc
import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from normalize.inputs import InputError, decode  # noqa: E402

HAN = regex.compile(r"\p{Han}")


def chinese_texts(shared: Path):
    for f in sorted((shared / "samples" / "raw").glob("*")) + sorted((shared / "real" / "raw").glob("*")):
        if f.suffix in (".txt", ".md"):
            yield f.name, f.read_text(encoding="utf-8")
    index = 0
    for f in sorted((shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            if index % 50 == 0:
                art = json.loads(line)
                yield f"corpus#{index}", "\n".join(art.get("paragraphs") or [])
            index += 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args(argv)
    with gzip.open(ROOT / "normalize" / "data" / "common_han.txt.gz", "rt", encoding="utf-8") as fh:
        common = set("".join(l.strip() for l in fh if not l.startswith("#")))

    def share(text):
        han = HAN.findall(text)
        return sum(c in common for c in han) / len(han) if len(han) >= 20 else None

    s2tw = opencc.OpenCC("s2tw")
    ok = bad = 0
    low = (2.0, "")
    for name, text in chinese_texts(args.shared):
        trad = s2tw.convert(text)
        for enc, src in (("gb18030", text), ("gbk", text), ("big5", trad)):
            try:
                data = src.encode(enc, errors="strict" if enc == "gb18030" else "replace")
            except UnicodeEncodeError:
                continue
            want = data.decode(enc)
            try:
                got, _ = decode(data)
            except InputError as exc:
                bad += 1
                print(f"REFUSED {name} as {enc}: {exc}")
                continue
            if got.replace("\r\n", "\n") != want.replace("\r\n", "\n"):
                bad += 1
                print(f"WRONG {name} as {enc}")
            else:
                ok += 1
            s = share(want)
            if s is not None and s < low[0]:
                low = (s, f"{name} {enc}")
    print(f"Chinese: {ok} decoded right, {bad} refused or wrong; lowest common share {low[0]:.2f} ({low[1]})")

    refused = passed = 0
    high = (-1.0, "")
    for f in sorted((ROOT / "tests" / "fixtures" / "encodings").glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        pieces = [text] + [p for p in text.split("\n\n") if p.strip()]
        for i, piece in enumerate(pieces):
            for enc in ("shift_jis", "cp932", "euc_jp", "euc_kr", "cp949"):
                try:
                    data = piece.encode(enc)
                except UnicodeEncodeError:
                    continue
                for as_enc in ("gb18030", "big5"):
                    try:
                        s = share(data.decode(as_enc))
                    except UnicodeDecodeError:
                        continue
                    if s is not None and s > high[0]:
                        high = (s, f"{f.name}#{i} {enc} as {as_enc}")
                try:
                    decode(data)
                    passed += 1
                    print(f"ACCEPTED {f.name}#{i} in {enc}")
                except InputError:
                    refused += 1
    print(f"Japanese/Korean: {refused} refused, {passed} accepted; highest common share {high[0]:.2f} ({high[1]})")
    return 0 if bad == 0 and passed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
