"""Cleaning on a Dask cluster (``normalize run --scheduler ADDRESS``).

Why Dask and why so little code: the per-file function ``clean_file`` is
pure (one raw file in, everything it produces out), so a cluster only has
to call it and hand the results back in input order; the driver writes them
exactly as a local run does, so the output is byte-identical.  Workers read
the raw files themselves: they must see the same paths (shared storage) and
have normalize installed (``pip install .[dask]``).
"""
from __future__ import annotations

from collections.abc import Iterator

from .batch import Result, Spec, clean_file

BATCH = 256  # files in flight at once: bounded memory on both sides


def map_on_cluster(address: str, raws: list, spec: Spec) -> Iterator[Result]:
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - depends on the install
        raise SystemExit("normalize: --scheduler needs the dask extra: pip install 'normalize[dask]'")
    with Client(address) as client:
        for start in range(0, len(raws), BATCH):
            chunk = raws[start:start + BATCH]
            futures = client.map(clean_file, chunk, spec=spec, pure=False)
            yield from client.gather(futures)
