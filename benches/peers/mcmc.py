"""Peer side of `cargo xtask peers mcmc`: NumPyro's and BlackJAX's NUTS on
the models our runner sampled, with bulk ESS computed for every sampler by
the same estimator (numpyro.diagnostics.effective_sample_size on
rank-normalised split chains, the bulk ESS of Vehtari et al. 2021).

Both peers run 4 chains one after another (NumPyro's `sequential` chain
method; a jitted BlackJAX warm-up plus a `lax.scan` of NUTS steps per
chain), 1000 warm-up and 1000 kept draws each, diagonal mass matrix
adapted by Stan's windowed schedule, target acceptance 0.8, as ours.
Each peer runs once untimed first so compilation is not counted.

Usage: mcmc.py <exchange-dir> <out.json>
"""

import json
import os
import sys
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.diagnostics import effective_sample_size  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402
import blackjax  # noqa: E402
from scipy.special import ndtri  # noqa: E402
from scipy.stats import rankdata  # noqa: E402

jax.config.update("jax_enable_x64", True)
CHAINS, WARMUP, DRAWS = 4, 1000, 1000


def bulk_ess(x):
    """x: [chain, draw, dim]; min over dims of rank-normalised split ESS."""
    c, n, d = x.shape
    half = n // 2
    split = np.concatenate([x[:, :half], x[:, n - half:]], axis=0)
    out = []
    for j in range(d):
        s = split[:, :, j]
        r = rankdata(s, method="average").reshape(s.shape)
        z = ndtri((r - 0.375) / (s.size + 0.25))
        out.append(float(effective_sample_size(z[:, :, None])[0]))
    return min(out)


def potential_gauss(prec):
    prec = jnp.asarray(prec)
    return lambda x: 0.5 * x @ prec @ x


def potential_funnel(d):
    def u(x):
        v, z = x[0], x[1:]
        return v * v / 18.0 + 0.5 * jnp.sum(z * z)
    return u


def potential_logistic(X, y):
    X, y = jnp.asarray(X), jnp.asarray(y)

    def u(b):
        eta = X @ b
        return 0.5 * jnp.sum(b * b) / 4.0 - jnp.sum(y * eta - jnp.logaddexp(0.0, eta))
    return u


def run_numpyro(potential, d, seed):
    kernel = NUTS(potential_fn=potential, dense_mass=False, target_accept_prob=0.8)
    mcmc = MCMC(kernel, num_warmup=WARMUP, num_samples=DRAWS, num_chains=CHAINS,
                chain_method="sequential", progress_bar=False)
    rng = np.random.default_rng(seed)
    init = jnp.asarray(rng.uniform(-2, 2, size=(CHAINS, d)))
    mcmc.run(jax.random.PRNGKey(seed), init_params=init, extra_fields=("num_steps",))
    return mcmc


def blackjax_chain(potential):
    """A jitted warm-up plus sampling run of one BlackJAX NUTS chain,
    compiled once per model."""
    logdensity = lambda x: -potential(x)  # noqa: E731

    @jax.jit
    def one_chain(key, x0):
        warm_key, draw_key = jax.random.split(key)
        warmup = blackjax.window_adaptation(
            blackjax.nuts, logdensity, target_acceptance_rate=0.8)
        (state, params), _ = warmup.run(warm_key, x0, num_steps=WARMUP)
        step = blackjax.nuts(logdensity, **params).step

        def body(s, k):
            s, info = step(k, s)
            return s, (s.position, info.num_integration_steps)

        _, (xs, steps) = jax.lax.scan(body, state, jax.random.split(draw_key, DRAWS))
        return xs, jnp.sum(steps)

    return one_chain


def run_blackjax(one_chain, d, seed):
    """Draws [chain, draw, dim] of CHAINS sequential chains and the gradient
    evaluations spent on the kept draws."""
    rng = np.random.default_rng(seed)
    init = rng.uniform(-2, 2, size=(CHAINS, d))
    keys = jax.random.split(jax.random.PRNGKey(seed), CHAINS)
    out = [one_chain(keys[c], jnp.asarray(init[c])) for c in range(CHAINS)]
    draws = np.stack([np.asarray(x) for x, _ in out])
    return draws, int(sum(int(g) for _, g in out))


def compare(name, case, d, draws, peer, peer_s, peer_draws, peer_grads):
    """One case row: seconds per bulk effective draw on each side, so the
    speedup is the ratio of ESS per second."""
    ess_ours, ess_peer = bulk_ess(draws), bulk_ess(peer_draws)
    our_grads = int(case["notes"].split("grads=")[1].split()[0])
    sd = peer_draws.reshape(-1, d).std(axis=0)
    mean_gap = float(np.max(np.abs(draws.reshape(-1, d).mean(0) - peer_draws.reshape(-1, d).mean(0)) / sd))
    ours_spe = case["ours_s"] / ess_ours
    peer_spe = peer_s / ess_peer
    short = peer.split()[0]
    row = {
        "name": name,
        "n": d,
        "ours_s": ours_spe,
        "peer": peer,
        "peer_s": peer_spe,
        "speedup": peer_spe / ours_spe,
        "max_err": mean_gap,
        "notes": (f"s per bulk-ESS; ours ESS {ess_ours:.0f} in {case['ours_s']:.2f}s "
                  f"({ess_ours / our_grads:.4f} ESS/grad), {short} ESS {ess_peer:.0f} in {peer_s:.2f}s "
                  f"({ess_peer / peer_grads:.4f} ESS/grad); max_err = max |mean gap| / sd"),
    }
    print(name, short, row["notes"], flush=True)
    return row


def main():
    exdir, out = sys.argv[1], sys.argv[2]
    ours = {c["name"]: c for c in json.load(open(os.path.join(exdir, "ours.json")))}
    cases = []
    for name, case in ours.items():
        d = case["n"]
        data = np.fromfile(os.path.join(exdir, f"{name}.in.f64"), dtype="<f8")
        draws = np.fromfile(os.path.join(exdir, f"{name}.out.f64"), dtype="<f8").reshape(CHAINS, DRAWS, d)
        if name.startswith("correlated"):
            pot = potential_gauss(data.reshape(d, d))
        elif name.startswith("funnel"):
            pot = potential_funnel(d)
        else:
            n = data.size // (d + 1)
            pot = potential_logistic(data[: n * d].reshape(n, d), data[n * d:])
        run_numpyro(pot, d, 1)  # compile
        t = time.perf_counter()
        mcmc = run_numpyro(pot, d, 2)
        peer_s = time.perf_counter() - t
        cases.append(compare(
            name, case, d, draws,
            f"numpyro {numpyro.__version__} (jax {jax.__version__}, CPU)", peer_s,
            np.asarray(mcmc.get_samples(group_by_chain=True)),
            int(np.sum(mcmc.get_extra_fields()["num_steps"]))))

        chain = blackjax_chain(pot)
        run_blackjax(chain, d, 1)  # compile
        t = time.perf_counter()
        bj_draws, bj_grads = run_blackjax(chain, d, 2)
        peer_s = time.perf_counter() - t
        cases.append(compare(
            name, case, d, draws,
            f"blackjax {blackjax.__version__} (jax {jax.__version__}, CPU)", peer_s,
            bj_draws, bj_grads))
    json.dump({"area": "mcmc", "cases": cases}, open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
