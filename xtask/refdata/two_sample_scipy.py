"""Fixtures for sobolev-kernels' two-sample statistics from SciPy and scikit-learn.

For seeded samples, writes
- the 1-D energy distance from `scipy.stats.energy_distance` (SciPy returns
  sqrt(2) times the L2 distance between the CDFs, which is the square root of
  the V-statistic 2 E|X-Y| - E|X-X'| - E|Y-Y'|; the table holds its square);
- the biased and unbiased MMD^2 with the Gaussian kernel from
  `sklearn.metrics.pairwise.rbf_kernel` (gamma = 1 / (2 l^2)) in d = 3.

Run from the repository root: `cargo xtask refdata two_sample_scipy` (needs
numpy, scipy and scikit-learn, listed in xtask/refdata/requirements.txt).
Output: crates/kernels/tests/data/two_sample_scipy.txt, one record per line:
`<case> <field> <values...>` with values in full precision.
"""

import numpy as np
import scipy
import sklearn
from scipy.stats import energy_distance
from sklearn.metrics.pairwise import rbf_kernel

OUT = "crates/kernels/tests/data/two_sample_scipy.txt"


def fmt(values):
    return " ".join(repr(float(v)) for v in np.ravel(values))


def main():
    rng = np.random.default_rng(20240611)
    lines = [f"# scipy {scipy.__version__}, scikit-learn {sklearn.__version__}"]
    # 1-D energy distance: normal vs shifted/scaled normal, uniform vs exponential.
    samples = [
        ("energy_normal", rng.normal(size=57), 1.3 * rng.normal(size=71) + 0.4),
        ("energy_uniform_exp", rng.uniform(size=64), rng.exponential(size=33)),
        ("energy_ties", np.round(rng.normal(size=40), 1), np.round(rng.normal(size=45), 1)),
    ]
    for name, x, y in samples:
        lines.append(f"{name} x {fmt(x)}")
        lines.append(f"{name} y {fmt(y)}")
        lines.append(f"{name} value {fmt([energy_distance(x, y) ** 2])}")
    # MMD^2 with the Gaussian kernel in d = 3.
    for name, l, shift in [("mmd_rbf_a", 0.8, 0.3), ("mmd_rbf_b", 2.0, 0.0)]:
        x = rng.normal(size=(41, 3))
        y = rng.normal(size=(37, 3)) + shift
        g = 1.0 / (2.0 * l * l)
        kxx, kyy, kxy = rbf_kernel(x, x, gamma=g), rbf_kernel(y, y, gamma=g), rbf_kernel(x, y, gamma=g)
        n, m = len(x), len(y)
        biased = kxx.mean() + kyy.mean() - 2 * kxy.mean()
        unbiased = (
            (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
        lines.append(f"{name} lengthscale {fmt([l])}")
        lines.append(f"{name} x {fmt(x)}")
        lines.append(f"{name} y {fmt(y)}")
        lines.append(f"{name} value {fmt([biased, unbiased])}")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
