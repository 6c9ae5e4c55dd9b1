"""Reference values for Wigner 3j symbols and Clebsch-Gordan coefficients
with half-integer angular momenta, from SymPy's exact evaluation
(sympy.physics.wigner: Racah's formula in rational arithmetic), printed
to 22 significant digits.

Run from the repository root with `cargo xtask refdata wigner_half`.
Writes crates/special/tests/data/wigner3j_half.csv:

    kind,a1,a2,a3,a4,a5,a6,value

with every momentum doubled (2j, 2m, as integers). kind `3j` gives
(j1 j2 j3; m1 m2 m3) from (2j1, 2j2, 2j3, 2m1, 2m2, 2m3); kind `cg` gives
<j1 m1 j2 m2 | J M> from (2j1, 2m1, 2j2, 2m2, 2J, 2M). Inputs come from
a seeded generator, so the table is reproducible.
"""

import csv
import os
import random

from sympy import Rational, N
from sympy.physics.wigner import clebsch_gordan, wigner_3j

OUT = os.path.join("crates", "special", "tests", "data")
rng = random.Random(20261124)


def half(t):
    return Rational(t, 2)


def random_symbol(lo, hi):
    """Doubled (j1, j2, j3, m1, m2, m3) with j1 half-integer, allowed by the
    selection rules, j1 and j2 in [lo, hi] (doubled)."""
    while True:
        t1 = 2 * rng.randint(lo // 2, hi // 2) + 1  # half-integer j1
        t2 = rng.randint(lo, hi)
        t3_lo, t3_hi = abs(t1 - t2), t1 + t2
        t3 = t3_lo + 2 * rng.randint(0, (t3_hi - t3_lo) // 2)
        m1 = -t1 + 2 * rng.randint(0, t1)
        m2 = -t2 + 2 * rng.randint(0, t2)
        m3 = -m1 - m2
        if abs(m3) <= t3:
            # Rotate so that the half-integer momentum is not always first.
            k = rng.randint(0, 2)
            js, ms = [t1, t2, t3], [m1, m2, m3]
            return js[k:] + js[:k] + ms[k:] + ms[:k]


def main():
    rows = []
    seen = set()

    def add3j(t):
        key = ("3j",) + tuple(t)
        if key in seen:
            return
        seen.add(key)
        v = wigner_3j(*(half(x) for x in t))
        rows.append(list(key) + [str(N(v, 22))])

    def addcg(t):
        key = ("cg",) + tuple(t)
        if key in seen:
            return
        seen.add(key)
        v = clebsch_gordan(*(half(t[i]) for i in (0, 2, 4, 1, 3, 5)))
        rows.append(list(key) + [str(N(v, 22))])

    for _ in range(200):  # j <= 12.5: Racah's sum in exact integers
        add3j(random_symbol(0, 25))
    for _ in range(60):  # j from 20.5 to 300.5: the recurrence
        add3j(random_symbol(41, 601))
    for _ in range(60):  # Clebsch-Gordan, small and moderate
        t = random_symbol(0, 25 if len(rows) % 2 else 81)
        # <j1 m1 j2 m2 | J M> = (-1)^{j1-j2+M} sqrt(2J+1) (j1 j2 J; m1 m2 -M)
        addcg([t[0], t[3], t[1], t[4], t[2], -t[5]])
    for t in ([1, 1, 0, 1, -1, 0], [1, 1, 2, 1, 1, -2], [3, 1, 2, 1, 1, -2], [201, 200, 1, 51, -50, -1]):
        add3j(t)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "wigner3j_half.csv")
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["kind", "a1", "a2", "a3", "a4", "a5", "a6", "value"])
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()
