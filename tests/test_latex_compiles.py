"""--format latex gives fragments that compile in a standard document (where pdflatex is
installed; elsewhere these tests are skipped)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cli_helpers import invoke

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex here")

DOCUMENT = "\\documentclass{article}\n\\begin{document}\n\\input{fragment}\n\\end{document}\n"


@pytest.mark.parametrize("args", [
    ["grad", "2*x**3 + 5*y**2 + 11*x*y + 5", "--at", "x=5,y=2"],
    ["hessian", "sin(x)*exp(y) + x**2*y", "--at", "x=0.3,y=-1.2"],
    ["diff", "sin(x)/x", "--wrt", "x", "--order", "20", "--at", "x=0.9", "--digits", "25"],
    ["taylor", "exp(sin(x))", "--at", "x=0", "--order", "4"],
    ["jacobian", "x*y, abs(x) + y", "--at", "x=1,y=2"],
    ["trace", "x1*x2 + sin(x1)", "--at", "x1=2,x2=5"],
    ["graph", "exp(x*y) + x*y", "--at", "x=1,y=2"],
    ["critical", "x**2 - y**2", "--near", "x=0.1,y=0.2"],
    ["grad", "abs(x)", "--at", "x=0"],
])
def test_latex_fragment_compiles_in_a_standard_document(args, tmp_path):
    r = invoke(*args, "--format", "latex")
    assert r.stdout.strip(), r.stderr
    (tmp_path / "fragment.tex").write_text(r.stdout, encoding="utf-8")
    (tmp_path / "doc.tex").write_text(DOCUMENT, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
