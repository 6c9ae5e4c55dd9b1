"""Reference trajectories of diffusers' DEISMultistepScheduler on a
Gaussian-mixture denoiser, for the DEIS tests of sobolev-samplers.

diffusers needs torch, too heavy for the shared refdata environment: this
script uses its own requirements file, xtask/refdata/requirements-diffusers.txt.
Run it from the repository root in an environment built from that file:

    python3 -m venv target/venv-diffusers
    target/venv-diffusers/bin/pip install -r xtask/refdata/requirements-diffusers.txt
    target/venv-diffusers/bin/python xtask/refdata/deis_diffusers.py

Under `cargo xtask refdata` (without torch) it reports that it was skipped.

The model predicts the clean sample ("sample" prediction type), computed in
float64 as the exact posterior mean of an isotropic Gaussian mixture,
D(x; s) = x + s^2 grad log p_s(x), at x = z / alpha. DEIS here is diffusers'
"deis" algorithm: noise prediction, Lagrange interpolation in log sigma. The
scheduler's noise levels are stored in float32 by diffusers; they are cast to float64 after
`set_timesteps` so that the update arithmetic runs in float64, and written
out so that the Rust side uses the same levels. diffusers' state z is the
variance-preserving one; the fixture stores the EDM state x = z sqrt(1 + s^2)
at the first and the last level.
Output: crates/samplers/tests/data/deis_diffusers.txt.
"""

import sys

try:
    import torch
    from diffusers import DEISMultistepScheduler
    from _torch_mixture import DIM, ROWS, denoiser, fmt, header_lines
except ImportError as e:  # pragma: no cover
    print(f"deis_diffusers.py skipped: {e} (see the header for its environment)", file=sys.stderr)
    sys.exit(0)

from importlib.metadata import version


def run(z0, steps, order, karras):
    sched = DEISMultistepScheduler(
        solver_order=order,
        prediction_type="sample",
        use_karras_sigmas=karras,
    )
    sched.set_timesteps(steps)
    sched.sigmas = sched.sigmas.to(torch.float64)
    sigmas = sched.sigmas.clone()
    z = z0.clone()
    for i, t in enumerate(sched.timesteps):
        s = sigmas[i]
        x = z * torch.sqrt(1 + s**2)
        z = sched.step(denoiser(x, s), t, z).prev_sample
    x_init = z0 * torch.sqrt(1 + sigmas[0] ** 2)
    x_final = z * torch.sqrt(1 + sigmas[-1] ** 2)
    return sigmas, x_init, x_final


def main():
    gen = torch.Generator().manual_seed(20261125)
    z0 = torch.randn(ROWS, DIM, generator=gen)
    lines = [
        f"# diffusers {version('diffusers')}, torch {torch.__version__}",
        "# case name order; then sigmas, x_init, x_final lines",
        *header_lines(),
    ]
    cases = [
        ("deis1", 10, 1, False),
        ("deis2", 10, 2, False),
        ("deis3", 10, 3, False),
        ("deis3_20", 20, 3, False),
        ("deis2_20", 20, 2, False),
        ("deis3_16", 16, 3, False),
    ]
    for name, steps, order, karras in cases:
        sigmas, x_init, x_final = run(z0, steps, order, karras)
        lines.append(f"case {name} {order}")
        lines.append(f"sigmas {fmt(sigmas)}")
        lines.append(f"x_init {fmt(x_init)}")
        lines.append(f"x_final {fmt(x_final)}")
    with open("crates/samplers/tests/data/deis_diffusers.txt", "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
