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
* a cache file holds the sha256 of its pickle: a file damaged in place
  (not only cut short) is built afresh, never loaded as it is;
* a pickle runs code as it loads: the cache is read only from a folder
  and file of this user's that no other user may write (else the data
  file is read, every time);
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
    if not _own(folder):
        return build(path)
    cached = folder / name
    obj = _NONE
    try:
        with open(cached, "rb") as fh:
            if _own(cached, fh.fileno()):
                data = fh.read()
                payload = memoryview(data)[DIGEST:]
                if hashlib.sha256(payload).digest() == data[:DIGEST]:
                    obj = pickle.loads(payload)
    except Exception:  # noqa: BLE001 (not there, cut short, unreadable: see the module's docstring)
        pass
    if obj is not _NONE:
        try:
            os.utime(cached)  # used: the last to be dropped
        except OSError:
            pass
        return obj
    obj = build(path)
    store(folder, name, obj, path.name)
    return obj


DIGEST = 32  # a cache file: the sha256 of its pickle, then the pickle
_NONE = object()


def _own(path: Path, fd: int | None = None) -> bool:
    """Whether ``path`` (a folder not there yet counts) is this user's and
    no one else may write it: a pickle runs code as it loads, so the cache
    is read only where no other user could have written it."""
    if not hasattr(os, "getuid"):
        return True
    try:
        st = os.fstat(fd) if fd is not None else os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def store(folder: Path, name: str, obj, stem: str) -> None:
    """Write ``obj`` as ``folder/name`` whole, and drop the least recently
    used builds of the same data file beyond ``KEEP``; any failure leaves
    the cache as it was."""
    tmp = folder / f".{name}.{os.getpid()}.tmp"
    try:
        # (this user's alone, whatever the umask: under 002 a folder and files
        # the group may write would never be read back, see _own)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(hashlib.sha256(data).digest())
            fh.write(data)
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
