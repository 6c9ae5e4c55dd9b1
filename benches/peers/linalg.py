"""Peers of the `linalg` area: GPyTorch's linear_operator and SciPy.

Usage: linalg.py <exchange-dir> <out.json>

Reads our inputs, outputs and timings from the exchange folder, times the
peers on the same inputs in the same process run, and writes the report in
the ARCHITECTURE.md format. max_err is the largest absolute difference
relative to the largest absolute peer value (for solves), with the
log-determinant's relative difference folded in; for the n = 1e6 Toeplitz
solve, which no peer offers, it is our relative residual ||T x - b|| / ||b||
computed by scipy.linalg.matmul_toeplitz.
"""

import json
import os
import sys
import time

import numpy as np
import scipy
import scipy.linalg as sla


def median_time(reps, f):
    f()
    ts = []
    for _ in range(max(reps, 1)):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def rel_max(ours, peer):
    return float(np.max(np.abs(ours - peer)) / np.max(np.abs(peer)))


def row(ours, name, peer, peer_s, max_err, notes=""):
    return {
        "name": name,
        "n": ours["n"],
        "ours_s": ours["ours_s"],
        "peer": peer,
        "peer_s": peer_s,
        "speedup": (peer_s / ours["ours_s"]) if peer_s else None,
        "max_err": max_err,
        "notes": (ours["notes"] + ("; " + notes if notes else "")),
    }


def kron_cases(d, ours, rows):
    import torch
    import linear_operator
    from linear_operator.operators import DenseLinearOperator, KroneckerProductLinearOperator

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    case = "kron3_solve_logdet"
    o = ours[case]
    n = 100
    data = load(d, case, "in")
    fs = [data[i * n * n:(i + 1) * n * n].reshape(n, n, order="F") for i in range(3)]
    s2 = data[3 * n * n]
    y = data[3 * n * n + 1:]
    out = load(d, case, "out")
    x_ours, ld_ours = out[:-1], out[-1]

    tf = [torch.from_numpy(f.copy()) for f in fs]
    ty = torch.from_numpy(y.copy()).unsqueeze(-1)

    def lo():
        op = KroneckerProductLinearOperator(*[DenseLinearOperator(f) for f in tf])
        a = op.add_diagonal(torch.tensor(s2, dtype=torch.float64))
        x = a.solve(ty)
        ld = a.logdet()
        return x, ld

    with torch.no_grad():
        x, ld = lo()
        t = median_time(3, lo)
    x = x.squeeze(-1).numpy()
    ld = float(ld)
    err = max(rel_max(x_ours, x), abs(ld_ours - ld) / abs(ld))
    rows.append(row(o, case, f"linear_operator {linear_operator.__version__} (torch {torch.__version__})", t, err))

    def np_eig():
        evs = [sla.eigh(f) for f in fs]
        lam = np.einsum("i,j,k->ijk", *[e[0] for e in evs]).ravel() + s2
        q1, q2, q3 = [e[1] for e in evs]
        z = np.einsum("ia,jb,kc,ijk->abc", q1, q2, q3, y.reshape(n, n, n), optimize=True).ravel() / lam
        x = np.einsum("ai,bj,ck,ijk->abc", q1, q2, q3, z.reshape(n, n, n), optimize=True).ravel()
        return x, np.log(lam).sum()

    x, ld = np_eig()
    t = median_time(3, np_eig)
    err = max(rel_max(x_ours, x), abs(ld_ours - ld) / abs(ld))
    rows.append(row(o, case + "_numpy", f"scipy {scipy.__version__} eigh + numpy {np.__version__} einsum", t, err))


def toeplitz_cases(d, ours, rows):
    sp = f"scipy {scipy.__version__}"
    case = "toeplitz_matvec"
    data = load(d, case, "in")
    n = data.size // 2
    t, x = data[:n], data[n:]
    y = sla.matmul_toeplitz((t, t), x)
    peer_t = median_time(10, lambda: sla.matmul_toeplitz((t, t), x))
    y_ours = load(d, case, "out")
    err = rel_max(y_ours, y)
    rows.append(row(ours[case], case, sp + " matmul_toeplitz", peer_t, err, "peer recomputes the kernel FFT per call"))
    rows.append(row(ours[case + "_with_setup"], case + "_with_setup", sp + " matmul_toeplitz", peer_t, err))

    for case in ["toeplitz_solve_pcg_2e4", "toeplitz_levinson_2e4"]:
        data = load(d, case, "in")
        n = data.size // 2
        t, b = data[:n], data[n:]
        x = sla.solve_toeplitz(t, b)
        peer_t = median_time(3, lambda: sla.solve_toeplitz(t, b))
        rows.append(row(ours[case], case, sp + " solve_toeplitz (Levinson)", peer_t, rel_max(load(d, case, "out"), x)))

    case = "toeplitz_solve_pcg_1e6"
    data = load(d, case, "in")
    n = data.size // 2
    t, b = data[:n], data[n:]
    x = load(d, case, "out")
    res = np.linalg.norm(sla.matmul_toeplitz((t, t), x) - b) / np.linalg.norm(b)
    rows.append(row(ours[case], case, "none (no O(n log n) Toeplitz solver in SciPy)", None, float(res),
                    "max_err = relative residual via scipy matmul_toeplitz"))


def main():
    d, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(d, "ours.json")) as f:
        ours = {c["name"]: c for c in json.load(f)}
    rows = []
    kron_cases(d, ours, rows)
    toeplitz_cases(d, ours, rows)
    with open(out, "w") as f:
        json.dump({"area": "linalg", "cases": rows}, f, indent=1)


if __name__ == "__main__":
    main()
