#!/usr/bin/env python3
"""Sub-headings set as a title is: how many corpus articles come out as more than one.

Why: on a page that opens on its title, a later title set as that one is
(after a finished paragraph and a blank line, short, a blank line under it)
opens the next article; a news article's sub-heading set with a blank line
over and under it looks the same.  This builds one page per clean corpus
article that has sub-headings: its title on the first line and a blank line
under it, its paragraphs wrapped in a column 12-16 wide (the indent lost),
every sub-heading between blank lines, no blank line elsewhere; each page
is one article, so every article more is a sub-heading read as a title.
The same count is shown for pages of three or four such articles set one
after the other as a booklet sets them (title, blank line, body, blank
line), where every later title is a real one; and for the sub-headed
articles set as a booklet that leaves no blank line between articles sets
its own (lines 26-40, the title broken over two lines): no blank line at
all, or one under the title and under each sub-heading.  There a later
title may follow the article before with no blank line over it, so every
article more is a sub-heading read as such a title.

Like ``gen_pages.py``, it imports nothing from ``normalize`` and shares none
of its predicates: a sub-heading is this script's own notion (a paragraph
of at most 20 characters, ending on no sentence mark,
comma, colon or enumeration comma); the wrapping is gen_pages.py's.

    python scripts/eval_subheads.py [--seed 1] [--limit 0] [--show] [--shared ../shared]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINISH = ("。", "！", "？", "。”", "！”", "？”", "…", "”", "）")


def module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sub_heading(p: str) -> bool:
    return len(p) <= 20 and not p.endswith(FINISH) and not p.endswith(("，", "：", "；", "、"))


def articles(shared: Path) -> list[dict]:
    out = []
    for f in sorted((shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            title = re.sub(r"\s+", " ", a.get("title") or "").strip()
            ps = [re.sub(r"\s+", "", p) for p in a.get("paragraphs") or []]
            ps = [p for p in ps if p]
            if not title or len(title) > 40 or len(ps) < 3 or not ps[-1].endswith(FINISH):
                continue
            if any(sub_heading(p) for p in ps):
                out.append({"id": a["id"], "title": title, "paras": ps})
    return out


def page_of(a: dict, width: int, wrap) -> list[str]:
    lines = []
    for k, p in enumerate(a["paras"]):
        if sub_heading(p):
            if lines and lines[-1]:
                lines.append("")
            lines += wrap(p, width, 0) + [""]
        else:
            lines += wrap(p, width, 2)
    return lines


def tight_page_of(a: dict, width: int, gen, under: bool) -> list[str]:
    """The article as a booklet with no blank line between articles sets it:
    its title broken over two lines near the middle, no blank line over a
    sub-heading; with ``under`` a blank line under the title and under each
    sub-heading (as such a booklet sets one under each title), else none."""
    t = a["title"].replace(" ", "")
    cut = gen.settle(t, len(t) // 2)
    gap = [""] if under else []
    lines = [t[:cut], t[cut:]] + gap if 0 < cut < len(t) else [t] + gap
    for p in a["paras"]:
        lines += gen.wrap(p, width, 0) + gap if sub_heading(p) else gen.wrap(p, width, 2)
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="this many articles at most (0: all)")
    ap.add_argument("--show", action="store_true", help="list the pages split, with the titles read")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--keep", type=Path, help="write the pages and the output here and keep them")
    args = ap.parse_args()
    gen = module(ROOT / "scripts" / "gen_pages.py", "gen_pages")
    sc = module(args.shared / "eval" / "score.py", "score")  # (its reading of the output)
    rnd = random.Random(args.seed)
    arts = articles(args.shared)
    if args.limit:
        arts = rnd.sample(arts, min(args.limit, len(arts)))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        (work / "raw").mkdir(parents=True, exist_ok=True)
        (work / "gold").mkdir(parents=True, exist_ok=True)
        pages = {}
        for i, a in enumerate(arts):  # one article a page: title, blank line, body
            width = rnd.randint(12, 16)
            lines = [a["title"], ""] + page_of(a, width, gen.wrap)
            pages[f"s{i:04d}"] = ([a], "\n".join(lines).rstrip("\n") + "\n")
        order = list(range(len(arts)))
        rnd.shuffle(order)
        for j in range(0, len(order) - 3, 4):  # a booklet: three or four such articles
            items = [arts[k] for k in order[j:j + rnd.choice([3, 4])]]
            width = rnd.randint(26, 40)
            lines = []
            for a in items:
                lines += [a["title"], ""] + page_of(a, width, gen.wrap) + [""]
            pages[f"k{j // 4:04d}"] = (items, re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip("\n") + "\n")
        for i, a in enumerate(arts):  # one article a page, as a booklet with no blank line between articles
            for kind, under in (("t", False), ("u", True)):
                lines = tight_page_of(a, rnd.randint(26, 40), gen, under)
                pages[f"{kind}{i:04d}"] = ([a], "\n".join(lines).rstrip("\n") + "\n")
        for name, (items, text) in pages.items():
            (work / "raw" / f"{name}.txt").write_text(text, encoding="utf-8")
            gold = {"source": f"{name}.txt", "articles": [
                {"title": a["title"], "kicker": None, "subtitle": None, "authors": [],
                 "blocks": [{"type": "h" if sub_heading(p) else "p", "text": p} for p in a["paras"]]}
                for a in items]}
            (work / "gold" / f"{name}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "normalize", "run", str(work / "raw"), "--out", str(work / "out"),
                        "--force"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        by_src: dict[str, list] = {}
        for meta, blocks, p in sc.load_output(work / "out"):
            by_src.setdefault(sc.source_of(meta, p), []).append((meta, blocks, p))
        for kind, label in (("s", "sub-headed articles, one a page, column 12-16"),
                            ("k", "booklets of 3-4 of them, lines 26-40"),
                            ("t", "sub-headed articles, one a page, lines 26-40, title over two lines, no blank line"),
                            ("u", "the same, a blank line under the title and under each sub-heading")):
            names = sorted(n for n in pages if n.startswith(kind))
            want = sum(len(pages[n][0]) for n in names)
            got = sum(len(by_src.get(f"{n}.txt", [])) for n in names)
            split = [n for n in names if len(by_src.get(f"{n}.txt", [])) > len(pages[n][0])]
            # (a title right: the gold's, spaces aside, on one of the page's articles in order)
            right = 0
            for n in names:
                got_t = [re.sub(r"\s+", "", m.get("title") or "") for m, _b, _p in by_src.get(f"{n}.txt", [])]
                right += sum(re.sub(r"\s+", "", a["title"]) in got_t for a in pages[n][0])
            print(f"{label}: pages {len(names)}, articles {want} -> {got}; pages with more articles {len(split)},"
                  f" with fewer {sum(len(by_src.get(f'{n}.txt', [])) < len(pages[n][0]) for n in names)};"
                  f" titles right {right} of {want}")
            if args.show:
                for n in split:
                    ts = [m.get("title") for m, _b, _p in by_src[f"{n}.txt"]]
                    print(f"  {n} ({pages[n][0][0]['id']}): {ts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
