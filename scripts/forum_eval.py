#!/usr/bin/env python3
"""forum_eval.py OUT RAW... — how forum threads came out, judged without gold.

Run `normalize run RAW... --out OUT` first.  Per thread:

* posts: articles with `forum` metadata, against the floor headers counted in
  the raw by this script's own pattern (a line holding `N#` and 发表于, or a
  Tieba `N楼 <date>` tail), and whether the floors are the same, in order;
* chrome: board chrome words in the bodies, against their count in the raw;
* quotes: `> ` blocks in the bodies, against <blockquote> tags in the raw;
* gaps: missing-number flags (a real thread lost no digits, so each is false);
* Han lost: Han characters of the raw found in no body, front matter or
  removed.jsonl;
* re-clean: posts whose Markdown body changes when cleaned again (`normalize
  fix`), and of those, how many keep the same characters (only block marks and
  breaks changed: a `> ` quote marker read as a converter's, a last line with
  no final punctuation read as a headline, such lines joined).

It shares no pattern with the rule files it judges.  Not part of the tests.
"""
from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

import yaml

HEADER = re.compile(r"^.{0,12}?(\d{1,6})#(?!\S).{0,40}?发表于|^[^\n]{0,30}?(\d{1,6})楼\s*\d{4}-\d\d?-\d\d?", re.M)
CHROME = ["发表于", "本帖最后由", "只看该作者", "使用道具", "举报", "回复该主题", "发新话题", "复制链接",
          "显示全部楼层", "阅读模式", "<img", "<blockquote", "</blockquote", "<a href", "</a>", "<strong",
          "下载次数", "下载附件", "上传", "#####", "*****", "作者被禁止或删除", "引用第", "客户端",
          "S1Next", "论坛助手", "referrerpolicy"]
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


def read(md: Path):
    _, fm, body = md.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(fm), fm, body


def post_body(body: str, title: str | None) -> str:
    """The body as cleaned text: without the title line the renderer adds."""
    body = body.lstrip("\n")
    if title and body.startswith("# "):
        body = body.partition("\n\n")[2]
    return body


def chars(markdown: str) -> str:
    """The text without block marks (``> ``, ``#``) and breaks."""
    return re.sub(r"^(?:> |#+ )|\s", "", markdown, flags=re.M)


def main(argv: list[str]) -> int:
    out, raws = Path(argv[0]), [Path(a) for a in argv[1:]]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from normalize.pipeline import Pipeline
    pipe = Pipeline()
    cols = ["thread", "posts", "heads", "floors", "chrome", "raw", "share", "quotes", "bq", "gaps", "lost",
            "reclean", "same text"]
    print("  ".join(f"{c:>8s}" if i else f"{c:18s}" for i, c in enumerate(cols)))
    tot = collections.Counter()
    for raw in raws:
        text = raw.read_text(encoding="utf-8")
        heads = [int(a or b) for a, b in HEADER.findall(text)]
        row = collections.Counter()
        floors, kept = [], collections.Counter()
        for md in sorted((out / raw.stem).glob("*.md")):
            meta, fm, body = read(md)
            kept.update(HAN.findall(fm + body))
            forum = meta.get("forum")
            if forum:
                row["posts"] += 1
                floors.append(forum.get("floor"))
            row["chrome"] += sum(body.count(c) for c in CHROME)
            row["quotes"] += len(re.findall(r"^> ", body, re.M))
            row["gaps"] += sum(1 for f in meta.get("flags") or [] if str(f["rule"]).startswith("digits."))
            clean = post_body(body, meta.get("title"))
            if clean.strip():
                again = pipe.fix(clean)[0]
                if again != clean:
                    row["reclean"] += 1
                    row["same text"] += chars(again) == chars(clean)
        for line in (out / raw.stem / "removed.jsonl").read_text(encoding="utf-8").splitlines():
            kept.update(HAN.findall(json.loads(line)["text"]))
        row["heads"] = len(heads)
        row["raw"] = sum(text.count(c) for c in CHROME)
        row["bq"] = text.count("<blockquote")
        row["lost"] = sum((collections.Counter(HAN.findall(text)) - kept).values())
        same = floors == heads
        tot.update(row)
        tot["same"] += same
        share = f"{row['chrome'] / row['raw']:.1%}" if row["raw"] else "-"
        vals = [row["posts"], row["heads"], "same" if same else "DIFF", row["chrome"], row["raw"], share,
                row["quotes"], row["bq"], row["gaps"], row["lost"], row["reclean"], row["same text"]]
        print(f"{raw.stem[:18]:18s}  " + "  ".join(f"{v:>8}" for v in vals))
    share = f"{tot['chrome'] / tot['raw']:.1%}" if tot["raw"] else "-"
    vals = [tot["posts"], tot["heads"], f"{tot['same']}/{len(raws)}", tot["chrome"], tot["raw"], share,
            tot["quotes"], tot["bq"], tot["gaps"], tot["lost"], tot["reclean"], tot["same text"]]
    print(f"{'TOTAL':18s}  " + "  ".join(f"{v:>8}" for v in vals))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
