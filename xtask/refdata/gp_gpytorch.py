"""Fixtures for sobolev-kernels' ExactGp and SparseGp: GPyTorch.

For ExactGP models with a ScaleKernel over RBFKernel or MaternKernel (nu = 1/2,
3/2, 5/2, one ARD case) and a GaussianLikelihood, on seeded random data at fixed
hyperparameters, writes the exact log marginal likelihood, its gradient in
sobolev-kernels' log-hyperparameters and the predictive mean and variance (of
the latent f and of a noisy observation) at test points. Two SGPR cases
(InducingPointKernel, Titsias's collapsed bound) writes the bound, its gradient
in the log-hyperparameters and in the inducing inputs, and the predictive mean
and latent variance.

Conventions undone here so that the fixture speaks sobolev-kernels' terms:
- ExactMarginalLogLikelihood divides by the number of data; we multiply back.
- GPyTorch optimises raw parameters (theta = softplus(raw), plus 1e-4 for the
  noise's GreaterThan constraint); the chain rule
  dL/dlog(theta) = theta * (dL/draw) / sigmoid(raw) converts the autograd
  gradient to log-hyperparameters in our order (variance, lengthscale(s),
  noise variance).
- Everything runs in float64 with fast_computations off and a large
  max_cholesky_size, so every solve and log-determinant is a Cholesky (no CG or
  Lanczos). Cholesky jitter is added by GPyTorch only when a factorisation
  fails; the script checks that none of them warned.
- SGPR predictions are made with sgpr_diagonal_correction off. With it on
  (GPyTorch's default) the training covariance becomes Q + diag(K - Q), a
  FITC-like model whose mean differs from Titsias's. With it off, GPyTorch
  returns mean Q_*f (Q_ff + s I)^{-1} y, Titsias's, and the DTC variance
  q_** - Q_*f (Q_ff + s I)^{-1} Q_f*, which lacks the k_** - q_** that
  Titsias's predictive variance (what SparseGp returns) keeps. The fixture's
  var_f adds that gap back, both terms evaluated by GPyTorch itself
  (ScaleKernel and InducingPointKernel diagonals at the test points); var_dtc
  is GPyTorch's variance as returned.

GPyTorch needs torch (a multi-gigabyte install), so this script is heavy and
has its own environment, xtask/refdata/requirements-gpytorch.txt, separate
from the shared refdata one. From the repository root,
`cargo xtask refdata gp_gpytorch` creates target/venv-refdata-gpytorch with
those packages and runs the script; by hand:

    python3 -m venv target/venv-gpytorch
    target/venv-gpytorch/bin/pip install -r xtask/refdata/requirements-gpytorch.txt
    target/venv-gpytorch/bin/python xtask/refdata/gp_gpytorch.py

Output: crates/kernels/tests/data/gp_gpytorch.txt
"""

import warnings

import gpytorch
import linear_operator
import numpy as np
import torch

OUT = "crates/kernels/tests/data/gp_gpytorch.txt"
torch.set_default_dtype(torch.float64)


def data(seed, n, m, d):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, d))
    y = np.sin(X.sum(axis=1) * 1.3) + 0.3 * np.cos(3.0 * X[:, 0]) + 0.1 * rng.standard_normal(n)
    Xs = rng.uniform(-2.5, 2.5, size=(m, d))
    return X, y, Xs


def base_kernel(kind, d, ard):
    dims = d if ard else None
    if kind == "rbf":
        return gpytorch.kernels.RBFKernel(ard_num_dims=dims)
    nu = {"matern12": 0.5, "matern32": 1.5, "matern52": 2.5}[kind]
    return gpytorch.kernels.MaternKernel(nu=nu, ard_num_dims=dims)


class Exact(gpytorch.models.ExactGP):
    def __init__(self, x, y, likelihood, covar):
        super().__init__(x, y, likelihood)
        self.mean_module = gpytorch.means.ZeroMean()
        self.covar_module = covar

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def log_gradient(constrained, raw):
    """dL/dlog(theta) from dL/draw for theta = softplus(raw) (+ a constant)."""
    return (constrained.detach() * raw.grad / torch.sigmoid(raw.detach())).reshape(-1)


def fmt(key, arr):
    return key + " " + " ".join(repr(float(v)) for v in np.ravel(arr))


def set_hypers(scale, likelihood, variance, lengthscale, noise):
    scale.outputscale = variance
    scale.base_kernel.lengthscale = torch.as_tensor(lengthscale, dtype=torch.float64)
    likelihood.noise = noise


def hyper_gradient(scale, likelihood):
    base = scale.base_kernel
    return torch.cat([
        log_gradient(scale.outputscale, scale.raw_outputscale),
        log_gradient(base.lengthscale, base.raw_lengthscale),
        log_gradient(likelihood.noise, likelihood.noise_covar.raw_noise),
    ]).numpy()


def exact_case(name, kind, variance, lengthscale, noise, d, n, m, seed, ard=False):
    X, y, Xs = data(seed, n, m, d)
    x_t, y_t, xs_t = (torch.from_numpy(a) for a in (X, y, Xs))
    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    scale = gpytorch.kernels.ScaleKernel(base_kernel(kind, d, ard))
    model = Exact(x_t, y_t, likelihood, scale)
    set_hypers(scale, likelihood, variance, lengthscale, noise)
    model.train()
    likelihood.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    lml = mll(model(x_t), y_t) * n
    lml.backward()
    grad = hyper_gradient(scale, likelihood)
    model.eval()
    likelihood.eval()
    with torch.no_grad():
        f = model(xs_t)
        obs = likelihood(f)
        mean, var_f, var_y = f.mean.numpy(), f.variance.numpy(), obs.variance.numpy()
    lengthscales = scale.base_kernel.lengthscale.detach().numpy().ravel()
    params = [scale.outputscale.item(), *lengthscales, likelihood.noise.item()]
    return [
        f"case {name}",
        f"dims {d} {n} {m}",
        fmt("x", X),
        fmt("y", y),
        fmt("xs", Xs),
        fmt("params", params),
        fmt("lml", [lml.item()]),
        fmt("grad", grad),
        fmt("mean", mean),
        fmt("var_f", var_f),
        fmt("var_y", var_y),
    ]


class Sgpr(gpytorch.models.ExactGP):
    def __init__(self, x, y, likelihood, scale, z):
        super().__init__(x, y, likelihood)
        self.mean_module = gpytorch.means.ZeroMean()
        self.scale = scale
        self.covar_module = gpytorch.kernels.InducingPointKernel(scale, inducing_points=z, likelihood=likelihood)

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def sgpr_case(name, kind, variance, lengthscale, noise, d, n, m, num_inducing, seed, ard=False):
    X, y, Xs = data(seed, n, m, d)
    rng = np.random.default_rng(seed + 100)
    Z = rng.uniform(-2.0, 2.0, size=(num_inducing, d))
    x_t, y_t, xs_t = (torch.from_numpy(a) for a in (X, y, Xs))
    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    scale = gpytorch.kernels.ScaleKernel(base_kernel(kind, d, ard))
    model = Sgpr(x_t, y_t, likelihood, scale, torch.from_numpy(Z.copy()))
    set_hypers(scale, likelihood, variance, lengthscale, noise)
    model.train()
    likelihood.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    bound = mll(model(x_t), y_t) * n
    bound.backward()
    grad = hyper_gradient(scale, likelihood)
    grad_z = model.covar_module.inducing_points.grad.numpy()
    model.eval()
    likelihood.eval()
    with torch.no_grad(), gpytorch.settings.sgpr_diagonal_correction(False):
        f = model(xs_t)
        mean, var_dtc = f.mean.numpy(), f.variance.numpy()
        gap = scale(xs_t, diag=True) - model.covar_module(xs_t, diag=True)
        var_f = var_dtc + gap.numpy()
    lengthscales = scale.base_kernel.lengthscale.detach().numpy().ravel()
    params = [scale.outputscale.item(), *lengthscales, likelihood.noise.item()]
    return [
        f"case {name}",
        f"dims {d} {n} {m}",
        fmt("x", X),
        fmt("y", y),
        fmt("xs", Xs),
        fmt("z", Z),
        fmt("params", params),
        fmt("lml", [bound.item()]),
        fmt("grad", grad),
        fmt("grad_z", grad_z),
        fmt("mean", mean),
        fmt("var_f", var_f),
        fmt("var_dtc", var_dtc),
    ]


def main():
    out = [
        f"# gpytorch {gpytorch.__version__}, linear_operator {linear_operator.__version__}, "
        f"torch {torch.__version__}, numpy {np.__version__}; float64, Cholesky throughout"
    ]
    with (
        gpytorch.settings.fast_computations(False, False, False),
        gpytorch.settings.max_cholesky_size(10**6),
        gpytorch.settings.fast_pred_var(False),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("error", linear_operator.utils.warnings.NumericalWarning)
        out += exact_case("rbf_2d", "rbf", 0.8, 0.9, 0.1, 2, 35, 6, 11)
        out += exact_case("matern12_1d", "matern12", 1.1, 0.8, 0.03, 1, 30, 6, 12)
        out += exact_case("matern32_1d", "matern32", 0.9, 0.6, 0.02, 1, 30, 6, 13)
        out += exact_case("matern52_ard", "matern52", 1.3, [0.7, 1.1, 0.5], 0.05, 3, 40, 7, 14, ard=True)
        out += sgpr_case("sgpr_rbf_2d", "rbf", 1.2, 0.7, 0.05, 2, 60, 6, 16, 15)
        out += sgpr_case("sgpr_matern52_ard", "matern52", 0.9, [0.8, 1.3, 0.6], 0.03, 3, 70, 6, 20, 16, ard=True)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
