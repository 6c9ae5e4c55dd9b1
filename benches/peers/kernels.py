"""Peer side of `cargo xtask peers kernels`.

Reads our cases from <dir>/ours.json and the .f64 arrays, times the peers on
the same inputs in the same run, and writes the report JSON:
- lml_grad_*: scikit-learn GaussianProcessRegressor.log_marginal_likelihood
  with eval_gradient=True (ConstantKernel * Matern(ARD, nu=2.5) + WhiteKernel);
  and GPyTorch's ExactGP (ScaleKernel(MaternKernel(nu=2.5, ARD)) with a
  GaussianLikelihood): -mll(output, y) * N forward plus backward through all
  hyperparameters, once with every solve and log-determinant a Cholesky
  (max_cholesky_size(10**9)) and once with GPyTorch's defaults (above 800
  points: preconditioned CG solves and stochastic Lanczos log-determinants,
  seeded probes), each compared with our exact values;
- gauss_sum_*: pykeops (CPU) LazyTensor reduction, and blocked NumPy
  (|x|^2 + |y|^2 - 2 x.y per block, exp, matmul) at N = 2e4;
- state_space_*: no Python peer (ours only).
Requirements: benches/peers/requirements-kernels.txt (numpy, scikit-learn,
pykeops, torch, gpytorch; torch from PyPI is the CUDA build, several GB, and
runs on the CPU here with torch.set_num_threads set to the run's thread count).
"""

import json
import os
import sys
import time

import numpy as np


def load(d, case, suffix, shape=None):
    a = np.fromfile(f"{d}/{case}.{suffix}.f64", dtype="<f8")
    return a.reshape(shape) if shape else a


def timed(f, reps):
    """Median of `reps` runs after a warm-up; reps = 0: one run, no warm-up."""
    if reps == 0:
        t = time.perf_counter()
        f()
        return time.perf_counter() - t
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


def entry(c, peer, peer_s, max_err, notes):
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


def lml_case(d, c):
    import sklearn
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    n = c["n"]
    x = load(d, c["name"], "x", (n, 5))
    y = load(d, c["name"], "y")
    theta = load(d, c["name"], "theta")
    ours = load(d, c["name"], "out")
    kernel = ConstantKernel(1.0) * Matern(np.ones(5), nu=2.5) + WhiteKernel(1.0)
    gp = GaussianProcessRegressor(kernel=kernel, alpha=0.0, optimizer=None).fit(x, y)
    res = {}

    def run():
        res["v"] = gp.log_marginal_likelihood(theta, eval_gradient=True)

    t = timed(run, 3 if n <= 2000 else 0)
    lml, grad = res["v"]
    ref = np.concatenate([[lml], grad])
    out = [entry(c, f"scikit-learn {sklearn.__version__}", t, rel_err(ours, ref), c["notes"] + "; err relative, max(|ref|,1)")]
    for exact in (True, False):
        out.append(gpytorch_lml_case(c, x, y, theta, ours, exact))
    return out


def rel_err(ours, ref):
    return float(np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), 1.0)))


def gpytorch_lml_case(c, x, y, theta, ours, exact):
    """GPyTorch's -mll * N and its backward at our hyperparameters.

    theta is ours: log variance, 5 log lengthscales, log noise variance. The
    parameters are set through GPyTorch's constraints (softplus of a raw
    parameter; the noise's GreaterThan(1e-4) adds 1e-4), and the autograd
    gradients in the raw parameters are converted to log-hyperparameters by
    dL/dlog(t) = t * (dL/draw) / sigmoid(raw) after timing.
    """
    import warnings

    import gpytorch
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    n = c["n"]
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y)

    class Exact(gpytorch.models.ExactGP):
        def __init__(self, likelihood, covar):
            super().__init__(xt, yt, likelihood)
            self.mean_module = gpytorch.means.ZeroMean()
            self.covar_module = covar

        def forward(self, z):
            return gpytorch.distributions.MultivariateNormal(self.mean_module(z), self.covar_module(z))

    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    scale = gpytorch.kernels.ScaleKernel(gpytorch.kernels.MaternKernel(nu=2.5, ard_num_dims=5))
    model = Exact(likelihood, scale)
    scale.outputscale = float(np.exp(theta[0]))
    scale.base_kernel.lengthscale = torch.from_numpy(np.exp(theta[1:6])).reshape(1, 5)
    likelihood.noise = float(np.exp(theta[6]))
    model.train()
    likelihood.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    res = {}

    def run():
        model.zero_grad()
        loss = -mll(model(xt), yt) * n
        loss.backward()
        res["lml"] = -loss.item()

    settings = gpytorch.settings.max_cholesky_size(10**9 if exact else gpytorch.settings.max_cholesky_size.value())
    with settings, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = timed(run, 3 if n <= 2000 else 1)
    jitter_warnings = [str(w.message) for w in caught if "jitter" in str(w.message).lower()]

    def log_gradient(constrained, raw):
        # raw.grad is the gradient of the loss, -lml
        return (-constrained.detach() * raw.grad / torch.sigmoid(raw.detach())).reshape(-1)

    grad = torch.cat([
        log_gradient(scale.outputscale, scale.raw_outputscale),
        log_gradient(scale.base_kernel.lengthscale, scale.base_kernel.raw_lengthscale),
        log_gradient(likelihood.noise, likelihood.noise_covar.raw_noise),
    ]).numpy()
    ref = np.concatenate([[res["lml"]], grad])
    err = rel_err(ours, ref)
    mode = "Cholesky (max_cholesky_size 1e9)" if exact else "defaults (CG + Lanczos above 800 points)"
    notes = (
        f"GPyTorch {mode}, {torch.get_num_threads()} threads, -mll*N forward + backward; "
        f"err relative, max(|ref|,1); peer lml {res['lml']:.10e}, ours {ours[0]:.10e}"
    )
    if jitter_warnings:
        notes += f"; peer warned: {jitter_warnings[0][:80]}"
    e = entry(c, f"gpytorch {gpytorch.__version__} / torch {torch.__version__}", t, err, notes)
    e["name"] = c["name"] + ("_vs_gpytorch_cholesky" if exact else "_vs_gpytorch_default")
    return e


def gauss_sum_case(d, c):
    import pykeops
    from pykeops.numpy import LazyTensor

    n = c["n"]
    x = load(d, c["name"], "x", (n, 3))
    y = load(d, c["name"], "y", (n, 3))
    v = load(d, c["name"], "v")
    ours = load(d, c["name"], "out")
    ell = 0.1
    xi = LazyTensor(x[:, None, :] / ell)
    yj = LazyTensor(y[None, :, :] / ell)
    K = (-0.5 * ((xi - yj) ** 2).sum(-1)).exp()
    vv = v[:, None].copy()
    res = {}

    def keops():
        res["k"] = (K @ vv)[:, 0]

    reps = 3 if n <= 20000 else 0  # the formula is compiled by the 2e4 case
    tk = timed(keops, reps)
    scale = np.max(np.abs(res["k"]))
    err_k = float(np.max(np.abs(ours - res["k"])) / scale)
    evals = float(n) * float(n)
    out = [
        entry(
            c,
            f"pykeops {pykeops.__version__} (CPU)",
            tk,
            err_k,
            c["notes"] + f"; pykeops {evals / tk:.2e} evals/s; err relative to max|out|",
        )
    ]
    if n <= 20000:
        def blocked_numpy():
            xs, ys = x / ell, y / ell
            y2 = (ys**2).sum(1)
            acc = np.empty(n)
            for i0 in range(0, n, 1000):
                xb = xs[i0 : i0 + 1000]
                d2 = (xb**2).sum(1)[:, None] + y2[None, :] - 2.0 * xb @ ys.T
                acc[i0 : i0 + 1000] = np.exp(-0.5 * np.maximum(d2, 0.0)) @ v
            res["n"] = acc

        tn = timed(blocked_numpy, 1)
        err_n = float(np.max(np.abs(ours - res["n"])) / scale)
        e = entry(c, f"numpy {np.__version__} (blocked)", tn, err_n, f"numpy {evals / tn:.2e} evals/s")
        e["name"] = c["name"] + "_vs_numpy"
        out.append(e)
    return out


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    ours = json.load(open(f"{d}/ours.json"))
    cases = []
    for c in ours:
        if c["name"].startswith("lml_grad"):
            new = lml_case(d, c)
        elif c["name"].startswith("gauss_sum"):
            new = gauss_sum_case(d, c)
        else:
            new = [entry(c, "-", None, None, c["notes"])]
        for e in new:
            print(json.dumps(e), flush=True)
        cases += new
    json.dump({"area": "kernels", "cases": cases}, open(out_path, "w"), indent=2)


if __name__ == "__main__":
    main()
