#!/usr/bin/env python3
"""The errors left on the pages of ``scripts/gen_pages.py``, sorted by cause.

Why: the totals of ``eval_pages.py`` say how much is wrong, not why.  This
reads a kept run (``eval_pages.py --keep DIR``: DIR/raw, DIR/gold,
DIR/out) and puts every error under one cause, judged from the gold and the
output alone (nothing of ``normalize`` is imported): a missed article (its
body merged into a neighbour), an extra one, a wrong title, wrong authors,
and the body's character errors by kind (headline or byline text in the
body, text of another article, text lost, punctuation, other).  Examples
are printed for each cause, so the largest can be looked at first.

    python scripts/page_errors.py DIR [--examples 5]
"""
from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUNCT = re.compile(r"^[\W_]+$")


def scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score", shared / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def match(sc, garts, outs):
    """Gold article index -> output index, as score.py matches them (body 4-grams)."""
    used, pairs = set(), {}
    for gi, g in enumerate(garts):
        gg = sc.grams(sc.body_text(g["blocks"], keep_gaps=False))
        best, best_sim = None, 0.0
        for k, (_m, blocks, _p) in enumerate(outs):
            if k in used:
                continue
            sim = len(gg & sc.grams(sc.body_text(blocks, keep_gaps=False))) / max(1, len(gg))
            if sim > best_sim:
                best, best_sim = k, sim
        if best is not None and best_sim >= 0.3:
            used.add(best)
            pairs[gi] = best
    return pairs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--examples", type=int, default=5)
    args = ap.parse_args()
    sc = scorer(args.shared)
    n = sc.norm
    outs = defaultdict(list)
    for meta, blocks, p in sc.load_output(args.dir / "out"):
        outs[sc.source_of(meta, p)].append((meta, blocks, p))
    variants = {json.loads(x)["source"]: json.loads(x) for x in
                (args.dir / "variants.jsonl").read_text(encoding="utf-8").splitlines()}
    causes: Counter = Counter()
    chars: Counter = Counter()
    total_chars = 0
    examples = defaultdict(list)

    def note(cause, text, weight=1):
        causes[cause] += weight
        if len(examples[cause]) < args.examples:
            examples[cause].append(text)

    for gf in sorted((args.dir / "gold").glob("*.json")):
        gold = json.loads(gf.read_text(encoding="utf-8"))
        src, garts = gold["source"], gold["articles"]
        o = outs.get(src, [])
        v = variants[src]
        pairs = match(sc, garts, o)
        page = f"{src} (titles {v['titles']}, blank {v['blank']}, width {v['width']})"
        heads = set()  # every headline and byline string of the page
        for g in garts:
            heads |= {n(g.get(k)) for k in ("kicker", "title", "subtitle") if g.get(k)}
            heads |= {n(a["name"]) for a in g["authors"]}
        for gi, g in enumerate(garts):
            forms = v["articles"][gi]
            if gi not in pairs:
                note("missed article", f"{page} #{gi + 1} {g['title']!r} forms {forms}")
                continue
            meta, blocks, p = o[pairs[gi]]
            full = n("".join(g.get(k) or "" for k in ("kicker", "title", "subtitle")))
            got_full = n("".join(str(meta.get(k) or "") for k in ("kicker", "title", "subtitle")))
            if n(meta.get("title")).strip("—-") != n(g["title"]).strip("—-") and full.strip("—-") != got_full.strip("—-"):
                if not meta.get("title"):
                    kind = "title: none"
                elif n(g["title"]) in got_full:
                    kind = "title: deck split wrong"
                elif got_full and got_full in full:
                    kind = "title: part of the deck"
                elif got_full in heads or any(got_full in n(a["name"]) for a in g["authors"]):
                    kind = "title: a byline or another headline"
                else:
                    kind = "title: body text"
                note(kind, f"{page} #{gi + 1} gold {g.get('kicker')}|{g['title']}|{g.get('subtitle')} "
                           f"got {meta.get('kicker')}|{meta.get('title')}|{meta.get('subtitle')} forms {forms} {p}")
            gnames = sorted(n(a["name"]) for a in g["authors"])
            onames = sorted(n(a["name"]) for a in meta.get("authors") or [])
            if gnames != onames:
                kind = ("authors: none found" if not onames else "authors: some missed" if set(onames) < set(gnames)
                        else "authors: extra" if set(gnames) < set(onames) else "authors: wrong")
                note(kind, f"{page} #{gi + 1} gold {gnames} got {onames} forms {forms} {p}")
            gb = sc.body_text(g["blocks"], keep_gaps=False)
            ob = sc.body_text(blocks, keep_gaps=False)
            total_chars += len(gb)
            sm = difflib.SequenceMatcher(None, gb, ob, autojunk=False)
            for op, i1, i2, j1, j2 in sm.get_opcodes():
                if op == "equal":
                    continue
                got, want = ob[j1:j2], gb[i1:i2]
                cost = max(len(got), len(want))
                if op == "insert" and (got in heads or any(h and h in got for h in heads)):
                    kind = "cer: headline/byline text in body"
                elif op == "insert" and len(got) >= 8:
                    kind = "cer: text of another article"
                elif op == "delete" and len(want) >= 8:
                    kind = "cer: text lost (to another article or a heading)"
                elif PUNCT.match(got or "-") and PUNCT.match(want or "-"):
                    kind = "cer: punctuation"
                else:
                    kind = "cer: other"
                chars[kind] += cost
                if len(examples[kind]) < args.examples:
                    examples[kind].append(f"{page} #{gi + 1} {want[:40]!r} -> {got[:40]!r} {p}")
        for k in range(len(o)):
            if k not in pairs.values():
                meta, blocks, p = o[k]
                text = " ".join(b["text"] for b in blocks)[:60]
                kind = ("extra: headline/byline only" if not blocks or n(text) in heads or len(n(text)) < 30
                        else "extra: body split off")
                note(kind, f"{page} {p.name} title {meta.get('title')!r} body {text!r}")
    print("errors by cause (articles):")
    for k, c in causes.most_common():
        print(f"  {c:5d}  {k}")
    print(f"character errors by kind (of {total_chars} gold body characters):")
    for k, c in chars.most_common():
        print(f"  {c:6d}  {c / max(1, total_chars):.4f}  {k}")
    for k in list(causes) + list(chars):
        print(f"\n== {k}")
        for e in examples[k]:
            print("   ", e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
