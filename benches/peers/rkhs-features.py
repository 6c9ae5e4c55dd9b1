"""Peer side of `cargo xtask peers rkhs-features`.

Reads our cases from <dir>/ours.json and the .f64 arrays, times the peers on
the same inputs in the same run, and writes the report JSON:
- rff_*: NumPy `cos(X W + b) sqrt(2/D)` on our frequencies and phases (max_err
  on the first 200 rows), and scikit-learn RBFSampler.fit_transform (its own
  random draws, so no max_err);
- nystroem_*: scikit-learn Nystroem.fit_transform (its own landmarks); max_err
  against scikit-learn's formula K(X, Z) K_ZZ^{-1/2} on our landmarks;
- kernel_ridge_*: scikit-learn KernelRidge.fit; max_err on the dual coefficients;
- kernel_pca_*: scikit-learn KernelPCA.fit (eigen_solver auto and dense); max_err on
  the eigenvalues, relative;
- prf_mse_ordering_*: ours only (the MSE ordering figure).
Requirements: benches/peers/requirements-rkhs-features.txt (numpy, scikit-learn).
"""

import sys

import numpy as np

from _rkhs_common import entry, load, run_area, timed

LENGTHSCALE = 2.0
GAMMA = 1.0 / (2.0 * LENGTHSCALE**2)
CHECK_ROWS = 200






def dims(name, key):
    for part in name.split("_"):
        if part.startswith(key) and part[len(key):].isdigit():
            return int(part[len(key):])
    raise ValueError(f"{key} not in {name}")


def rff(d, c):
    import sklearn
    from sklearn.kernel_approximation import RBFSampler

    n, dim, D = c["n"], dims(c["name"], "d"), dims(c["name"], "D")
    x = load(d, c["name"], "x", (n, dim))
    w = load(d, c["name"], "w", (dim, D))
    b = load(d, c["name"], "b")
    ours = load(d, c["name"], "out", (CHECK_ROWS, D))
    scale = np.sqrt(2.0 / D)

    def numpy_rff():
        z = x @ w
        z += b
        np.cos(z, out=z)
        z *= scale
        return z

    t_np = timed(numpy_rff, 5)[0]
    err = float(np.max(np.abs(numpy_rff()[:CHECK_ROWS] - ours)))
    sampler = RBFSampler(gamma=GAMMA, n_components=D, random_state=0)
    t_sk = timed(lambda: sampler.fit_transform(x), 5)[0]
    return [
        entry(c, f"numpy {np.__version__}", t_np, err, "same W, b; cos(XW + b) in place"),
        entry(
            c,
            f"scikit-learn {sklearn.__version__} RBFSampler",
            t_sk,
            None,
            "fit_transform; its own random draws",
        ),
    ]


def nystroem(d, c):
    import sklearn
    from sklearn.kernel_approximation import Nystroem
    from sklearn.metrics.pairwise import rbf_kernel

    n, dim, m = c["n"], dims(c["name"], "d"), dims(c["name"], "m")
    x = load(d, c["name"], "x", (n, dim))
    idx = load(d, c["name"], "idx").astype(int)
    ours = load(d, c["name"], "out", (CHECK_ROWS, m))
    ny = Nystroem(kernel="rbf", gamma=GAMMA, n_components=m, random_state=0)
    t = timed(lambda: ny.fit_transform(x), 3)[0]
    z = x[idx]
    u, s, v = np.linalg.svd(rbf_kernel(z, gamma=GAMMA))
    norm = (u / np.sqrt(np.maximum(s, 1e-12))) @ v
    want = rbf_kernel(x[:CHECK_ROWS], z, gamma=GAMMA) @ norm.T
    err = float(np.max(np.abs(want - ours)))
    return [
        entry(
            c,
            f"scikit-learn {sklearn.__version__} Nystroem",
            t,
            err,
            "fit_transform; max_err: sklearn's formula on our landmarks",
        )
    ]


def kernel_ridge(d, c):
    import sklearn
    from sklearn.kernel_ridge import KernelRidge

    n, dim = c["n"], dims(c["name"], "d")
    x = load(d, c["name"], "x", (n, dim))
    y = load(d, c["name"], "y")
    ours = load(d, c["name"], "out")
    kr = KernelRidge(alpha=0.1, kernel="rbf", gamma=GAMMA)
    t = timed(lambda: kr.fit(x, y), 3)[0]
    err = float(np.max(np.abs(kr.dual_coef_ - ours)))
    return [entry(c, f"scikit-learn {sklearn.__version__} KernelRidge", t, err, "fit")]


def kernel_pca(d, c):
    import sklearn
    from sklearn.decomposition import KernelPCA

    n, dim, k = c["n"], dims(c["name"], "d"), dims(c["name"], "k")
    x = load(d, c["name"], "x", (n, dim))
    ours = load(d, c["name"], "out")
    out = []
    for solver in ["auto", "dense"]:
        kp = KernelPCA(n_components=k, kernel="rbf", gamma=GAMMA, eigen_solver=solver)
        t = timed(lambda: kp.fit(x), 3)[0]
        err = float(np.max(np.abs(kp.eigenvalues_ - ours) / ours))
        out.append(
            entry(
                c,
                f"scikit-learn {sklearn.__version__} KernelPCA ({solver})",
                t,
                err,
                f"fit; eigen_solver={solver}; max_err relative on eigenvalues",
            )
        )
    return out


def main():
    run_area(
        "rkhs-features",
        sys.argv,
        [
            ("rff_", rff),
            ("nystroem_", nystroem),
            ("kernel_ridge_", kernel_ridge),
            ("kernel_pca_", kernel_pca),
        ],
    )


if __name__ == "__main__":
    main()
