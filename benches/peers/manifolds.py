"""Peer side of `cargo xtask peers manifolds`: geomstats 2.8 (NumPy backend,
float64) on the inputs our runner wrote, timed in the same run.

Usage: manifolds.py <exchange-dir> <out.json>. Reads <dir>/ours.json and the
<case>.{a,b,out}.f64 arrays; writes the ARCHITECTURE.md peers JSON. max_err
is max |ours - geomstats| / max(1, |geomstats|) over the case's outputs.
"""

import json
import os
import sys
import time

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import geomstats  # noqa: E402
from geomstats.geometry.grassmannian import Grassmannian  # noqa: E402
from geomstats.geometry.poincare_ball import PoincareBall  # noqa: E402
from geomstats.geometry.spd_matrices import (  # noqa: E402
    SPDBuresWassersteinMetric,
    SPDMatrices,
)
from geomstats.geometry.stiefel import Stiefel  # noqa: E402
from geomstats.learning.frechet_mean import FrechetMean  # noqa: E402

PEER = f"geomstats {geomstats.__version__}"
SCIPY = f"scipy {scipy.__version__}"


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def timed(reps, f):
    f()
    ts = []
    for _ in range(max(reps, 1)):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], out


def max_err(ours, peer):
    ours, peer = np.ravel(ours), np.ravel(peer)
    return float(np.max(np.abs(ours - peer) / np.maximum(1.0, np.abs(peer))))


def run_case(d, c):
    name, m = c["name"], c["n"]
    ours = load(d, name, "out")
    if name.startswith("spd") and "_" in name:
        n = int(name[3 : name.index("_")])
        a = load(d, name, "a").reshape(m, n, n)
        b = load(d, name, "b").reshape(m, n, n)
        metric = SPDMatrices(n).metric
        reps = 3 if n < 60 else 1
        if name.endswith("_dist"):
            t, out = timed(reps, lambda: metric.dist(a, b))
        elif name.endswith("_exp"):
            t, out = timed(reps, lambda: metric.exp(b, a))
        else:
            t, out = timed(reps, lambda: metric.log(b, a))
        return t, max_err(ours, out), "SPDAffineMetric, vectorised over the batch"
    if name.startswith("bw"):
        n = int(name[2 : name.index("_")])
        a = load(d, name, "a").reshape(m, n, n)
        b = load(d, name, "b").reshape(m, n, n)
        metric = SPDBuresWassersteinMetric(SPDMatrices(n))
        if name.endswith("_dist"):
            t, out = timed(3, lambda: metric.dist(a, b))
        elif name.endswith("_exp"):
            t, out = timed(3, lambda: metric.exp(b, a))
        else:
            t, out = timed(3, lambda: metric.log(b, a))
        return t, max_err(ours, out), "SPDBuresWassersteinMetric, vectorised over the batch"
    if name.startswith("frechet_mean_spd60"):
        n = 60
        x = load(d, name, "a").reshape(m, n, n)
        space = SPDMatrices(n)
        est = FrechetMean(space)
        opt = getattr(est, "optimizer", None)
        if opt is not None:
            for attr, val in (("epsilon", 1e-10), ("max_iter", 100)):
                if hasattr(opt, attr):
                    setattr(opt, attr, val)
        t, out = timed(1, lambda: est.fit(x).estimate_)
        return t, max_err(ours, out), "FrechetMean (gradient descent), epsilon 1e-10"
    if name == "grassmann_dist_100_10":
        n, k = 100, 10
        # geomstats' projector log costs seconds per pair at n = 100, so it
        # is timed on the first SUB pairs and scaled linearly to m.
        sub = 50
        y = load(d, name, "a").reshape(m, n, k)[:sub]
        z = load(d, name, "b").reshape(m, n, k)[:sub]
        g = Grassmannian(n, k)

        def run():
            p = np.einsum("mik,mjk->mij", y, y)
            q = np.einsum("mik,mjk->mij", z, z)
            return g.metric.dist(p, q) / np.sqrt(2.0)

        t, out = timed(1, run)
        note = f"projector metric / sqrt(2); timed on {sub} pairs, scaled x{m // sub}"
        return t * m / sub, max_err(ours[:sub], out), note
    if name.startswith("stiefel"):
        n, k = 50, 5
        y = load(d, name, "a").reshape(m, n, k)
        b = load(d, name, "b").reshape(m, n, k)
        st = Stiefel(n, k)
        if name.startswith("stiefel_exp"):
            t, out = timed(3, lambda: st.metric.exp(b, y))
            return t, max_err(ours, out), "Stiefel canonical metric exp, vectorised"
        # geomstats' logarithm loops in Python; time it on SUB pairs.
        sub = 100
        t, out = timed(1, lambda: st.metric.log(b[:sub], y[:sub]))
        note = f"Stiefel canonical log (its default tolerance); timed on {sub} pairs, scaled x{m // sub}"
        return t * m / sub, max_err(ours.reshape(m, n * k)[:sub], out.reshape(sub, n * k)), note
    if name.startswith("vmf_fit_p"):
        from scipy.stats import vonmises_fisher

        p = int(name[len("vmf_fit_p"):])
        x = load(d, name, "a").reshape(m, p)

        def fit():
            try:
                mu, kappa = vonmises_fisher.fit(x)
                return np.concatenate([[kappa], mu])
            except Exception as e:  # SciPy's fit can fail in high dimension
                return str(e)

        t, out = timed(3, fit)
        note = f"scipy {scipy.__version__} vonmises_fisher.fit"
        if isinstance(out, str):
            return t, None, f"{note} failed: {out[:80]}"
        if not np.all(np.isfinite(out)):
            return t, None, f"{note} returned non-finite kappa {out[0]}"
        err = max_err(ours, out)
        if abs(out[0] / ours[0] - 1.0) > 1e-3:
            note += f" returned kappa {out[0]:.3g} against {ours[0]:.6g} (its Bessel ratio overflows)"
        return t, err, note
    if name.startswith("poincare"):
        n = 5
        x = load(d, name, "a").reshape(m, n)
        y = load(d, name, "b").reshape(m, n)
        ball = PoincareBall(n)
        if name == "poincare_dist":
            t, out = timed(3, lambda: ball.metric.dist(x, y))
        else:
            t, out = timed(3, lambda: ball.metric.mobius_add(x, y))
        return t, max_err(ours, out), "PoincareBall(5), vectorised"
    raise SystemExit(f"unknown case {name}")


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(d, "ours.json")) as f:
        ours = json.load(f)
    cases = []
    for c in ours:
        t, err, note = run_case(d, c)
        shown = "-" if err is None else f"{err:.2e}"
        print(f"  peer  {c['name']:<40} n={c['n']:<10} {t:.3e} s  max_err {shown}", flush=True)
        cases.append(
            {
                "name": c["name"],
                "n": c["n"],
                "ours_s": c["ours_s"],
                "peer": SCIPY if c["name"].startswith("vmf") else PEER,
                "peer_s": t,
                "speedup": t / c["ours_s"] if c["ours_s"] > 0 else None,
                "max_err": err,
                "notes": f"{c['notes']}; peer: {note}",
            }
        )
    with open(out_path, "w") as f:
        json.dump({"area": "manifolds", "cases": cases}, f, indent=2)


if __name__ == "__main__":
    main()
