"""Coefficients of the polynomial behind `ln_gamma` on [3/2, 5/2] in
sobolev-special (`LN_GAMMA_2_POLY` in crates/special/src/gamma.rs).

Run from the repository root with `cargo xtask refdata ln_gamma_poly`.
Prints, at 50 significant digits in mpmath, the Chebyshev interpolant of
degree 18 of f(z) = ln Γ(2+z) / z on |z| <= 1/2 (f(0) = 1 - γ) in powers of
z, rounded to doubles, followed by its error bound on the interval. The
function is analytic in an ellipse of parameter about 7.9 around the
interval (nearest singularity at z = -2), so 19 nodes reach about 6e-19.
"""

import mpmath as mp

mp.mp.dps = 50


def ln_gamma_2_plus_over_z(z):
    z = mp.mpf(z)
    if z == 0:
        return 1 - mp.euler
    return mp.loggamma(2 + z) / z


def main():
    poly, err = mp.chebyfit(ln_gamma_2_plus_over_z, [-0.5, 0.5], 19, error=True)
    for c in reversed(poly):
        print(repr(float(c)))
    print(f"# max error on [-1/2, 1/2]: {mp.nstr(err, 5)}")


if __name__ == "__main__":
    main()
