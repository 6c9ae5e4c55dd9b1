"""Fixtures for sobolev-kernels' kernel density estimates.

scikit-learn's KernelDensity.score_samples (exact tree evaluation, atol = rtol = 0)
for five kernels in d = 1, 2 and 5, and SciPy's gaussian_kde in one dimension
with Scott's and Silverman's bandwidths (its bandwidth is factor * std(ddof=1)).

Run from the repository root: `cargo xtask refdata kde_sklearn` (needs numpy,
scipy and scikit-learn, listed in xtask/refdata/requirements.txt).
Output: crates/kernels/tests/data/kde_sklearn.txt
"""

import numpy as np
import scipy
import sklearn
from scipy.stats import gaussian_kde
from sklearn.neighbors import KernelDensity

OUT = "crates/kernels/tests/data/kde_sklearn.txt"


def fmt(key, arr):
    return key + " " + " ".join(repr(float(v)) for v in np.ravel(arr))


def sklearn_case(kernel, d, n, m, h, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.linspace(0.7, 1.3, d)
    Xs = rng.uniform(-2.5, 2.5, size=(m, d))
    kde = KernelDensity(kernel=kernel, bandwidth=h, atol=0.0, rtol=0.0).fit(X)
    logp = kde.score_samples(Xs)
    return [
        f"case sklearn_{kernel}_d{d}",
        f"kernel {kernel}",
        f"dims {d} {n} {m}",
        fmt("bandwidth", [h]),
        fmt("x", X),
        fmt("xs", Xs),
        fmt("logp", logp),
    ]


def scipy_case(rule, n, m, seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1.0, 0.5, n // 2), rng.normal(1.5, 1.0, n - n // 2)])
    xs = np.linspace(-4.0, 5.0, m)
    kde = gaussian_kde(x, bw_method=rule)
    h = kde.factor * np.std(x, ddof=1)
    return [
        f"case scipy_{rule}",
        "kernel gaussian",
        f"dims 1 {n} {m}",
        fmt("bandwidth", [h]),
        fmt("x", x),
        fmt("xs", xs),
        fmt("logp", kde.logpdf(xs)),
    ]


def main():
    out = [f"# scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__}"]
    seed = 10
    for kernel in ["gaussian", "epanechnikov", "exponential", "tophat", "linear"]:
        for d, h in [(1, 0.4), (2, 0.6), (5, 1.5)]:
            seed += 1
            out += sklearn_case(kernel, d, 120, 25, h, seed)
    out += scipy_case("scott", 150, 30, 3)
    out += scipy_case("silverman", 150, 30, 4)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
