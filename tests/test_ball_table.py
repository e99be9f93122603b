"""The certified engine's place in the primitive table: every entry has its ball counterpart,
and python-flint is loaded only when the ball engine is used."""

from __future__ import annotations

import subprocess
import sys

from hod.ball import counterparts
from hod.ops import TABLE


def test_every_table_entry_has_a_ball_counterpart():
    missing = [name for name, prim in TABLE.items() if prim.ball is None]
    assert missing == []


def test_structural_entries_run_their_numpy_impl_on_object_arrays():
    for name, prim in TABLE.items():
        if prim.generic:
            assert getattr(counterparts, prim.ball) is counterparts.generic, name


def test_elementwise_entries_name_the_counterpart_of_their_own_name():
    for name, prim in TABLE.items():
        if not prim.generic:
            assert prim.ball == name and callable(getattr(counterparts, name)), name


def test_import_hod_does_not_import_flint():
    code = "import sys, hod; print('flint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
