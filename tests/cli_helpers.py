"""Shared by the command-line tests: running ``hod`` in-process with a pinned terminal."""

from __future__ import annotations

import inspect

from click.testing import CliRunner

from hod.cli import main


def invoke(*args, input=None, env=None):
    """Run ``hod ARGS`` in-process; the result has .exit_code, .stdout and .stderr."""
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    runner = CliRunner(**kw)
    env = {"COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)
