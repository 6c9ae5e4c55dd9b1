"""Reference values for sobolev-kernels' NNGP and NTK kernels (mpmath, 30 digits).

The layer recursion of Lee et al. (2018) and Jacot et al. (2018) in the
Neural Tangents parametrisation (Dense: K <- s_w^2 K + s_b^2, input
K = x.y / d), with the closed-form Gaussian expectations for ReLU (Cho & Saul
2009) and erf (Williams 1997), evaluated independently of the Rust code at
30 significant digits.

Run from the repository root: `cargo xtask refdata neural_kernels`.
Output: crates/kernels/tests/data/neural_kernels.txt, one line per case:
activation depth s_w2 s_b2 d x... y... nngp ntk
"""

import random

import mpmath as mp

mp.mp.dps = 30
OUT = "crates/kernels/tests/data/neural_kernels.txt"


def relu_expect(kxx, kyy, kxy):
    norm = mp.sqrt(kxx * kyy)
    c = max(min(kxy / norm, mp.mpf(1)), mp.mpf(-1))
    t = mp.acos(c)
    e = norm * (mp.sin(t) + (mp.pi - t) * mp.cos(t)) / (2 * mp.pi)
    ed = (mp.pi - t) / (2 * mp.pi)
    return e, ed, kxx / 2, kyy / 2


def erf_expect(kxx, kyy, kxy):
    ax, ay = 1 + 2 * kxx, 1 + 2 * kyy
    e = 2 / mp.pi * mp.asin(2 * kxy / mp.sqrt(ax * ay))
    ed = 4 / (mp.pi * mp.sqrt(ax * ay - 4 * kxy**2))
    exx = 2 / mp.pi * mp.asin(2 * kxx / ax)
    eyy = 2 / mp.pi * mp.asin(2 * kyy / ay)
    return e, ed, exx, eyy


def kernels(act, depth, sw, sb, x, y):
    d = len(x)
    dot = lambda a, b: mp.fsum(p * q for p, q in zip(a, b)) / d
    kxx, kyy, kxy = sw * dot(x, x) + sb, sw * dot(y, y) + sb, sw * dot(x, y) + sb
    ntk = kxy
    f = relu_expect if act == "relu" else erf_expect
    for _ in range(depth):
        e, ed, exx, eyy = f(kxx, kyy, kxy)
        kxy, kxx, kyy = sw * e + sb, sw * exx + sb, sw * eyy + sb
        ntk = kxy + sw * ed * ntk
    return kxy, ntk


def main():
    rng = random.Random(5)
    lines = []
    for act in ["relu", "erf"]:
        for depth in [0, 1, 2, 3, 5]:
            for _ in range(4):
                d = rng.choice([1, 3, 4])
                sw = mp.mpf(rng.choice(["0.5", "1.0", "2.0", "1.7"]))
                sb = mp.mpf(rng.choice(["0.05", "0.1", "0.5"]))
                x = [mp.mpf(round(rng.uniform(-2, 2), 6)) for _ in range(d)]
                y = [mp.mpf(round(rng.uniform(-2, 2), 6)) for _ in range(d)]
                nngp, ntk = kernels(act, depth, sw, sb, x, y)
                vals = [act, str(depth), mp.nstr(sw, 10), mp.nstr(sb, 10), str(d)]
                vals += [mp.nstr(v, 10) for v in x + y]
                vals += [mp.nstr(nngp, 20), mp.nstr(ntk, 20)]
                lines.append(" ".join(vals))
    with open(OUT, "w") as f:
        f.write("# activation depth s_w2 s_b2 d x[d] y[d] nngp ntk (mpmath, 30 digits)\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
