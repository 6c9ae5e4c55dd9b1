"""Reference values for sobolev-kernels' Student-t process regression (mpmath, 40 digits).

y ~ MVT_N(nu, 0, K + s_n^2 I) with covariance K_y = K + s_n^2 I (Shah, Wilson &
Ghahramani, Student-t Processes as Alternatives to Gaussian Processes,
AISTATS 2014, eq. 5-10): log p(y) = -N/2 log((nu - 2) pi) - log det K_y / 2
+ log Gamma((nu + N)/2) - log Gamma(nu/2) - (nu + N)/2 log(1 + beta/(nu - 2)),
beta = y^T K_y^{-1} y, from mpmath's det and LU solve; its gradient in
(log s2, log l, log s_n^2, log(nu - 2)) by central differences (h = 1e-15);
predictions: mean k*^T K_y^{-1} y and variance
(nu + beta - 2)/(nu + N - 2) (k** - k*^T K_y^{-1} k*). Kernel
s2 exp(-|x - x'|^2 / (2 l^2)).

Run from the repository root: `cargo xtask refdata tp_student`.
Output: crates/kernels/tests/data/tp_student.txt:
params s2 l noise nu / point x y (N lines) / lml v / grad g1 g2 g3 g4 /
test x mean var (lines)
"""

import random

import mpmath as mp

mp.mp.dps = 40
OUT = "crates/kernels/tests/data/tp_student.txt"


def kern(s2, l, a, b):
    return s2 * mp.exp(-((a - b) ** 2) / (2 * l * l))


def lml(p, X, y):
    s2, l, noise, nu = mp.exp(p[0]), mp.exp(p[1]), mp.exp(p[2]), 2 + mp.exp(p[3])
    n = len(X)
    Ky = mp.matrix(n, n)
    for i in range(n):
        for j in range(n):
            Ky[i, j] = kern(s2, l, X[i], X[j]) + (noise if i == j else 0)
    yv = mp.matrix(y)
    beta = (yv.T * mp.lu_solve(Ky, yv))[0]
    return (-n / mp.mpf(2) * mp.log((nu - 2) * mp.pi) - mp.log(mp.det(Ky)) / 2
            + mp.loggamma((nu + n) / 2) - mp.loggamma(nu / 2)
            - (nu + n) / 2 * mp.log(1 + beta / (nu - 2))), Ky, beta


def main():
    rng = random.Random(3)
    n = 25
    X = sorted(mp.mpf(rng.uniform(0, 6)) for _ in range(n))
    y = [mp.sin(x) + mp.mpf(rng.gauss(0, 0.2)) for x in X]
    y[7] += 3  # an outlier
    s2, l, noise, nu = mp.mpf("1.3"), mp.mpf("0.8"), mp.mpf("0.05"), mp.mpf("4.5")
    p = [mp.log(s2), mp.log(l), mp.log(noise), mp.log(nu - 2)]
    value, Ky, beta = lml(p, X, y)
    h = mp.mpf("1e-15")
    grad = []
    for j in range(4):
        up, down = list(p), list(p)
        up[j] += h
        down[j] -= h
        grad.append((lml(up, X, y)[0] - lml(down, X, y)[0]) / (2 * h))
    s = lambda v: mp.nstr(v, 25)
    lines = [f"params {s(s2)} {s(l)} {s(noise)} {s(nu)}"]
    lines += [f"point {s(X[i])} {s(y[i])}" for i in range(n)]
    lines.append(f"lml {s(value)}")
    lines.append("grad " + " ".join(s(g) for g in grad))
    yv = mp.matrix(y)
    alpha = mp.lu_solve(Ky, yv)
    scale = (nu + beta - 2) / (nu + n - 2)
    for xt in ["0.5", "2.2", "4.9", "7.5"]:
        xt = mp.mpf(xt)
        ks = mp.matrix([kern(s2, l, xt, X[i]) for i in range(n)])
        mean = (ks.T * alpha)[0]
        var = scale * (kern(s2, l, xt, xt) - (ks.T * mp.lu_solve(Ky, ks))[0])
        lines.append(f"test {s(xt)} {s(mean)} {s(var)}")
    with open(OUT, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
