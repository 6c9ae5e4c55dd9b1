"""Reference values for sobolev-kernels' Laplace GP classifier (mpmath, 40 digits).

Binary GP classification with the logistic likelihood p(y | f) = sigma(y f),
y in {-1, +1}, under a squared-exponential prior k = s2 exp(-|x - x'|^2 / (2 l^2)).
The posterior mode is found by the plain Newton iteration
f <- K (I + W K)^{-1} (W f + grad log p(y | f)), W = pi (1 - pi), to 1e-30,
independently of the Rust code's stabilised form (Rasmussen & Williams 2006,
alg. 3.1). The Laplace approximation to the log marginal likelihood is
eq. 3.32, -f^T K^{-1} f / 2 + log p(y | f) - log det(I + K W) / 2; its gradient
in (log s2, log l) is a central difference of that function (mode re-found at
each step, h = 1e-12). Predictions at test points: latent mean
k*^T grad log p, variance k** - k*^T (K + W^{-1})^{-1} k*, and the averaged
probability int sigma(z) N(z | mean, var) dz by mpmath quadrature.

Run from the repository root: `cargo xtask refdata gpc_laplace`.
Output: crates/kernels/tests/data/gpc_laplace.txt:
params s2 l / point x0 x1 y (N lines) / mode f_1 .. f_N / lml v /
grad d_log_s2 d_log_l / test x0 x1 mean var prob (lines)
"""

import random

import mpmath as mp

mp.mp.dps = 40
OUT = "crates/kernels/tests/data/gpc_laplace.txt"


def kern(s2, l, a, b):
    r2 = sum((p - q) ** 2 for p, q in zip(a, b))
    return s2 * mp.exp(-r2 / (2 * l * l))


def sigma(z):
    return 1 / (1 + mp.exp(-z))


def mode(K, y):
    n = len(y)
    f = mp.matrix(n, 1)
    for _ in range(200):
        pi = [sigma(f[i]) for i in range(n)]
        t = [(y[i] + 1) / 2 for i in range(n)]
        W = [pi[i] * (1 - pi[i]) for i in range(n)]
        g = [t[i] - pi[i] for i in range(n)]
        rhs = mp.matrix([W[i] * f[i] + g[i] for i in range(n)])
        M = mp.eye(n) + mp.diag(W) * K
        fn = K * mp.lu_solve(M, rhs)
        step = max(abs(fn[i] - f[i]) for i in range(n))
        f = fn
        if step < mp.mpf("1e-30"):
            return f
    raise RuntimeError("Newton did not converge")


def laplace(s2, l, X, y):
    n = len(y)
    K = mp.matrix(n, n)
    for i in range(n):
        for j in range(n):
            K[i, j] = kern(s2, l, X[i], X[j])
    f = mode(K, y)
    pi = [sigma(f[i]) for i in range(n)]
    W = [pi[i] * (1 - pi[i]) for i in range(n)]
    logp = mp.fsum(mp.log(sigma(y[i] * f[i])) for i in range(n))
    quad = (f.T * mp.lu_solve(K, f))[0]
    logdet = mp.log(mp.det(mp.eye(n) + K * mp.diag(W)))
    return K, f, W, -quad / 2 + logp - logdet / 2


def main():
    rng = random.Random(5)
    n = 30
    X = [[mp.mpf(rng.uniform(-2, 2)), mp.mpf(rng.uniform(-2, 2))] for _ in range(n)]
    y = []
    for x in X:
        lab = 1 if mp.sin(2 * x[0]) + mp.cos(1.5 * x[1]) > 0 else -1
        if rng.random() < 0.1:
            lab = -lab
        y.append(lab)
    s2, l = mp.mpf("2.5"), mp.mpf("0.9")
    K, f, W, lml = laplace(s2, l, X, y)
    h = mp.mpf("1e-12")
    grad = []
    for which in range(2):
        vals = []
        for sgn in (1, -1):
            ls2, ll = mp.log(s2), mp.log(l)
            if which == 0:
                ls2 += sgn * h
            else:
                ll += sgn * h
            vals.append(laplace(mp.exp(ls2), mp.exp(ll), X, y)[3])
        grad.append((vals[0] - vals[1]) / (2 * h))
    g = [(y[i] + 1) / 2 - sigma(f[i]) for i in range(n)]
    Kw = K + mp.diag([1 / w for w in W])
    tests = [[mp.mpf(a), mp.mpf(b)] for a, b in
             [("0.1", "0.2"), ("-1.5", "0.7"), ("1.2", "-1.1"), ("3", "3"), ("-0.4", "-1.9")]]
    s = lambda v: mp.nstr(v, 25)
    lines = [f"params {s(s2)} {s(l)}"]
    lines += [f"point {s(X[i][0])} {s(X[i][1])} {y[i]}" for i in range(n)]
    lines.append("mode " + " ".join(s(f[i]) for i in range(n)))
    lines.append(f"lml {s(lml)}")
    lines.append(f"grad {s(grad[0])} {s(grad[1])}")
    for xt in tests:
        ks = mp.matrix([kern(s2, l, xt, X[i]) for i in range(n)])
        mean = mp.fsum(ks[i] * g[i] for i in range(n))
        var = kern(s2, l, xt, xt) - (ks.T * mp.lu_solve(Kw, ks))[0]
        sd = mp.sqrt(var)
        prob = mp.quad(lambda z: sigma(mean + sd * z) * mp.exp(-z * z / 2), [-mp.inf, 0, mp.inf]) / mp.sqrt(2 * mp.pi)
        lines.append(f"test {s(xt[0])} {s(xt[1])} {s(mean)} {s(var)} {s(prob)}")
    with open(OUT, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
