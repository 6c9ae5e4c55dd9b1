"""The Gaussian mixture and exact denoiser shared by the torch-based
fixture scripts (k-diffusion, diffusers UniPC and DEIS): a module, not a
script, so `cargo xtask refdata` skips it (leading underscore).

The denoiser is the exact posterior mean of an isotropic Gaussian mixture in
float64, D(x; s) = x + s^2 grad log p_s(x), for one noise level or one per
row.
"""

import torch

torch.set_default_dtype(torch.float64)

DIM = 3
WEIGHTS = torch.tensor([0.5, 0.3, 0.2])
MEANS = torch.tensor([[2.0, 0.0, -1.0], [-1.5, 1.0, 0.5], [0.0, -2.0, 1.5]])
VARIANCES = torch.tensor([0.25, 0.5, 0.1])
ROWS = 5


def denoiser(x, sigma):
    s2 = sigma.reshape(-1, 1, 1) ** 2  # (n or 1, 1, 1)
    var = VARIANCES.reshape(1, -1, 1) + s2  # (n or 1, k, 1)
    diff = x.unsqueeze(1) - MEANS.unsqueeze(0)  # (n, k, d)
    logp = torch.log(WEIGHTS).reshape(1, -1) - 0.5 * (
        (diff**2).sum(-1) / var.squeeze(-1) + DIM * torch.log(var.squeeze(-1))
    )
    r = torch.softmax(logp, dim=1).unsqueeze(-1)
    score = -(r * diff / var).sum(1)
    return x + s2.reshape(-1, 1) * score


def fmt(t):
    return " ".join(repr(float(v)) for v in t.reshape(-1))


def header_lines():
    """The fixture lines that describe the mixture."""
    return [
        f"dim {DIM}",
        f"weights {fmt(WEIGHTS)}",
        f"means {fmt(MEANS)}",
        f"variances {fmt(VARIANCES)}",
    ]
