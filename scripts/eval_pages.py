#!/usr/bin/env python3
"""Score normalize on the pages of ``scripts/gen_pages.py``, beside the
figures of the older generator (``scripts/eval.py``).

Why: the pages here are built without any of the package's code, so they
measure how the splitter and the unwrapper generalise rather than how well
they agree with themselves.  Scoring is ``../shared/eval/score.py``'s; the
breakdown by what a page or article varied (byline form, dateline form,
deck, titles before/after, blank lines) shows where the misses are.

    python scripts/eval_pages.py [--pages 200] [--seed 7] [--docs 40] [--old] [--keep DIR] [--paragraph-blanks]

``--docs`` adds that many document pages (titles over short lines,
institutional authors: gen_pages.py's qNNNN), ``--booklets`` that many
booklet pages (three or four articles, most unsigned: bNNNN, the
``page=booklet`` line); TOTAL counts them too, the ``page=news`` line is
the news pages alone (the figures before documents).

``--booklet-report`` counts, on the booklet pages, what the ``page=booklet``
line hides: the opening title read right or wrong by how the first article
is signed (a byline over the title, under it, none), and the later articles
missed by where their byline stands, pages with no blank line between
articles apart (``--list`` names each page counted wrong).

``--doc-report`` sorts the document pages' title misses by what was read
instead (nothing: the title glued to the body; its first lines only; the
byline as or in the title; a title line as a byline; body text in the
title; an article not found), from the gold and the output's strings alone.

Beside the title figure, per page kind, two counts the title score cannot
see (score.py counts kicker+title equal to the gold title as right):
SPLIT, an output kicker and title that together are one gold title whose
gold kicker is empty (a title broken over two lines read as kicker +
title), and JOINED, an output title that is a gold kicker and title
together where the gold has a kicker (a real kicker merged into the
title).  Both compare strings only, the output's with the gold's.

``--old`` also runs ``scripts/eval.py`` (slower) and prints its segmentation lines.
Goals (issue 14): found >= 0.97, extra <= 0.05 per page, title >= 0.92,
authors >= 0.95, CER <= 0.02, paragraph F1 >= 0.95.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"found": (">=", 0.97), "extra/page": ("<=", 0.05), "title": (">=", 0.92),
         "authors": (">=", 0.95), "cer": ("<=", 0.02), "para_f1": (">=", 0.95)}


def scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def summary(rows, pages, extra):
    return {"articles": len(rows), "found": mean([r["found"] for r in rows]),
            "extra/page": extra / max(1, pages), "title": mean([r.get("title") for r in rows]),
            "authors": mean([r.get("authors") for r in rows]), "cer": mean([r.get("cer") for r in rows]),
            "para_f1": mean([r.get("para_f1") for r in rows])}


def fmt(s):
    return "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items())


def tally_booklet(booklet, wrong_pages, source, v, rows) -> None:
    """Count one booklet page into ``booklet`` (see ``--booklet-report``).
    The first article's title is wrong when its title score is not 1 (or it
    was not found); a later article is missed when no output matches it."""
    page = source.removesuffix(".txt")
    first = v["articles"][0].get("author_at", "none")
    ok = bool(rows[0]["found"]) and rows[0].get("title") == 1.0
    keys = [(f"opening title wrong, first signed {first}", int(not ok), 1)]
    if not v["sep"]:  # no blank line between articles: a known failure, counted apart
        keys.append(("later missed, no blank line between articles", sum(not r["found"] for r in rows[1:]),
                     len(rows) - 1))
    else:
        for r, forms in zip(rows[1:], v["articles"][1:]):
            keys.append((f"later missed, byline {forms.get('author_at', 'none')}, opening {'ok' if ok else 'wrong'}",
                         int(not r["found"]), 1))
    for key, bad, of in keys:
        booklet[key][0] += bad
        booklet[key][1] += of
        if bad:
            wrong_pages[key].append(page)


def doc_miss(sc, g, row, outs) -> str | None:
    """What a document page's article got instead of its gold title (None
    when the title is right): read from the strings alone, the output
    article matched as score.py matches it (the most of the gold body's
    4-grams)."""
    if not row["found"]:
        return "article not found"
    if row.get("title") == 1.0:
        return None
    gg = sc.grams(sc.body_text(g.get("blocks", []), keep_gaps=False))
    meta, blocks, _p = max(outs, key=lambda o: len(gg & sc.grams(sc.body_text(o[1], keep_gaps=False))))
    gt, ot = sc.norm_title(g.get("title")), sc.norm_title(meta.get("title"))
    names = [sc.norm(a["name"]) for a in g.get("authors", [])]
    got_names = [sc.norm(a["name"]) for a in meta.get("authors") or []]
    kicker = sc.norm_title(meta.get("kicker"))
    first = sc.norm(blocks[0]["text"]) if blocks else ""
    if any(n and (n == ot or n == kicker) for n in names):
        return "the byline read as the title or its kicker"
    if any(n and n in ot for n in names):
        return "the byline taken into the title"
    if not ot:
        return "no title: its lines glued to the body" if gt[:4] and first.startswith(gt[:4]) else "no title"
    if gt.startswith(ot):
        rest = gt[len(ot):]
        if any(n and n not in names and n in rest for n in got_names):
            return "a title line read as a byline"
        return "the title's first lines only (the rest in the body)"
    if ot.startswith(gt):
        return "body text taken into the title"
    return "other"


def split_joined(sc, gold_articles, outs) -> tuple[int, int, int, int]:
    """(SPLIT, output articles with a title, JOINED, gold articles with a
    kicker) on one page: see the module's docstring.  Strings only."""
    plain = {sc.norm_title(g.get("title")) for g in gold_articles if g.get("title") and not g.get("kicker")}
    kicked = {sc.norm_title(g["kicker"]) + sc.norm_title(g.get("title")) for g in gold_articles if g.get("kicker")}
    split = joined = titled = 0
    for meta, _blocks, _p in outs:
        title = sc.norm_title(meta.get("title"))
        if not title:
            continue
        titled += 1
        kicker = sc.norm_title(meta.get("kicker"))
        split += bool(kicker) and kicker + title in plain
        joined += title in kicked
    return split, titled, joined, len(kicked)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--docs", type=int, default=40, help="document pages to add (0: news pages only)")
    ap.add_argument("--booklets", type=int, default=20,
                    help="booklet pages to add (three or four articles, most unsigned; 0: none)")
    ap.add_argument("--keep", type=Path, help="build the pages and the output here and keep them")
    ap.add_argument("--old", action="store_true", help="also run scripts/eval.py (the older generator)")
    ap.add_argument("--booklet-report", action="store_true",
                    help="count booklet misses by how the first article is signed and where later bylines stand")
    ap.add_argument("--list", action="store_true", help="with --booklet-report or --doc-report: name the pages counted wrong")
    ap.add_argument("--doc-report", action="store_true",
                    help="sort the document pages' title misses by what was read instead")
    ap.add_argument("--paragraph-blanks", action="store_true",
                    help="gen_pages.py's pages with blank lines only at paragraph ends, half-width marks")
    args = ap.parse_args()
    sc = scorer(args.shared)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_pages.py"), str(work), "--pages",
                        str(args.pages), "--seed", str(args.seed), "--docs", str(args.docs),
                        "--shared", str(args.shared), "--booklets", str(args.booklets)]
                       + (["--paragraph-blanks"] if args.paragraph_blanks else []), check=True)
        subprocess.run([sys.executable, "-m", "normalize", "run", str(work / "raw"), "--out", str(work / "out"),
                        "--force"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        outs = sc.load_output(work / "out")
        by_src = defaultdict(list)
        for meta, blocks, p in outs:
            by_src[sc.source_of(meta, p)].append((meta, blocks, p))
        variants = {json.loads(x)["source"]: json.loads(x) for x in
                    (work / "variants.jsonl").read_text(encoding="utf-8").splitlines()}
        all_rows, extra_all, groups = [], 0, defaultdict(lambda: [[], 0, 0])
        booklet = defaultdict(lambda: [0, 0])  # key -> [wrong or missed, of]
        wrong_pages = defaultdict(list)
        doc_misses = defaultdict(list)  # class -> pages
        sj = defaultdict(lambda: [0, 0, 0, 0])  # page kind -> SPLIT, titled, JOINED, gold kickers
        for gf in sorted((work / "gold").glob("*.json")):
            gold = json.loads(gf.read_text(encoding="utf-8"))
            rows, extra, _res = sc.score_source(gold, by_src.get(gold["source"], []))
            all_rows += rows
            extra_all += extra
            v = variants[gold["source"]]
            page_keys = [f"page={ {'document': 'doc', 'booklet': 'booklet'}.get(v['titles'], 'news')}",
                         f"titles={v['titles']}", f"blank={v['blank']}",
                         f"width={'10-13' if v['width'] <= 13 else '14-17' if v['width'] <= 17 else '26-40'}"]
            if "sep" in v:
                page_keys.append(f"booklet-sep={v['sep']}")
            for i, n in enumerate(split_joined(sc, gold["articles"], by_src.get(gold["source"], []))):
                sj[page_keys[0]][i] += n
                sj["TOTAL"][i] += n
            for key in page_keys:
                g = groups[key]
                g[0] += rows
                g[1] += 1
                g[2] += extra
            if v["titles"] == "booklet":
                tally_booklet(booklet, wrong_pages, gold["source"], v, rows)
            if v["titles"] == "document" and args.doc_report:
                for g, r in zip(gold["articles"], rows):
                    why = doc_miss(sc, g, r, by_src.get(gold["source"], []))
                    if why:
                        doc_misses[why].append(gold["source"].removesuffix(".txt"))
            for r, forms in zip(rows, v["articles"]):
                for k in ("byline", "dateline", "deck", "names", "title_lines", "doc_title_lines", "author_at"):
                    if k in forms:
                        groups[f"{k}={forms[k]}"][0].append(r)
    print(f"gen_pages.py: {args.pages} pages, {args.docs} documents and {args.booklets} booklets, seed {args.seed}"
          + (", paragraph blanks" if args.paragraph_blanks else ""))
    total = summary(all_rows, args.pages, extra_all)
    print("TOTAL  " + fmt(total))
    for k, (op, goal) in GOALS.items():
        v = total[k]
        ok = v is not None and (v >= goal if op == ">=" else v <= goal)
        print(f"  goal {k} {op} {goal}: {'met' if ok else 'MISSED'} ({v:.3f})")
    for key in sorted(groups):
        rows, pages, extra = groups[key]
        s = summary(rows, pages, extra)
        if not pages:
            s.pop("extra/page")
        print(f"  {key:22s} " + fmt(s))
    print("titles split into kicker + title (SPLIT / output titles) and kickers joined into the title "
          "(JOINED / gold kickers):")
    for key in ["TOTAL"] + sorted(k for k in sj if k != "TOTAL"):
        split, titled, joined, kickers = sj[key]
        title = summary(all_rows if key == "TOTAL" else groups[key][0], 1, 0)["title"]
        print(f"  {key:22s} title {title:.3f}  SPLIT {split} / {titled}  JOINED {joined} / {kickers}")
    if args.booklet_report:
        print("booklet pages (wrong or missed / of):")
        for key in sorted(booklet):
            bad, of = booklet[key]
            print(f"  {key:40s} {bad:4d} / {of}" + (f"  {' '.join(wrong_pages[key])}" if args.list else ""))
    if args.doc_report:
        print(f"document pages' title misses ({sum(map(len, doc_misses.values()))}):")
        for why, pages in sorted(doc_misses.items(), key=lambda kv: -len(kv[1])):
            print(f"  {why:52s} {len(pages):4d}" + (f"  {' '.join(pages)}" if args.list else ""))
    if args.old:
        print("\nscripts/eval.py (the older generator):")
        r = subprocess.run([sys.executable, str(ROOT / "scripts" / "eval.py"), "--shared", str(args.shared),
                            "--pages", str(args.pages)], cwd=ROOT, capture_output=True, text=True)
        print(r.stdout[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
