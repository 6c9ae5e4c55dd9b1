"""Reference fixtures for sobolev-manifolds from geomstats 2.8.

Writes crates/manifolds/tests/data/geomstats.json: random inputs (seeded)
and geomstats' float64 outputs for exp, log, dist and parallel transport on
the sphere, the Poincare ball (curvature -1), the hyperboloid, SPD(n) with
the affine-invariant and log-Euclidean metrics, Grassmann distances, and
Stiefel exp, log and inner products (canonical metric).

geomstats needs NumPy < 2, so this script has its own environment and is
run by hand from the repository root (not by `cargo xtask refdata`):

    python3 -m venv target/venv-geomstats
    target/venv-geomstats/bin/pip install -r xtask/refdata/requirements-geomstats.txt
    target/venv-geomstats/bin/python xtask/refdata/manifolds_geomstats.py

Conventions that differ from ours, recorded for the test that reads this:
geomstats' Grassmannian works on projectors P = Y Y^T with the Frobenius
metric on Sym(n), so its distance is sqrt(2) times the principal-angle
distance |theta|_2 used by sobolev-manifolds.
"""

import json
import os

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import numpy as np  # noqa: E402
import geomstats  # noqa: E402
from geomstats.geometry.grassmannian import Grassmannian  # noqa: E402
from geomstats.geometry.hyperboloid import Hyperboloid  # noqa: E402
from geomstats.geometry.hypersphere import Hypersphere  # noqa: E402
from geomstats.geometry.poincare_ball import PoincareBall  # noqa: E402
from geomstats.geometry.spd_matrices import (  # noqa: E402
    SPDAffineMetric,
    SPDLogEuclideanMetric,
    SPDMatrices,
)

OUT = "crates/manifolds/tests/data/geomstats.json"
rng = np.random.default_rng(20261123)
cases = []


def add(manifold, op, params, args, out):
    cases.append(
        {
            "manifold": manifold,
            "op": op,
            "params": params,
            "args": [np.asarray(a, dtype=float).ravel(order="C").tolist() for a in args],
            "out": np.atleast_1d(np.asarray(out, dtype=float)).ravel(order="C").tolist(),
        }
    )


def unit(v):
    return v / np.linalg.norm(v)


# Sphere S^{n-1} in R^n.
for n in (3, 8):
    s = Hypersphere(dim=n - 1)
    for _ in range(6):
        p, q = unit(rng.standard_normal(n)), unit(rng.standard_normal(n))
        v = rng.standard_normal(n)
        v -= p.dot(v) * p
        w = rng.standard_normal(n)
        w -= p.dot(w) * p
        add("sphere", "dist", {"n": n}, [p, q], s.metric.dist(p, q))
        add("sphere", "log", {"n": n}, [p, q], s.metric.log(q, p))
        add("sphere", "exp", {"n": n}, [p, v], s.metric.exp(v, p))
        add("sphere", "transport", {"n": n}, [p, q, w],
            s.metric.parallel_transport(w, p, end_point=q))

# Poincare ball, curvature -1, including points near the boundary.
for n in (2, 5):
    b = PoincareBall(dim=n)
    for k in range(8):
        radius = 0.999 if k >= 6 else 0.9
        x = unit(rng.standard_normal(n)) * radius * rng.uniform(0.2, 1.0)
        y = unit(rng.standard_normal(n)) * radius * rng.uniform(0.2, 1.0)
        v = 0.5 * rng.standard_normal(n)
        add("poincare", "dist", {"n": n}, [x, y], b.metric.dist(x, y))
        add("poincare", "log", {"n": n}, [x, y], b.metric.log(y, x))
        add("poincare", "exp", {"n": n}, [x, v], b.metric.exp(v, x))
        add("poincare", "mobius_add", {"n": n}, [x, y], b.metric.mobius_add(x, y))

# Hyperboloid (Lorentz model, curvature -1), extrinsic coordinates.
for n in (2, 4):
    h = Hyperboloid(dim=n)
    for _ in range(6):
        xs, ys = rng.standard_normal(n), rng.standard_normal(n)
        x = np.concatenate([[np.sqrt(1 + xs @ xs)], xs])
        y = np.concatenate([[np.sqrt(1 + ys @ ys)], ys])
        v = h.to_tangent(rng.standard_normal(n + 1), x)
        add("lorentz", "dist", {"n": n}, [x, y], h.metric.dist(x, y))
        add("lorentz", "log", {"n": n}, [x, y], h.metric.log(y, x))
        add("lorentz", "exp", {"n": n}, [x, v], h.metric.exp(v, x))


def random_spd(n):
    a = rng.standard_normal((n, n))
    return a @ a.T / n + 0.3 * np.eye(n)


def random_sym(n):
    a = rng.standard_normal((n, n))
    return 0.25 * (a + a.T)


for n in (2, 3, 6):
    space = SPDMatrices(n)
    for name, metric in (("spd_ai", SPDAffineMetric(space)), ("spd_le", SPDLogEuclideanMetric(space))):
        for _ in range(5):
            p, q, v = random_spd(n), random_spd(n), random_sym(n)
            add(name, "dist", {"n": n}, [p, q], metric.dist(p, q))
            add(name, "log", {"n": n}, [p, q], metric.log(q, p))
            add(name, "exp", {"n": n}, [p, v], metric.exp(v, p))
    space.equip_with_metric(SPDAffineMetric)
    for _ in range(3):
        p, q, v = random_spd(n), random_spd(n), random_sym(n)
        add("spd_ai", "transport", {"n": n}, [p, q, v],
            space.metric.parallel_transport(v, p, end_point=q))

# Grassmann distances on projectors.
for n, k in ((5, 2), (10, 3)):
    g = Grassmannian(n, k)
    for _ in range(6):
        y = np.linalg.qr(rng.standard_normal((n, k)))[0]
        z = np.linalg.qr(rng.standard_normal((n, k)))[0]
        add("grassmann", "dist_projector", {"n": n, "k": k}, [y, z],
            g.metric.dist(y @ y.T, z @ z.T))

# Stiefel with the canonical metric: exp, log (geomstats' iterative
# logarithm), inner products.
from geomstats.geometry.stiefel import Stiefel  # noqa: E402

for n, k in ((5, 2), (8, 3)):
    st = Stiefel(n, k)
    for _ in range(5):
        y = np.linalg.qr(rng.standard_normal((n, k)))[0]
        a = rng.standard_normal((n, k))
        v = a - y @ (0.5 * (y.T @ a + a.T @ y))
        v *= 0.8 / np.sqrt(np.trace(v.T @ (np.eye(n) - 0.5 * y @ y.T) @ v))
        w = st.to_tangent(rng.standard_normal((n, k)), y)
        z = st.metric.exp(v, y)
        add("stiefel", "exp", {"n": n, "k": k}, [y, v], z)
        # log(exp(v)) = v exactly; geomstats' own iterative log stops at a
        # looser tolerance, so it is recorded separately.
        add("stiefel", "log", {"n": n, "k": k}, [y, z], v)
        add("stiefel", "log_geomstats", {"n": n, "k": k}, [y, z], st.metric.log(z, y))
        add("stiefel", "inner", {"n": n, "k": k}, [y, v, w], st.metric.inner_product(v, w, y))

doc = {
    "source": f"geomstats {geomstats.__version__}, numpy {np.__version__}",
    "layout": "matrices row-major; geomstats argument order translated to ours",
    "cases": cases,
}
with open(OUT, "w") as f:
    json.dump(doc, f, indent=0, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {OUT}")
