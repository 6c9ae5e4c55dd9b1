"""Peer side of `cargo xtask peers manifolds-geoopt`: geoopt (PyTorch, CPU,
float64) on the inputs our runner wrote, timed in the same run.

Usage: manifolds-geoopt.py <exchange-dir> <out.json>. Reads <dir>/ours.json
and the <case>.{a,b,out}.f64 arrays; writes the ARCHITECTURE.md peers JSON.
max_err is max |ours - geoopt| / max(1, |geoopt|) over the case's outputs.

geoopt's SymmetricPositiveDefinite implements the affine-invariant metric
(its default "AIM"; dist, expmap and logmap through torch.linalg.eigh), the
same metric as our Spd<AffineInvariant>, so the cases compare like with
like. Its PoincareBall(c) uses Ganea et al.'s gyrovector formulas, as ours
does. geoopt's Stiefel exponential is either the Cayley retraction
(CanonicalStiefel) or the embedded-metric geodesic (EuclideanStiefelExact),
neither of which is our canonical-metric exponential, so Stiefel is left out.

torch runs on as many threads as OMP_NUM_THREADS (which xtask sets to the
thread count of our side).
"""

import json
import os
import sys
import time

import numpy as np
import torch
import geoopt

PEER = f"geoopt {geoopt.__version__} (torch {torch.__version__.split('+')[0]})"


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def timed(reps, f):
    with torch.no_grad():
        f()
        ts = []
        for _ in range(max(reps, 1)):
            t = time.perf_counter()
            out = f()
            ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2], out.numpy()


def max_err(ours, peer):
    ours, peer = np.ravel(ours), np.ravel(peer)
    return float(np.max(np.abs(ours - peer) / np.maximum(1.0, np.abs(peer))))


def run_case(d, c):
    name, m = c["name"], c["n"]
    ours = load(d, name, "out")
    if name.startswith("spd"):
        n = int(name[3 : name.index("_")])
        a = torch.from_numpy(load(d, name, "a").reshape(m, n, n))
        b = torch.from_numpy(load(d, name, "b").reshape(m, n, n))
        spd = geoopt.SymmetricPositiveDefinite()
        reps = 3 if n < 60 else 1
        if name.endswith("_dist"):
            t, out = timed(reps, lambda: spd.dist(a, b))
        elif name.endswith("_exp"):
            t, out = timed(reps, lambda: spd.expmap(a, b))
        else:
            t, out = timed(reps, lambda: spd.logmap(a, b))
        return t, max_err(ours, out), "SymmetricPositiveDefinite (AIM), batched"
    if name.startswith("poincare"):
        n = 5
        x = torch.from_numpy(load(d, name, "a").reshape(m, n))
        y = torch.from_numpy(load(d, name, "b").reshape(m, n))
        ball = geoopt.PoincareBall(c=1.0)
        if name == "poincare_dist":
            t, out = timed(5, lambda: ball.dist(x, y))
        else:
            t, out = timed(5, lambda: ball.mobius_add(x, y, project=False))
        note = "PoincareBall(c=1), dim 5, batched"
        if name == "poincare_mobius_add":
            note += ", project=False (its default pulls results to radius 1 - 1e-5)"
        return t, max_err(ours, out), note
    raise SystemExit(f"unknown case {name}")


def main():
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    d, out_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(d, "ours.json")) as f:
        ours = json.load(f)
    cases = []
    for c in ours:
        t, err, note = run_case(d, c)
        print(f"  peer  {c['name']:<40} n={c['n']:<10} {t:.3e} s  max_err {err:.2e}", flush=True)
        cases.append(
            {
                "name": c["name"],
                "n": c["n"],
                "ours_s": c["ours_s"],
                "peer": PEER,
                "peer_s": t,
                "speedup": t / c["ours_s"] if c["ours_s"] > 0 else None,
                "max_err": err,
                "notes": f"{c['notes']}; peer: {note}, {torch.get_num_threads()} torch thread(s)",
            }
        )
    with open(out_path, "w") as f:
        json.dump({"area": "manifolds-geoopt", "cases": cases}, f, indent=2)


if __name__ == "__main__":
    main()
