"""Front matter: our emitter against PyYAML's (libyaml and pure Python).

Why: the front matter was the largest single cost of writing output (README,
"Measured"); this times the three on the samples' articles and on a slice
of ../shared/corpus cleaned as pages, and checks on every article that our
bytes are the pure SafeDumper's.

    python scripts/frontmatter_bench.py [--corpus N]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

import normalize.article as na
from normalize.pipeline import Pipeline

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "rmrb-2023-800.jsonl"


def per_article(emit, metas) -> float:
    """Best of 5 passes, microseconds per article; each pass starts with our
    emitter's scalar cache empty, as a new worker does."""
    best = 1e9
    for _ in range(5):
        na._string.cache_clear()
        start = time.perf_counter()
        for m in metas:
            emit(m)
        best = min(best, time.perf_counter() - start)
    return best / len(metas) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=int, default=800, help="corpus articles to clean as pages")
    args = ap.parse_args()
    pipe = Pipeline()
    sets = {"samples": [], "corpus slice": []}
    for p in sorted((ROOT / "raw").glob("*.txt")):
        arts, _ = pipe.clean(p.read_text(encoding="utf-8"), {"path": f"raw/{p.name}", "sha256": "0" * 64, "stem": p.stem})
        sets["samples"] += [a.front_matter() for a in arts]
    if CORPUS.is_file():
        with open(CORPUS, encoding="utf-8") as fh:
            for i, line in zip(range(args.corpus), fh):
                d = json.loads(line)
                text = (d.get("title") or "") + "\n\n" + "\n\n".join(d["paragraphs"]) + "\n"
                arts, _ = pipe.clean(text, {"path": f"corpus/{i}.txt", "sha256": "0" * 64, "stem": str(i)})
                sets["corpus slice"] += [a.front_matter() for a in arts]
    opts = dict(allow_unicode=True, sort_keys=False, width=1 << 30, default_flow_style=False)
    emitters = {"ours": na.front_matter_text,
                "PyYAML CSafeDumper": lambda m: yaml.dump(m, Dumper=yaml.CSafeDumper, **opts),
                "PyYAML SafeDumper": lambda m: yaml.dump(m, Dumper=yaml.SafeDumper, **opts)}
    for name, metas in sets.items():
        if not metas:
            continue
        same = sum(na.front_matter_text(m) == emitters["PyYAML SafeDumper"](m) for m in metas)
        times = ", ".join(f"{e} {per_article(f, metas):.0f} µs" for e, f in emitters.items())
        print(f"{name} ({len(metas)} articles): {times} per article; "
              f"bytes equal to SafeDumper's: {same}/{len(metas)}")


if __name__ == "__main__":
    main()
