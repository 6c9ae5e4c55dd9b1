"""Reference tables for orthogonal polynomials, Gauss rules, spherical
harmonics and Wigner 3j symbols (mpmath at 40-50 digits, exact rationals).

Run from the repository root: `cargo xtask refdata orthopoly`.
Writes under crates/special/tests/data/:
  orthopoly_values.csv  family,n,a,b,x,value,derivative
  quadrature.csv        family,n,a,b,index,node,log_weight
  sph_harm.csv          l,m,x,value        (fully normalised P̄_l^m(x), CS phase)
  wigner3j.csv          j1,j2,j3,m1,m2,m3,value
Needs mpmath, numpy and scipy (numpy and scipy only seed the large-n Newton
refinements).
"""

import csv
import os
import random
from fractions import Fraction
from math import factorial

import mpmath as mp
import numpy as np

mp.mp.dps = 50
OUT = os.path.join("crates", "special", "tests", "data")
os.makedirs(OUT, exist_ok=True)
rng = random.Random(20261123)


def s(v):
    return mp.nstr(mp.mpf(v), 20, min_fixed=-3, max_fixed=3) if v != 0 else "0"


# ---------------------------------------------------------------- values
# Polynomial values are exact: the three-term recurrence (a mathematical
# identity, DLMF 18.9) and its derivative are run in rational arithmetic on
# the exact binary value of x, then rounded once.
def coeffs(fam, k, a, b):
    """(A_k, B_k, C_k) with p_{k+1} = (A_k x + B_k) p_k - C_k p_{k-1}."""
    F = Fraction
    k = F(k)
    if fam == "legendre":
        return (2 * k + 1) / (k + 1), F(0), k / (k + 1)
    if fam == "chebyshev_t":
        return (F(1) if k == 0 else F(2)), F(0), F(1)
    if fam == "chebyshev_u":
        return F(2), F(0), F(1)
    if fam == "hermite_h":
        return F(2), F(0), 2 * k
    if fam == "hermite_he":
        return F(1), F(0), k
    if fam == "gegenbauer":
        return 2 * (k + a) / (k + 1), F(0), (k + 2 * a - 1) / (k + 1)
    if fam == "laguerre":
        return F(-1) / (k + 1), (2 * k + 1 + a) / (k + 1), (k + a) / (k + 1)
    if fam == "jacobi":
        if k == 0:
            return (a + b + 2) / 2, (a - b) / 2, F(0)
        sk = 2 * k + a + b
        den = 2 * (k + 1) * (k + a + b + 1) * sk
        return (sk + 1) * (sk + 2) * sk / den, (sk + 1) * (a * a - b * b) / den, 2 * (k + a) * (k + b) * (sk + 2) / den
    raise ValueError(fam)


def exact(fam, n, a, b, x):
    a, b, x = Fraction(a), Fraction(b), Fraction(x)
    p0, p = Fraction(0), Fraction(1)
    d0, d = Fraction(0), Fraction(0)
    for k in range(n):
        A, B, C = coeffs(fam, k, a, b)
        p0, p, d0, d = p, (A * x + B) * p - C * p0, d, A * p + (A * x + B) * d - C * d0
    return p, d


def mpq(q):
    return mp.mpf(q.numerator) / q.denominator


FAMILIES = [("legendre", 0, 0), ("chebyshev_t", 0, 0), ("chebyshev_u", 0, 0), ("hermite_h", 0, 0),
            ("hermite_he", 0, 0), ("hermite_function", 0, 0), ("gegenbauer", 0.5, 0), ("gegenbauer", 2.5, 0),
            ("laguerre", 0.0, 0), ("laguerre", -0.5, 0), ("laguerre", 3.0, 0),
            ("jacobi", 0.5, -0.5), ("jacobi", 2.0, 3.5), ("jacobi", -0.75, 1.25)]


def values():
    rows = []
    for fam, a, b in FAMILIES:
        ns = [0, 1, 2, 3, 7, 20, 60, 200]
        if fam == "hermite_function":
            ns += [500, 1000]
        for n in ns:
            if fam in ("hermite_h", "hermite_he"):
                xs = [-3.5, -0.3, 0.0, 0.7, 2.2, 9.0]
            elif fam == "laguerre":
                xs = [0.0, 0.05, 1.3, 7.5, 40.0, 150.0]
            elif fam == "hermite_function":
                xs = [0.0, 0.4, -3.1, 12.0, 30.0, 45.0]
            else:
                xs = [-1.0, -0.97, -0.31, 0.0, 0.123, 0.5, 0.999, 1.0, 1.7]
            for x in xs:
                if fam == "hermite_function":
                    h, dh = exact("hermite_h", n, 0, 0, x)
                    xm = mp.mpf(x)
                    c = mp.exp(-xm * xm / 2) / mp.sqrt(mp.power(2, n) * mp.factorial(n) * mp.sqrt(mp.pi))
                    v, d = mpq(h) * c, (mpq(dh) - xm * mpq(h)) * c
                else:
                    p, dp = exact(fam, n, a, b, x)
                    v, d = mpq(p), mpq(dp)
                rows.append([fam, n, a, b, repr(x), s(v), s(d)])
    with open(os.path.join(OUT, "orthopoly_values.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["family", "n", "a", "b", "x", "value", "derivative"])
        w.writerows(rows)


# ---------------------------------------------------------------- quadrature
def golub_welsch(diag, off, mu0):
    """Nodes and log-weights from the Jacobi matrix (mpmath eigsy)."""
    n = len(diag)
    J = mp.zeros(n, n)
    for i in range(n):
        J[i, i] = diag[i]
        if i + 1 < n:
            J[i, i + 1] = off[i]
            J[i + 1, i] = off[i]
    E, Q = mp.eigsy(J)
    pairs = sorted((E[i], mp.log(mu0) + 2 * mp.log(abs(Q[0, i]))) for i in range(n))
    return pairs


def jacobi_matrix(fam, n, a, b):
    a, b = mp.mpf(a), mp.mpf(b)
    if fam == "legendre":
        return [mp.mpf(0)] * n, [k / mp.sqrt(4 * k * k - 1) for k in range(1, n)], mp.mpf(2)
    if fam == "hermite":
        return [mp.mpf(0)] * n, [mp.sqrt(mp.mpf(k) / 2) for k in range(1, n)], mp.sqrt(mp.pi)
    if fam == "laguerre":
        return ([2 * k + a + 1 for k in range(n)], [mp.sqrt(k * (k + a)) for k in range(1, n)], mp.gamma(a + 1))
    if fam == "jacobi":
        d = []
        for k in range(n):
            sk = 2 * k + a + b
            d.append((b - a) / (a + b + 2) if k == 0 else (b * b - a * a) / (sk * (sk + 2)))
        o = []
        for k in range(1, n):
            sk = 2 * k + a + b
            if k == 1:
                o.append(mp.sqrt(4 * (1 + a) * (1 + b) / (sk * sk * (sk + 1))))
            else:
                o.append(mp.sqrt(4 * k * (k + a) * (k + b) * (k + a + b) / (sk * sk * (sk + 1) * (sk - 1))))
        mu0 = mp.power(2, a + b + 1) * mp.gamma(a + 1) * mp.gamma(b + 1) / mp.gamma(a + b + 2)
        return d, o, mu0
    raise ValueError(fam)


def newton_legendre(n, x0):
    x = mp.mpf(x0)
    for _ in range(60):
        p = mp.legendre(n, x)
        pm = mp.legendre(n - 1, x)
        dp = n * (x * p - pm) / (x * x - 1)
        dx = p / dp
        x -= dx
        if abs(dx) < mp.mpf(10) ** (-45):
            break
    pm = mp.legendre(n - 1, x)
    p = mp.legendre(n, x)
    dp = n * (x * p - pm) / (x * x - 1)
    return x, mp.log(2 / ((1 - x * x) * dp * dp))


def newton_hermite(n, x0):
    x = mp.mpf(x0)
    for _ in range(60):
        p = mp.hermite(n, x)
        dp = 2 * n * mp.hermite(n - 1, x)
        dx = p / dp
        x -= dx
        if abs(dx) < mp.mpf(10) ** (-45):
            break
    hm = mp.hermite(n - 1, x)
    lw = (n - 1) * mp.log(2) + mp.loggamma(n + 1) + mp.log(mp.pi) / 2 - 2 * mp.log(n) - 2 * mp.log(abs(hm))
    return x, lw


def tridiagonal_seed(fam, n, a, b):
    """Double-precision Golub-Welsch nodes (seeds for Newton)."""
    from scipy.linalg import eigh_tridiagonal

    d, o, _ = jacobi_matrix(fam, n, a, b)
    return eigh_tridiagonal(np.array([float(v) for v in d]), np.array([float(v) for v in o]), eigvals_only=True)


def newton_laguerre(n, a, x0):
    """Zero of L_n^a near x0 and its log Christoffel weight
    Gamma(n+a+1)/(n! x [L_n^a'(x)]^2) (A&S 25.4.45), L_n^a' = -L_{n-1}^{a+1}."""
    a, x = mp.mpf(a), mp.mpf(x0)
    for _ in range(60):
        dx = mp.laguerre(n, a, x) / -mp.laguerre(n - 1, a + 1, x)
        x -= dx
        if abs(dx) < abs(x) * mp.mpf(10) ** (-45):
            break
    dp = mp.laguerre(n - 1, a + 1, x)
    return x, mp.loggamma(n + a + 1) - mp.loggamma(n + 1) - mp.log(x) - 2 * mp.log(abs(dp))


def jacobi_recurrence(n, a, b, x):
    """P_n^(a,b)(x) by the three-term recurrence (DLMF 18.9.2), forward-stable
    on (-1, 1); mpmath's hypergeometric form fails near the zeros at n = 1000."""
    p0, p1 = mp.mpf(1), (a + 1) + (a + b + 2) * (x - 1) / 2
    if n == 0:
        return p0
    for k in range(2, n + 1):
        c = 2 * k + a + b
        p0, p1 = p1, ((c - 1) * (c * (c - 2) * x + a * a - b * b) * p1
                      - 2 * (k + a - 1) * (k + b - 1) * c * p0) / (2 * k * (k + a + b) * (c - 2))
    return p1


def newton_jacobi(n, a, b, x0):
    """Zero of P_n^(a,b) near x0 and its log Christoffel weight
    2^(a+b+1) Gamma(n+a+1) Gamma(n+b+1) / (Gamma(n+a+b+1) n! (1-x^2) [P_n']^2)
    (A&S 25.4.29), P_n^(a,b)' = (n+a+b+1)/2 P_{n-1}^(a+1,b+1)."""
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x0)
    for _ in range(60):
        dp = (n + a + b + 1) / 2 * jacobi_recurrence(n - 1, a + 1, b + 1, x)
        dx = jacobi_recurrence(n, a, b, x) / dp
        x -= dx
        if abs(dx) < mp.mpf(10) ** (-45):
            break
    dp = (n + a + b + 1) / 2 * jacobi_recurrence(n - 1, a + 1, b + 1, x)
    lw = ((a + b + 1) * mp.log(2) + mp.loggamma(n + a + 1) + mp.loggamma(n + b + 1)
          - mp.loggamma(n + a + b + 1) - mp.loggamma(n + 1) - mp.log(1 - x * x) - 2 * mp.log(abs(dp)))
    return x, lw


def quadrature():
    rows = []
    mp.mp.dps = 40
    cases = [("legendre", 0, 0), ("hermite", 0, 0), ("laguerre", 0.0, 0), ("laguerre", 2.5, 0),
             ("laguerre", -0.5, 0), ("jacobi", 0.5, -0.5), ("jacobi", 2.0, 3.5), ("jacobi", -0.75, -0.75)]
    for fam, a, b in cases:
        for n in (1, 2, 5, 20, 64):
            d, o, mu0 = jacobi_matrix(fam, n, a, b)
            for i, (x, lw) in enumerate(golub_welsch(d, o, mu0)):
                rows.append([fam, n, a, b, i, s(x), s(lw)])
    # Large n: Newton at 40 digits from numpy seeds, on a subset of indices.
    for n in (300, 1000):
        xs, _ = np.polynomial.legendre.leggauss(n)
        for i in sorted(set(list(range(n - 6, n)) + [n // 2 + 1, n // 2 + 7, (3 * n) // 4])):
            x, lw = newton_legendre(n, xs[i])
            rows.append(["legendre", n, 0, 0, i, s(x), s(lw)])
        xs, _ = np.polynomial.hermite.hermgauss(n)
        for i in sorted(set(list(range(n - 4, n)) + [n // 2 + 1, (3 * n) // 4])):
            x, lw = newton_hermite(n, xs[i])
            rows.append(["hermite", n, 0, 0, i, s(x), s(lw)])
    # Laguerre and Jacobi at large n: both ends, where the asymptotic
    # guesses are poorest, and the bulk.
    for n in (300, 1000):
        picks = sorted(set([0, 1, 2, n // 3, n // 2 + 1, n - 3, n - 2, n - 1]))
        for a in (0.0, 2.5, -0.5):
            xs = tridiagonal_seed("laguerre", n, a, 0)
            for i in picks:
                x, lw = newton_laguerre(n, a, xs[i])
                rows.append(["laguerre", n, a, 0, i, s(x), s(lw)])
        for a, b in ((0.5, -0.5), (2.0, 3.5), (-0.75, -0.75)):
            xs = tridiagonal_seed("jacobi", n, a, b)
            for i in picks:
                x, lw = newton_jacobi(n, a, b, xs[i])
                rows.append(["jacobi", n, a, b, i, s(x), s(lw)])
    with open(os.path.join(OUT, "quadrature.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["family", "n", "a", "b", "index", "node", "log_weight"])
        w.writerows(rows)
    mp.mp.dps = 50


# ---------------------------------------------------------------- spherical harmonics
def pbar(l, m, x):
    """Fully normalised associated Legendre with the Condon-Shortley phase:
    (-1)^m norm (1-x^2)^(m/2) (2m-1)!! C_{l-m}^(m+1/2)(x), the Gegenbauer
    factor by its recurrence at 90 digits."""
    with mp.workdps(90):
        lam = mp.mpf(m) + mp.mpf(1) / 2
        c0, c = mp.mpf(0), mp.mpf(1)
        for k in range(l - m):
            c0, c = c, (2 * (k + lam) * x * c - (k + 2 * lam - 1) * c0) / (k + 1)
        dfact = mp.mpf(1)
        for j in range(1, 2 * m, 2):
            dfact *= j
        norm = mp.sqrt((2 * l + 1) / (4 * mp.pi) * mp.factorial(l - m) / mp.factorial(l + m))
        v = (-1) ** m * norm * mp.power(1 - x * x, mp.mpf(m) / 2) * dfact * c
    return +v


def sph_harm():
    rows = []
    pts = [-0.999, -0.6, -0.05, 0.0, 0.3, 0.77, 0.9999, 1.0]
    for l in (0, 1, 2, 3, 5, 10, 31, 100, 400, 1000):
        ms = sorted(m for m in {0, 1, 2, l // 3, l // 2, max(l - 1, 0), l} if m <= l)
        for m in ms:
            for x in pts:
                rows.append([l, m, repr(x), s(pbar(l, m, mp.mpf(x)))])
    with open(os.path.join(OUT, "sph_harm.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["l", "m", "x", "value"])
        w.writerows(rows)


# ---------------------------------------------------------------- Wigner 3j
def threej_exact(j1, j2, j3, m1, m2, m3):
    """Racah's formula in exact rational arithmetic, then one square root."""
    if m1 + m2 + m3 != 0 or j3 < abs(j1 - j2) or j3 > j1 + j2:
        return mp.mpf(0)
    if abs(m1) > j1 or abs(m2) > j2 or abs(m3) > j3:
        return mp.mpf(0)
    f = factorial
    delta = Fraction(f(j1 + j2 - j3) * f(j1 - j2 + j3) * f(-j1 + j2 + j3), f(j1 + j2 + j3 + 1))
    pref = delta * f(j1 + m1) * f(j1 - m1) * f(j2 + m2) * f(j2 - m2) * f(j3 + m3) * f(j3 - m3)
    kmin = max(0, j2 - j3 - m1, j1 - j3 + m2)
    kmax = min(j1 + j2 - j3, j1 - m1, j2 + m2)
    total = Fraction(0)
    for k in range(kmin, kmax + 1):
        den = f(k) * f(j3 - j2 + k + m1) * f(j3 - j1 + k - m2) * f(j1 + j2 - j3 - k) * f(j1 - k - m1) * f(j2 - k + m2)
        total += Fraction((-1) ** k, den)
    sign = -1 if (j1 - j2 - m3) % 2 else 1
    # value = sign * sqrt(pref) * total, evaluated at 50 digits.
    return sign * mp.sqrt(mp.mpf(pref.numerator) / pref.denominator) * (mp.mpf(total.numerator) / total.denominator)


def wigner():
    rows = []
    seen = set()

    def add(j1, j2, j3, m1, m2):
        m3 = -m1 - m2
        key = (j1, j2, j3, m1, m2, m3)
        if key in seen:
            return
        seen.add(key)
        rows.append(list(key) + [s(threej_exact(*key))])

    for _ in range(300):
        j1, j2 = rng.randint(0, 12), rng.randint(0, 12)
        j3 = rng.randint(abs(j1 - j2), j1 + j2)
        m1, m2 = rng.randint(-j1, j1), rng.randint(-j2, j2)
        if abs(m1 + m2) <= j3:
            add(j1, j2, j3, m1, m2)
    for _ in range(120):
        j1, j2 = rng.randint(20, 300), rng.randint(20, 300)
        j3 = rng.randint(abs(j1 - j2), j1 + j2)
        m1, m2 = rng.randint(-j1, j1), rng.randint(-j2, j2)
        if abs(m1 + m2) <= j3:
            add(j1, j2, j3, m1, m2)
    for j in (50, 200, 1000):
        add(j, j, j, 0, 0)
        add(j, j, 0, 3, -3)
        add(j, j // 2, j // 2 + 7, 5, -2)
    with open(os.path.join(OUT, "wigner3j.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["j1", "j2", "j3", "m1", "m2", "m3", "value"])
        w.writerows(rows)


if __name__ == "__main__":
    import sys

    parts = sys.argv[1:] or ["values", "sph", "wigner", "quadrature"]
    for part, fn in (("values", values), ("sph", sph_harm), ("wigner", wigner), ("quadrature", quadrature)):
        if part in parts:
            fn()
            print(part, "written")
