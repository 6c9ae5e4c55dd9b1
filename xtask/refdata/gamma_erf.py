"""Reference values for the gamma, error-function and incomplete gamma/beta
families of sobolev-special, computed with mpmath at 50 significant digits.

Run from the repository root with `cargo xtask refdata gamma_erf`. Writes
whitespace-separated tables under crates/special/tests/data/:

    <function> <region> <arg1> <arg2> <arg3> <hi> <lo>

Arguments are exact doubles (written with repr, so they round-trip); the
exact value is hi + lo, two doubles, so that the tests measure errors
below half an ulp without the rounding of the reference getting in the way.
Unused arguments are 0. Non-finite references are written as inf/-inf with
lo = 0. Every input is drawn from a seeded generator, so the tables are
reproducible.
"""

import math
import os
import random

import mpmath as mp

mp.mp.dps = 50
OUT = os.path.join("crates", "special", "tests", "data")
rng = random.Random(20261123)


def split(v):
    """The exact value v as (hi, lo) doubles."""
    if mp.isinf(v) or abs(v) > mp.mpf("1.7976931348623157e308"):
        return ("inf" if v > 0 else "-inf"), "0"
    hi = float(v)
    if math.isinf(hi):
        return ("inf" if v > 0 else "-inf"), "0"
    lo = float(v - mp.mpf(hi))
    return repr(hi), repr(lo)


class Table:
    def __init__(self, name):
        self.name = name
        self.rows = []

    def add(self, func, region, args, value):
        args = list(args) + [0.0] * (3 - len(args))
        hi, lo = split(value)
        self.rows.append(" ".join([func, region] + [repr(float(a)) for a in args] + [hi, lo]))

    def write(self):
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, self.name)
        with open(path, "w") as f:
            f.write("# function region a b c exact_hi exact_lo (mpmath, 50 digits)\n")
            f.write("\n".join(self.rows) + "\n")
        print(f"wrote {len(self.rows)} rows to {path}")


def lgdiff(a, b, c=None):
    """ln Γ(a) - ln Γ(b) [- ln Γ(c)], with enough digits for the cancellation."""
    big = max(abs(a), abs(b), abs(c or 0), 1.0)
    with mp.workdps(int(math.log10(big) * 1.1) + 60):
        v = mp.loggamma(mp.mpf(a)) - mp.loggamma(mp.mpf(b))
        if c is not None:
            v -= mp.loggamma(mp.mpf(c))
        return +v


def lnbeta(a, b):
    big = max(a, b, 1.0)
    with mp.workdps(int(math.log10(big) * 1.1) + 60):
        return +(mp.loggamma(mp.mpf(a)) + mp.loggamma(mp.mpf(b)) - mp.loggamma(mp.mpf(a) + mp.mpf(b)))


def lnrising(x, n):
    big = max(x, n, 1.0)
    with mp.workdps(int(math.log10(big) * 1.1) + 60):
        return +(mp.loggamma(mp.mpf(x) + mp.mpf(n)) - mp.loggamma(mp.mpf(x)))


def logu(lo, hi, n):
    """n doubles log-uniform in [lo, hi]."""
    return [10 ** rng.uniform(math.log10(lo), math.log10(hi)) for _ in range(n)]


def unif(lo, hi, n):
    return [rng.uniform(lo, hi) for _ in range(n)]


def gamma_family():
    t = Table("gamma.csv")
    M = mp.mpf
    # ln Γ and Γ on the positive axis.
    regions = [
        ("tiny", logu(1e-300, 1e-3, 60)),
        ("(0,3)", unif(1e-3, 3, 120)),
        ("near1", [1 + s * 10 ** -rng.uniform(1, 15) for s in (1, -1) for _ in range(25)]),
        ("near2", [2 + s * 10 ** -rng.uniform(1, 15) for s in (1, -1) for _ in range(25)]),
        ("(3,10)", unif(3, 10, 60)),
        ("(10,171)", unif(10, 171.6, 80)),
        ("large", logu(171.7, 1e305, 80)),
    ]
    for region, xs in regions:
        for x in xs:
            t.add("ln_gamma", region, [x], mp.loggamma(M(x)).real)
            if x < 171.6:
                t.add("gamma", region, [x], mp.gamma(M(x)))
    negs = [-rng.uniform(0, 180) for _ in range(120)]
    negs += [-n + s * 10 ** -rng.uniform(2, 12) for n in (1, 2, 5, 20) for s in (1, -1) for _ in range(4)]
    for x in negs:
        if x == math.floor(x):
            continue
        t.add("ln_gamma", "negative", [x], mp.log(abs(mp.gamma(M(x)))))
        t.add("gamma", "negative", [x], mp.gamma(M(x)))

    # Digamma, trigamma, polygamma.
    x0 = mp.findroot(mp.digamma, 1.46)
    xs_pos = [("tiny", logu(1e-300, 1e-3, 40)), ("(0,10)", unif(1e-3, 10, 150)),
              ("root", [float(x0) + s * 10 ** -rng.uniform(1, 15) for s in (1, -1) for _ in range(20)]),
              ("large", logu(10, 1e300, 60))]
    for region, xs in xs_pos:
        for x in xs:
            t.add("digamma", region, [x], mp.digamma(M(x)))
            t.add("trigamma", region, [x], mp.polygamma(1, M(x)))
    for x in [-rng.uniform(0, 100) for _ in range(60)]:
        t.add("digamma", "negative", [x], mp.digamma(M(x)))
        t.add("trigamma", "negative", [x], mp.polygamma(1, M(x)))
    for n in (2, 3, 4, 7, 12, 30, 100):
        for x in logu(1e-4, 1e6, 25):
            t.add("polygamma", f"n={n}", [n, x], mp.polygamma(n, M(x)))
        for x in [-rng.uniform(0, 20) for _ in range(5)]:
            t.add("polygamma", "negative", [n, x], mp.polygamma(n, M(x)))

    # ln B(a, b) over the whole quadrant, and Γ(a)/Γ(b) for close pairs.
    for _ in range(250):
        a, b = logu(1e-20, 1e300, 2)
        t.add("ln_beta", "wide", [a, b], lnbeta(a, b))
    for _ in range(150):
        a, b = logu(1e-3, 1e6, 2)
        t.add("ln_beta", "(1e-3,1e6)", [a, b], lnbeta(a, b))
    for _ in range(200):
        b = logu(1e-3, 1e15, 1)[0]
        d = b * 10 ** -rng.uniform(0, 16) * rng.choice((1, -1)) * 0.5
        a = b + d
        t.add("ln_gamma_ratio", "close", [a, b], lgdiff(a, b))
    for _ in range(100):
        a, b = logu(1e-5, 1e200, 2)
        t.add("ln_gamma_ratio", "wide", [a, b], lgdiff(a, b))
    for _ in range(100):
        x = logu(1e-3, 1e12, 1)[0]
        n = x * 10 ** -rng.uniform(-1, 14)
        t.add("ln_rising_factorial", "positive", [x, n], lnrising(x, n))
    for p in (1, 2, 3, 10, 50):
        for a in [(p - 1) / 2 + y for y in logu(1e-3, 1e4, 15)]:
            t.add("ln_multigamma", f"p={p}", [p, a],
                  p * (p - 1) / 4 * mp.log(mp.pi) + mp.fsum(mp.loggamma(M(a) - M(j) / 2) for j in range(p)))
    t.write()


if __name__ == "__main__":
    gamma_family()
