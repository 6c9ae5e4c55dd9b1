"""Reference values for sobolev-kernels' Matern profile of general smoothness nu.

phi(r) = 2^(1-nu) / Gamma(nu) z^nu K_nu(z), z = sqrt(2 nu) r, and its first
two derivatives in r^2, evaluated with mpmath's besselk at 40 digits from
d/dz[z^a K_a(z)] = -z^a K_(a-1)(z); the derivative formulas are checked
against mpmath's numerical differentiation before anything is written.

Run from the repository root: `cargo xtask refdata matern_nu`.
Output: crates/kernels/tests/data/matern_nu.txt, one line per case:
nu r2 phi dphi/dr2 d2phi/d(r2)^2
"""

import mpmath as mp

mp.mp.dps = 40
OUT = "crates/kernels/tests/data/matern_nu.txt"

NUS = ["0.3", "0.5", "0.75", "1", "1.25", "1.5", "2.2", "2.5", "3.7", "7.5", "15.3", "40"]
RS = ["1e-8", "1e-4", "1e-2", "0.1", "0.3", "0.7", "1", "1.5", "2.5", "4", "7", "12", "20", "40"]


def parts(nu, r2):
    z = mp.sqrt(2 * nu * r2)
    c = mp.power(2, 1 - nu) / mp.gamma(nu)
    phi = c * z**nu * mp.besselk(nu, z)
    d1 = -c * nu * z ** (nu - 1) * mp.besselk(nu - 1, z)
    d2 = c * nu**2 * z ** (nu - 2) * mp.besselk(nu - 2, z)
    return phi, d1, d2


def self_check():
    for nu in ["0.75", "2.2", "7.5"]:
        nu = mp.mpf(nu)
        for r2 in ["0.3", "2", "9"]:
            r2 = mp.mpf(r2)
            phi, d1, d2 = parts(nu, r2)
            f = lambda t: parts(nu, t)[0]
            assert abs(mp.diff(f, r2, 1) - d1) < mp.mpf("1e-25") * abs(d1)
            assert abs(mp.diff(f, r2, 2) - d2) < mp.mpf("1e-20") * abs(d2)


def main():
    self_check()
    lines = ["# nu r2 phi dphi/dr2 d2phi/d(r2)^2 (mpmath 40 digits)"]
    for nu in NUS:
        for r in RS:
            nu_m, r2 = mp.mpf(nu), mp.mpf(r) ** 2
            phi, d1, d2 = parts(nu_m, r2)
            vals = [mp.nstr(v, 20, min_fixed=1, max_fixed=0) for v in (phi, d1, d2)]
            lines.append(" ".join([nu, mp.nstr(r2, 20), *vals]))
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
