"""The same per-file function on a Dask cluster writes the same bytes."""
from __future__ import annotations

from click.testing import CliRunner

from conftest import RAW
import dask
import distributed  # `make test` installs the dask extra: this test must run, not skip
from normalize.cli import main


def tree(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_local_cluster_output_is_byte_identical(tmp_path):
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert CliRunner().invoke(main, ["run", str(RAW), "--out", str(local), "--jobs", "1"]).exit_code == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as cluster:
        res = CliRunner().invoke(main, ["run", str(RAW), "--out", str(remote), "--scheduler",
                                        cluster.scheduler_address])
    assert res.exit_code == 0, res.output
    assert tree(local) == tree(remote)


def test_a_scheduler_out_of_reach_is_one_line_and_status_2(tmp_path):
    out = tmp_path / "out"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = CliRunner().invoke(main, ["run", str(RAW), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 2 and "cannot reach the scheduler tcp://127.0.0.1:1" in res.output, res.output
    assert "Traceback" not in res.output
    assert [p.name for p in out.iterdir()] == []  # no unfinished manifest left
