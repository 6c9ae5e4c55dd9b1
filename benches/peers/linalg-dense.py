"""SciPy side of `cargo xtask peers linalg-dense`.

Reads <dir>/ours.json and the <case>.in.f64 / <case>.out.f64 arrays written
by our runner, times SciPy (or the NumPy eigh recipe, where the case says so)
on the same inputs, and writes the report of ARCHITECTURE.md to <out.json>.

SciPy's sqrtm and logm are general-matrix methods (Schur form); on SPD inputs
our sym_sqrt / sym_log use the symmetric eigendecomposition, and the `_eigh_`
case compares against the same eigh recipe written in NumPy.
"""

import json
import sys
import time

import numpy as np
import scipy
import scipy.linalg


def median_time(reps, f):
    f()
    times = []
    for _ in range(max(reps, 1)):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def eigh_sqrt(a):
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(w)) @ v.T


def peer_for(name):
    if name.startswith("sylvester"):
        return scipy.linalg.solve_sylvester, f"scipy {scipy.__version__} solve_sylvester"
    if name.startswith("expm_frechet"):
        return scipy.linalg.expm_frechet, f"scipy {scipy.__version__} expm_frechet"
    if name.startswith("expm") or name.startswith("sym_exp"):
        return scipy.linalg.expm, f"scipy {scipy.__version__} expm"
    if name.startswith("sqrtm_spd_eigh"):
        return eigh_sqrt, f"numpy {np.__version__} eigh"
    if name.startswith("sqrtm"):
        return scipy.linalg.sqrtm, f"scipy {scipy.__version__} sqrtm"
    if name.startswith("logm"):
        return scipy.linalg.logm, f"scipy {scipy.__version__} logm"
    raise ValueError(name)


def main(exchange, out_path):
    with open(f"{exchange}/ours.json") as f:
        ours = json.load(f)
    cases = []
    for case in ours:
        name, n = case["name"], case["n"]
        ours_out = np.fromfile(f"{exchange}/{name}.out.f64", dtype="<f8").reshape(n, n)
        f, peer = peer_for(name)
        if name.startswith("sylvester"):
            a, b, c = (
                np.fromfile(f"{exchange}/{name}.{part}.f64", dtype="<f8").reshape(n, n)
                for part in ("a", "b", "c")
            )
            f = (lambda solve, b, c: lambda a: solve(a, b, c))(f, b, c)
        elif name.startswith("expm_frechet"):
            a, e = (
                np.fromfile(f"{exchange}/{name}.{part}.f64", dtype="<f8").reshape(n, n)
                for part in ("a", "e")
            )
            # Both sides form exp(A) and L(A, E); L is compared.
            f = (lambda frechet, e: lambda a: frechet(a, e)[1])(f, e)
        else:
            a = np.fromfile(f"{exchange}/{name}.in.f64", dtype="<f8").reshape(n, n)
        t0 = time.perf_counter()
        result = np.real_if_close(f(a))
        first = time.perf_counter() - t0
        # Fewer repetitions for the multi-second Schur methods at n = 512.
        reps = 41 if n <= 64 else (7 if first < 2.0 else 3)
        peer_s = median_time(reps, lambda: f(a))
        max_err = float(np.max(np.abs(ours_out - result)) / np.max(np.abs(result)))
        cases.append(
            {
                "name": name,
                "n": n,
                "ours_s": case["ours_s"],
                "peer": peer,
                "peer_s": peer_s,
                "speedup": peer_s / case["ours_s"],
                "max_err": max_err,
                "notes": case["notes"] + "; max_err = max|ours - peer| / max|peer|",
            }
        )
        print(f"  peer  {name:<40} n={n:<10} {peer_s:.3e} s", file=sys.stderr)
    with open(out_path, "w") as f:
        json.dump({"area": "linalg-dense", "cases": cases}, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
