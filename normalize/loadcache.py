"""The models read from ``data/``, kept ready to load in a cache folder.

Why: every process that cleans a page reads the gap counts, the number
language model and the column n-grams from their gzipped text files and
builds its tables from them, some 0.6 CPU seconds before the first page is
cleaned.  With ``--jobs 2`` that start is serial (the workers fork after it,
sharing what it loaded), so it bounds the speed-up; in a single job it is a
fixed cost of every run.  A model once built is therefore written with
``pickle`` into the cache folder and read from there by the next process:
the same object, loaded in a few hundredths of a second.

What keeps this safe:

* the cache file's name holds a digest of the data file's bytes, of the
  source files that define the model's class (its loading and its
  attributes), of the package version and of Python's version: an edited
  data file or class is built afresh, never read from an older build;
* the object is pickled as it leaves its loader, before any stage fills
  its lazily built tables, so a cached model and a freshly loaded one are
  the same data (a test compares them);
* anything wrong with the cache (no folder, read-only, a file cut short
  by a crash, another Python's pickle) falls back to loading the data file:
  the cache only ever saves time; files are written whole and renamed into
  place, so concurrent processes never read half a file.

The folder: ``$NORMALIZE_CACHE`` (``off`` for none), else
``$XDG_CACHE_HOME/normalize``, else ``~/.cache/normalize``.  It holds up to
``KEEP`` builds per data file, the least recently used dropped first: two
checkouts of different code on one machine each keep their own (one build
per data file had them evict each other's on every run).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Callable, TypeVar

from . import __version__

T = TypeVar("T")

SUFFIX = ".pickle"
KEEP = 8   # builds kept per data file


def cache_dir() -> Path | None:
    """The cache folder as the environment names it, or None (``off``)."""
    named = os.environ.get("NORMALIZE_CACHE")
    if named:
        return None if named == "off" else Path(named)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "normalize"
    try:
        return Path.home() / ".cache" / "normalize"
    except RuntimeError:  # no home folder to be found
        return None


def key(path: Path, code: tuple[str, ...]) -> str:
    """The digest that names ``path``'s cache file (see the module's docstring)."""
    h = hashlib.sha256(f"{__version__}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}\0".encode())
    for p in (path, *map(Path, code)):
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:24]


def load(path: Path, build: Callable[[Path], T], *code: str) -> T:
    """``build(path)``, from the cache when it holds this build of it.
    ``code``: the source files whose change makes a cached object stale."""
    folder = cache_dir()
    if folder is None:
        return build(path)
    try:
        name = f"{path.name}.{key(path, code)}{SUFFIX}"
    except OSError:  # the data file unreadable: the loader says so
        return build(path)
    cached = folder / name
    try:
        with open(cached, "rb") as fh:
            obj = pickle.load(fh)
    except Exception:  # noqa: BLE001 (not there, cut short, unreadable: see the module's docstring)
        pass
    else:
        try:
            os.utime(cached)  # used: the last to be dropped
        except OSError:
            pass
        return obj
    obj = build(path)
    store(folder, name, obj, path.name)
    return obj


def store(folder: Path, name: str, obj, stem: str) -> None:
    """Write ``obj`` as ``folder/name`` whole, and drop the least recently
    used builds of the same data file beyond ``KEEP``; any failure leaves
    the cache as it was."""
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / name)
        builds = sorted(folder.glob(f"{stem}.*{SUFFIX}"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
        for old in builds[KEEP:]:
            if old.name != name:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 (a read-only folder, a full disk, an object that will not pickle)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
