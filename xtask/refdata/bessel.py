#!/usr/bin/env python3
"""Reference values of ln I_v(x) and ln K_v(x) (and the ratio I_{v+1}/I_v) at
50 significant digits, over v in [0, 1e8] and x in [1e-300, 1e300], including
the regions where SciPy's ive/kve under- or overflow.

Methods (mpmath, 60-digit working precision):
- r = sqrt(v^2 + x^2) < 200: mpmath.besseli / mpmath.besselk (the latter with
  60 and 90 extra digits, which must agree: at working precision it can lose
  many digits at moderate order).
- r >= 200: the uniform (Debye) expansion (DLMF 10.41) in powers of 1/r with
  40 exact rational terms; the first neglected term is below 1e-55 there.
  Points with 200 <= r < 600 and v < 300 are also checked against
  mpmath.besseli/besselk directly (to 1e-25), which validates the expansion.
Every point is cross-checked with the Wronskian
I_v K_{v+1} + I_{v+1} K_v = 1/x; the script stops if any point misses it by
more than 1e-30.

Writes crates/special/tests/data/log_bessel.csv with columns
v, x, then ln I, ln K and I_{v+1}/I_v each as a double-double pair (hi, lo)
with hi the correctly rounded value, so that errors below one ulp can be
measured.
Run from the repository root: `cargo xtask refdata bessel`.
"""
import math
import random
from fractions import Fraction as F
from pathlib import Path

import mpmath
from mpmath import mpf

mpmath.mp.dps = 60
OUT = Path("crates/special/tests/data/log_bessel.csv")
TERMS = 40


def debye_polys(n):
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
        nxt = {e: c for e, c in a.items()}
        for e, c in b.items():
            nxt[e] = nxt.get(e, 0) + c / 8
        u.append({e: c for e, c in nxt.items() if c != 0})
    return [[(e, mpf(c.numerator) / c.denominator) for e, c in p.items()] for p in u]


U = debye_polys(TERMS)


def log_i_debye(v, x):
    r = mpmath.sqrt(v * v + x * x)
    t = v / r
    s = mpf(0)
    for k, p in enumerate(U):
        s += sum(c * t ** (e - k) for e, c in p) / r**k
    eta_v = r - v * mpmath.asinh(v / x)
    return eta_v - mpmath.log(2 * mpmath.pi * r) / 2 + mpmath.log(s)


def log_k_debye(v, x):
    r = mpmath.sqrt(v * v + x * x)
    t = v / r
    s = mpf(0)
    for k, p in enumerate(U):
        s += (-1) ** k * sum(c * t ** (e - k) for e, c in p) / r**k
    eta_v = r - v * mpmath.asinh(v / x)
    return -eta_v + mpmath.log(mpmath.pi / (2 * r)) / 2 + mpmath.log(s)


def besselk_guarded(v, x):
    """mpmath.besselk cancels I_{-v} against I_v for non-integer v and can
    lose many digits at moderate v; evaluate with 60 extra digits and
    require agreement with a second evaluation at 90 extra."""
    with mpmath.extradps(60):
        a = mpmath.besselk(v, x)
    with mpmath.extradps(90):
        b = mpmath.besselk(v, x)
    if abs(a - b) > abs(b) * mpf(10) ** -40:
        raise SystemExit(f"besselk unstable at v={v}, x={x}")
    return b


def ref(v, x):
    v = mpf(v)
    x = mpf(x)
    r = mpmath.sqrt(v * v + x * x)
    if r < 200:
        li = mpmath.log(mpmath.besseli(v, x))
        lk = mpmath.log(besselk_guarded(v, x))
    else:
        li = log_i_debye(v, x)
        lk = log_k_debye(v, x)
        if r < 600 and v < 300:
            di = li - mpmath.log(mpmath.besseli(v, x))
            dk = lk - mpmath.log(besselk_guarded(v, x))
            if max(abs(di), abs(dk)) > mpf(10) ** -25 * max(1, abs(li), abs(lk)):
                raise SystemExit(f"expansion disagrees with mpmath at v={v}, x={x}")
    return li, lk


def point(v, x):
    # ln I and ln K reach |v eta| ~ r; carry enough digits to keep 50 after it.
    digits = 60 + max(0, int(math.log10(max(v, x, 1.0))))
    with mpmath.workdps(digits):
        li, lk = ref(v, x)
        li1, lk1 = ref(mpf(v) + 1, x)
        lx = mpmath.log(mpf(x))
        w = mpmath.exp(li + lk1 + lx) + mpmath.exp(li1 + lk + lx)
        if abs(w - 1) > mpf(10) ** -30:
            raise SystemExit(f"Wronskian check failed at v={v!r}, x={x!r}: {w}")
        return li, lk, mpmath.exp(li1 - li)


def grid():
    rng = random.Random(20241103)
    pts = set()
    # Structured: the paper's style grid, v log-spaced with 0, x log-spaced.
    vs = [0.0] + [10.0 ** (e / 4) for e in range(-8, 17)]
    xs = [10.0 ** (e / 2) for e in range(-12, 11)]
    for v in vs:
        for x in xs:
            pts.add((v, x))
    # Random: log-uniform over the whole domain.
    for _ in range(500):
        v = 10 ** rng.uniform(-3, 6) if rng.random() < 0.9 else rng.choice([0.0, 0.5, 1.0, 2.0])
        x = 10 ** rng.uniform(-300, 300) if rng.random() < 0.3 else 10 ** rng.uniform(-6, 7)
        pts.add((float(v), float(x)))
    # Moderate region where the small-argument methods work.
    for _ in range(300):
        pts.add((rng.uniform(0, 35), rng.uniform(1e-3, 35)))
    # The band where ln I_v(x) is near zero for large v (x/v about 0.66).
    for _ in range(200):
        v = 10 ** rng.uniform(1, 6)
        pts.add((v, v * rng.uniform(0.55, 0.8)))
    # Large orders (vMF in p = 32768 and beyond).
    for v in (16383.0, 16384.0, 1e6, 1e7, 1e8):
        for e in range(-3, 12):
            pts.add((v, 10.0**e))
    return sorted(pts)


def main():
    lines = ["v,x,ln_i_hi,ln_i_lo,ln_k_hi,ln_k_lo,ratio_hi,ratio_lo"]
    pts = grid()
    for i, (v, x) in enumerate(pts):
        li, lk, ratio = point(v, x)
        cols = [repr(v), repr(x)]
        for val in (li, lk, ratio):
            hi = float(val)
            cols += [repr(hi), repr(float(val - mpf(hi)))]
        lines.append(",".join(cols))
        if i % 100 == 0:
            print(f"{i}/{len(pts)}", flush=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(pts)} points)")


if __name__ == "__main__":
    main()
