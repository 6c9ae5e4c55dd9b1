"""Peer side of `cargo xtask peers rkhs-density`.

Reads our cases from <dir>/ours.json and the .f64 arrays, times the peers on
the same inputs in the same run, and writes the report JSON:
- kde_*: scikit-learn KernelDensity.score_samples (tree, atol = rtol = 0, i.e. exact)
  and, for the Gaussian kernel, SciPy gaussian_kde.logpdf with its covariance set to
  h^2 I. N = 2e4 and 1e5 queries x points; at 1e5 the Gaussian peers (which
  sum every pair) are timed on the first 4000 queries and their time scaled
  by N / 4000 (said in the notes); scikit-learn's Epanechnikov (tree-pruned)
  runs in full;
- bq_*: NumPy/SciPy direct: the same closed-form tensor Matern-3/2 kernel means
  (vectorised NumPy), the Gram matrix by broadcasting, scipy.linalg.cho_factor/cho_solve;
- graph_diffusion_dense_*: scipy.linalg.expm of the dense Laplacian;
- graph_*_action_*: scipy.sparse.linalg.expm_multiply (diffusion) and
  scipy.sparse.linalg.cg with rtol 1e-12 (regularised Laplacian) on the CSR Laplacian.
Requirements: benches/peers/requirements-rkhs-density.txt (numpy, scipy, scikit-learn).
"""

import sys

import numpy as np
import scipy
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from _rkhs_common import entry, load, run_area, timed






def log_err(ours, ref):
    """Max |ours - ref| / max(|ref|, 1) over finite entries; -inf must match."""
    fin = np.isfinite(ref) & np.isfinite(ours)
    mismatched = int(np.sum(np.isfinite(ref) != np.isfinite(ours)))
    err = float(np.max(np.abs(ours[fin] - ref[fin]) / np.maximum(np.abs(ref[fin]), 1.0)))
    return err, mismatched


# Queries timed for an exact peer that would take more than a few minutes
# on all N queries at N = 1e5 (the time is then scaled by N / subset).
KDE_SUBSET = 4000


def kde_case(d, c):
    import sklearn
    from sklearn.neighbors import KernelDensity
    from scipy.stats import gaussian_kde

    n = c["n"]
    name = c["name"]
    kernel = name.split("_")[1]
    x = load(d, name, "x", (n, 3))
    q = load(d, name, "q", (n, 3))
    h = float(load(d, name, "h")[0])
    ours = load(d, name, "out")
    # The Gaussian peers sum every pair (no pruning at atol = rtol = 0); at
    # N = 1e5 they run on the first KDE_SUBSET queries and are scaled.
    m = KDE_SUBSET if (kernel == "gaussian" and n > 50_000) else n
    scale = n / m
    subset = f"; peer timed on the first {m} of {n} queries and scaled by {scale:g}" if m < n else ""
    out = []

    def run_sk():
        return KernelDensity(kernel=kernel, bandwidth=h, atol=0.0, rtol=0.0).fit(x).score_samples(q[:m])

    t, ref = timed(run_sk, 0)
    err, bad = log_err(ours[:m], ref)
    out.append(entry(c, f"scikit-learn {sklearn.__version__}", t * scale, err,
                     c["notes"] + f"; KernelDensity tree, exact; err relative to max(|log p|,1); "
                     f"{bad} support mismatches (sklearn floors log 0){subset}"))
    if kernel == "gaussian":
        kde = gaussian_kde(x.T)
        kde._data_covariance = np.eye(3)
        kde._data_cho_cov = np.eye(3)
        kde.set_bandwidth(bw_method=h)
        t, ref = timed(lambda: kde.logpdf(q[:m].T), 0)
        err, _ = log_err(ours[:m], ref)
        out.append(entry(c, f"scipy {scipy.__version__}", t * scale, err,
                         c["notes"] + f"; gaussian_kde.logpdf, covariance h^2 I{subset}"))
    return out


def matern32_mean_1d(l, a, b, x):
    lam = np.sqrt(3.0) / l

    def P(z):
        return 2.0 * (-np.expm1(-z)) - z * np.exp(-z)

    def G(s):
        return np.sign(s) * P(lam * np.abs(s))

    return (G(b - x) - G(a - x)) / lam


def matern32_double_1d(l, a, b):
    lam = np.sqrt(3.0) / l
    z = lam * (b - a)
    return 2.0 * (2.0 * z + 3.0 * np.expm1(-z) + z * np.exp(-z)) / lam**2


def bq_case(d, c):
    n = c["n"]
    name = c["name"]
    x = load(d, name, "x", (n, 3))
    f = load(d, name, "f")
    ls = load(d, name, "ls")
    ours = load(d, name, "out")
    lower = np.array([0.0, -1.0, 0.0])
    upper = np.array([1.0, 1.0, 2.0])
    res = {}

    def run():
        z = np.ones(n)
        c0 = 1.0
        K = np.ones((n, n))
        for k in range(3):
            z *= matern32_mean_1d(ls[k], lower[k], upper[k], x[:, k])
            c0 *= matern32_double_1d(ls[k], lower[k], upper[k])
            r = np.sqrt(3.0) * np.abs(x[:, None, k] - x[None, :, k]) / ls[k]
            K *= (1.0 + r) * np.exp(-r)
        cf = scipy.linalg.cho_factor(K, lower=True)
        w = scipy.linalg.cho_solve(cf, z)
        res["v"] = np.array([w @ f, max(c0 - z @ w, 0.0)])

    t = timed(run, 3)[0]
    ref = res["v"]
    err = float(abs(ours[0] - ref[0]) / abs(ref[0]))
    return [entry(c, f"numpy {np.__version__} + scipy {scipy.__version__}", t, err,
                  c["notes"] + f"; err = relative error of the estimate; variance ours {ours[1]:.3e} vs {ref[1]:.3e}")]


def laplacian(edges, n, normalized):
    e = edges.reshape(-1, 3)
    i, j, w = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2]
    W = scipy.sparse.coo_matrix((np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n)).tocsr()
    W.sum_duplicates()
    deg = np.asarray(W.sum(axis=1)).ravel()
    if normalized:
        s = scipy.sparse.diags(1.0 / np.sqrt(deg))
        return (scipy.sparse.identity(n) - s @ W @ s).tocsr()
    return (scipy.sparse.diags(deg) - W).tocsr()


def graph_dense_case(d, c):
    n = c["n"]
    name = c["name"]
    L = laplacian(load(d, name, "edges"), n, False).toarray()
    ours = load(d, name, "out", (n, n))
    res = {}

    def run():
        res["k"] = scipy.linalg.expm(-L)

    t = timed(run, 3)[0]
    err = float(np.max(np.abs(ours - res["k"])) / np.max(np.abs(res["k"])))
    return [entry(c, f"scipy {scipy.__version__}", t, err, c["notes"] + "; peer scipy.linalg.expm; err relative to max entry")]


def graph_action_case(d, c):
    n = c["n"]
    name = c["name"]
    L = laplacian(load(d, name, "edges"), n, True)
    v = load(d, name, "v")
    ours = load(d, name, "out")
    res = {}
    if "diffusion" in name:
        peer = "scipy.sparse.linalg.expm_multiply"

        def run():
            res["y"] = scipy.sparse.linalg.expm_multiply(-L, v)
    else:
        peer = "scipy.sparse.linalg.cg (rtol 1e-12)"
        A = (scipy.sparse.identity(n) + L).tocsr()

        def run():
            res["y"] = scipy.sparse.linalg.cg(A, v, rtol=1e-12, atol=0.0)[0]

    t = timed(run, 3)[0]
    err = float(np.linalg.norm(ours - res["y"]) / np.linalg.norm(res["y"]))
    return [entry(c, f"scipy {scipy.__version__}", t, err, c["notes"] + f"; peer {peer}; err = relative 2-norm")]


def main():
    run_area(
        "rkhs-density",
        sys.argv,
        [
            ("kde_", kde_case),
            ("bq_", bq_case),
            ("graph_diffusion_dense", graph_dense_case),
            ("graph_", graph_action_case),
        ],
    )


if __name__ == "__main__":
    main()
