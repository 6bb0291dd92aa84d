"""The models' load cache: a cached model is the freshly loaded one, a
changed data file or class is built afresh, and a broken cache only costs
time (normalize/loadcache.py)."""
from __future__ import annotations

import os
import pickle
from array import array

import pytest

from normalize import gaps, interleave, loadcache


def same(a, b) -> bool:
    """Attribute by attribute (compiled patterns by their pattern and flags)."""
    va, vb = vars(a), vars(b)
    if va.keys() != vb.keys():
        return False
    for k, x in va.items():
        y = vb[k]
        if hasattr(x, "pattern") and hasattr(x, "flags"):
            if (x.pattern, x.flags) != (y.pattern, y.flags):
                return False
        elif hasattr(x, "__dict__") and not isinstance(x, (array, type)):
            if not same(x, y):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("NORMALIZE_CACHE", str(folder))
    return folder


@pytest.mark.parametrize("path, build, code", [
    (gaps.DATA, gaps.GapModel.load, (gaps.__file__, gaps.gapcore.__file__)),
    (gaps.LM_DATA, gaps.NumberLM.load, (gaps.__file__,)),
    (interleave.MODEL, lambda p: interleave.Model(interleave.gzip.decompress(p.read_bytes())), (interleave.__file__,)),
])
def test_a_cached_model_is_the_model_the_data_file_gives(cache, path, build, code):
    fresh = build(path)
    first = loadcache.load(path, build, *code)       # built, and written to the cache
    assert len(list(cache.glob("*.pickle"))) == 1
    calls = []
    second = loadcache.load(path, lambda p: calls.append(p) or build(p), *code)  # read from it
    assert calls == []
    assert same(fresh, first) and same(fresh, second)
    assert second is not first


def test_the_cache_key_follows_the_data_and_the_code(tmp_path):
    data, code = tmp_path / "counts.tsv", tmp_path / "model.py"
    data.write_text("a\t1\n")
    code.write_text("class Model: pass\n")
    k = loadcache.key(data, (str(code),))
    data.write_text("a\t2\n")
    k2 = loadcache.key(data, (str(code),))
    code.write_text("class Model:\n    slots = 1\n")
    assert len({k, k2, loadcache.key(data, (str(code),))}) == 3


def test_a_changed_data_file_is_built_afresh_beside_the_old_build(cache, tmp_path):
    data = tmp_path / "words.txt"
    data.write_text("one\n")
    read = lambda p: p.read_text().split()  # noqa: E731
    assert loadcache.load(data, read) == ["one"]
    data.write_text("two\n")
    assert loadcache.load(data, read) == ["two"]
    assert loadcache.load(data, lambda p: ["not read"]) == ["two"]
    data.write_text("one\n")  # another checkout's data: its build is still there
    assert loadcache.load(data, lambda p: ["not read"]) == ["one"]


def test_the_least_recently_used_builds_go_beyond_keep(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(loadcache, "KEEP", 2)
    data = tmp_path / "words.txt"
    read = lambda p: p.read_text().split()  # noqa: E731
    seen = set()
    for n, word in enumerate(("one", "two", "three"), 1):
        data.write_text(word)
        loadcache.load(data, read)
        for p in set(cache.glob("words.txt.*.pickle")) - seen:  # last used n seconds into 1970
            os.utime(p, ns=(n * 10**9, n * 10**9))
            seen.add(p)
    assert len(list(cache.glob("words.txt.*.pickle"))) == 2
    assert loadcache.load(data, lambda p: ["not read"]) == ["three"]
    data.write_text("two")
    assert loadcache.load(data, lambda p: ["not read"]) == ["two"]
    data.write_text("one")
    assert loadcache.load(data, lambda p: ["built again"]) == ["built again"]  # the least recently used: dropped


def test_a_broken_cache_file_is_built_again(cache, tmp_path):
    data = tmp_path / "words.txt"
    data.write_text("one\n")
    read = lambda p: p.read_text().split()  # noqa: E731
    loadcache.load(data, read)
    [cached] = cache.glob("*.pickle")
    cached.write_bytes(pickle.dumps(["one"])[:5])  # cut short by a crash
    assert loadcache.load(data, read) == ["one"]
    assert pickle.loads(cached.read_bytes()[loadcache.DIGEST:]) == ["one"]


def test_a_cache_file_damaged_in_place_is_not_loaded(cache, tmp_path):
    """A pickle with a byte changed may still load, as another object: the
    file's digest of its pickle tells, and the data file is read again."""
    data = tmp_path / "words.txt"
    data.write_text("one\n")
    read = lambda p: p.read_text().split()  # noqa: E731
    loadcache.load(data, read)
    [cached] = cache.glob("*.pickle")
    raw = cached.read_bytes()
    forged = raw[:loadcache.DIGEST] + raw[loadcache.DIGEST:].replace(b"one", b"two")
    assert pickle.loads(forged[loadcache.DIGEST:]) == ["two"]  # a damaged pickle that loads
    cached.write_bytes(forged)
    assert loadcache.load(data, read) == ["one"]


def test_a_cache_folder_others_may_write_is_not_read(cache, tmp_path):
    """A pickle runs code as it loads: from a folder another user may write
    nothing is read (the data file is, every time)."""
    data = tmp_path / "words.txt"
    data.write_text("one\n")
    loadcache.load(data, lambda p: p.read_text().split())
    cache.chmod(0o777)
    assert loadcache.load(data, lambda p: ["built"]) == ["built"]
    cache.chmod(0o755)
    assert loadcache.load(data, lambda p: ["built"]) == ["one"]


def test_no_cache_folder_and_an_unwritable_one_load_the_data_file(tmp_path, monkeypatch):
    data = tmp_path / "words.txt"
    data.write_text("one\n")
    monkeypatch.setenv("NORMALIZE_CACHE", "off")
    assert loadcache.cache_dir() is None
    assert loadcache.load(data, lambda p: p.read_text().split()) == ["one"]
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    monkeypatch.setenv("NORMALIZE_CACHE", str(blocker / "cache"))
    assert loadcache.load(data, lambda p: p.read_text().split()) == ["one"]
    assert list(tmp_path.glob("**/*.pickle")) == []


def test_the_cache_is_read_back_under_a_group_writable_umask(cache, tmp_path):
    """Under umask 002 (common on desktops) the folder and files are still
    made this user's alone, so a later run reads them."""
    import os
    data = tmp_path / "words.txt"
    data.write_text("one\n")
    old = os.umask(0o002)
    try:
        loadcache.load(data, lambda p: p.read_text().split())
    finally:
        os.umask(old)
    assert loadcache.load(data, lambda p: ["built"]) == ["one"]
