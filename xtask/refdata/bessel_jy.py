#!/usr/bin/env python3
"""Reference values of the Bessel functions J_v(x), Y_v(x) of real order, their
x-derivatives, and the spherical Bessel functions j_n(x), y_n(x), at 30+
significant digits, over v in [-50, 1e4] and x in [1e-300, 1e300].

Methods (mpmath, working precision 50 digits plus the digits of x):
- where mpmath's own besselj/bessely are practical (max(|v|, x) <= 12000 and
  not out in the asymptotic regions): mpmath.besselj / mpmath.bessely with a
  raised precision cap.
- x > v with w = sqrt(x^2 - v^2) large: the oscillatory Debye expansion
  (DLMF 10.19.6-7) with 40 exact rational terms u_k(i cot beta) / v^k, used
  only where the last term is below 1e-40 of the sum; the phase
  w - v acos(v/x) - pi/4 is formed with enough digits for x up to 1e300.
- x < v: the monotone Debye expansion (DLMF 10.19.3-4) under the same rule.
- negative order: the reflection formulas J_{-v} = cos(v pi) J_v - sin(v pi) Y_v,
  Y_{-v} = sin(v pi) J_v + cos(v pi) Y_v.
Derivatives come from J_v' = (v/x) J_v - J_{v+1} (same for Y), and every point
is checked with the Wronskian J_{v+1} Y_v - J_v Y_{v+1} = 2/(pi x) (to 1e-30
relative); points in the overlap of the expansions and mpmath are compared
(to 1e-28 of the modulus).

Writes crates/special/tests/data/bessel_jy.csv with columns
v, x, J, Y, dJ, dY, M, N, where M = sqrt(J^2 + Y^2) and N = sqrt(dJ^2 + dY^2)
are the moduli that scale the absolute error in the oscillatory region, and
crates/special/tests/data/sph_bessel.csv with n, x, j, y, dj, dy, m, mp.
Values beyond the double range are written as 0, inf or -inf.
Run from the repository root: `cargo xtask refdata bessel_jy`.
"""
import math
import random
from fractions import Fraction as F
from pathlib import Path

import mpmath
from mpmath import mpf

OUT = Path("crates/special/tests/data/bessel_jy.csv")
OUT_SPH = Path("crates/special/tests/data/sph_bessel.csv")
TERMS = 40


def debye_polys(n):
    """u_k(t) as {power of t: exact coefficient} (DLMF 10.41.10)."""

    def deriv(p):
        return {k - 1: c * k for k, c in p.items() if k > 0}

    def integ(p):
        return {k + 1: c / (k + 1) for k, c in p.items()}

    def mul(p, q):
        r = {}
        for a, ca in p.items():
            for b, cb in q.items():
                r[a + b] = r.get(a + b, 0) + ca * cb
        return r

    u = [{0: F(1)}]
    for k in range(n):
        a = mul({2: F(1, 2), 4: F(-1, 2)}, deriv(u[k]))
        b = integ(mul({0: F(1), 2: F(-5)}, u[k]))
        nxt = dict(a)
        for e, c in b.items():
            nxt[e] = nxt.get(e, 0) + c / 8
        u.append({e: c for e, c in nxt.items() if c != 0})
    return [[(e, c) for e, c in p.items()] for p in u]


U = debye_polys(TERMS)
U_MP = None


def u_terms():
    global U_MP
    if U_MP is None or U_MP[0] != mpmath.mp.dps:
        U_MP = (mpmath.mp.dps, [[(e, mpf(c.numerator) / c.denominator) for e, c in p] for p in U])
    return U_MP[1]


def debye_oscillatory(v, x):
    """(J_v, Y_v, ok) for 0 <= v < x; u_k(i c)/v^k = sum c_e i^e v^(e-k)/w^e."""
    w = mpmath.sqrt(x * x - v * v)
    even = mpf(0)
    odd = mpf(0)  # the imaginary part of the odd sum
    last = mpf(0)
    for k, p in enumerate(u_terms()):
        term = mpf(0)
        for e, c in p:
            # i^e: e has the parity of k.
            sgn = 1 if e % 4 in (0, 1) else -1
            term += sgn * c * v ** (e - k) / w**e
        if k % 2 == 0:
            even += term
        else:
            odd += term
        last = abs(term)
    xi = w - v * mpmath.acos(v / x) - mpmath.pi / 4
    amp = mpmath.sqrt(2 / (mpmath.pi * w))
    # J = amp (cos xi E - i sin xi O), O = i odd; Y = amp (sin xi E + i cos xi O).
    j = amp * (mpmath.cos(xi) * even + mpmath.sin(xi) * odd)
    y = amp * (mpmath.sin(xi) * even - mpmath.cos(xi) * odd)
    return j, y, last < mpf(10) ** -40 * max(abs(even), abs(odd), 1)


def debye_monotone(v, x):
    """(J_v, Y_v, ok) for 0 < x < v; u_k(t)/v^k = sum c_e v^(e-k)/w^e."""
    w = mpmath.sqrt(v * v - x * x)
    sp = mpf(0)
    sm = mpf(0)
    last = mpf(0)
    for k, p in enumerate(u_terms()):
        term = sum(c * v ** (e - k) / w**e for e, c in p)
        sp += term
        sm += (-1) ** k * term
        last = abs(term)
    ex = v * mpmath.acosh(v / x) - w
    j = mpmath.exp(-ex) / mpmath.sqrt(2 * mpmath.pi * w) * sp
    y = -mpmath.exp(ex) / mpmath.sqrt(mpmath.pi * w / 2) * sm
    return j, y, last < mpf(10) ** -40


KW = dict(maxprec=300000, maxterms=10**6)


def direct(v, x):
    return mpmath.besselj(v, x, **KW), mpmath.bessely(v, x, **KW)


def jy_nonneg(v, x):
    """J_v(x), Y_v(x) for v >= 0 and the method used."""
    big = max(v, x)
    if x > v and x - v > 10 * v ** (1 / 3) + 20:
        j, y, ok = debye_oscillatory(v, x)
        if ok:
            if big < 3000 and x < 600:
                jd, yd = direct(v, x)
                m = mpmath.sqrt(jd * jd + yd * yd)
                if max(abs(j - jd), abs(y - yd)) > mpf(10) ** -28 * m:
                    raise SystemExit(f"oscillatory expansion disagrees at v={v}, x={x}")
            return j, y
    if x < v and v - x > 10 * v ** (1 / 3) + 20:
        j, y, ok = debye_monotone(v, x)
        if ok:
            if v < 600 and x > 1e-20:
                jd, yd = direct(v, x)
                if abs(j - jd) > mpf(10) ** -28 * abs(jd) or abs(y - yd) > mpf(10) ** -28 * abs(yd):
                    raise SystemExit(f"monotone expansion disagrees at v={v}, x={x}")
            return j, y
    if big > 15000:
        raise SystemExit(f"no method for v={v}, x={x}")
    return direct(v, x)


def point(v, x):
    """J, Y, J', Y' at (v, x); negative orders by reflection of all four."""
    digits = 50 + max(0, int(math.log10(max(abs(v), x, 1.0))))
    with mpmath.workdps(digits):
        a = mpf(abs(v))
        xm = mpf(x)
        j, y = jy_nonneg(a, xm)
        j1, y1 = jy_nonneg(a + 1, xm)
        wr = (j1 * y - j * y1) * mpmath.pi * xm / 2
        if abs(wr - 1) > mpf(10) ** -30:
            raise SystemExit(f"Wronskian check failed at v={v!r}, x={x!r}: {wr}")
        dj = a / xm * j - j1
        dy = a / xm * y - y1
        if v < 0:
            c = mpmath.cospi(a)
            s = mpmath.sinpi(a)
            j, y = c * j - s * y, s * j + c * y
            dj, dy = c * dj - s * dy, s * dj + c * dy
        return j, y, dj, dy


def fmt(val):
    return repr(float(val))


def grid():
    rng = random.Random(20261123)
    pts = set()
    vs = [0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.75, 10.0, 20.5, 50.0, 99.5, 250.0, 1000.0, 3000.25, 10000.0]
    vneg = [-0.25, -0.5, -1.0, -2.0, -3.3, -10.5, -50.25]
    xs = [1e-300, 1e-100, 1e-30, 1e-10, 1e-5, 1e-3, 0.01, 0.1, 0.5, 1.0, 1.7, 2.0, 2.5, 3.3, 5.0,
          7.5, 10.0, 15.0, 22.0, 31.0, 47.0, 70.0, 100.0, 170.0, 300.0, 700.0, 1500.0, 4000.0,
          1e4, 3e4, 1e5, 1e6, 1e8, 1e12, 1e20, 1e50, 1e100, 1e200, 1e300]
    for v in vs + vneg:
        for x in xs:
            if abs(v) >= 1000 and 0.2 * abs(v) < x < 2 * abs(v):
                continue  # the transition band is sampled below
            pts.add((v, x))
    # Around the turning point x = v.
    for v in vs + vneg:
        a = abs(v)
        if a >= 1:
            for f in (0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 2.0):
                pts.add((v, a * f))
    # Near the zeros of J and Y (absolute error is the measure there).
    for v in (0.0, 1.0, 2.5, 10.0):
        for k in (1, 2, 3, 10):
            pts.add((v, float(mpmath.besseljzero(v, k))))
            pts.add((v, float(mpmath.besselyzero(v, k))))
    # The integer-order fast path on (2, 26).
    for v in (0.0, 1.0, -1.0):
        for _ in range(30):
            pts.add((v, rng.uniform(2.0, 26.0)))
    # Random: moderate region and log-uniform over the whole domain.
    for _ in range(150):
        pts.add((rng.uniform(-20, 60), rng.uniform(0.01, 80)))
    for _ in range(100):
        v = 10 ** rng.uniform(-2, 4) * (1 if rng.random() < 0.85 else -0.01)
        x = 10 ** rng.uniform(-300, 300) if rng.random() < 0.3 else 10 ** rng.uniform(-3, 5)
        if abs(v) >= 1000 and 0.2 * abs(v) < x < 2 * abs(v):
            continue
        pts.add((float(v), float(x)))
    return sorted(pts)


def sph_grid():
    pts = set()
    for n in (0, 1, 2, 3, 5, 10, 20, 50, 100, 500):
        for x in (1e-300, 1e-100, 1e-10, 1e-3, 0.1, 0.5, 1.0, 2.0, 3.5, 5.0, 10.0, 25.0, 60.0,
                  150.0, 400.0, 1e3, 1e5, 1e10, 1e100, 1e300):
            pts.add((n, x))
        if n >= 2:
            for f in (0.5, 0.9, 1.0, 1.1, 2.0):
                pts.add((n, n * f))
    return sorted(pts)


def main():
    lines = ["v,x,j,y,dj,dy,m,n"]
    pts = grid()
    for i, (v, x) in enumerate(pts):
        j, y, dj, dy = point(v, x)
        m = mpmath.sqrt(j * j + y * y)
        n = mpmath.sqrt(dj * dj + dy * dy)
        lines.append(",".join([repr(v), repr(x)] + [fmt(t) for t in (j, y, dj, dy, m, n)]))
        if i % 100 == 0:
            print(f"{i}/{len(pts)}", flush=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(pts)} points)")

    lines = ["n,x,j,y,dj,dy,m,mp"]
    for n, x in sph_grid():
        digits = 50 + max(0, int(math.log10(max(n, x, 1.0))))
        with mpmath.workdps(digits):
            j, y, dj, dy = point(n + 0.5, x)
            xm = mpf(x)
            f = mpmath.sqrt(mpmath.pi / (2 * xm))
            # j_n = f J, j_n' = f (J' - J/(2x)).
            sj, sy = f * j, f * y
            sdj, sdy = f * (dj - j / (2 * xm)), f * (dy - y / (2 * xm))
            m = mpmath.sqrt(sj * sj + sy * sy)
            mp = mpmath.sqrt(sdj * sdj + sdy * sdy)
            lines.append(",".join([str(n), repr(x)] + [fmt(t) for t in (sj, sy, sdj, sdy, m, mp)]))
    OUT_SPH.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT_SPH}")


if __name__ == "__main__":
    main()
