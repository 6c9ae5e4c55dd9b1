#!/usr/bin/env python3
"""Reference values for the von Mises-Fisher helpers: the log normaliser
ln C_p(kappa) = nu ln kappa - (p/2) ln(2 pi) - ln I_nu(kappa), nu = p/2 - 1,
and the mean resultant length A_p(kappa) = I_{p/2}(kappa) / I_{p/2-1}(kappa),
for p from 2 to 1e5 and kappa from 0 to 1e10, at 50 digits. The Bessel values
come from the methods of bessel.py (same directory), Wronskian-checked.

Writes crates/special/tests/data/vmf.csv with columns
p, kappa, ln_c_hi, ln_c_lo, a_hi, a_lo.
Run from the repository root: `cargo xtask refdata vmf`.
"""
import sys
from pathlib import Path

import mpmath
from mpmath import mpf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bessel  # noqa: E402

OUT = Path("crates/special/tests/data/vmf.csv")


def main():
    ps = [2.0, 3.0, 10.0, 100.0, 2048.0, 8192.0, 32768.0, 1e5]
    kappas = [0.0] + [10.0 ** (e / 2) for e in range(-16, 21)] + [1234.5678, 16383.0]
    lines = ["p,kappa,ln_c_hi,ln_c_lo,a_hi,a_lo"]
    for p in ps:
        for k in kappas:
            with mpmath.workdps(80):
                nu = mpf(p) / 2 - 1
                if k == 0.0:
                    lc = mpmath.loggamma(mpf(p) / 2) - mpmath.log(2) - mpf(p) / 2 * mpmath.log(mpmath.pi)
                    a = mpf(0)
                else:
                    li, _, a = bessel.point(nu, k)
                    lc = nu * mpmath.log(mpf(k)) - mpf(p) / 2 * mpmath.log(2 * mpmath.pi) - li
                cols = [repr(p), repr(k)]
                for val in (lc, a):
                    hi = float(val)
                    cols += [repr(hi), repr(float(val - mpf(hi)))]
                lines.append(",".join(cols))
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(lines) - 1} points)")


if __name__ == "__main__":
    main()
