"""Fixtures for sobolev-kernels' exact GP: scikit-learn's GaussianProcessRegressor.

For several kernels (constant * base + white noise) on seeded random data, writes
the log marginal likelihood, its gradient in log-hyperparameters and the
predictive mean and standard deviation at test points. Hyperparameters and
gradients are written in sobolev-kernels' order (variance, lengthscale(s),
shape parameters, noise variance); scikit-learn's own order is alphabetical
within a kernel, so the script permutes.

Run from the repository root: `cargo xtask refdata gp_sklearn` (needs numpy and
scikit-learn, listed in xtask/refdata/requirements.txt).
Output: crates/kernels/tests/data/gp_sklearn.txt
"""

import numpy as np
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import (
    RBF,
    ConstantKernel,
    ExpSineSquared,
    Matern,
    RationalQuadratic,
    WhiteKernel,
)

OUT = "crates/kernels/tests/data/gp_sklearn.txt"


def case(name, base, variance, noise, d, n, m, perm, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, d))
    y = np.sin(X.sum(axis=1) * 1.3) + 0.3 * np.cos(3.0 * X[:, 0]) + 0.1 * rng.standard_normal(n)
    Xs = rng.uniform(-2.5, 2.5, size=(m, d))
    kernel = ConstantKernel(variance) * base + WhiteKernel(noise)
    gp = GaussianProcessRegressor(kernel=kernel, alpha=0.0, optimizer=None, normalize_y=False)
    gp.fit(X, y)
    theta = gp.kernel_.theta
    lml, grad = gp.log_marginal_likelihood(theta, eval_gradient=True)
    mean, std = gp.predict(Xs, return_std=True)
    lines = [f"case {name}", f"dims {d} {n} {m}"]
    fmt = lambda key, arr: key + " " + " ".join(repr(float(v)) for v in np.ravel(arr))
    lines.append(fmt("x", X))
    lines.append(fmt("y", y))
    lines.append(fmt("xs", Xs))
    lines.append(fmt("theta", theta[perm]))
    lines.append(fmt("lml", [lml]))
    lines.append(fmt("grad", grad[perm]))
    lines.append(fmt("mean", mean))
    lines.append(fmt("std", std))
    return lines


def main():
    out = [f"# scikit-learn {sklearn.__version__}, numpy {np.__version__}"]
    # theta order in sklearn: constant, then the base kernel's parameters
    # alphabetically, then the white noise level.
    out += case("matern52_ard", Matern([0.7, 1.1, 0.5], nu=2.5), 1.3, 0.05, 3, 40, 7, [0, 1, 2, 3, 4], 1)
    out += case("matern32_1d", Matern(0.6, nu=1.5), 0.9, 0.02, 1, 30, 6, [0, 1, 2], 2)
    out += case("matern12_1d", Matern(0.8, nu=0.5), 1.1, 0.03, 1, 30, 6, [0, 1, 2], 3)
    out += case("rbf_2d", RBF(0.9), 0.8, 0.1, 2, 35, 5, [0, 1, 2], 4)
    # RationalQuadratic: sklearn order (alpha, length_scale) -> ours (lengthscale, alpha).
    out += case("rq_2d", RationalQuadratic(length_scale=0.8, alpha=1.5), 1.2, 0.04, 2, 35, 5, [0, 2, 1, 3], 5)
    out += case("periodic_1d", ExpSineSquared(length_scale=0.7, periodicity=1.3), 1.0, 0.05, 1, 30, 6, [0, 1, 2, 3], 6)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
