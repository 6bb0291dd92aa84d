#!/usr/bin/env python3
"""Measure normalize against the hand-made gold and against damaged pages
built from clean corpus articles.

Why a script and not a test: it reads ../shared (the gold, the scorer, the
corpus), which the test suite must not need.  It reports:

* the scorer's table for the three sample scans;
* unwrapping: paragraph-boundary F1, CER and sub-heading F1 on column pages
  (widths 10-17, and wider pages 18-40, with and without blank lines, lost
  indents, hanging punctuation, headline before or after the body);
* segmentation: found / extra / title / authors on pages of 2-6 articles
  with headline decks before or after their bodies;
* PDF-to-Markdown pages (half-width punctuation, joined-line spaces, ``##``
  headlines, ``●`` bylines, page editors) and forum reposts (board chrome,
  credits block): titles, bodies, and chrome left in bodies;
* gaps: false alarms per 20,000 characters of clean text, and recall on
  text whose numbers before measure words were stripped;
* idempotence: articles that change on a second pass.

    python scripts/eval.py [--shared ../shared] [--pages 300] [--seed 1]
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalize import structure as st  # noqa: E402
from normalize.structure import print_column as wrap  # noqa: E402
from normalize.pipeline import Pipeline  # noqa: E402

ROLES = ["记者", "本报记者", "通讯员"]


def load_corpus(shared: Path) -> list[dict]:
    arts = []
    for f in sorted((shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            a = json.loads(line)
            full = [p for p in a["paragraphs"] if p.strip()]
            paras = [p.replace("\u3000", "").strip() for p in full]
            names = [n for n in (a.get("authors") or "").split(";") if n]
            # bylines printed inside the corpus body are not body text
            paras = [p for p in paras if not (st.parse_byline(p) or (names and p.startswith("本报记者")))]
            while paras and not st.ends_sentence(paras[-1]):  # a cut-off article ends on a sentence
                paras.pop()
            if paras and a.get("title"):
                arts.append({"title": a["title"].strip(), "subtitle": (a.get("subtitle") or "").strip() or None,
                             "names": names, "paras": paras, "text": "\n\n".join(full) + "\n"})
    return arts


def cut(paras, n):
    """The first ``n`` paragraphs, ending on a finished sentence (not a sub-heading)."""
    out = paras[:n]
    while len(out) > 1 and not st.ends_sentence(out[-1]):
        out.pop()
    return out


# -- damaged pages (shared with scripts/bench.py) -----------------------------
CHROME = "溧阳论坛\n\n注册\n\n发新话题 回复该主题\n\n{title} [复制链接]\n\n1# 楼主 | 发表于 2021-5-3 08:12\n\n"
FOOT = "\n\n内容来源\n\n融媒体中心\n\n记者\n\n{name}\n\n本期编辑\n\n顾琰\n\n分享 转发\n\nTOP\n"
FORUM_CHROME = ["溧阳论坛", "注册", "发新话题", "[复制链接]", "1#", "楼主", "内容来源", "本期编辑", "分享 转发", "TOP"]


def strip_digits(text: str, rnd: random.Random) -> str:
    return regex.sub(r"\d+(?=[个名年户家项])", lambda m: "" if rnd.random() < 0.3 else m.group(0), text)


def column_page(arts, rnd):
    width, sep = rnd.randint(10, 17), rnd.choice(["\n\n", "\n"])
    lines = []
    for a in arts:
        lines += [a["title"], f"{rnd.choice(ROLES)} {' '.join(a['names'][:3])}"]
        lines += [l for p in a["paras"] for l in wrap(p, width)]
    return sep.join(lines) + "\n"


def pdf_page(arts, rnd):
    """PDF-to-Markdown output: page editors, ``##`` headlines, ``●`` bylines,
    half-width punctuation, a space wherever a printed line was joined."""
    out = ["本版主编 武曼晖 编辑 王娅楠"]
    for a in arts:
        out += [f"## {a['title']}", f"●{' '.join(a['names'][:2])}"]
        for p in a["paras"]:
            p = p.replace("，", ",").replace("：", ":").replace("；", ";").replace("“", '"').replace("”", '"')
            cut = rnd.randint(20, 40)
            out.append(" ".join(p[i:i + cut] for i in range(0, len(p), cut)))
    return "\n\n".join(out) + "\n"


def forum_page(arts, rnd, strip=True):
    """A forum repost: board chrome, the thread title, a credits block and
    buttons at the foot; with ``strip``, numbers stripped by the scraper."""
    a = arts[0]
    body = "\n\n".join(strip_digits(p, rnd) if strip else p for p in a["paras"])
    return CHROME.format(title=a["title"]) + body + FOOT.format(name=a["names"][0])


def scorer(shared: Path):
    sys.path.insert(0, str(shared / "eval"))
    import score
    return score


def outs_of(articles):
    """Articles in the form score.py reads from disk."""
    outs = []
    for a in articles:
        blocks = [{"type": "h" if k == "h" else "p", "text": t} for k, t in a.blocks]
        outs.append((a.front_matter(), blocks, Path(a.meta["id"])))
    return outs


def gold_blocks(paras):
    """The corpus gives paragraphs only; a short one that ends no sentence is
    a sub-heading, as the unwrapper should find it."""
    return [{"type": "h" if len(p) <= 25 and not st.ends_sentence(p) and not st.soft_end(p) else "p", "text": p}
            for p in paras]


# -- samples ----------------------------------------------------------------
def eval_samples(shared: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "normalize", "run", str(shared / "samples" / "raw"), "--out", tmp],
                       check=True, capture_output=True, cwd=ROOT)
        res = subprocess.run([sys.executable, str(shared / "eval" / "score.py"), tmp, str(shared / "eval" / "gold")],
                             capture_output=True, text=True, check=True)
    return res.stdout


# -- unwrapping -------------------------------------------------------------
def eval_unwrap(pipe, corpus, rnd, pages, score, widths=(10, 17)):
    rows = []
    for _ in range(pages):
        art = rnd.choice(corpus)
        paras = cut(art["paras"], 12)
        width = rnd.randint(*widths)
        blank = rnd.random() < 0.5
        names = art["names"] or ["王晓明"]
        byline = f"{rnd.choice(ROLES)} {' '.join(names[:3])}"
        lines = [l for p in paras for l in wrap(p, width)]
        if rnd.random() < 0.5:
            page_lines = [art["title"], byline] + lines
        else:
            page_lines = [byline] + lines + [art["title"]]
        page = ("\n\n" if blank else "\n").join(page_lines) + "\n"
        arts = pipe.clean(page)[0]
        outs = outs_of(arts)
        gold = {"articles": [{"title": art["title"], "authors": [], "blocks": gold_blocks(paras)}]}
        r, extra, _res = score.score_source(gold, outs)
        rows += r
    s = score.summarize(rows)
    return {"pages": pages, "para_f1": round(s["para_f1"], 4), "cer": round(s["cer"], 4),
            "heads": round(s["heads"], 4), "found": f'{s["found"]}/{s["gold_articles"]}',
            "title": round(s["title"], 4)}


# -- segmentation -----------------------------------------------------------
def multi_article_summary(score, rows, pages, extra_total):
    s = score.summarize(rows)
    return {"pages": pages, "found": f'{s["found"]}/{s["gold_articles"]}', "extra": extra_total,
            "title": round(s["title"], 4), "authors": round(s["authors"], 4),
            "para_f1": round(s["para_f1"], 4), "cer": round(s["cer"], 4)}


def eval_segment(pipe, corpus, rnd, pages, score):
    with_names = [a for a in corpus if a["names"]] or corpus
    rows, extra_total = [], 0
    for _ in range(pages):
        k = rnd.randint(2, 6)
        chosen = rnd.sample(with_names, k)
        width = rnd.randint(10, 17)
        blank = rnd.random() < 0.5
        after = rnd.random() < 0.5
        page_lines, gold = [], []
        for art in chosen:
            paras = cut(art["paras"], 6)
            names = art["names"] or ["王晓明"]
            roles = [rnd.choice(ROLES) for _ in names]
            if rnd.random() < 0.5:  # one role for all names
                byline = f"{roles[0]} {' '.join(names)}"
                roles = [roles[0]] * len(names)
            else:
                byline = " ".join(f"{r} {n}" for r, n in zip(roles, names))
            deck = [art["title"]] + ([art["subtitle"]] if art["subtitle"] else [])
            body = [l for p in paras for l in wrap(p, width)]
            page_lines += (body and ([byline] + body + deck)) if after else (deck + [byline] + body)
            gold.append({"title": art["title"], "subtitle": art["subtitle"],
                         "authors": [{"name": n, "role": r} for n, r in zip(names, roles)],
                         "blocks": gold_blocks(paras)})
        page = ("\n\n" if blank else "\n").join(page_lines) + "\n"
        arts = pipe.clean(page)[0]
        r, extra, _res = score.score_source({"articles": gold}, outs_of(arts))
        rows += r
        extra_total += extra
    return multi_article_summary(score, rows, pages, extra_total)


# -- PDF-to-Markdown and forum pages ---------------------------------------------
def eval_pdf(pipe, corpus, rnd, pages, score):
    with_names = [a for a in corpus if a["names"]] or corpus
    rows, extra_total = [], 0
    for _ in range(pages):
        chosen = [dict(a, paras=cut(a["paras"], 6)) for a in rnd.sample(with_names, rnd.randint(1, 4))]
        gold = [{"title": a["title"], "authors": [{"name": n, "role": None} for n in a["names"][:2]],
                 "blocks": gold_blocks(a["paras"])} for a in chosen]
        r, extra, _res = score.score_source({"articles": gold}, outs_of(pipe.clean(pdf_page(chosen, rnd))[0]))
        rows += r
        extra_total += extra
    return multi_article_summary(score, rows, pages, extra_total)


def eval_forum(pipe, corpus, rnd, pages, score):
    """Forum reposts (numbers intact): the thread title found, the chrome
    gone from the body (score.py's residue, must-drop strings), the body kept."""
    with_names = [a for a in corpus if a["names"]] or corpus
    rows, residue = [], 0
    for _ in range(pages):
        a = dict(rnd.choice(with_names))
        a["paras"] = cut(a["paras"], 8)
        gold = {"boilerplate": FORUM_CHROME,
                "articles": [{"title": a["title"], "authors": [], "blocks": gold_blocks(a["paras"])}]}
        r, _extra, res = score.score_source(gold, outs_of(pipe.clean(forum_page([a], rnd, strip=False))[0]))
        rows += r
        residue += res
    s = score.summarize(rows)
    return {"pages": pages, "found": f'{s["found"]}/{s["gold_articles"]}', "title": round(s["title"], 4),
            "para_f1": round(s["para_f1"], 4), "cer": round(s["cer"], 4), "residue": residue}


# -- gaps and idempotence ---------------------------------------------------
MEASURE = r"(?:余|多)?(?:个|名|栋|户|家|项|位|座|所|条|批次|人次|公里|平方米|吨|亩)"
STRIP = regex.compile(rf"(?<=(?:全市|全县|全省|共有|共计|全长|约|带动|累计|，|、))\d+(?:\.\d+)?(?={MEASURE})")


def corpus_texts(shared: Path) -> list[str]:
    """Every corpus article whole, paragraphs as the corpus gives them."""
    out = []
    for f in sorted((shared / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            out.append("\n\n".join(p for p in json.loads(line)["paragraphs"] if p.strip()) + "\n")
    return out


def eval_gaps_and_idempotence(pipe, texts):
    chars = flags = changed = 0
    stripped_gaps = found = 0
    examples = []
    for text in texts:
        chars += len(text)
        once, doc = pipe.fix(text)
        gap_flags = [f for f in doc.flags if f.rule.startswith("digits.")]
        flags += len(gap_flags)
        if gap_flags and len(examples) < 8:
            examples += [f"{f.rule}: {f.text}" for f in gap_flags[:2]]
        if pipe.fix(once)[0] != once:
            changed += 1
        damaged, n = STRIP.subn("", text)
        if n:
            stripped_gaps += n
            found += pipe.fix(damaged)[0].count("□") - once.count("□")
    return {"articles": len(texts), "chars": chars, "gap_flags": flags,
            "gap_flags_per_20k": round(flags / chars * 20000, 3), "false_alarm_examples": examples,
            "stripped_numbers": stripped_gaps, "stripped_marked": found,
            "stripped_recall": round(found / max(1, stripped_gaps), 4),
            "changed_on_second_pass": changed}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not (args.shared / "eval" / "score.py").is_file():
        print(f"no scorer under {args.shared}/eval: nothing to measure", file=sys.stderr)
        return 1
    score = scorer(args.shared)
    pipe = Pipeline()
    print("== sample scans against the gold (score.py)")
    print(eval_samples(args.shared))
    corpus = load_corpus(args.shared) if (args.shared / "corpus").is_dir() else []
    if not corpus:
        print("no corpus: synthetic measures skipped")
        return 0
    rnd = random.Random(args.seed)
    print("== unwrapping, column pages from the corpus (newspaper columns, 10-17 wide)")
    print(json.dumps(eval_unwrap(pipe, corpus, rnd, args.pages, score), ensure_ascii=False))
    print("== unwrapping, wider hard-wrapped pages (18-40 wide)")
    print(json.dumps(eval_unwrap(pipe, corpus, rnd, args.pages, score, (18, 40)), ensure_ascii=False))
    print("== segmentation, pages of 2-6 articles from the corpus")
    print(json.dumps(eval_segment(pipe, corpus, rnd, args.pages, score), ensure_ascii=False))
    print("== PDF-to-Markdown pages of 1-4 articles from the corpus")
    print(json.dumps(eval_pdf(pipe, corpus, rnd, args.pages, score), ensure_ascii=False))
    print("== forum reposts from the corpus")
    print(json.dumps(eval_forum(pipe, corpus, rnd, args.pages, score), ensure_ascii=False))
    print("== gaps and idempotence over every corpus article")
    print(json.dumps(eval_gaps_and_idempotence(pipe, corpus_texts(args.shared)), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
