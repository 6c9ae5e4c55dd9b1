#!/usr/bin/env python3
"""Peer side of `cargo xtask peers special`: SciPy on the cells our side
measured (see benches/src/special.rs), in the same run.

Usage: special.py <exchange-dir> <out.json>

Errors are |ours - SciPy| / max(1, |SciPy|) over the cells where SciPy is
finite (for J, Y, j_n, y_n an absolute error where the values are below 1).

Each entry of CASES names our case, the SciPy expression it is compared
with, and how the inputs are laid out; add an entry (and the matching case
in benches/src/special.rs) to extend the area. Grid cases time SciPy per
cell on the same number of copies our side used, and report the median and
maximum per-cell speedup over the cells where SciPy's answer is finite,
plus the count of cells where it is not (inf, -inf or nan).
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy
import scipy.special as sc

COPIES = 4096
PEER = f"scipy {scipy.__version__}"


def log_i_scipy(v, x):
    with np.errstate(all="ignore"):
        return np.log(sc.ive(v, x)) + x


def log_k_scipy(v, x):
    with np.errstate(all="ignore"):
        return np.log(sc.kve(v, x)) - x


def jv(v, x):
    return sc.jv(v, x)


def yv(v, x):
    return sc.yv(v, x)


def sph_jn(n, x):
    return sc.spherical_jn(n.astype(np.int64), x)


def sph_yn(n, x):
    return sc.spherical_yn(n.astype(np.int64), x)


# name prefix of our cases -> (SciPy function, expression shown in the report)
CASES = [
    {"ours": "log_bessel_i", "grid": "bessel_grid", "peer": log_i_scipy,
     "expr": "log(ive(v,x)) + x"},
    {"ours": "log_bessel_k", "grid": "bessel_grid", "peer": log_k_scipy,
     "expr": "log(kve(v,x)) - x"},
    {"ours": "bessel_j", "grid": "jy_grid", "peer": jv, "expr": "jv(v,x)"},
    {"ours": "bessel_y", "grid": "jy_grid", "peer": yv, "expr": "yv(v,x)"},
    {"ours": "spherical_bessel_j", "grid": "sph_grid", "peer": sph_jn,
     "expr": "spherical_jn(n,x)"},
    {"ours": "spherical_bessel_y", "grid": "sph_grid", "peer": sph_yn,
     "expr": "spherical_yn(n,x)"},
]


def read(d, name):
    return np.fromfile(d / f"{name}.f64", dtype="<f8")


def time_cell(f, v, x, reps=3):
    a = np.full(COPIES, v)
    b = np.full(COPIES, x)
    f(a, b)
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f(a, b)
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] / COPIES * 1e9


def grid_cases(d, ours, case):
    v = read(d, f"{case['grid']}.v")
    x = read(d, f"{case['grid']}.x")
    our_out = read(d, f"{case['ours']}.out")
    peer_out = case["peer"](v, x)
    finite = np.isfinite(peer_out)
    with np.errstate(all="ignore"):
        err = np.abs(our_out - peer_out) / np.maximum(1.0, np.abs(peer_out))
    max_err = float(np.max(err[finite])) if finite.any() else None
    peer_ns = np.array([time_cell(case["peer"], a, b) for a, b in zip(v, x)])
    out = []
    for mode in ("scalar", "slice"):
        name = f"{case['ours']}_{mode}"
        if name not in ours:
            continue
        ours_ns = read(d, f"{name}.ns")
        speed = peer_ns[finite] / ours_ns[finite]
        rec = ours[name]
        out.append({
            "name": name,
            "n": int(v.size),
            "ours_s": rec["ours_s"],
            "peer": PEER,
            "peer_s": float(np.sum(peer_ns) * 1e-9),
            "speedup": float(np.median(speed)),
            "max_err": max_err,
            "notes": (
                f"vs {case['expr']}; per-cell speedup median {np.median(speed):.1f}x, "
                f"max {np.max(speed):.1f}x, min {np.min(speed):.1f}x over {int(finite.sum())} "
                f"cells where SciPy is finite; SciPy non-finite in "
                f"{int((~finite).sum())}/{v.size} cells; per-element ns: ours median "
                f"{np.median(ours_ns):.1f}, SciPy median {np.median(peer_ns):.1f}; "
                f"{rec['notes']}"
            ),
        })
    return out


def main():
    d = Path(sys.argv[1])
    ours = {c["name"]: c for c in json.loads((d / "ours.json").read_text())}
    cases = []
    for case in CASES:
        if f"{case['ours']}_scalar" in ours:
            cases.extend(grid_cases(d, ours, case))
    Path(sys.argv[2]).write_text(json.dumps({"area": "special", "cases": cases}, indent=2))


if __name__ == "__main__":
    main()
