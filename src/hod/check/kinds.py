"""The derivative kinds and their components."""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

from .inputs import _counts

KINDS = ("grad", "hessian", "diff", "jacobian", "taylor")
# The engine that gives hod's numbers, per kind.
ENGINES = {"grad": "tape", "hessian": "tape", "jacobian": "tape", "diff": "taylor",
           "taylor": "taylor"}


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _runs(wrt):
    runs = []
    for w in wrt:
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1])
    return runs


def derivative_label(fname, wrt, single_variable):
    """(unicode, ascii) label: ``∂²f/∂x∂y`` and ``d2f/dx dy``; ``d`` for one variable."""
    n = len(wrt)
    if n == 0:
        return fname, fname
    d = "d" if single_variable else "∂"
    order_u = str(n).translate(_SUP) if n > 1 else ""
    order_a = str(n) if n > 1 else ""
    den_u = "".join(f"{d}{w}{str(k).translate(_SUP) if k > 1 else ''}" for w, k in _runs(wrt))
    den_a = " ".join(f"d{w}{k if k > 1 else ''}" for w, k in _runs(wrt))
    return f"{d}{order_u}{fname}/{den_u}", f"d{order_a}{fname}/{den_a}"


class _Spec(NamedTuple):
    """One component to compute and check: where it goes, its labels, and what it is (the
    partial ``wrt`` of root ``root``, divided by ``scale``: k! for Taylor coefficients)."""

    part: str
    index: tuple
    label: str
    ascii_label: str
    root: int
    wrt: tuple
    scale: int


def _specs(kind, names, wrt, nfun, var=None, order=None):
    """Every component of a report of ``kind``, in table order."""
    single = len(names) == 1

    def spec(part, index, fname, ws, root=0):
        return _Spec(part, index, *derivative_label(fname, ws, single), root,
                     tuple(_counts(ws).items()), 1)

    if kind == "jacobian":
        fn = [f"f{i + 1}" for i in range(nfun)]
        return ([spec("value", (i,), fn[i], [], i) for i in range(nfun)]
                + [spec("result", (i, j), fn[i], [n], i)
                   for i in range(nfun) for j, n in enumerate(names)])
    if kind == "taylor":
        return [_Spec("result", (k,), "c" + str(k).translate(_SUB), f"c{k}", 0,
                      ((var, k),) if k else (), math.factorial(k)) for k in range(order + 1)]
    out = [spec("value", (), "f", [])]
    if kind in ("grad", "hessian"):
        part = "result" if kind == "grad" else "gradient"
        out += [spec(part, (i,), "f", [n]) for i, n in enumerate(names)]
    if kind == "hessian":
        out += [spec("result", (i, j), "f", [a, b])
                for i, a in enumerate(names) for j, b in enumerate(names)]
    if kind == "diff":
        out.append(spec("result", (), "f", wrt))
    return out


@dataclasses.dataclass
class _Task:
    """What one run computes: the input, checked and resolved."""

    kind: str
    roots: list
    names: list
    wrt: list | None      # diff: one name per differentiation
    var: str | None       # taylor: the variable of the series
    order: int | None     # taylor: the highest power
    points: list
    specs: list

