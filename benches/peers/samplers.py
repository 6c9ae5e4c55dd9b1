"""Peer side of `cargo xtask peers samplers`: JAX (CPU, jitted, float64) and
diffrax on the inputs our runner wrote.

* dpmpp2m_*: DPM-Solver++(2M) written in jax.numpy with the same update rule
  and the same Gaussian-mixture denoiser, jitted (diffrax has no diffusion
  samplers); max_err is the largest deviation of the final samples.
* dopri5_pfode_*: diffrax.diffeqsolve(Dopri5, PIDController(rtol, atol)) on the
  same probability-flow ODE, vmapped over rows; max_err against our rows.
* euler_maruyama_*: diffrax Euler on an SDE (ODETerm + ControlTerm with a
  VirtualBrownianTree per path), vmapped over path keys. The paths differ
  from ours (other generators), so max_err compares the sample means.

Usage: samplers.py <exchange-dir> <out.json>. SAMPLERS_PEER_CASES (comma-
separated name prefixes) restricts the run to some cases.
"""

import json
import os
import sys
import time
from importlib.metadata import version

import numpy as np
import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platform_name", "cpu")
import jax.numpy as jnp  # noqa: E402
import diffrax  # noqa: E402


def load(d, case, suffix):
    return np.fromfile(os.path.join(d, f"{case}.{suffix}.f64"), dtype="<f8")


def median_time(f, reps=3):
    jax.block_until_ready(f())  # compile and warm up
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        jax.block_until_ready(f())
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


def make_denoiser(w, means, var):
    logw = jnp.log(w / w.sum())
    dim = means.shape[1]

    def denoise(x, sigma):
        s2 = sigma * sigma
        v = var + s2  # (k,)
        diff = x[:, None, :] - means[None, :, :]
        logp = logw[None, :] - 0.5 * (jnp.sum(diff * diff, -1) / v[None, :] + dim * jnp.log(v)[None, :])
        r = jax.nn.softmax(logp, axis=1)
        score = -jnp.sum(r[:, :, None] * diff / v[None, :, None], axis=1)
        return x + s2 * score

    return denoise


def dpmpp_2m(denoise, sigmas):
    def run(x):
        old = None
        for i in range(len(sigmas) - 1):
            s, sn = sigmas[i], sigmas[i + 1]
            den = denoise(x, s)
            if sn == 0.0:
                x = den
            else:
                h = np.log(s / sn)
                ratio, wgt = sn / s, -np.expm1(-h)
                if old is None:
                    x = ratio * x + wgt * den
                else:
                    hl = np.log(sigmas[i - 1] / s)
                    r = hl / h
                    x = ratio * x + wgt * ((1 + 1 / (2 * r)) * den - (1 / (2 * r)) * old)
            old = den
        return x

    return jax.jit(run)


def main():
    d, out_path = sys.argv[1], sys.argv[2]
    ours = json.load(open(os.path.join(d, "ours.json")))
    jax_v = f"jax {version('jax')}"
    dfx_v = f"diffrax {version('diffrax')}"
    cases = []
    only = os.environ.get("SAMPLERS_PEER_CASES")
    for c in ours:
        name = c["name"]
        if only and not any(name.startswith(p) for p in only.split(",")):
            continue
        x0 = load(d, name, "in")
        ours_out = load(d, name, "out")
        peer, peer_s, max_err, notes = jax_v, None, None, ""
        if name.startswith("dpmpp2m"):
            w, means_flat, var = load(d, name, "weights"), load(d, name, "means"), load(d, name, "var")
            dim = means_flat.size // w.size
            means = jnp.asarray(means_flat.reshape(w.size, dim))
            sigmas = load(d, name, "sigmas")
            f = dpmpp_2m(make_denoiser(jnp.asarray(w), means, jnp.asarray(var)), [float(s) for s in sigmas])
            x = jnp.asarray(x0.reshape(-1, dim))
            peer_s = median_time(lambda: f(x))
            y = np.asarray(f(x)).reshape(-1)
            max_err = float(np.max(np.abs(y - ours_out)))
            notes = "same update rule in jax.numpy, jitted"
        elif name.startswith("dopri5"):
            peer = dfx_v
            w, means_flat, var = load(d, name, "weights"), load(d, name, "means"), load(d, name, "var")
            dim = means_flat.size // w.size
            den = make_denoiser(jnp.asarray(w), jnp.asarray(means_flat.reshape(w.size, dim)), jnp.asarray(var))

            def vf(s, y, args):
                return (y - den(y[None, :], s)[0]) / s

            term = diffrax.ODETerm(vf)

            def one(y0):
                sol = diffrax.diffeqsolve(
                    term, diffrax.Dopri5(), t0=80.0, t1=0.002, dt0=None, y0=y0,
                    stepsize_controller=diffrax.PIDController(rtol=1e-5, atol=1e-5),
                    max_steps=100000,
                )
                return sol.ys[-1]

            f = jax.jit(jax.vmap(one))
            x = jnp.asarray(x0.reshape(-1, dim))
            peer_s = median_time(lambda: f(x))
            y = np.asarray(f(x)).reshape(-1)
            max_err = float(np.max(np.abs(y - ours_out)))
            notes = "diffeqsolve(Dopri5, PIDController), vmapped over rows"
        elif name.startswith("euler_maruyama"):
            peer = dfx_v
            steps = 128
            drift = lambda t, y, args: jnp.array([-y[0], -0.5 * y[1]])  # noqa: E731
            diff = lambda t, y, args: jnp.array([0.5, 0.3])  # noqa: E731

            def one(key):
                bm = diffrax.VirtualBrownianTree(0.0, 1.0, tol=1.0 / (2 * steps), shape=(2,), key=key)
                terms = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(lambda t, y, a: jnp.diag(diff(t, y, a)), bm))
                sol = diffrax.diffeqsolve(terms, diffrax.Euler(), 0.0, 1.0, dt0=1.0 / steps, y0=jnp.ones(2), max_steps=steps + 1)
                return sol.ys[-1]

            n = x0.size // 2
            keys = jax.random.split(jax.random.PRNGKey(0), n)
            f = jax.jit(jax.vmap(one))
            peer_s = median_time(lambda: f(keys))
            y = np.asarray(f(keys))
            max_err = float(np.max(np.abs(y.mean(0) - ours_out.reshape(-1, 2).mean(0))))
            notes = "diffeqsolve(Euler) on MultiTerm with VirtualBrownianTree, vmapped; max_err = |difference of sample means|"
        cases.append({
            "name": name, "n": c["n"], "ours_s": c["ours_s"], "peer": peer, "peer_s": peer_s,
            "speedup": (peer_s / c["ours_s"]) if peer_s else None, "max_err": max_err,
            "notes": (c.get("notes", "") + "; peer: " + notes).strip("; "),
        })
        print(f"  peer  {name:<40} {peer_s:.3e} s  max_err {max_err:.2e}", file=sys.stderr, flush=True)
        # Written after every case so that a long run keeps what it measured.
        json.dump({"area": "samplers", "cases": cases}, open(out_path, "w"), indent=2)


if __name__ == "__main__":
    main()
