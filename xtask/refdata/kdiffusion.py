"""Reference trajectories of k-diffusion's samplers on a Gaussian-mixture
denoiser, for the diffusion-sampler tests of sobolev-samplers.

k-diffusion needs torch, too heavy for the shared refdata environment: this
script uses its own requirements file, xtask/refdata/requirements-kdiffusion.txt.
Run it from the repository root in an environment built from that file:

    python3 -m venv target/venv-kdiffusion
    target/venv-kdiffusion/bin/pip install -r xtask/refdata/requirements-kdiffusion.txt
    target/venv-kdiffusion/bin/python xtask/refdata/kdiffusion.py

Under `cargo xtask refdata` (without torch) it reports that it was skipped.

The denoiser is the exact posterior mean of an isotropic Gaussian mixture in
float64, D(x; s) = x + s^2 grad log p_s(x); noise for the stochastic samplers
is drawn here and written to the fixture so the Rust side can replay it.
Output: crates/samplers/tests/data/kdiffusion.txt.
"""

import sys

try:
    import torch
    import k_diffusion
    from k_diffusion import sampling
except ImportError as e:  # pragma: no cover
    print(f"kdiffusion.py skipped: {e} (see the header for its environment)", file=sys.stderr)
    sys.exit(0)

from importlib.metadata import version

torch.set_default_dtype(torch.float64)

DIM = 3
WEIGHTS = torch.tensor([0.5, 0.3, 0.2])
MEANS = torch.tensor([[2.0, 0.0, -1.0], [-1.5, 1.0, 0.5], [0.0, -2.0, 1.5]])
VARIANCES = torch.tensor([0.25, 0.5, 0.1])
ROWS = 5


def denoiser(x, sigma):
    s2 = sigma.reshape(-1, 1, 1) ** 2  # (n, 1, 1)
    var = VARIANCES.reshape(1, -1, 1) + s2  # (n, k, 1)
    diff = x.unsqueeze(1) - MEANS.unsqueeze(0)  # (n, k, d)
    logp = torch.log(WEIGHTS).reshape(1, -1) - 0.5 * (
        (diff**2).sum(-1) / var.squeeze(-1) + DIM * torch.log(var.squeeze(-1))
    )
    r = torch.softmax(logp, dim=1).unsqueeze(-1)
    score = -(r * diff / var).sum(1)
    return x + s2.reshape(-1, 1) * score


class Replay:
    def __init__(self, noise):
        self.noise = noise
        self.i = 0

    def __call__(self, sigma, sigma_next):
        z = self.noise[self.i]
        self.i += 1
        return z


def fmt(t):
    return " ".join(repr(float(v)) for v in t.reshape(-1))


def main():
    gen = torch.Generator().manual_seed(20261123)
    sigmas = sampling.get_sigmas_karras(12, 0.002, 80.0, rho=7.0)
    steps = len(sigmas) - 1
    x0 = torch.randn(ROWS, DIM, generator=gen) * sigmas[0]
    noise = torch.randn(steps, ROWS, DIM, generator=gen)
    lines = [
        f"# k-diffusion {version('k-diffusion')}, torch {torch.__version__}",
        f"dim {DIM}",
        f"weights {fmt(WEIGHTS)}",
        f"means {fmt(MEANS)}",
        f"variances {fmt(VARIANCES)}",
        f"sigmas {fmt(sigmas)}",
        f"x0 {fmt(x0)}",
        f"noise {fmt(noise)}",
    ]
    runs = {
        "euler": lambda x: sampling.sample_euler(denoiser, x, sigmas, disable=True),
        "heun": lambda x: sampling.sample_heun(denoiser, x, sigmas, disable=True),
        "dpmpp_2m": lambda x: sampling.sample_dpmpp_2m(denoiser, x, sigmas, disable=True),
        "dpmpp_2m_sde_eta0": lambda x: sampling.sample_dpmpp_2m_sde(denoiser, x, sigmas, eta=0.0, disable=True, noise_sampler=Replay(noise)),
        "dpmpp_3m_sde_eta0": lambda x: sampling.sample_dpmpp_3m_sde(denoiser, x, sigmas, eta=0.0, disable=True, noise_sampler=Replay(noise)),
        "euler_ancestral_eta1": lambda x: sampling.sample_euler_ancestral(denoiser, x, sigmas, eta=1.0, disable=True, noise_sampler=Replay(noise)),
        "euler_ancestral_eta05": lambda x: sampling.sample_euler_ancestral(denoiser, x, sigmas, eta=0.5, disable=True, noise_sampler=Replay(noise)),
        "dpmpp_2m_sde_eta1": lambda x: sampling.sample_dpmpp_2m_sde(denoiser, x, sigmas, eta=1.0, disable=True, noise_sampler=Replay(noise)),
        "dpmpp_3m_sde_eta1": lambda x: sampling.sample_dpmpp_3m_sde(denoiser, x, sigmas, eta=1.0, disable=True, noise_sampler=Replay(noise)),
    }
    for name, run in runs.items():
        lines.append(f"result {name} {fmt(run(x0.clone()))}")
    with open("crates/samplers/tests/data/kdiffusion.txt", "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
