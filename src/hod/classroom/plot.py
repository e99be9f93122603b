"""f and its derivatives over a range, sampled by Taylor mode (``hod plot``).

One expansion gives every curve at once: the variable is an array of sample points, and
Taylor mode carries the coefficients c_0 .. c_K of each point's series side by side, so the
derivative of order k is ``k! c_k`` at every sample (one pass, not one per point).

Where f is not finite (``log(x)`` for x <= 0) every curve has a gap (nan).  Kinks are found
two ways: Taylor mode reports the samples where a primitive sits at its kink (abs, relu,
max, min: found by splitting the samples in halves), and between samples the first
derivative is checked against what the second predicts; where it jumps, bisection narrows
the interval down and keeps it when f is continuous there and f' still jumps.

The tangent line and the Taylor polynomials at ``x0`` come from the same expansion at
``x0`` alone.  Rendering is elsewhere: :func:`hod.render_classroom.render_plot` (text) and
:mod:`hod.classroom.plot_file` (SVG, PNG, PDF through matplotlib).
"""

from __future__ import annotations

import builtins
import dataclasses
import math

import numpy as np

from ..errors import UsageError

#: Samples of the range by default (the terminal asks for a few per column).
SAMPLES = 401
#: The highest derivative order a plot shows.
MAX_PLOT_ORDER = 10
#: The highest Taylor polynomial order a plot overlays.
MAX_TAYLOR = 9
_BISECTIONS = 60


@dataclasses.dataclass
class Curve:
    """One sampled curve: its label (``f``, ``f'``, ``f^(3)``, ``tangent``, ``Taylor 2``),
    what it is (``derivative``, ``tangent`` or ``taylor``), its order and its values at the
    plot's x samples (nan in the gaps)."""

    label: str
    kind: str
    order: int
    y: np.ndarray

    def to_dict(self):
        return {"label": self.label, "kind": self.kind, "order": self.order,
                "y": [_j(v) for v in self.y]}


@dataclasses.dataclass
class Kink:
    """A point where f is continuous but f' jumps: ``x``, and f and each plotted derivative
    there (hod's convention at the kink itself); ``found_by`` is ``"taylor mode"`` (a
    primitive at its kink at a sample) or ``"derivative jump"`` (between samples)."""

    x: float
    values: dict
    found_by: str
    primitive: str | None = None

    def to_dict(self):
        return {"x": _j(self.x), "values": {str(k): _j(v) for k, v in self.values.items()},
                "found_by": self.found_by, "primitive": self.primitive}


@dataclasses.dataclass
class PlotData:
    """What :func:`plot_data` sampled: ``x`` (the samples), ``curves`` (one per order asked,
    gaps as nan), ``tangent`` and ``taylor`` (at ``x0``, or None and []), ``kinks``, the
    fixed values of the other variables (``fixed``) and notes."""

    expression: str
    wrt: str
    variables: list
    range: tuple
    fixed: dict
    x0: float | None
    x: np.ndarray
    curves: list
    tangent: Curve | None = None
    taylor: list = dataclasses.field(default_factory=list)
    kinks: list = dataclasses.field(default_factory=list)
    taylor_coefficients: list | None = None
    notes: list = dataclasses.field(default_factory=list)
    f: np.ndarray | None = None  # f at the samples (when order 0 is not a curve)

    @property
    def gaps(self):
        """[(from, to)]: the x intervals (between samples) where f is not finite."""
        f = self.f_values
        bad = ~np.isfinite(f)
        out, start = [], None
        for i, b in enumerate(bad):
            if b and start is None:
                start = i
            if not b and start is not None:
                out.append((float(self.x[start]), float(self.x[i - 1])))
                start = None
        if start is not None:
            out.append((float(self.x[start]), float(self.x[-1])))
        return out

    @property
    def f_values(self):
        for c in self.curves:
            if c.order == 0:
                return c.y
        return self.f

    def to_dict(self):
        return {"expression": self.expression, "wrt": self.wrt,
                "variables": list(self.variables), "range": list(self.range),
                "fixed": dict(self.fixed), "x0": self.x0,
                "x": [_j(v) for v in self.x],
                "curves": [c.to_dict() for c in self.curves],
                "tangent": self.tangent.to_dict() if self.tangent else None,
                "taylor": [c.to_dict() for c in self.taylor],
                "taylor_coefficients": None if self.taylor_coefficients is None
                else [_j(c) for c in self.taylor_coefficients],
                "kinks": [k.to_dict() for k in self.kinks],
                "gaps": [list(g) for g in self.gaps], "notes": list(self.notes)}


def _j(x):
    x = float(x)
    return x + 0.0 if math.isfinite(x) else None


def derivative_label(order):
    """``f``, ``f'``, ``f''``, ``f'''``, then ``f^(4)``."""
    return "f" + "'" * order if order <= 3 else f"f^({order})"


# --- inputs ------------------------------------------------------------------------------

def parse_range(spec, wrt=None):
    """``"x=-1:2"`` (or ``(lo, hi)``, or ``{"x": (lo, hi)}``) -> (name or None, lo, hi)."""
    from ..check.inputs import _number

    if spec is None:
        return None, None, None
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise UsageError("{range} names one variable", param="range")
        ((name, (lo, hi)),) = spec.items()
    elif isinstance(spec, (tuple, list)):
        name, (lo, hi) = wrt, spec
    else:
        text = str(spec)
        name, eq, rng = text.rpartition("=") if "=" in text else (None, "", text)
        lo, colon, hi = rng.partition(":")
        if not colon:
            raise UsageError("{range:{text}}: expected NAME=LOW:HIGH, e.g. {range:x=-1:2}",
                             param="range", text=text)
        name = name.strip() if name else wrt
        lo, hi = _number(lo, name or "x"), _number(hi, name or "x")
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise UsageError("{range:{item}}: the range must be finite with LOW < HIGH",
                         param="range", item=f"{name or 'x'}={lo:g}:{hi:g}")
    return name, lo, hi


def parse_orders(orders):
    """``"0,1,2"`` or a list -> sorted distinct orders (each 0..MAX_PLOT_ORDER)."""
    if isinstance(orders, str):
        items = [o.strip() for o in orders.split(",") if o.strip()]
        try:
            orders = [int(o) for o in items]
        except ValueError:
            raise UsageError("{plot_orders:{text}}: expected derivative orders such as "
                             "{plot_orders:0,1,2}", param="plot_orders", text=orders) from None
    orders = sorted({int(o) for o in orders})
    if not orders or orders[0] < 0 or orders[-1] > MAX_PLOT_ORDER:
        raise UsageError("{plot_orders} must be orders from 0 (f itself) to "
                         f"{MAX_PLOT_ORDER}", param="plot_orders")
    return orders


# --- sampling ----------------------------------------------------------------------------

class _Sampler:
    """Taylor mode at arrays of points of the plotted variable, others fixed."""

    def __init__(self, root, wrt, fixed, order):
        self.root, self.wrt, self.fixed, self.order = root, wrt, fixed, order

    def __call__(self, xs):
        """(derivatives, kinks): derivatives[k] is the k-th derivative at ``xs``."""
        from ..taylor_mode.api import expand

        xs = np.asarray(xs, dtype=float)
        point = {**self.fixed, self.wrt: xs}
        with np.errstate(all="ignore"):
            e = expand(self.root, point, self.order, {self.wrt: 1.0})
            # (a constant expression gives one value per order: broadcast to the samples)
            d = np.broadcast_to(np.asarray(e.derivatives, dtype=float).reshape(
                self.order + 1, -1), (self.order + 1, xs.size))
            # where f is not finite, no derivative is defined either
            d = np.where(np.isfinite(d[0])[None, :] & np.isfinite(d), d, np.nan)
        return d, [k[0] for k in e.kinks]


def _kinks_at_samples(sample, xs, idx=None):
    """{index: primitive}: the samples where Taylor mode meets a kink (halving the samples
    that report one until each is alone)."""
    idx = np.arange(xs.size) if idx is None else idx
    _, kinks = sample(xs[idx])
    if not kinks:
        return {}
    if idx.size == 1:
        return {int(idx[0]): kinks[0]}
    half = idx.size // 2
    return {**_kinks_at_samples(sample, xs, idx[:half]),
            **_kinks_at_samples(sample, xs, idx[half:])}


def _jumps(sample, xs, d):
    """x of the kinks between samples: f continuous, f' jumps (bisection, all at once)."""
    f, d1, d2 = d[0], d[1], d[2]
    h = np.diff(xs)
    with np.errstate(all="ignore"):
        predicted = h * (d2[:-1] + d2[1:]) / 2
        miss = np.abs(np.diff(d1) - predicted)
        scale = 1 + np.abs(d1[:-1]) + np.abs(d1[1:])
        candidates = np.flatnonzero(np.isfinite(miss) & (miss > 1e-3 * scale))
    if candidates.size == 0:
        return []
    lo, hi = xs[candidates].copy(), xs[candidates + 1].copy()
    dl = d[:3, candidates].copy()
    dh = d[:3, candidates + 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(_BISECTIONS):
            mid = (lo + hi) / 2
            dm, _ = sample(mid)
            dm = dm[:3]
            left = np.abs(dm[1] - dl[1] - (mid - lo) * (dl[2] + dm[2]) / 2)
            right = np.abs(dh[1] - dm[1] - (hi - mid) * (dm[2] + dh[2]) / 2)
            go_left = ~(right > left)  # nan (a gap inside) goes left, and drops out below
            hi = np.where(go_left, mid, hi)
            dh = np.where(go_left[None, :], dm, dh)
            lo = np.where(go_left, lo, mid)
            dl = np.where(go_left[None, :], dl, dm)
        width = xs[-1] - xs[0]
        fscale = 1 + np.abs(dl[0]) + np.abs(dh[0])
        continuous = np.abs(dh[0] - dl[0]) <= 1e-6 * fscale
        jump = np.abs(dh[1] - dl[1]) > 1e-6 * (1 + np.abs(dl[1]) + np.abs(dh[1]))
        narrow = (hi - lo) <= 1e-9 * width
        keep = continuous & jump & narrow & np.isfinite(dl[1]) & np.isfinite(dh[1])
    return [float((a + b) / 2) for a, b in zip(lo[keep], hi[keep])]


def _tidy(x, width):
    """A kink's x rounded to 10 digits of the range's width (0 rather than 1e-17)."""
    digits = 9 - int(math.floor(math.log10(width)))
    return round(x, digits) + 0.0


def plot_data(expr, wrt=None, range=None, orders=(0,), at=None, taylor=0, samples=SAMPLES,
              variables=None):
    """f and its derivatives sampled over a range, with gaps, kinks, the tangent and the
    Taylor polynomials at a point.

    ``range`` is ``"x=a:b"`` (or ``(a, b)`` with ``wrt``); ``orders`` the derivative orders
    to sample (0 is f); ``at`` gives the other variables' values and, optionally, ``x0``
    (``"x=1,y=2"``): with ``x0`` the tangent line at ``x0`` is drawn, and ``taylor=N`` adds
    the Taylor polynomials of orders 1..N there.  Returns a :class:`PlotData`.

    >>> p = hod.plot_data("abs(x)", range="x=-1:2", orders=[0, 1], samples=31)
    >>> [round(k.x, 12) for k in p.kinks], p.curves[1].label
    ([0.0], "f'")
    """
    from ..check.inputs import check_points, parse_expression, parse_point, variable_order

    orders = parse_orders(orders)
    name, lo, hi = parse_range(range, wrt)
    if wrt is not None and name is not None and name != wrt:
        raise UsageError("{range} names {name}, but {wrt} is {other}", param="range",
                         name=name, other=wrt)
    at = parse_point(at) if at is not None else parse_point({})
    text, (root,) = parse_expression(expr, sorted(at))
    names = variable_order([root], variables)
    wrt = wrt or name
    if wrt is None:
        if len(names) != 1:
            raise UsageError("{wrt} is needed: the expression has variables "
                             f"{', '.join(names) or 'none'}", param="wrt")
        wrt = names[0]
    if wrt not in names:
        names = [*names, wrt]
    check_points(names, [{**{n: 0.0 for n in names}, **at}])  # names nothing else
    missing = [n for n in names if n != wrt and n not in at]
    if missing:
        raise UsageError("{points} must give a value for " + ", ".join(missing)
                         + f" (the plot varies {wrt} only)", param="points")
    fixed = {n: float(at[n]) for n in names if n != wrt}
    x0 = float(at[wrt]) if wrt in at else None
    taylor = int(taylor or 0)
    if taylor and x0 is None:
        raise UsageError("{plot_taylor} needs the point: give " f"{wrt} in " "{points}",
                         param="plot_taylor")
    if not 0 <= taylor <= MAX_TAYLOR:
        raise UsageError("{plot_taylor} must be from 1 to " f"{MAX_TAYLOR}",
                         param="plot_taylor")
    if lo is None:
        c = x0 if x0 is not None else 0.0
        lo, hi = c - 5.0, c + 5.0
    samples = max(3, int(samples))

    top = max(orders[-1], 2, taylor)
    sample = _Sampler(root, wrt, fixed, top)
    xs = np.linspace(lo, hi, samples)
    d, kinks_met = sample(xs)
    curves = [Curve(derivative_label(k), "derivative", k, d[k].copy()) for k in orders]
    data = PlotData(text, wrt, names, (lo, hi), fixed, x0, xs, curves, f=d[0].copy())

    # kinks: at samples (Taylor mode says so), then between samples (f' jumps)
    found = {}
    if kinks_met:
        for i, prim in _kinks_at_samples(sample, xs).items():
            found[float(xs[i])] = ("taylor mode", prim)
    for x in _jumps(sample, xs, d):
        x = _tidy(x, hi - lo)
        if not any(abs(x - y) <= 1e-7 * (hi - lo) for y in found):
            found[x] = ("derivative jump", None)
    if found:
        kx = np.array(sorted(found))
        dk, kinks_there = sample(kx)
        for j, x in enumerate(kx):
            by, prim = found[float(x)]
            if prim is None and kinks_there:
                _, here = sample(np.array([x]))
                prim = here[0] if here else None
            data.kinks.append(Kink(float(x), {k: float(dk[k, j]) for k in orders}, by, prim))

    if x0 is not None:
        c0, kinks0 = sample(np.array([x0]))
        coeffs = [float(c0[k, 0]) / math.factorial(k) for k in builtins.range(top + 1)]
        data.taylor_coefficients = coeffs[:max(taylor, 1) + 1]
        with np.errstate(all="ignore"):
            t = xs - x0
            poly = np.full_like(xs, coeffs[0])
            for n in builtins.range(1, max(taylor, 1) + 1):
                poly = poly + coeffs[n] * t ** n
                if n == 1:
                    data.tangent = Curve(f"tangent at {wrt} = {_fmt(x0)}", "tangent", 1,
                                         poly.copy())
                if n <= taylor:
                    data.taylor.append(Curve(f"Taylor {n}", "taylor", n, poly.copy()))
        if not math.isfinite(coeffs[0]):
            data.notes.append(f"f is not defined at {wrt} = {_fmt(x0)}: no tangent")
            data.tangent, data.taylor = None, []
        elif kinks0:
            data.notes.append(f"{kinks0[0]} is not differentiable at {wrt} = {_fmt(x0)}: the "
                              f"tangent uses hod's convention there")
    if not np.isfinite(data.f_values).any():
        data.notes.append(f"f is not defined anywhere on {wrt} = {_fmt(lo)}..{_fmt(hi)}")
    return data


def _fmt(x):
    from ..text import fmt_number

    return fmt_number(float(x) + 0.0)


# --- shared by the renderers -------------------------------------------------------------

def y_limits(data):
    """(low, high) of the y axis: the derivative curves' finite values (the tangent and the
    Taylor polynomials are clipped to it); where a few samples run off (a pole), the range
    of the middle 90 % of them, widened by half on each side."""
    ys = np.concatenate([c.y[np.isfinite(c.y)] for c in data.curves] or [np.zeros(0)])
    if ys.size == 0:
        return -1.0, 1.0
    lo, hi = float(ys.min()), float(ys.max())
    plo, phi = (float(v) for v in np.percentile(ys, [5, 95]))
    if phi > plo and (hi - lo) > 20 * (phi - plo):
        lo, hi = max(lo, plo - 0.5 * (phi - plo)), min(hi, phi + 0.5 * (phi - plo))
    if hi - lo <= 1e-12 * max(abs(hi), abs(lo)):  # a constant: centred, half its size
        pad = 0.5 * abs(hi) if hi else 1.0
        return lo - pad, hi + pad
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def nice_ticks(lo, hi, most=6):
    """Round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi]: at most
    ``most`` of them, and at least two where a finer step allows.

    >>> nice_ticks(-1.05, 2.1), nice_ticks(0.24, 2.8, 3)
    ([-1.0, 0.0, 1.0, 2.0], [1.0, 2.0])
    """
    for m in range(most, most + 4):
        ticks = _ticks(lo, hi, m)
        if len(ticks) >= 2:
            return ticks
    return ticks


def _ticks(lo, hi, most):
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return [lo]
    raw = span / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    decimals = max(0, -int(math.floor(math.log10(step))))
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(round(k * step, decimals) + 0.0)
        k += 1
    return ticks
