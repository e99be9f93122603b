"""Shared by the command-line tests: running ``hod`` in-process with a pinned terminal."""

from __future__ import annotations

import inspect
import time

from click.testing import CliRunner

from hod.cli import main


def invoke(*args, input=None, env=None):
    """Run ``hod ARGS`` in-process; the result has .exit_code, .stdout and .stderr."""
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    runner = CliRunner(**kw)
    env = {"COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)


# --- references and clocks that do not depend on how fast the machine is -----------------

def never_answers(task, send, stopped, deadline):
    """A reference job that provably never answers: it waits until it is stopped (in a
    thread) or killed (in a forked child) at the deadline."""
    while not stopped():
        time.sleep(0.01)


def fails(task, send, stopped, deadline):
    """A reference job that fails at once."""
    raise RuntimeError("no SymPy today")


class GrowingClock:
    """A clock for the nested tapes whose every reading is ``growth`` times further on than
    the one before: each differentiation seems to take three times the one before, however
    fast the machine is."""

    def __init__(self, first_step=1e-4, growth=3.0):
        self.now, self.step, self.growth = 0.0, first_step, growth

    def __call__(self):
        self.now += self.step
        self.step *= self.growth
        return self.now


def stopped_clock():
    """A clock for the nested tapes that never moves: they always finish (low orders only)."""
    return 0.0


def imports_after(args, modules=("sympy", "rich", "mpmath")):
    """Run ``hod ARGS`` in a fresh Python: ``"CODE [modules imported]"``, the exit code and
    which of ``modules`` the command imported (commands import only what they need)."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    code = textwrap.dedent(f"""
        import sys
        from hod.cli import main
        try:
            main({list(args)!r})
        except SystemExit as e:
            code = e.code
        print()
        print(code, sorted(m for m in {tuple(modules)!r} if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=Path(__file__).resolve().parents[1])
    return out.stdout.splitlines()[-1]
