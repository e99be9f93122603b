"""f, f' and f'' of a function with a kink, the tangent and the Taylor polynomials at a point:
hod.plot_data samples them (Taylor mode, at every sample at once), the terminal plot draws
them, and with matplotlib (pip install "hod[plot]") the same data goes to an SVG file.

Run: python examples/classroom/derivatives_plot.py [out.svg]
     (the same as: hod plot "abs(x - 1)*x + sin(2*x)" --range x=-2:3 --orders 0,1,2
      --at x=2 --taylor 3)
"""

import sys

import numpy as np

import hod
from hod.render_classroom import plot_lines

data = hod.plot_data("abs(x - 1)*x + sin(2*x)", range="x=-2:3", orders=[0, 1, 2],
                     at="x=2", taylor=3, samples=301)
print("\n".join(plot_lines(data, width=80, height=20)))

# what the plot is made of: the samples, with gaps as nan, the kinks found
f, df = data.curves[0].y, data.curves[1].y
print(f"{data.x.size} samples; f' ranges over {np.nanmin(df):.3f}..{np.nanmax(df):.3f}")
slope = hod.derivative(lambda x: hod.abs(x - 1) * x + hod.sin(2 * x))
for k in data.kinks:
    left, right = float(slope(k.x - 1e-9)), float(slope(k.x + 1e-9))
    print(f"kink at x = {k.x:g} ({k.found_by}): f' jumps from about {left:.3f} to {right:.3f}")
print("Taylor coefficients at x = 2:", [round(c, 6) for c in data.taylor_coefficients])

if len(sys.argv) > 1:
    from hod.classroom.plot_file import write_plot

    write_plot(data, sys.argv[1])  # needs matplotlib: pip install "hod[plot]"
    print("wrote", sys.argv[1])
