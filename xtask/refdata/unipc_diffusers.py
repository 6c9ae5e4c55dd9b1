"""Reference trajectories of diffusers' UniPCMultistepScheduler on a
Gaussian-mixture denoiser, for the UniPC tests of sobolev-samplers.

diffusers needs torch, too heavy for the shared refdata environment: this
script uses its own requirements file, xtask/refdata/requirements-diffusers.txt.
Run it from the repository root in an environment built from that file:

    python3 -m venv target/venv-diffusers
    target/venv-diffusers/bin/pip install -r xtask/refdata/requirements-diffusers.txt
    target/venv-diffusers/bin/python xtask/refdata/unipc_diffusers.py

Under `cargo xtask refdata` (without torch) it reports that it was skipped.

The model predicts the clean sample ("sample" prediction type), computed in
float64 as the exact posterior mean of an isotropic Gaussian mixture,
D(x; s) = x + s^2 grad log p_s(x), at x = z / alpha. The scheduler's noise
levels are stored in float32 by diffusers; they are cast to float64 after
`set_timesteps` so that the update arithmetic runs in float64, and written
out so that the Rust side uses the same levels. diffusers' state z is the
variance-preserving one; the fixture stores the EDM state x = z sqrt(1 + s^2)
at the first and the last level.
Output: crates/samplers/tests/data/unipc_diffusers.txt.
"""

import sys

try:
    import torch
    from diffusers import UniPCMultistepScheduler
    from _torch_mixture import DIM, ROWS, denoiser, fmt, header_lines
except ImportError as e:  # pragma: no cover
    print(f"unipc_diffusers.py skipped: {e} (see the header for its environment)", file=sys.stderr)
    sys.exit(0)

from importlib.metadata import version


def run(z0, steps, order, solver_type, karras, final, corrector):
    sched = UniPCMultistepScheduler(
        solver_order=order,
        solver_type=solver_type,
        prediction_type="sample",
        use_karras_sigmas=karras,
        final_sigmas_type=final,
        disable_corrector=[] if corrector else list(range(steps)),
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
    gen = torch.Generator().manual_seed(20261124)
    z0 = torch.randn(ROWS, DIM, generator=gen)
    lines = [
        f"# diffusers {version('diffusers')}, torch {torch.__version__}",
        "# case name order bh corrector; then sigmas, x_init, x_final lines",
        *header_lines(),
    ]
    cases = [
        ("p1_bh2", 10, 1, "bh2", False, "zero", True),
        ("p2_bh2", 10, 2, "bh2", False, "zero", True),
        ("p3_bh2", 10, 3, "bh2", False, "zero", True),
        ("p2_bh1", 10, 2, "bh1", False, "sigma_min", True),
        ("p3_bh1", 10, 3, "bh1", False, "sigma_min", True),
        ("p3_bh2_karras", 12, 3, "bh2", True, "zero", True),
        ("p1_bh1_min", 10, 1, "bh1", False, "sigma_min", True),
        ("p2_bh2_nocorrector", 10, 2, "bh2", False, "zero", False),
        ("p3_bh2_nocorrector", 10, 3, "bh2", False, "zero", False),
    ]
    for name, steps, order, bh, karras, final, corrector in cases:
        sigmas, x_init, x_final = run(z0, steps, order, bh, karras, final, corrector)
        lines.append(f"case {name} {order} {bh[-1]} {int(corrector)}")
        lines.append(f"sigmas {fmt(sigmas)}")
        lines.append(f"x_init {fmt(x_init)}")
        lines.append(f"x_final {fmt(x_final)}")
    with open("crates/samplers/tests/data/unipc_diffusers.txt", "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
