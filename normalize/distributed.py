"""Cleaning on a Dask cluster (``normalize run --scheduler ADDRESS``).

Why Dask and why so little code: the per-file function ``clean_file`` is
pure (one raw file in, everything it produces out), so a cluster only has
to call it (with the writing: ``clean_and_write``, each worker writes the
files it cleaned, as a local worker does) and hand the results back in input
order, for the driver's manifest; so the output is byte-identical.  Workers read
the raw files themselves: they must see the same paths (shared storage) and
have normalize installed (``pip install .[dask]``).
"""
from __future__ import annotations

from collections.abc import Iterator

from .batch import Result, Spec, clean_and_write


class Cluster:
    """A connection to a Dask scheduler for the length of one run."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the install
            raise SystemExit("normalize: --scheduler needs the dask extra: pip install 'normalize[dask]'") from None
        self.client = Client(address)

    def map(self, raws: list, spec: Spec, out: str | None) -> Iterator[Result]:
        """``clean_and_write`` over ``raws`` on the cluster, results in input order."""
        futures = self.client.map(clean_and_write, raws, spec=spec, out=out, pure=False)
        yield from self.client.gather(futures)

    def close(self) -> None:
        self.client.close()
