"""Reference solutions of Sylvester equations from SciPy, for sobolev-linalg.

Writes crates/linalg/tests/data/sylvester_scipy.txt: for each case the
solution X of A X + X B = C from scipy.linalg.solve_sylvester (LAPACK
Bartels-Stewart: real Schur forms and dtrsyl). The inputs are not stored:
both this script and the test regenerate them from the SplitMix64 stream
below (uniform in [-1, 1)), so the table stays small.

  A = G_A / sqrt(n) + 1.5 I,  B = G_B / sqrt(m) + I,  C = G_C,

with G_A (n x n), G_B (m x m), G_C (n x m) filled row-major from seeds
`seed`, `seed + 1`, `seed + 2`. Non-symmetric, with complex-conjugate
eigenvalue pairs, and eigenvalues of A + those of B well away from zero.

Format: per case a line `case <n> <m> <seed>`, then a line `X` followed by
the n*m entries of X in row-major order.

Run from the repository root: `cargo xtask refdata sylvester_scipy` (NumPy
and SciPy are in xtask/refdata/requirements.txt).
"""

import numpy as np
import scipy
import scipy.linalg

MASK = (1 << 64) - 1


def uniform_stream(seed, count):
    state = seed
    out = np.empty(count)
    for k in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out[k] = (z >> 11) / float(1 << 52) - 1.0
    return out


def problem(n, m, seed):
    a = uniform_stream(seed, n * n).reshape(n, n) / np.sqrt(n) + 1.5 * np.eye(n)
    b = uniform_stream(seed + 1, m * m).reshape(m, m) / np.sqrt(m) + np.eye(m)
    c = uniform_stream(seed + 2, n * m).reshape(n, m)
    return a, b, c


CASES = [(5, 5, 101), (12, 12, 202), (17, 9, 303), (25, 25, 404), (40, 40, 505)]


def main():
    lines = [f"# scipy {scipy.__version__} solve_sylvester; see xtask/refdata/sylvester_scipy.py"]
    for n, m, seed in CASES:
        a, b, c = problem(n, m, seed)
        x = scipy.linalg.solve_sylvester(a, b, c)
        lines.append(f"case {n} {m} {seed}")
        lines.append("X " + " ".join(repr(float(v)) for v in x.reshape(-1)))
    with open("crates/linalg/tests/data/sylvester_scipy.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
