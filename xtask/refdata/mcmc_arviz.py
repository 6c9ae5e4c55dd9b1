"""Reference values of MCMC diagnostics from ArviZ, for sobolev-samplers.

Draws AR(1) chains (with chain-specific offsets, heavy tails and ties) from
a fixed NumPy seed and records ArviZ's rank-normalised R-hat, bulk/tail/mean
ESS, MCSE of the mean and of quantiles, and BFMI.

ArviZ is not in xtask/refdata/requirements.txt (it pulls in matplotlib and
xarray); run this script in an environment with the packages of
xtask/refdata/requirements-arviz.txt:

    python3 -m venv target/venv-arviz
    target/venv-arviz/bin/pip install -r xtask/refdata/requirements-arviz.txt
    target/venv-arviz/bin/python xtask/refdata/mcmc_arviz.py
"""

import json
import pathlib

import arviz as az
import numpy as np

OUT = pathlib.Path("crates/samplers/tests/data/arviz_diagnostics.json")


def ar1(rng, chains, draws, phi, offsets, heavy=False):
    x = np.zeros((chains, draws))
    for c in range(chains):
        e = rng.standard_t(3, size=draws) if heavy else rng.standard_normal(draws)
        for t in range(1, draws):
            x[c, t] = phi * x[c, t - 1] + e[t]
        x[c] += offsets[c]
    return x


def main():
    rng = np.random.default_rng(20261123)
    cases = [
        ("iid", rng.standard_normal((4, 500))),
        ("ar1_0.9", ar1(rng, 4, 1000, 0.9, [0, 0, 0, 0])),
        ("ar1_offset", ar1(rng, 4, 301, 0.5, [0, 0.3, -0.2, 0.5])),
        ("heavy", ar1(rng, 3, 400, 0.7, [0, 0, 0], heavy=True)),
        ("ties", np.round(ar1(rng, 2, 200, 0.3, [0, 0]), 0)),
        ("stuck", np.concatenate([ar1(rng, 2, 250, 0.95, [0, 0]), ar1(rng, 2, 250, 0.95, [4, 4])])),
    ]
    out = []
    for name, x in cases:
        energy = x[0] ** 2 + 0.1 * rng.standard_normal(x.shape[1])
        out.append(
            {
                "name": name,
                "draws": x.tolist(),
                "rhat": float(az.rhat(x, method="rank")),
                "ess_bulk": float(az.ess(x, method="bulk")),
                "ess_tail": float(az.ess(x, method="tail")),
                "ess_mean": float(az.ess(x, method="mean")),
                "mcse_mean": float(az.mcse(x, method="mean")),
                "mcse_q25": float(az.mcse(x, method="quantile", prob=0.25)),
                "energy": energy.tolist(),
                "bfmi": float(az.bfmi(energy[None, :])[0]),
            }
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"arviz": az.__version__, "cases": out}, indent=None))
    print(f"wrote {OUT} ({len(out)} cases, arviz {az.__version__})")


if __name__ == "__main__":
    main()
