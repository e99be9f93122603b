"""The certified reference: every number of a check as a ball that provably contains it.

The certified engine (:mod:`hod.ball`) computes, at each point as given (the decimal as
typed, ``pi/2`` as pi/2), what the kind says (:meth:`~hod.check.kinds.Kind.certified_parts`),
at a working precision that grows until every ball is narrow enough for the digits asked, or
the time budget runs out (the balls are then still correct, only wider).  A point outside the
domain or at a kink is reported as such by the enclosure, with the words hod uses elsewhere:
the enclosure decides, never float64's rounding.
"""

from __future__ import annotations

import dataclasses
import math
import time

from ..errors import DomainError, NonDifferentiableError

#: Digits the certified reference resolves when none are asked for: enough to judge float64
#: at any relative tolerance it can meet.
DIGITS = 17
#: A ball that contains 0 and is this narrow is "0": far below float64's smallest number, so
#: no float64 value is hidden by it.
ZERO_WITHIN = 1e-320
_SMALLEST_NORMAL = 2.2250738585072014e-308


@dataclasses.dataclass
class CertifiedPoint:
    """The certified numbers at one point: ``parts`` maps a part (``"value"``,
    ``"gradient"``, ``"result"``) to enclosures shaped like hod's numbers; ``problem`` is
    ``(status, message)`` where the enclosure shows the point is not defined or a kink;
    ``seconds`` what it took."""

    parts: dict
    problem: tuple | None = None
    seconds: float = 0.0
    part_problems: dict = dataclasses.field(default_factory=dict)  # part -> (status, text)

    @property
    def resolved(self):
        """Whether every enclosure reached the digits asked."""
        return all(e.resolved for e in _flat(list(self.parts.values())))


def _flat(x):
    if isinstance(x, list):
        return [e for v in x for e in _flat(v)]
    return [] if x is None else [x]


def certify_points(task, digits=None, budget=10.0, as_floats=False):
    """A :class:`CertifiedPoint` per point of ``task``, sharing ``budget`` seconds; at the
    points as given, or (``as_floats``) at their float64 coordinates (where float64 itself
    computed)."""
    from ..ball import certify

    digits = DIGITS if digits is None else int(digits)
    end = time.monotonic() + budget
    roots = _with_every_variable(task.roots, task.names)
    roots = roots if len(roots) > 1 else roots[0]
    out = []
    for p in task.points:
        start = time.monotonic()
        exact = {n: (p.exact_value(n) if hasattr(p, "exact_value") and not as_floats
                     else p[n]) for n in task.names}
        parts, problem, part_problems = {}, None, {}
        for part, kw in task.kind.certified_parts(task):
            left = max(end - time.monotonic(), 0.05)
            try:
                parts[part] = certify(roots, exact, digits=digits, atol=ZERO_WITHIN,
                                      max_seconds=left, **kw)
            except NonDifferentiableError as e:
                part_problems[part] = ("not differentiable", str(e))
            except DomainError as e:
                part_problems[part] = ("undefined", str(e))
        if task.kind.name == "taylor" and part_problems.get("result", ("",))[0] == "undefined":
            # f may be defined where its derivatives are not (sqrt at 0): c0 alone
            try:
                c0 = certify(roots, exact, digits=digits, atol=ZERO_WITHIN,
                             max_seconds=max(end - time.monotonic(), 0.05))
                parts["result"] = [c0] + [None] * task.order
            except (DomainError, NonDifferentiableError):
                pass
        if task.kind.name == "taylor" and "result" in parts:
            parts["value"] = parts["result"][0]
        if "value" in part_problems or ("result" in part_problems and "result" not in parts
                                        and task.kind.name == "taylor"):
            # f itself is not defined here (or its series, which holds f): the point is
            problem, parts = part_problems.pop("value", None) or part_problems.pop("result"), {}
        elif any(s == "not differentiable" for s, _ in part_problems.values()):
            problem = next(p for p in part_problems.values() if p[0] == "not differentiable")
            parts = {}
        out.append(CertifiedPoint(parts, problem, time.monotonic() - start, part_problems))
    return out


def inside(x, enclosure, rtol):
    """Whether the float ``x`` is the certified value up to ``rtol`` relative to it: within
    the ball widened by ``rtol`` times its midpoint (never by an absolute tolerance, which
    would hide small values)."""
    if x is None or not math.isfinite(x):
        return False
    if enclosure.contains(x):
        return True
    mid = enclosure.float()
    if not math.isfinite(mid):
        return False  # beyond float64: no finite float is that number
    if abs(mid) < _SMALLEST_NORMAL and not enclosure.contains_zero:
        return False  # below float64's normal numbers: no float holds its digits
    return abs(x - mid) <= enclosure.radius + rtol * abs(mid)


def text(enclosure, digits=None):
    """The enclosure as proven decimal text (``0`` for a zero within :data:`ZERO_WITHIN`):
    ``digits`` significant digits, or (None) up to 17 without trailing zeros."""
    if enclosure.contains_zero and enclosure.radius <= ZERO_WITHIN:
        return "0"
    if digits is not None:
        return enclosure.decimal(digits)
    t = enclosure.decimal(17)
    if t.startswith("["):
        return t
    mantissa, e, exponent = t.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def _with_every_variable(roots, names):
    """``roots``, each made to mention every variable of ``names`` (``f + 0*v`` for one it
    does not use), so that its derivative by such a variable is certified as exactly 0."""
    from .. import ops
    from ..expr import graph

    out = []
    for root in roots:
        used = set(graph.variables([root]))
        for n in names:
            if n not in used:
                root = ops.add(root, ops.multiply(graph.const(0.0), graph.var(n)))
        out.append(root)
    return out
