"""Peer side of `cargo xtask peers special-gamma`: times scipy.special on the
inputs our runner wrote, compares outputs, and writes the area report.

Usage: special-gamma.py <exchange-dir> <out.json>
"""

import json
import os
import sys
import time

import numpy as np
import scipy
import scipy.special as sc


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def median_time(f, reps=5):
    f()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


PEERS = {
    "gammaln": (("x",), sc.gammaln),
    "ndtr": (("x",), sc.ndtr),
    "log_ndtr": (("x",), sc.log_ndtr),
    "ndtri": (("x",), sc.ndtri),
    "erfinv": (("x",), sc.erfinv),
    "erfcx": (("x",), sc.erfcx),
    "gammainc": (("a", "x"), sc.gammainc),
    "betainc": (("a", "b", "x"), sc.betainc),
}


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    ours = json.load(open(os.path.join(d, "ours.json")))
    cases = []
    for case in ours:
        name = case["name"]
        base = name.removesuffix("_slice")
        names, f = PEERS[base]
        args = [load(d, name, s) for s in names]
        mine = load(d, name, "out")
        peer_s = median_time(lambda: f(*args))
        theirs = f(*args)
        finite = np.isfinite(theirs) & (theirs != 0)
        rel = np.abs(mine[finite] - theirs[finite]) / np.abs(theirs[finite])
        scipy_bad = int(np.sum(~np.isfinite(theirs) | (theirs == 0)))
        ours_finite_there = int(np.sum((~np.isfinite(theirs) | (theirs == 0)) & np.isfinite(mine) & (mine != 0)))
        notes = case["notes"] + (
            f"; max_err = max relative difference to SciPy over {int(finite.sum())} elements where SciPy is finite and "
            f"nonzero; SciPy gives inf/nan/0 on {scipy_bad}, where ours is finite and nonzero on {ours_finite_there}; "
            f"median rel diff {float(np.median(rel)) if rel.size else 0.0:.2e}"
        )
        cases.append({
            "name": name,
            "n": case["n"],
            "ours_s": case["ours_s"],
            "peer": f"scipy {scipy.__version__}",
            "peer_s": peer_s,
            "speedup": peer_s / case["ours_s"],
            "max_err": float(rel.max()) if rel.size else 0.0,
            "notes": notes,
        })
    json.dump({"area": "special-gamma", "cases": cases}, open(out_path, "w"), indent=2)


if __name__ == "__main__":
    main()
