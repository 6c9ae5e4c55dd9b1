"""Peer side of `cargo xtask peers samplers-torchsde`: torchsde (CPU,
float64) on the two-dimensional Ornstein-Uhlenbeck SDE of our cases,
dX = (-X_1, -X_2/2) dt + diag(0.5, 0.3) dW, X_0 = (1, 1), t in [0, 1],
1e5 paths in one batch, 128 fixed steps.

* euler_maruyama_*: torchsde.sdeint(method="euler") with a BrownianInterval.
* sra1_*: torchsde.sdeint(method="srk"), which for additive noise is
  Rossler's SRA1, with a BrownianInterval carrying space-time Levy area.

The Brownian paths differ from ours (other generators), so the comparison is
in distribution: max_err is the largest difference between our and the
peer's sample means and variances over both components; the notes also give
each side's largest deviation from the exact OU moments,
E X_i(1) = exp(-k_i), Var X_i(1) = s_i^2 (1 - exp(-2 k_i)) / (2 k_i), and
that deviation's standard error at this sample size.

Usage: samplers-torchsde.py <exchange-dir> <out.json>.
"""

import json
import math
import os
import sys
import time
from importlib.metadata import version

import numpy as np
import torch
import torchsde

K = np.array([1.0, 0.5])
S = np.array([0.5, 0.3])


class AdditiveOu(torch.nn.Module):
    noise_type = "additive"
    sde_type = "ito"

    def __init__(self, n):
        super().__init__()
        self.k = torch.tensor(K, dtype=torch.float64)
        self.g_matrix = torch.diag(torch.tensor(S, dtype=torch.float64)).expand(n, 2, 2)

    def f(self, t, y):
        return -self.k * y

    def g(self, t, y):
        return self.g_matrix


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def moments(x):
    return x.mean(0), x.var(0)


def exact_moments():
    return np.exp(-K), S * S * (1.0 - np.exp(-2.0 * K)) / (2.0 * K)


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    ours = json.load(open(os.path.join(d, "ours.json")))
    peer = f"torchsde {version('torchsde')} (torch {torch.__version__}, CPU, float64, {threads} threads)"
    cases = []
    em, ev = exact_moments()
    for c in ours:
        name = c["name"]
        steps = int(name.rsplit("_", 1)[1].removesuffix("steps"))
        x0 = load(d, name, "in").reshape(-1, 2)
        ours_out = load(d, name, "out").reshape(-1, 2)
        n = x0.shape[0]
        method = "srk" if name.startswith("sra1") else "euler"
        sde = AdditiveOu(n)
        y0 = torch.tensor(x0, dtype=torch.float64)
        ts = torch.tensor([0.0, 1.0], dtype=torch.float64)

        def solve(seed):
            bm = torchsde.BrownianInterval(
                t0=0.0, t1=1.0, size=(n, 2), dtype=torch.float64, entropy=seed,
                levy_area_approximation="space-time" if method == "srk" else "none",
            )
            with torch.no_grad():
                return torchsde.sdeint(sde, y0, ts, bm=bm, method=method, dt=1.0 / steps)[-1]

        solve(0)  # warm up
        times = []
        for rep in range(3):
            t = time.perf_counter()
            y = solve(rep + 1)
            times.append(time.perf_counter() - t)
        peer_s = sorted(times)[1]
        y = y.numpy()
        pm, pv = moments(y)
        om, ov = moments(ours_out)
        max_err = float(max(np.max(np.abs(pm - om)), np.max(np.abs(pv - ov))))
        dev = lambda m, v: max(np.max(np.abs(m - em)), np.max(np.abs(v - ev)))  # noqa: E731
        se = float(max(np.max(np.sqrt(ev / n)), np.max(ev * math.sqrt(2.0 / n))))
        notes = (
            f"sdeint(method='{method}', dt=1/{steps}) on a BrownianInterval; per path-step "
            f"{peer_s / (n * steps):.2e} s; max_err = largest |difference of sample means and variances|; "
            f"deviation from the exact OU moments: ours {dev(om, ov):.1e}, peer {dev(pm, pv):.1e} "
            f"(standard error {se:.1e})"
        )
        cases.append({
            "name": name, "n": c["n"], "ours_s": c["ours_s"], "peer": peer, "peer_s": peer_s,
            "speedup": peer_s / c["ours_s"], "max_err": max_err,
            "notes": (c.get("notes", "") + "; peer: " + notes).strip("; "),
        })
        print(f"  peer  {name:<40} {peer_s:.3e} s  max_err {max_err:.2e}", file=sys.stderr, flush=True)
        json.dump({"area": "samplers-torchsde", "cases": cases}, open(out_path, "w"), indent=2)


if __name__ == "__main__":
    main()
