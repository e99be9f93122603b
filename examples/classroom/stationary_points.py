"""Every stationary point of Himmelblau's function in [-5, 5]^2, by Newton's method on hod's
gradient and Hessian, classified by the Hessian's eigenvalues.

Run: python examples/classroom/stationary_points.py
(the same as: hod critical "(x**2 + y - 11)**2 + (x + y**2 - 7)**2" --box x=-5:5,y=-5:5)
"""

import hod

c = hod.stationary_points("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", "x=-5:5,y=-5:5")
for p in c.points:
    eigs = ", ".join(f"{e:.4f}" for e in p.eigenvalues)
    print(f"x = {p.point['x']:9.6f}  y = {p.point['y']:9.6f}  f = {p.value:10.6f}  "
          f"{p.kind:8}  eigenvalues {eigs}")
