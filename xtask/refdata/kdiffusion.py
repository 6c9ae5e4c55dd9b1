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
    from _torch_mixture import DIM, ROWS, denoiser, fmt, header_lines
except ImportError as e:  # pragma: no cover
    print(f"kdiffusion.py skipped: {e} (see the header for its environment)", file=sys.stderr)
    sys.exit(0)

from importlib.metadata import version


class Replay:
    def __init__(self, noise):
        self.noise = noise
        self.i = 0

    def __call__(self, sigma, sigma_next):
        z = self.noise[self.i]
        self.i += 1
        return z


def main():
    gen = torch.Generator().manual_seed(20261123)
    sigmas = sampling.get_sigmas_karras(12, 0.002, 80.0, rho=7.0)
    steps = len(sigmas) - 1
    x0 = torch.randn(ROWS, DIM, generator=gen) * sigmas[0]
    noise = torch.randn(steps, ROWS, DIM, generator=gen)
    lines = [
        f"# k-diffusion {version('k-diffusion')}, torch {torch.__version__}",
        *header_lines(),
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
