"""Reference kernel means and initial variances for sobolev-kernels' Bayesian quadrature.

For one-dimensional Gaussian and Matern (1/2, 3/2, 5/2) profiles
phi(|t - x| / l), computes with mpmath at 20 digits:
- the kernel mean  z(x) = int_a^b phi(|t - x| / l) dt  (nodes inside and outside [a, b]);
  by quadrature for Matern, by mpmath's erfc for the Gaussian profile (quadrature loses
  relative accuracy on its far tails),
- the initial variance  c = int_a^b int_a^b phi(|t - s| / l) dt ds  (nested quadrature,
  the inner integral split at the kink t = s and at s +- k l),
- for the Gaussian profile against N(mu, sigma^2): z(x) and c by quadrature over R,
- one 3-D tensor-product Matern-3/2 kernel mean on a box (product of 1-D integrals).

Run from the repository root: `cargo xtask refdata bayes_quadrature` (needs mpmath).
Output: crates/kernels/tests/data/bayes_quadrature.csv with columns
kind,profile,lengthscale,a,b,x,value (for kind = gauss_*, a and b hold mu and sigma;
for kind = box3, a/b/x hold the first coordinate only and the rest is fixed in the test).
"""

import mpmath as mp

mp.mp.dps = 20
OUT = "crates/kernels/tests/data/bayes_quadrature.csv"


def phi(profile, r):
    if profile == "gaussian":
        return mp.exp(-r * r / 2)
    if profile == "matern12":
        return mp.exp(-r)
    if profile == "matern32":
        s = mp.sqrt(3) * r
        return (1 + s) * mp.exp(-s)
    s = mp.sqrt(5) * r
    return (1 + s + s * s / 3) * mp.exp(-s)


def mean_interval(profile, l, a, b, x, fine=False):
    if profile == "gaussian":
        # Quadrature loses relative accuracy on the far tails (values near
        # 1e-46); mpmath's own erfc at 20 digits does not.
        # The difference of erfc values cancels for nodes far outside [a, b];
        # 90 digits cover values down to 1e-60.
        with mp.workdps(90):
            s = mp.sqrt(2) * l
            v = l * mp.sqrt(mp.pi / 2) * (mp.erfc((a - x) / s) - mp.erfc((b - x) / s))
        return +v
    # Split at the kink t = x and at c +- k l (c: x clamped to [a, b]), so that every piece is smooth
    # and no narrow peak or steep tail is missed by the quadrature.
    pts = {a, b}
    c = min(max(x, a), b)  # where the integrand peaks inside [a, b]
    for k in range(-8, 9):
        t = c + k * l
        if a < t < b:
            pts.add(t)
    if fine:
        # Tabulated values: 64 more pieces keep the relative error small on
        # exponentially decaying integrands (nodes outside [a, b]).
        pts.update(a + (b - a) * mp.mpf(i) / 64 for i in range(1, 64))
    return mp.quad(lambda t: phi(profile, abs(t - x) / l), sorted(pts))


def double_interval(profile, l, a, b):
    return mp.quad(lambda s: mean_interval(profile, l, a, b, s), [a, b])


def main():
    rows = ["kind,profile,lengthscale,a,b,x,value"]
    f = lambda v: mp.nstr(v, 20)
    for profile in ["gaussian", "matern12", "matern32", "matern52"]:
        for l, a, b in [(0.3, 0.0, 1.0), (1.7, -1.0, 2.0), (5.0, 0.0, 0.05), (0.05, -2.0, 3.0)]:
            for x in [a, (2 * a + b) / 3, b - 1e-3 * (b - a), b + 0.7, a - 2.0]:
                x = mp.mpf(x)
                v = mean_interval(profile, mp.mpf(l), mp.mpf(a), mp.mpf(b), x, fine=True)
                rows.append(f"mean,{profile},{l},{a},{b},{f(x)},{f(v)}")
            v = double_interval(profile, mp.mpf(l), mp.mpf(a), mp.mpf(b))
            rows.append(f"double,{profile},{l},{a},{b},nan,{f(v)}")
    for l, mu, sigma in [(0.5, 0.0, 1.0), (2.0, 1.0, 0.3), (0.1, -1.0, 2.5)]:
        dens = lambda t: mp.npdf(t, mu, sigma)
        for x in [mu, mu + 1.3, mu - 4.0]:
            v = mp.quad(lambda t: phi("gaussian", abs(t - x) / l) * dens(t), [-mp.inf, x, mp.inf])
            rows.append(f"gauss_mean,gaussian,{l},{mu},{sigma},{x},{f(v)}")
        v = mp.quad(
            lambda s: dens(s)
            * mp.quad(lambda t: phi("gaussian", abs(t - s) / l) * dens(t), [-mp.inf, s, mp.inf]),
            [-mp.inf, mu, mp.inf],
        )
        rows.append(f"gauss_double,gaussian,{l},{mu},{sigma},nan,{f(v)}")
    # 3-D box [0,1] x [-1,1] x [0,2], lengthscales (0.4, 0.8, 1.5), node (0.2, 0.5, 1.9):
    # by Fubini the kernel mean is the product of three 1-D integrals.
    ls = [0.4, 0.8, 1.5]
    box = [(0, 1), (-1, 1), (0, 2)]
    node = [0.2, 0.5, 1.9]
    v = mp.mpf(1)
    for k in range(3):
        v *= mean_interval("matern32", mp.mpf(ls[k]), mp.mpf(box[k][0]), mp.mpf(box[k][1]), mp.mpf(node[k]))
    rows.append(f"box3,matern32,{ls[0]},{box[0][0]},{box[0][1]},{node[0]},{f(v)}")
    with open(OUT, "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
