#!/usr/bin/env python3
"""Measure the gap marking on text the gap counts never saw.

Why its own script, sharing nothing with the detector: a measure that
strips numbers only where the detector already looks cannot see what it
misses.  Here a number is stripped at random wherever it stands before a
unit or measure word of this script's own list (a list of Chinese units,
not read from the detector's data), in the held-out articles of the corpus
(index mod 5 == 0, which ``scripts/build_gapstats.py`` leaves out of its
counts).  It prints:

* recall: stripped numbers whose place holds the gap marker after cleaning,
  per unit, with the first 20 misses;
* false flags per 20,000 characters of the clean held-out articles, and of
  each real forum thread ``d01``–``d10`` in ``../shared/real/raw`` as
  ``normalize run`` writes it (flags in the front matter, characters of the
  bodies: what ``../shared/eval/realcheck.py`` counts), with the first 20 flags.

With ``--long``, false flags per 20,000 characters of clean text read as
long pages too: the evaluated fold's articles joined ``--long-size`` at a
time into one page each, every paragraph hard-wrapped at ``--wrap``
characters as OCR prints a column; and every article of the corpus (all
folds, the counted ones too) as a page of its own.  Why: the held-out
articles are short pages, and a page's gap count is evidence in the stage
(a page showing more gaps than chance is read at lower thresholds): a long
clean page sits nearer that edge than any short one, so a change can write
false gaps there that the short pages never show.

With ``--light`` (and only that), recall on lightly damaged pages
instead: every held-out article with exactly one, then two, of its numbers
before units stripped at random, ``--draws`` times each, per the page's
count of such numbers.  Why: the rate-stripped pages above never keep
forty numbers of forty-one, so a reading that takes a page's kept numbers
as evidence is judged there on pages it does not meet.

    python scripts/eval_gaps.py [--shared ../shared] [--rate 0.3] [--seed 1] [--long] [--light [--draws 5]]

To tune anything, measure on another fold, never on the held-out one:
``build_gapstats.py --exclude 1 --out /tmp/g.tsv.gz`` then
``eval_gaps.py --fold 1 --data /tmp/g.tsv.gz``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize.pipeline import Pipeline  # noqa: E402

# Units and measure words of Chinese news, longest first (this script's own list).
UNITS = sorted("""人次 平方公里 平方米 公里 千米 千克 公斤 公顷 小时 分钟 美元 欧元 英镑 日元 港元 亿 万 元 % ‰ 个 名 家 项 条
年 月 日 户 座 所 栋 位 批 次 吨 亩 米 岁 倍 天 周 件 辆 架 艘 台 只 头 种 类 篇 部 本 场 届 期 号 时 分 秒 度 层 股 份 处
起 枚 株 棵 张 间 套 支 队 趟 轮 辑 集 册 卷 斤 升 克 片 块 名 人""".split(), key=len, reverse=True)
SITE = regex.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?(?=(?:余|多)?(?:" + "|".join(map(regex.escape, UNITS)) + "))")
UNIT_AT = regex.compile(r"(?:余|多)?(" + "|".join(map(regex.escape, UNITS)) + ")")
GAP = "□"
WINDOW = 5
# full-width forms as half-width: house style turns `１２月` into `12月` and `,` into `，`
HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def comparable(text: str) -> str:
    """The text as a window is looked for in the cleaned output: house style
    may change the width of digits, letters and punctuation, and drop
    spaces, never which characters stand beside a gap."""
    return regex.sub(r"\s+", "", text.translate(HALF_WIDTH))


def corpus(shared: Path) -> list[list[str]]:
    """Every article of the corpus, in order: its non-blank paragraphs."""
    texts = []
    for f in sorted((shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append([p.replace("\u3000", " ").strip() for p in json.loads(line)["paragraphs"] if p.strip()])
    return texts


def held_out(shared: Path, fold: int | None = 0) -> list[str]:
    """The articles with index mod 5 == ``fold`` (None: all), one page each."""
    return ["\n\n".join(ps) + "\n" for k, ps in enumerate(corpus(shared)) if (fold is None or k % 5 == fold) and ps]


def wrapped(paragraph: str, width: int) -> list[str]:
    """The paragraph as a column prints it, ``width`` Chinese characters a
    line: a half-width character (a digit, a Latin letter) takes half a
    place, so a line holding a number holds more characters, as on paper."""
    lines, line, used = [], [], 0
    for c in paragraph:
        w = 1 if unicodedata.east_asian_width(c) in "WF" else 0.5
        if used + w > width:
            lines.append("".join(line))
            line, used = [], 0
        line.append(c)
        used += w
    return lines + ["".join(line)] if line else lines


def long_pages(shared: Path, fold: int, size: int, wrap: int) -> list[str]:
    """The fold's articles ``size`` at a time as one page each, every
    paragraph hard-wrapped at ``wrap`` characters (a printed column: no
    blank line between paragraphs, one between articles)."""
    arts = [ps for k, ps in enumerate(corpus(shared)) if k % 5 == fold and ps]
    pages = []
    for lo in range(0, len(arts), size):
        pages.append("\n\n".join("\n".join(line for p in ps for line in wrapped(p, wrap))
                                 for ps in arts[lo:lo + size]) + "\n")
    return pages


def gap_flags(doc):
    return [f for f in doc.flags if f.rule.startswith("digits.")]


def strip(text: str, rnd: random.Random, rate: float):
    """The text with some numbers before units taken out; the expected text
    (a gap marker at each) and each gap's place in it."""
    return strip_sites(text, [m for m in SITE.finditer(text) if rnd.random() < rate])


def strip_sites(text: str, sites: list):
    """The text with the numbers of ``sites`` (matches of SITE, in text
    order) taken out; the expected text and each gap's place in it."""
    damaged, expected, places = [], [], []
    prev = 0
    for m in sites:
        damaged.append(text[prev:m.start()])
        expected.append(text[prev:m.start()])
        places.append((sum(map(len, expected)), UNIT_AT.match(text, m.end()).group(1), m.group(0)))
        expected.append(GAP)
        prev = m.end()
    damaged.append(text[prev:])
    expected.append(text[prev:])
    return "".join(damaged), "".join(expected), places


def window(expected: str, at: int, places: list, k: int) -> str:
    """The marker with up to WINDOW characters either side, not reaching another gap."""
    lo = max(0, at - WINDOW, places[k - 1][0] + 1 if k else 0)
    hi = min(len(expected), at + 1 + WINDOW, places[k + 1][0] if k + 1 < len(places) else len(expected))
    return expected[lo:hi].rpartition("\n")[2] if "\n" in expected[lo:at] else expected[lo:hi].partition("\n\n")[0]


def eval_recall(pipe, texts, rnd, rate, show=20):
    found = total = extra = readable = 0
    per_unit, per_unit_found = Counter(), Counter()
    misses = []
    for n, text in enumerate(texts):
        damaged, expected, places = strip(text, rnd, rate)
        if not places:
            continue
        out, doc = pipe.fix(damaged)
        out = comparable(out)
        hits = 0
        for k, (at, unit, number) in enumerate(places):
            total += 1
            per_unit[unit] += 1
            shown = regex.sub(r"\s+", "", window(expected, at, places, k))
            w = comparable(shown)
            if w in out:
                found += 1
                hits += 1
                per_unit_found[unit] += 1
            else:
                if w.replace(GAP, "") in out.replace(GAP, ""):
                    readable += 1  # the text around survived cleaning: a true miss
                if len(misses) < show:
                    misses.append(f"article {n}: {shown}   (stripped {number})")
        extra += max(0, len(gap_flags(doc)) - hits)
    return {"stripped": total, "marked": found, "recall": round(found / max(1, total), 4),
            "misses_with_context_intact": readable, "other_flags_on_damaged_text": extra,
            "per_unit": {u: f"{per_unit_found[u]}/{n}" for u, n in per_unit.most_common(25)}}, misses


LIGHT_BINS = ((1, 9), (10, 19), (20, 39), (40, None))  # numbers before units a page writes


def light_bin(lo: int, hi: int | None) -> str:
    return f"{lo}-{hi}" if hi else f"{lo}+"


def eval_light(pipe, texts, rnd, drops: int, draws: int, show=20):
    """Lightly damaged pages: each article with more than ``drops`` numbers
    before units, ``draws`` times, with exactly ``drops`` of them taken out
    at random (a scraper that lost one or two numbers of a page).  Why: the
    rate-stripped pages lose a share of every page's numbers, so a page
    that lost one of forty never shows there, and a reading of a page's
    kept numbers as evidence costs nothing there.  Recall per bin of the
    page's own count of numbers before units (this script's list, not the
    stage's)."""
    found, total = Counter(), Counter()
    extra = 0
    misses = []
    for n, text in enumerate(texts):
        sites = list(SITE.finditer(text))
        if len(sites) <= drops:
            continue
        b = next(light_bin(lo, hi) for lo, hi in LIGHT_BINS if len(sites) >= lo and (hi is None or len(sites) <= hi))
        for _ in range(draws):
            damaged, expected, places = strip_sites(text, sorted(rnd.sample(sites, drops), key=lambda m: m.start()))
            out, doc = pipe.fix(damaged)
            out = comparable(out)
            hits = 0
            for k, (at, unit, number) in enumerate(places):
                total[b] += 1
                shown = regex.sub(r"\s+", "", window(expected, at, places, k))
                if comparable(shown) in out:
                    found[b] += 1
                    hits += 1
                elif len(misses) < show:
                    misses.append(f"article {n} ({len(sites)} numbers): {shown}   (stripped {number})")
            extra += max(0, len(gap_flags(doc)) - hits)
    bins = [light_bin(lo, hi) for lo, hi in LIGHT_BINS]
    return {"drops_per_page": drops, "stripped": sum(total.values()), "marked": sum(found.values()),
            "recall": round(sum(found.values()) / max(1, sum(total.values())), 4),
            "per_page_numbers": {b: f"{found[b]}/{total[b]}" for b in bins if total[b]},
            "other_flags_on_damaged_text": extra}, misses


def eval_clean(pipe, texts):
    chars = 0
    flags = []
    for n, text in enumerate(texts):
        chars += len(text)
        _out, doc = pipe.fix(text)
        flags += [f"article {n}: {f.rule}: {f.text}" for f in gap_flags(doc)]
    return {"articles": len(texts), "chars": chars, "gap_flags": len(flags),
            "per_20k": round(len(flags) / max(1, chars) * 20000, 3)}, flags


def eval_forum(shared, data=None):
    """The threads as ``normalize run`` writes them, counted as
    ``../shared/eval/realcheck.py`` counts: ``digits.*`` flags in each
    article's front matter, characters of the Markdown bodies."""
    import subprocess
    import tempfile
    import yaml
    rows, shown = [], []
    files = sorted(p for p in (shared / "real" / "raw").glob("d[01][0-9]_*forum*") if "d01" <= p.name[:3] <= "d10")
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        raw.mkdir()
        for path in files:
            (raw / path.name).write_bytes(path.read_bytes())
        code = ("import sys; import normalize.gaps as g; from pathlib import Path; g.DATA = Path(sys.argv.pop(1)) "
                "if sys.argv[1] != '-' else g.DATA; sys.argv.pop(1) if sys.argv[1] == '-' else None; "
                "from normalize.cli import main; sys.exit(main())")
        subprocess.run([sys.executable, "-c", code, str(data) if data else "-", "run", str(raw), "--out", str(out),
                        "--force"], check=True, capture_output=True, cwd=ROOT)
        for path in files:
            chars = flags = 0
            for md in sorted((out / path.stem).glob("*.md")):
                parts = md.read_text(encoding="utf-8").split("---\n", 2)
                fm, body = yaml.safe_load(parts[1]) or {}, parts[2] if len(parts) > 2 else ""
                chars += len(body)
                mine = [f for f in fm.get("flags") or [] if str(f.get("rule", "")).startswith("digits.")]
                flags += len(mine)
                shown += [f"{md.parent.name}/{md.name}: {f['rule']}: {f['text']}" for f in mine]
            rows.append({"file": path.name, "chars": chars, "gap_flags": flags,
                         "per_20k": round(flags / max(1, chars) * 20000, 3)})
    total = {"chars": sum(r["chars"] for r in rows), "gap_flags": sum(r["gap_flags"] for r in rows)}
    total["per_20k"] = round(total["gap_flags"] / max(1, total["chars"]) * 20000, 3)
    return rows, total, shown


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--rate", type=float, default=0.3, help="share of the numbers before units stripped")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fold", type=int, default=0, help="measure on articles with index mod 5 == N: 0, held out by"
                    " the build; another fold only against counts built with --exclude N (for tuning)")
    ap.add_argument("--show", type=int, default=20, help="how many misses and false flags to print")
    ap.add_argument("--data", type=Path, help="a gap counts file other than the shipped one")
    ap.add_argument("--long", action="store_true", help="also false flags on long clean pages: the fold's articles"
                    " joined and hard-wrapped, and every corpus article as a page")
    ap.add_argument("--light", action="store_true", help="only lightly damaged pages: one, then two numbers"
                    " stripped a page (see --draws), recall per the page's count of numbers")
    ap.add_argument("--draws", type=int, default=5, help="with --light: damaged copies of each article")
    ap.add_argument("--long-size", type=int, default=50, help="articles joined into one long page")
    ap.add_argument("--wrap", type=int, default=15, help="characters per printed line of a long page")
    args = ap.parse_args(argv)
    if not (args.shared / "corpus").is_dir():
        print(f"no corpus under {args.shared}: nothing to measure", file=sys.stderr)
        return 1
    pipe = Pipeline()
    if args.data:
        import normalize.gaps as gaps
        gaps.DATA = args.data
    texts = held_out(args.shared, args.fold)
    if args.light:
        for drops in (1, 2):
            rec, misses = eval_light(pipe, texts, random.Random(args.seed), drops, args.draws, args.show)
            print(f"== light damage: {drops} number(s) before units stripped a page, {args.draws} draws of each"
                  f" of {len(texts)} articles with index mod 5 == {args.fold}")
            print(json.dumps(rec, ensure_ascii=False))
            print("first misses:")
            print("\n".join("  " + m for m in misses))
        return 0
    rec, misses = eval_recall(pipe, texts, random.Random(args.seed), args.rate, args.show)
    print(f"== recall: numbers before units stripped at random (rate {args.rate}) from {len(texts)} articles with index mod 5 == {args.fold}")
    print(json.dumps(rec, ensure_ascii=False))
    print("first misses:")
    print("\n".join("  " + m for m in misses))
    clean, flags = eval_clean(pipe, texts)
    print("== false flags on the clean held-out articles")
    print(json.dumps(clean, ensure_ascii=False))
    print("\n".join("  " + f for f in flags[:args.show]))
    if args.long:
        pages = long_pages(args.shared, args.fold, args.long_size, args.wrap)
        long, flags = eval_clean(pipe, pages)
        print(f"== false flags on the fold's clean articles as {len(pages)} long pages "
              f"({args.long_size} articles each, wrapped at {args.wrap})")
        print(json.dumps(long, ensure_ascii=False))
        print("\n".join("  " + f.replace("article", "page", 1) for f in flags[:args.show]))
        whole, flags = eval_clean(pipe, held_out(args.shared, None))
        print("== false flags on every corpus article as a page (all folds, the counted ones too)")
        print(json.dumps(whole, ensure_ascii=False))
        print("\n".join("  " + f for f in flags[:args.show]))
    if (args.shared / "real" / "raw").is_dir():
        rows, total, shown = eval_forum(args.shared, args.data)
        print("== gap flags on the real forum threads (no number is missing there: every flag is false)")
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        print(json.dumps({"all": total}, ensure_ascii=False))
        print("\n".join("  " + f for f in shown[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
