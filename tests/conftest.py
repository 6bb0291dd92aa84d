"""Shared fixtures.  The suite runs on the repo's own files (raw/, rules/,
tests/fixtures/) and never reads ../shared."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from normalize.pipeline import Pipeline

# the models' load cache (normalize/loadcache.py) in a folder of the session's
# own, not the user's: the suite builds it once and leaves nothing behind
os.environ["NORMALIZE_CACHE"] = _CACHE = tempfile.mkdtemp(prefix="normalize-test-cache-")
atexit.register(shutil.rmtree, _CACHE, True)

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
SAMPLES = sorted(RAW.glob("*.txt"))


@pytest.fixture(scope="session")
def pipe() -> Pipeline:
    return Pipeline()


@pytest.fixture(scope="session")
def sample_runs(pipe):
    """Each sample's (articles, doc), cleaned once for the whole session."""
    out = {}
    for p in SAMPLES:
        out[p.name[:3]] = pipe.clean(p.read_text(encoding="utf-8"), {"path": f"raw/{p.name}", "stem": p.stem})
    return out


def blocks(pipe, text):
    """(kind, text) blocks of ``text`` after every text-level stage."""
    doc = pipe.run_text_stages(text)
    return [(k, t) for k, t, _f, _l in doc.blocks()]


def paragraphs(pipe, text):
    return [t for _k, t in blocks(pipe, text)]
