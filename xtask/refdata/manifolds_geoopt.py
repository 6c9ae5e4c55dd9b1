"""Reference fixtures for sobolev-manifolds' Poincare ball from geoopt.

Writes crates/manifolds/tests/data/geoopt_poincare.json: seeded random
points, tangent vectors and scalars, and geoopt's float64 (CPU) outputs of
PoincareBall(c) for dist, mobius_add, mobius_scalar_mul, expmap, logmap and
transp (parallel transport), at curvatures c = 0.5, 1 and 2 (sectional
curvature -c, the convention of sobolev-manifolds too) in dimensions 2, 5
and 17.

Points lie within radius 0.95 / sqrt(c) and tangent steps are moderate, so
none of geoopt's guards (artanh clamped to 1 - 1e-7, tanh to |x| <= 15,
norms to >= 1e-15) is active and the outputs are the formulas themselves.

geoopt needs torch (a multi-gigabyte install), so this script has its own
environment and is run by hand from the repository root:

    python3 -m venv target/venv-geoopt
    target/venv-geoopt/bin/pip install -r xtask/refdata/requirements-geoopt.txt
    target/venv-geoopt/bin/python xtask/refdata/manifolds_geoopt.py
"""

import json
import os

import numpy as np
import torch
import geoopt

OUT = "crates/manifolds/tests/data/geoopt_poincare.json"
PAIRS = 6


def ball_point(rng, n, c):
    g = rng.standard_normal(n)
    r = 0.95 * rng.random() ** (1.0 / n) / np.sqrt(c)
    return r * g / np.linalg.norm(g)


def main():
    rng = np.random.default_rng(20261124)
    cases = []
    for c in (0.5, 1.0, 2.0):
        ball = geoopt.PoincareBall(c=c)
        for n in (2, 5, 17):
            for _ in range(PAIRS):
                x, y = ball_point(rng, n, c), ball_point(rng, n, c)
                u = rng.standard_normal(n)
                lam = 2.0 / (1.0 - c * x @ x)
                # sqrt(c) lambda_x |u| / 2 spread over (0, 4).
                u *= 8.0 * rng.random() / (np.sqrt(c) * lam * np.linalg.norm(u))
                r = float(rng.uniform(-3.0, 3.0))
                tx, ty, tu = (torch.from_numpy(a) for a in (x, y, u))
                ops = {
                    "dist": ([x, y], ball.dist(tx, ty).reshape(1)),
                    "mobius_add": ([x, y], ball.mobius_add(tx, ty)),
                    "mobius_scalar_mul": ([[r], x], ball.mobius_scalar_mul(torch.tensor(r, dtype=torch.float64), tx)),
                    "exp": ([x, u], ball.expmap(tx, tu)),
                    "log": ([x, y], ball.logmap(tx, ty)),
                    "transport": ([x, y, u], ball.transp(tx, ty, tu)),
                }
                for op, (args, out) in ops.items():
                    cases.append(
                        {
                            "op": op,
                            "c": c,
                            "n": n,
                            "args": [list(map(float, a)) for a in args],
                            "out": [float(v) for v in out.detach().numpy().ravel()],
                        }
                    )
    doc = {
        "source": f"geoopt {geoopt.__version__}, torch {torch.__version__.split('+')[0]}, float64, CPU",
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
