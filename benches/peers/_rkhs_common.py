"""Helpers shared by the rkhs-*.py peer scripts.

`cargo xtask peers rkhs-<area>` runs `benches/peers/rkhs-<area>.py` by its
path, so this directory is the first entry of `sys.path` and the scripts
import this module by name. (The leading underscore keeps it out of the
`rkhs` group, which xtask forms from the files named `rkhs-*.py`.)
"""

import json
import time

import numpy as np


def load(d, case, suffix, shape=None):
    """The little-endian f64 array `<d>/<case>.<suffix>.f64`, optionally reshaped."""
    a = np.fromfile(f"{d}/{case}.{suffix}.f64", dtype="<f8")
    return a.reshape(shape) if shape else a


def timed(f, reps):
    """(median seconds of `reps` runs after a warm-up, last output);
    reps = 0: one run, no warm-up."""
    if reps == 0:
        t = time.perf_counter()
        out = f()
        return time.perf_counter() - t, out
    out = f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2], out


def entry(c, peer, peer_s, max_err, notes):
    """One case of the report (ARCHITECTURE.md format) from our case `c`."""
    return {
        "name": c["name"],
        "n": c["n"],
        "ours_s": c["ours_s"],
        "peer": peer,
        "peer_s": peer_s,
        "speedup": (peer_s / c["ours_s"]) if peer_s else None,
        "max_err": max_err,
        "notes": notes,
    }


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def print_entry(e):
    print(
        f"  peer  {e['name']:<40} {e['peer']:<32} {fmt(e['peer_s'], '.3e')} s  "
        f"speedup {fmt(e['speedup'], '.2f')}  err {fmt(e['max_err'], '.2e')}",
        flush=True,
    )


def run_area(area, argv, dispatch):
    """Reads `<dir>/ours.json` (argv[1]), maps each case through the first
    `(prefix, handler)` of `dispatch` whose prefix starts its name (a
    handler returns a list of entries; cases without one get peer "none"),
    prints and writes the report to argv[2]."""
    d, out_path = argv[1], argv[2]
    with open(f"{d}/ours.json") as f:
        ours = json.load(f)
    cases = []
    for c in ours:
        handler = next((h for p, h in dispatch if c["name"].startswith(p)), None)
        rows = handler(d, c) if handler else [entry(c, "none", None, None, c["notes"])]
        for r in rows:
            print_entry(r)
        cases += rows
    with open(out_path, "w") as f:
        json.dump({"area": area, "cases": cases}, f, indent=2)
