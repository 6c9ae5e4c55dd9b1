"""Reference fixtures for the SPD metrics of sobolev-manifolds from geomstats 2.8.

Writes crates/manifolds/tests/data/geomstats_spd.json: seeded random SPD
points and symmetric tangents with geomstats' float64 outputs for the
Bures-Wasserstein metric (exp, log, dist, inner product, and parallel
transport integrated by geomstats' RK4 with 2000 steps), and distances of
the two-parameter O(n)-invariant affine-invariant and log-Euclidean
metrics. geomstats has no (alpha, beta) classes, so those distances are
formed here from geomstats' classical logarithm and inner product:
d^2 = alpha |log_P Q|_P^2 + beta tr(P^{-1} log_P Q)^2 (for both metrics the
trace part is tr(P^{-1} V), the trace of the whitened or chart tangent).

Same environment as manifolds_geomstats.py (geomstats needs NumPy < 2), run
by hand from the repository root:

    python3 -m venv target/venv-geomstats
    target/venv-geomstats/bin/pip install -r xtask/refdata/requirements-geomstats.txt
    target/venv-geomstats/bin/python xtask/refdata/manifolds_geomstats_spd.py
"""

import json
import os

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import numpy as np  # noqa: E402
import geomstats  # noqa: E402
from geomstats.geometry.spd_matrices import (  # noqa: E402
    SPDAffineMetric,
    SPDBuresWassersteinMetric,
    SPDLogEuclideanMetric,
    SPDMatrices,
)

OUT = "crates/manifolds/tests/data/geomstats_spd.json"
rng = np.random.default_rng(20261124)
cases = []


def add(metric, op, params, args, out):
    cases.append(
        {
            "metric": metric,
            "op": op,
            "params": params,
            "args": [np.asarray(a, dtype=float).ravel(order="C").tolist() for a in args],
            "out": np.atleast_1d(np.asarray(out, dtype=float)).ravel(order="C").tolist(),
        }
    )


def random_spd(n):
    a = rng.standard_normal((n, n))
    return a @ a.T / n + 0.3 * np.eye(n)


def random_sym(n):
    a = rng.standard_normal((n, n))
    return 0.5 * (a + a.T)


for n in (2, 3, 5, 8):
    space = SPDMatrices(n)
    bw = SPDBuresWassersteinMetric(space)
    for _ in range(5):
        p, q = random_spd(n), random_spd(n)
        u, v = random_sym(n), random_sym(n)
        # Keep exp inside its domain: |L_P[V]|_2 <= |V|_2 / (2 lambda_min(P)).
        lmin = np.linalg.eigvalsh(p)[0]
        v *= 0.9 * lmin / np.linalg.norm(v, 2)
        add("bw", "dist", {"n": n}, [p, q], bw.dist(p, q))
        add("bw", "log", {"n": n}, [p, q], bw.log(q, p))
        add("bw", "exp", {"n": n}, [p, v], bw.exp(v, p))
        add("bw", "inner", {"n": n}, [p, u, v], bw.inner_product(u, v, p))
    if n <= 3:
        for _ in range(3):
            p, q, v = random_spd(n), random_spd(n), random_sym(n)
            add("bw", "transport", {"n": n}, [p, q, v],
                bw.parallel_transport(v, p, end_point=q, n_steps=2000, step="rk4"))

for n in (2, 3, 6):
    space = SPDMatrices(n)
    ai = SPDAffineMetric(space)
    le = SPDLogEuclideanMetric(space)
    for alpha, beta in ((1.0, 0.0), (2.0, 0.5), (0.7, -0.1)):
        for name, metric in (("ai", ai), ("le", le)):
            for _ in range(3):
                p, q = random_spd(n), random_spd(n)
                w = metric.log(q, p)
                sq = metric.inner_product(w, w, p)
                tr = np.trace(np.linalg.solve(p, w))
                d = np.sqrt(alpha * sq + beta * tr * tr)
                add(name, "dist", {"n": n, "alpha": alpha, "beta": beta}, [p, q], d)

doc = {
    "source": f"geomstats {geomstats.__version__}, numpy {np.__version__}",
    "layout": "matrices row-major; geomstats argument order translated to ours",
    "cases": cases,
}
with open(OUT, "w") as f:
    json.dump(doc, f, indent=0, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {OUT}")
