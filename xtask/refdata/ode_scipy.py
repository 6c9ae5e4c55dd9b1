"""Reference runs of SciPy's solve_ivp (RK45 = Dormand-Prince 5(4)) for the
adaptive ODE tests of sobolev-samplers.

Writes crates/samplers/tests/data/ode_scipy.csv with, per problem and
tolerance, SciPy's evaluation count, its final state and a tight reference
final state (DOP853 at rtol 1e-13), so that the Rust test can compare both
its error and its cost with SciPy's at the same tolerance.

Run from the repository root: `cargo xtask refdata ode_scipy`.
"""

import numpy as np
import scipy
from scipy.integrate import solve_ivp


def lotka_volterra(t, y):
    return [1.5 * y[0] - y[0] * y[1], -3.0 * y[1] + y[0] * y[1]]


MU = 0.012277471


def arenstorf(t, y):
    x, v, u, w = y[0], y[1], y[2], y[3]
    mu_ = 1.0 - MU
    d1 = ((x + MU) ** 2 + v**2) ** 1.5
    d2 = ((x - mu_) ** 2 + v**2) ** 1.5
    ax = x + 2.0 * w - mu_ * (x + MU) / d1 - MU * (x - mu_) / d2
    av = v - 2.0 * u - mu_ * v / d1 - MU * v / d2
    return [u, w, ax, av]


def van_der_pol(t, y):
    return [y[1], 1.0 * (1.0 - y[0] ** 2) * y[1] - y[0]]


PROBLEMS = [
    ("lotka_volterra", lotka_volterra, [1.0, 1.0], 10.0),
    ("arenstorf", arenstorf, [0.994, 0.0, 0.0, -2.00158510637908252240537862224], 17.0652165601579625588917206249),
    ("van_der_pol", van_der_pol, [2.0, 0.0], 10.0),
]


def main():
    rows = [f"# scipy {scipy.__version__}, numpy {np.__version__}; columns: problem,kind,rtol,atol,nfe,y..."]
    for name, f, y0, t1 in PROBLEMS:
        ref = solve_ivp(f, (0.0, t1), y0, method="DOP853", rtol=1e-13, atol=1e-13)
        rows.append(",".join([name, "reference", "1e-13", "1e-13", str(ref.nfev)] + [repr(float(v)) for v in ref.y[:, -1]]))
        for rtol in (1e-4, 1e-6, 1e-8):
            atol = rtol * 1e-3
            s = solve_ivp(f, (0.0, t1), y0, method="RK45", rtol=rtol, atol=atol)
            rows.append(",".join([name, "rk45", repr(rtol), repr(atol), str(s.nfev)] + [repr(float(v)) for v in s.y[:, -1]]))
    with open("crates/samplers/tests/data/ode_scipy.csv", "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
