#!/usr/bin/python3
"""The coefficients of kernel::erf_float (tensor/fast_math.h): least-squares polynomial fits on
Chebyshev nodes, in double, of
  erf(x) / x          as a polynomial P of degree 6 in t = x^2, for 0 <= x < 1.25;
  erfc(x) exp(x^2)    as a polynomial Q of degree 9 in u = x - 1.25, for 1.25 <= x <= 3.92.
Then evaluates both pieces in float32 (Horner, as the C++ does) and prints the worst absolute error
against math.erf on a fine grid. Run: /usr/bin/python3 tests/reference/fit_erf.py (needs numpy)."""
from math import erf, erfc, exp

import numpy as np

SWITCH, CLAMP = 1.25, 3.92  # erfc(3.92) = 5e-9 is below half a float ulp of 1: erf rounds to 1


def nodes(lo, hi, n=4000):
    return np.cos(np.pi * (np.arange(n) + 0.5) / n) * 0.5 * (hi - lo) + 0.5 * (hi + lo)


def horner(coeffs_high_first, u):
    acc = np.full_like(u, np.float32(coeffs_high_first[0]))
    for c in coeffs_high_first[1:]:
        acc = (acc * u + np.float32(c)).astype(np.float32)
    return acc


t = nodes(0.0, SWITCH * SWITCH)
p = np.polyfit(t, [erf(v) / v for v in np.sqrt(t)], 6)
x = nodes(SWITCH, CLAMP)
q = np.polyfit(x - SWITCH, [erfc(v) * exp(v * v) for v in x], 9)
print("P (constant first):", ", ".join("%.9gf" % c for c in p[::-1]))
print("Q (constant first):", ", ".join("%.9gf" % c for c in q[::-1]))

xs = np.linspace(1e-6, 5.0, 200001).astype(np.float32)
ac = np.minimum(xs, np.float32(CLAMP))
near = xs * horner(p, (xs * xs).astype(np.float32))
far = np.float32(1) - np.exp(-(ac.astype(np.float64) ** 2)).astype(np.float32) * horner(q, (ac - np.float32(SWITCH)))
approx = np.where(xs < SWITCH, near, far).astype(np.float32)
exact = np.array([erf(float(v)) for v in xs])
print("worst |error| on [0, 5]: %.3g" % np.max(np.abs(approx - exact)))
