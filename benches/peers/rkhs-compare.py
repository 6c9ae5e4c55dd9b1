"""Peer side of `cargo xtask peers rkhs-compare`.

Reads our cases from <dir>/ours.json and the .f64 arrays, times the peers on
the same inputs in the same run, and writes the report JSON:
- mmd2_unbiased_rbf_*: scikit-learn `rbf_kernel` applied in row blocks of
  512 (the full 2N x 2N matrix does not fit at N = 1e5), unbiased MMD^2;
- energy_distance_1d_*: SciPy `scipy.stats.energy_distance` (which returns
  the square root of the V-statistic; we compare squares);
- sliced_energy_*: NumPy (project on the same directions, `np.sort`,
  prefix sums); POT has no sliced energy distance, its sliced Wasserstein
  distance is a different quantity;
- compresspp_kt_* / kt_root_*: goodpoints `compress.compresspp_kt` and
  `kt.thin` on the same points and kernel; max_err is |MMD_ours - MMD_peer|
  with both MMDs to the N(0, I) target in closed form.
Requirements: benches/peers/requirements-rkhs-compare.txt (numpy, scipy,
scikit-learn, goodpoints).
"""

import sys

import numpy as np

from _rkhs_common import entry, load, run_area, timed








def block_sum(a, b, gamma, block=512):
    from sklearn.metrics.pairwise import rbf_kernel

    total = 0.0
    for i in range(0, a.shape[0], block):
        total += float(rbf_kernel(a[i : i + block], b, gamma=gamma).sum())
    return total


def mmd_case(d, c):
    import sklearn

    n = c["n"]
    x = load(d, c["name"], "x", (n, 10))
    y = load(d, c["name"], "y", (n, 10))
    ours = load(d, c["name"], "out")[0]
    gamma = 1.0 / (2.0 * 3.0**2)

    def run():
        sxx = block_sum(x, x, gamma) - n
        syy = block_sum(y, y, gamma) - n
        sxy = block_sum(x, y, gamma)
        return sxx / (n * (n - 1)) + syy / (n * (n - 1)) - 2 * sxy / (n * n)

    t, ref = timed(run, 3 if n <= 10_000 else 0)
    err = abs(ours - ref)
    return [
        entry(
            c,
            f"scikit-learn {sklearn.__version__} (rbf_kernel, blocked)",
            t,
            err,
            c["notes"] + f"; peer MMD^2 = {ref:.6e}, err absolute",
        )
    ]


def energy_1d_case(d, c):
    import scipy
    from scipy.stats import energy_distance

    x = load(d, c["name"], "x")
    y = load(d, c["name"], "y")
    ours = load(d, c["name"], "out")[0]
    t, ref = timed(lambda: energy_distance(x, y), 5)
    err = abs(ours - ref**2) / ref**2
    return [entry(c, f"scipy {scipy.__version__}", t, err, c["notes"] + "; err relative, on the square")]


def energy_sorted(px, py):
    """V-statistic energy distance of two 1-D samples by sorting (NumPy)."""
    n, m = px.size, py.size
    sx, sy = np.sort(px), np.sort(py)
    wx = np.dot(sx, 2.0 * np.arange(n) - n + 1.0)
    wy = np.dot(sy, 2.0 * np.arange(m) - m + 1.0)
    below = np.searchsorted(sy, sx, side="left")
    prefix = np.concatenate([[0.0], np.cumsum(sy)])
    p = prefix[below]
    cross = np.sum(sx * (2.0 * below - m) + (prefix[-1] - 2.0 * p))
    return 2.0 * cross / (n * m) - 2.0 * wx / n**2 - 2.0 * wy / m**2


def sliced_case(d, c):
    from math import gamma as G, pi, sqrt

    n = c["n"]
    x = load(d, c["name"], "x", (n, 10))
    y = load(d, c["name"], "y", (n, 10))
    dirs = load(d, c["name"], "dirs", (-1, 10))
    ours = load(d, c["name"], "out")[0]
    cd = sqrt(pi) * G(5.5) / G(5.0)

    def run():
        return cd * np.mean([energy_sorted(x @ xi, y @ xi) for xi in dirs])

    t, ref = timed(run, 3)
    err = abs(ours - ref) / abs(ref)
    return [
        entry(
            c,
            f"NumPy {np.__version__} (np.sort + prefix sums)",
            t,
            err,
            c["notes"] + f"; value {ref:.6e}, err relative",
        )
    ]


def mmd_to_target(x, idx):
    """MMD between x[idx] and N(0, I_2) for exp(-|r|^2 / 2), in closed form."""
    z = x[idx]
    r2 = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    kk = np.exp(-0.5 * r2).mean()
    embed = (0.5 * np.exp(-(z**2).sum(-1) / 4.0)).mean()
    return float(np.sqrt(max(kk - 2.0 * embed + 1.0 / 3.0, 0.0)))


def goodpoints_version():
    from importlib.metadata import version

    return f"goodpoints {version('goodpoints')}"


def compresspp_case(d, c):
    from goodpoints import compress

    n = c["n"]
    x = load(d, c["name"], "x", (n, 2))
    ours_mmd = load(d, c["name"], "mmd")[0]
    # goodpoints' Gaussian kernel is exp(-|r|^2 / k_param): k_param = 2 l^2.
    params = np.array([2.0])
    run = lambda: compress.compresspp_kt(x, b"gaussian", k_params=params, g=4, seed=11)
    t, out = timed(run, 3)
    peer_mmd = mmd_to_target(x, np.asarray(out))
    return [
        entry(
            c,
            goodpoints_version() + " (compresspp_kt)",
            t,
            abs(ours_mmd - peer_mmd),
            c["notes"] + f"; peer MMD = {peer_mmd:.4e}; err = |MMD ours - MMD peer|",
        )
    ]


def kt_case(d, c):
    from goodpoints import kt

    n = c["n"]
    x = load(d, c["name"], "x", (n, 2))
    ours_mmd = load(d, c["name"], "mmd")[0]

    def gauss(l2, scale):
        def k(y, X):
            return scale * np.exp(-((X - y) ** 2).sum(-1) / (2.0 * l2))

        return k

    # Square-root kernel of exp(-|r|^2/2) in d = 2: (2/pi)^(1/2) exp(-|r|^2).
    split = gauss(0.5, (2.0 / np.pi) ** 0.5)
    swap = gauss(1.0, 1.0)
    run = lambda: kt.thin(x, 7, split, swap, delta=0.5, seed=12, store_K=True)
    t, out = timed(run, 0)
    peer_mmd = mmd_to_target(x, np.asarray(out))
    return [
        entry(
            c,
            goodpoints_version() + " (kt.thin, store_K=True)",
            t,
            abs(ours_mmd - peer_mmd),
            c["notes"] + f"; peer MMD = {peer_mmd:.4e} (stores the 2^14 x 2^14 matrix); "
            "err = |MMD ours - MMD peer|",
        )
    ]


def main():
    run_area(
        "rkhs-compare",
        sys.argv,
        [
            ("mmd2_", mmd_case),
            ("energy_distance_1d", energy_1d_case),
            ("sliced_energy", sliced_case),
            ("compresspp", compresspp_case),
            ("kt_root", kt_case),
        ],
    )


if __name__ == "__main__":
    main()
