#!/bin/sh
# The classroom commands of the README, one after another (for a projector: COLUMNS=80).
set -x
hod trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5
hod graph "sin(x)*sin(x) + x*y" --at x=1,y=2
hod diff "sin(x)*exp(x)" --wrt x --order 10
hod hessian "x**2*y + exp(y)"
hod critical "x**2 - y**2" --near x=0.5,y=0.2 --steps
hod critical "(x**2 + y - 11)**2 + (x + y**2 - 7)**2" --box x=-5:5,y=-5:5
hod trace "x*y + exp(x)" --at x=0,y=2 --format latex
hod hessian "sin(x)*exp(y) + x**2*y" --at x=0.3,y=-1.2
hod plot "exp(sin(x))" --range x=-2:2 --orders 0,1 --at x=0.5 --taylor 2
hod plot "abs(x)" --range x=-1:2 --orders 0,1
