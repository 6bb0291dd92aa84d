#!/usr/bin/env python3
"""Compare two versions of the unwrapper on paragraph pages built from the
clean corpus: each article's title and paragraphs one a line (and again with
blank lines between; and, where it has sub-headings, at its worst for a
document's layout: a blank line under the title and one over every
sub-heading, as a page break may set one, none elsewhere: ``/breaks``),
through unicode, furniture and unwrap.

Why: clean text shows where paragraphs end, so every change a new version
makes to these pages is either a paragraph put back as the corpus has it or
a false alarm; the count of changed pages, read one by one, is the change's
false-alarm rate on clean text.

    python scripts/corpus_unwrap_diff.py OLD_ROOT NEW_ROOT [--corpus ../shared/corpus]

OLD_ROOT, NEW_ROOT: folders holding a ``normalize`` package (a checkout, or
``git archive`` of a commit unpacked).  Each is run in a process of its own.
"""
from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

RUN = r'''
import glob, json, shutil, sys, tempfile, pathlib
sys.path.insert(0, sys.argv[1])
from normalize.pipeline import Pipeline, default_rules_dir
tmp = pathlib.Path(tempfile.mkdtemp())
for n in ("unicode", "furniture", "unwrap"):
    src = default_rules_dir() / f"{n}.toml"
    if src.is_file():
        shutil.copy(src, tmp / src.name)
(tmp / "pipeline.toml").write_text('description = "x"\nstages = ["unicode", "furniture", "unwrap"]\n')
pipe = Pipeline([tmp], default_rules=False)
out = {}
for f in sorted(glob.glob(sys.argv[2] + "/*.jsonl")):
    for line in open(f, encoding="utf-8"):
        a = json.loads(line)
        ps = [p.strip() for p in a["paragraphs"] if p.strip()]
        for sep in ("\n", "\n\n"):
            doc = pipe.run_text_stages((a.get("title") or "") + sep + sep.join(ps) + "\n")
            out[a["id"] + ("/blank" if sep == "\n\n" else "")] = [[b.kind, b.text] for b in doc.blocks()]
        # a document's layout at its worst: a blank line under the title and
        # one (a page break) over every sub-heading, none elsewhere
        heads = [k for k, q in enumerate(ps) if len(q) <= 25 and q[-1] not in "。！？”…）)"]
        if heads:
            text = (a.get("title") or "") + "\n\n" + "".join(("\n" if k in heads else "") + q + "\n" for k, q in enumerate(ps))
            out[a["id"] + "/breaks"] = [[b.kind, b.text] for b in pipe.run_text_stages(text).blocks()]
json.dump(out, open(sys.argv[3], "w", encoding="utf-8"), ensure_ascii=False)
'''


def blocks(root: Path, corpus: Path, out: Path) -> dict:
    subprocess.run([sys.executable, "-c", RUN, str(root), str(corpus), str(out)], check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = blocks(args.old.resolve(), args.corpus, Path(tmp) / "old.json")
        new = blocks(args.new.resolve(), args.corpus, Path(tmp) / "new.json")
    changed = [k for k in old if old[k] != new.get(k)]
    for k in changed:
        print("==", k)
        for d in difflib.unified_diff([str(b) for b in old[k]], [str(b) for b in new[k]], lineterm="", n=0):
            if d[:1] in "+-" and d[:3] not in ("+++", "---"):
                print("  ", d[:100])
    print(f"pages {len(old)}, changed {len(changed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
