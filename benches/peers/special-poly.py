"""Peer side of `cargo xtask peers special-poly`: SciPy's roots_legendre,
roots_hermite, sph_harm_y_all, eval_legendre and eval_jacobi on the inputs
our runner wrote, timed in the same run.

Usage: special-poly.py <exchange-dir> <out.json>
Errors (max_err): Gauss rules, max over nodes of |dx| and over weights of
|dw| / w (weights below 1e-280 skipped); harmonics and polynomial values,
max |difference| / max(1, |value|).
"""

import json
import os
import sys
import time

import numpy as np
import scipy
import scipy.special as sp


def median_time(reps, f):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def rule_error(ours, x, w):
    n = len(x)
    ox, ow = ours[:n], ours[n:]
    ex = np.max(np.abs(ox - x))
    keep = w > 1e-280
    ew = np.max(np.abs(ow[keep] - w[keep]) / w[keep])
    return float(max(ex, ew)), float(ex), float(ew)


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    ours = json.load(open(os.path.join(d, "ours.json")))
    peer = f"scipy {scipy.__version__}"
    cases = []
    for c in ours:
        name = c["name"]
        out = load(d, name, "out")
        notes = c["notes"]
        if name.startswith("roots_"):
            n = int(load(d, name, "in")[0])
            f = sp.roots_legendre if name.startswith("roots_legendre") else sp.roots_hermite
            x, w = f(n)
            t = median_time(11 if n > 500 else 51, lambda: f(n))
            err, ex, ew = rule_error(out, x, w)
            notes += f"; nodes {ex:.1e}, weights rel {ew:.1e}"
        elif name.startswith("sph_harm_all"):
            inp = load(d, name, "in")
            npts = len(inp) // 2
            theta, phi = inp[:npts], inp[npts:]
            lmax = 100
            f = lambda: sp.sph_harm_y_all(lmax, lmax, theta, phi)
            y = f()
            t = median_time(5, f)
            ours_c = (out[0::2] + 1j * out[1::2]).reshape(npts, (lmax + 1) ** 2)
            err = 0.0
            for l in range(lmax + 1):
                for m in range(-l, l + 1):
                    a = ours_c[:, l * l + l + m]
                    b = y[l, m]
                    err = max(err, float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))))
            notes += "; scipy sph_harm_y_all (1 thread)"
        elif name.startswith("eval_"):
            x = load(d, name, "in")
            if name.startswith("eval_legendre"):
                f = lambda: sp.eval_legendre(50, x)
            else:
                f = lambda: sp.eval_jacobi(50, 0.5, -0.3, x)
            v = f()
            t = median_time(5, f)
            err = float(np.max(np.abs(out - v) / np.maximum(1.0, np.abs(v))))
        else:
            continue
        cases.append({
            "name": name, "n": c["n"], "ours_s": c["ours_s"], "peer": peer, "peer_s": t,
            "speedup": t / c["ours_s"], "max_err": err, "notes": notes,
        })
    json.dump({"area": "special-poly", "cases": cases}, open(out_path, "w"), indent=2)


if __name__ == "__main__":
    main()
