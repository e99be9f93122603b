"""The evaluation trace of Baydin et al.'s example, f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at
(2, 5): forward primal trace, tangents along x1 (forward mode), adjoints (reverse mode).

Run: python examples/classroom/wengert_list.py   (the same as: hod trace ... --at x1=2,x2=5)
"""

import hod

t = hod.trace("log(x1) + x1*x2 - sin(x2)", {"x1": 2, "x2": 5}, wrt="x1")
print(f"{'':4} {'formula':10} {'value':>12} {'tangent':>10} {'adjoint':>10}")
for n in t.nodes:
    print(f"{n.name:4} {n.math:10} {n.value:12.6f} {n.tangent:10.6f} {n.adjoint:10.6f}")
print(f"f = {t.value:.6f}, gradient = {[round(g, 6) for g in t.gradient]}")
# forward mode gives one directional derivative per sweep; reverse mode the whole gradient
assert t.nodes[-1].tangent == t.gradient[0]
