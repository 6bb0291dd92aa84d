"""A non-editable install carries its default rules and works from any folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import RAW, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "-w", str(dist), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return next(dist.glob("normalize-*.whl"))


def test_wheel_ships_rules_and_schema(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for f in sorted(p.name for p in (ROOT / "rules").glob("*.toml")):
        assert f"normalize/rules/{f}" in names
    assert "normalize/schema/article.schema.json" in names


def test_installed_package_runs_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    shutil.copytree(RAW, work / "scans")
    env = dict(os.environ, PYTHONPATH=str(target))
    run = subprocess.run([sys.executable, "-m", "normalize", "run", "scans", "--out", "out"], cwd=work, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "13 articles" in run.stderr
    where = subprocess.run([sys.executable, "-c", "import normalize.pipeline as p; print(p.default_rules_dir())"],
                           cwd=work, env=env, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(target))
