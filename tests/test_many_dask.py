"""--engine dask: the same rows as the single-machine path, on a local cluster of two worker
processes (skipped where the optional extra hod[dask] is not installed)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pl = pytest.importorskip("polars")

EXPR = "sin(x)*exp(y) + x**2*y"


def _hod(*args, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "HOD_NO_PROGRESS": "1"}
    return subprocess.run([sys.executable, "-m", "hod", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=240)


def test_dask_on_two_worker_processes_gives_the_single_machine_rows(tmp_path):
    rng = np.random.default_rng(5)
    (tmp_path / "in").mkdir()
    frames = []
    for i in range(3):
        df = pl.DataFrame({"x": rng.uniform(-3, 3, 2000), "y": rng.uniform(-3, 3, 2000)})
        df.write_csv(tmp_path / "in" / f"p{i}.csv")
        frames.append(df)
    pl.concat(frames).write_csv(tmp_path / "all.csv")
    single = _hod("grad", EXPR, "--points", "all.csv", "--format", "csv", "--chunk-size",
                  "700", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    dask = _hod("grad", EXPR, "--engine", "dask", "--points", "in/*.csv", "--output",
                "out/part-*.csv", cwd=tmp_path)
    assert dask.returncode == 0, dask.stderr
    assert "verdicts: 5,997 agree, 3 certified" in dask.stdout
    parts = sorted((tmp_path / "out").iterdir())
    assert len(parts) == 3
    texts = [p.read_text().splitlines() for p in parts]
    rows = texts[0][:1] + sum((t[1:] for t in texts), [])
    assert rows == single.stdout.splitlines()
