"""Reference values for sobolev-linalg's expm and expm_frechet.

Writes crates/linalg/tests/data/expm.txt: for each case, the input matrix A,
scipy.linalg.expm(A), and, for small cases, exp(A) from mpmath at 60 digits
(the truth both are measured against); for some cases also a direction E and
scipy.linalg.expm_frechet(A, E).

Needs NumPy and SciPy besides mpmath, which are heavier than the shared
refdata environment: install xtask/refdata/requirements-expm.txt into a
virtual environment and run this script from the repository root with it.

Format, one item per line: `case <name> <n> <has_mp> <has_frechet>`, then
lines `A`, `scipy`, [`mp`], [`E`, `frechet_scipy`, `expm_frechet_mp`], each
the keyword followed by the n*n entries in row-major order.
"""

import sys

import mpmath
import numpy as np
import scipy
import scipy.linalg

mpmath.mp.dps = 60
rng = np.random.default_rng(20260423)


def mp_expm(a):
    m = mpmath.matrix(a.tolist())
    return np.array(mpmath.expm(m, method="taylor").tolist(), dtype=float)


def mp_expm_frechet(a, e):
    n = a.shape[0]
    block = np.zeros((2 * n, 2 * n))
    block[:n, :n] = a
    block[:n, n:] = e
    block[n:, n:] = a
    return mp_expm(block)[:n, n:]


cases = []


def add(name, a, mp=True, frechet=False):
    cases.append((name, np.asarray(a, dtype=float), mp, frechet))


# Random dense matrices over the norm range that selects each Pade degree.
for n in (3, 6, 10):
    for norm in (1e-3, 0.1, 0.8, 2.0, 8.0, 60.0):
        x = rng.standard_normal((n, n))
        add(f"random_n{n}_norm{norm:g}", x * norm / np.linalg.norm(x, 1), frechet=(n == 6))
for norm in (0.5, 5.0):
    x = rng.standard_normal((20, 20))
    add(f"random_n20_norm{norm:g}", x * norm / np.linalg.norm(x, 1), mp=False, frechet=True)
x = rng.standard_normal((40, 40))
add("random_n40_norm3", x * 3.0 / np.linalg.norm(x, 1), mp=False)

# Large norm with a decaying exponential (eigenvalues far in the left half plane).
x = rng.standard_normal((8, 8))
add("large_norm_stable", -200.0 * np.eye(8) + 30.0 * x)
add("large_norm_rotation", np.array([[0.0, 300.0], [-300.0, 0.0]]))
# Nilpotent: the exponential is a finite polynomial.
add("nilpotent_n6", np.triu(rng.standard_normal((6, 6)), 1) * 3.0)
jordan = np.diag(np.ones(7), 1) * 10.0
add("nilpotent_shift_n8", jordan)
# Triangular with a huge off-diagonal (overscaling test of Al-Mohy & Higham 2009).
for b in (1e4, 1e8):
    add(f"triangular_b{b:g}", np.array([[1.0, b], [0.0, -1.0]]))
add("triangular_n5", np.triu(rng.standard_normal((5, 5)) * 4.0))
# Ill-conditioned eigenvectors: V D V^{-1} with nearly parallel columns.
v = np.eye(5) + 1e-6 * rng.standard_normal((5, 5))
v[:, 1] = v[:, 0] + 1e-7 * rng.standard_normal(5)
d = np.diag([-1.0, -1.0 + 1e-6, 0.5, 2.0, 3.0])
add("ill_conditioned_eigvecs", v @ d @ np.linalg.inv(v))
add("defective_jordan", np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 2.0]]) * 3.0)
# Moler & Van Loan's classic hard example.
add("moler_van_loan", np.array([[-49.0, 24.0], [-64.0, 31.0]]))
# Symmetric, the case sym_exp also covers.
x = rng.standard_normal((6, 6))
add("symmetric_n6", (x + x.T) * 2.0, frechet=True)


def line(tag, m):
    return tag + " " + " ".join(repr(float(v)) for v in np.asarray(m).ravel()) + "\n"


out = sys.argv[1] if len(sys.argv) > 1 else "crates/linalg/tests/data/expm.txt"
with open(out, "w") as f:
    f.write(f"# scipy {scipy.__version__}, numpy {np.__version__}, mpmath {mpmath.__version__}\n")
    for name, a, mp, frechet in cases:
        n = a.shape[0]
        f.write(f"case {name} {n} {int(mp)} {int(frechet)}\n")
        f.write(line("A", a))
        f.write(line("scipy", scipy.linalg.expm(a)))
        if mp:
            f.write(line("mp", mp_expm(a)))
        if frechet:
            e = rng.standard_normal((n, n))
            _, lf = scipy.linalg.expm_frechet(a, e)
            f.write(line("E", e))
            f.write(line("frechet_scipy", lf))
            f.write(line("frechet_mp", mp_expm_frechet(a, e) if n <= 10 else lf))
print(f"wrote {len(cases)} cases to {out}")
