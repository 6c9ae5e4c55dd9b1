//! The error function family: `erf`, `erfc`, the scaled complement
//! `erfcx(x) = e^{x²} erfc(x)`, and their inverses.
//!
//! Everything is built on `erfcx`, which is smooth and free of underflow:
//! `erfc(x) = e^{-x²} erfcx(x)` with `x²` split exactly into `hi + lo` by a
//! fused multiply-add, so the exponential is accurate even where `x²` is
//! large (a plain `exp(-x*x)` loses `2x²` ulps there).
//!
//! * `erfcx` on `0 <= x < 12`: eight polynomials of degree 11 in the variable
//!   `y = 4/(4+x)` (the change of variable Johnson uses in the Faddeeva
//!   package, which makes `erfcx` nearly polynomial), fitted by Chebyshev
//!   interpolation in 40-digit arithmetic; fit error below `1e-19`.
//! * `erfcx` on `x >= 12`: the asymptotic series
//!   `(x√π)^{-1} Σ (-1)^n (2n-1)!! / (2x²)^n` (DLMF 7.12.1), 13 terms.
//! * `erf` on `|x| <= 1/2`: its Maclaurin series (DLMF 7.6.1).
//! * Negative arguments: `erfc(-x) = 2 - erfc(x)`, `erfcx(-x) = 2e^{x²} -
//!   erfcx(x)`.
//! * Inverses: one step of Halley's iteration on `erf` from Wichura's
//!   rational approximation of `Φ⁻¹(1/2 + y/2)/√2` (AS241, about `1e-16`
//!   relative) for `|y| <= 1/2`; beyond, `erfinv(y) = -Φ⁻¹((1-y)/2)/√2`
//!   through the normal quantile (module [`crate::normal`]), whose tail
//!   solver takes a Halley step in log space from the same approximation,
//!   with every argument formed exactly. The step costs one `erf` or
//!   `erfcx`; without it the approximation alone is within 3 eps.
//!
//! References: DLMF §7; M. J. Wichura, "Algorithm AS 241", Applied
//! Statistics 37 (1988); S. G. Johnson, "Faddeeva package" (MIT, 2012) for
//! the `4/(4+x)` variable; W. J. Cody, "Rational Chebyshev approximations for
//! the error function", Math. Comp. 23 (1969) for the region split.
//!
//! ## Measured accuracy
//!
//! Against 50-digit mpmath references (`xtask/refdata/gamma_erf.py`, tables
//! in `tests/data/`), in units of `f64::EPSILON` (2.2e-16); relative error `|computed - exact| / |exact|`.
//! The tests in `tests/` hold every row to these figures.
//!
//! | function | region | n | max (eps) | mean (eps) |
//! |---|---|---|---|---|
//! | `erf` | (0,0.5) | 120 | 0.75 | 0.26 |
//! | `erf` | (0.5,6) | 160 | 0.28 | 0.13 |
//! | `erf` | tiny | 80 | 0.50 | 0.17 |
//! | `erfc` | (-6,0.5) | 80 | 0.52 | 0.14 |
//! | `erfc` | (0.5,5) | 80 | 2.30 | 0.66 |
//! | `erfc` | (5,27.2) | 80 | 1.39 | 0.42 |
//! | `erfcx` | (-26,0) | 80 | 1.00 | 0.24 |
//! | `erfcx` | (0,12) | 120 | 2.03 | 0.52 |
//! | `erfcx` | (12,1e300) | 80 | 0.49 | 0.20 |
//! | `erfinv` | (0,0.5) | 120 | 0.84 | 0.34 |
//! | `erfinv` | (0.5,1) | 120 | 1.51 | 0.45 |
//! | `erfinv` | tiny | 60 | 0.58 | 0.23 |
//! | `erfcinv` | (0.5,2) | 60 | 2.69 | 0.43 |
//! | `erfcinv` | (1e-300,0.5) | 80 | 1.20 | 0.42 |

use crate::fused::{madd, two_square};
use crate::gamma::horner;
use crate::normal::{ndtri_central_fit, ndtri_tail_log};
use std::f64::consts::{FRAC_1_SQRT_2, LN_2};

/// `1/√π`.
pub(crate) const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
/// `√π / 2`.
const SQRT_PI_2: f64 = 0.886_226_925_452_758;
/// Width of one piece of `y = 4/(4+x)` in `[1/4, 1]`.
const PIECE_WIDTH: f64 = 0.75 / 8.0;

/// Chebyshev-fitted polynomials for `erfcx(4/y - 4)` on the 8 equal pieces
/// of `y` in `[1/4, 1]`, in powers of the local variable `u` in `[-1, 1]`.
const ERFCX_PIECES: [[f64; 12]; 8] = [
    [
        0.059226970142516024,
        0.01315586838531691,
        0.0008295091922002304,
        4.894559003046308e-05,
        2.6854918860016093e-06,
        1.35847989911715e-07,
        6.260909099299543e-09,
        2.582763133365485e-10,
        9.26350475018311e-12,
        2.7319082288853196e-13,
        5.720527131655889e-15,
        3.198704569692526e-17,
    ],
    [
        0.08929605968284544,
        0.017159383761225395,
        0.0012001964824189025,
        7.702798271101665e-05,
        4.503498201527177e-06,
        2.3742166653985285e-07,
        1.1117361966891855e-08,
        4.513961316326136e-10,
        1.522016220633578e-11,
        3.86705588580089e-13,
        5.077744056731331e-15,
        -1.0934147942657575e-16,
    ],
    [
        0.12911226385039956,
        0.023049964419245707,
        0.0017924426854698488,
        0.00012461382094131206,
        7.68981612171033e-06,
        4.163825406101479e-07,
        1.941644029948542e-08,
        7.547008622474242e-10,
        2.2883868885048345e-11,
        4.4856753561265144e-13,
        1.7380049678709436e-16,
        -3.461152217501728e-16,
    ],
    [
        0.18351658063882473,
        0.03199857625753122,
        0.0027632019726817553,
        0.00020636032115561992,
        1.3257369520859671e-05,
        7.239213312940961e-07,
        3.284163809480188e-08,
        1.1835441145656512e-09,
        3.0457295843140603e-11,
        3.5888050299675224e-13,
        -9.978295749027886e-15,
        -5.562515663091146e-16,
    ],
    [
        0.2604549683367284,
        0.04601672531329521,
        0.004386187911815892,
        0.0003473499091096022,
        2.2833874660275454e-05,
        1.231709829289845e-06,
        5.30216958336535e-08,
        1.709941135871631e-09,
        3.4362639948221444e-11,
        3.240233801939128e-14,
        -2.2618026034263745e-14,
        -5.413119493359029e-16,
    ],
    [
        0.3732203476427313,
        0.06856987800477872,
        0.007130772883803578,
        0.0005887917203438435,
        3.884934898718088e-05,
        2.0268673493042585e-06,
        8.074773082277575e-08,
        2.240058648776771e-09,
        3.0235843374221894e-11,
        -5.204180939681049e-13,
        -3.1309329616948754e-14,
        -1.9734640963319415e-16,
    ],
    [
        0.5442854403130004,
        0.10558033545043895,
        0.011778993163430843,
        0.000994886173132397,
        6.4621441345878e-05,
        3.1962449019587224e-06,
        1.1503818675940257e-07,
        2.6182784991804337e-09,
        1.513275208021793e-11,
        -1.1525484254592863e-12,
        -2.972299056136655e-14,
        3.5493567842735243e-16,
    ],
    [
        0.81166509698887,
        0.16698180091017187,
        0.019584314510090885,
        0.0016596003277372297,
        0.00010423121876010196,
        4.800867097724445e-06,
        1.5252095620298254e-07,
        2.6682901055786e-09,
        -1.0327664059616463e-11,
        -1.6310392558494484e-12,
        -1.6224959204667263e-14,
        8.365449093235208e-16,
    ],
];
/// `(-1)^n (2n-1)!!`: the asymptotic series of `x √π erfcx(x)` in
/// `1/(2x²)`.
const ERFCX_ASYMPTOTIC: [f64; 13] = [
    1.0,
    -1.0,
    3.0,
    -15.0,
    105.0,
    -945.0,
    10_395.0,
    -135_135.0,
    2_027_025.0,
    -34_459_425.0,
    654_729_075.0,
    -13_749_310_575.0,
    316_234_143_225.0,
];

/// Maclaurin coefficients of `erf(x)/x` in `x²`: `2/√π (-1)^n / (n! (2n+1))`.
const ERF_TAYLOR: [f64; 16] = [
    std::f64::consts::FRAC_2_SQRT_PI,
    -0.37612638903183754,
    0.11283791670955126,
    -0.026866170645131252,
    0.005223977625442188,
    -0.0008548327023450853,
    0.00012055332981789664,
    -1.492565035840625e-05,
    1.6462114365889248e-06,
    -1.6365844691234924e-07,
    1.4807192815879218e-08,
    -1.2290555301717928e-09,
    9.422759064650411e-11,
    -6.7113668551641105e-12,
    4.4632242632864775e-13,
    -2.7835162072109215e-14,
];
/// `e^{s x²}` for `s = ±1`, with `x²` split exactly into `hi + lo`.
#[inline]
pub(crate) fn exp_signed_square(x: f64, s: f64) -> f64 {
    let (hi, lo) = two_square(x);
    // |lo| <= ulp(hi)/2 <= 1e-13 wherever e^{s hi} is a normal number, so
    // e^{s lo} = 1 + s lo up to lo²/2 < 1e-26: no second exponential.
    let e = (s * hi).exp();
    madd(e, s * lo, e)
}

/// `erfcx(x)` for `x >= 0` (including `+inf`, where it is 0).
#[inline]
pub(crate) fn erfcx_nonneg(x: f64) -> f64 {
    if x >= 12.0 {
        // 1/(2x²) is 0 once x² overflows, which is the right limit.
        let r = 0.5 / (x * x);
        return FRAC_1_SQRT_PI / x * horner(r, &ERFCX_ASYMPTOTIC);
    }
    let y = 4.0 / (4.0 + x);
    let index = (((y - 0.25) / PIECE_WIDTH) as usize).min(ERFCX_PIECES.len() - 1);
    let center = 0.25 + (index as f64 + 0.5) * PIECE_WIDTH;
    let u = (y - center) / (0.5 * PIECE_WIDTH);
    horner(u, &ERFCX_PIECES[index])
}

/// The scaled complementary error function `erfcx(x) = e^{x²} erfc(x)`.
///
/// Domain: all real `x`. Decreases from `+inf` (it overflows for
/// `x < -26.63`) to `erfcx(+inf) = 0`, behaving like `1/(x√π)` for large
/// `x`, so it never underflows. NaN in gives NaN.
///
/// Algorithm: see the [module docs](self). Measured accuracy: see the
/// crate's accuracy tests (`tests/erf_accuracy.rs`) and book chapter.
pub fn erfcx(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 {
        return erfcx_nonneg(x);
    }
    if x < -26.7 {
        return f64::INFINITY;
    }
    2.0 * exp_signed_square(x, 1.0) - erfcx_nonneg(-x)
}

/// The complementary error function `erfc(x) = 1 - erf(x)`.
///
/// Domain: all real `x`; `erfc(-inf) = 2`, `erfc(+inf) = 0`. Relative
/// accuracy holds deep into the right tail, down to the subnormal range
/// (`x` about 27). NaN in gives NaN.
///
/// Algorithm: `e^{-x²} erfcx(x)` with an exact split of `x²` for
/// `x > 1/2`; `1 - erf(x)` for `|x| <= 1/2`; `2 - erfc(-x)` below.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < -0.5 {
        return 2.0 - erfc(-x);
    }
    if x <= 0.5 {
        return 1.0 - erf_small(x);
    }
    if x > 27.3 {
        return 0.0;
    }
    exp_signed_square(x, -1.0) * erfcx_nonneg(x)
}

/// `erf(x)` for `|x| <= 1/2` from its Maclaurin series.
#[inline]
fn erf_small(x: f64) -> f64 {
    x * horner(x * x, &ERF_TAYLOR)
}

/// The error function `erf(x) = 2/√π ∫₀^x e^{-t²} dt`.
///
/// Domain: all real `x`; `erf(±inf) = ±1`; odd, with full relative accuracy
/// near 0 (`erf(1e-300)` is exact to rounding). NaN in gives NaN.
///
/// Algorithm: Maclaurin series on `|x| <= 1/2`, `±(1 - erfc(|x|))` beyond.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let ax = x.abs();
    if ax <= 0.5 {
        return erf_small(x);
    }
    if ax >= 6.0 {
        return 1.0_f64.copysign(x);
    }
    (1.0 - erfc(ax)).copysign(x)
}

/// `erfinv(y)` for `|y| <= 1/2`: Halley's iteration on `erf(w) = y` from
/// Wichura's rational approximation (one step reaches full precision).
fn erfinv_central(y: f64) -> f64 {
    if y == 0.0 {
        return y;
    }
    // Start from Wichura's central fit of Φ⁻¹(1/2 + y/2) / √2 (about 1e-16
    // relative, so the Halley step below is the only one); for |y| below
    // 1e-300, where y/2 loses bits, from the Maclaurin series.
    let mut w = if y.abs() > 1e-300 {
        ndtri_central_fit(0.5 * y) * FRAC_1_SQRT_2
    } else {
        SQRT_PI_2 * y
    };
    for _ in 0..3 {
        let f = erf(w) - y;
        // f' = 2/√π e^{-w²}; Halley's correction uses f''/f' = -2w.
        let step = f * SQRT_PI_2 * exp_signed_square(w, 1.0);
        let dw = step / (1.0 + w * step);
        w -= dw;
        if dw.abs() <= 1e-14 * w.abs() {
            break;
        }
    }
    w
}

/// The inverse error function: `erf(erfinv(y)) = y` for `-1 <= y <= 1`.
///
/// Domain: `[-1, 1]`; `erfinv(±1) = ±inf`, NaN outside and for NaN.
/// Relative accuracy everywhere; near `±1`, where `y` itself cannot resolve
/// the tail, call [`erfcinv`] with `1 - |y|` instead.
///
/// Algorithm: see the [module docs](self).
pub fn erfinv(y: f64) -> f64 {
    if y.is_nan() || y.abs() > 1.0 {
        return f64::NAN;
    }
    if y.abs() <= 0.5 {
        return erfinv_central(y);
    }
    // 1 - |y| is exact on [1/2, 1].
    erfcinv(1.0 - y.abs()).copysign(y)
}

/// The inverse complementary error function: `erfc(erfcinv(z)) = z` for
/// `0 <= z <= 2`.
///
/// Domain: `[0, 2]`; `erfcinv(0) = +inf`, `erfcinv(2) = -inf`, NaN outside
/// and for NaN. Accurate for the smallest subnormal `z` (about `27.2`).
///
/// Algorithm: for `z <= 1/2`, `-Φ⁻¹(z/2)/√2` from the log-space tail
/// solver with `ln(z/2) = ln z - ln 2` (so `z/2` never underflows);
/// `erfinv(1 - z)` on `(1/2, 3/2)`, `-erfcinv(2 - z)` above; all exact.
pub fn erfcinv(z: f64) -> f64 {
    if z.is_nan() || !(0.0..=2.0).contains(&z) {
        return f64::NAN;
    }
    if z == 0.0 {
        return f64::INFINITY;
    }
    if z <= 0.5 {
        return -ndtri_tail_log(z.ln() - LN_2) * FRAC_1_SQRT_2;
    }
    if z < 1.5 {
        return erfinv_central(1.0 - z);
    }
    -erfcinv(2.0 - z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values() {
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(erf(f64::INFINITY), 1.0);
        assert_eq!(erfc(f64::NEG_INFINITY), 2.0);
        assert_eq!(erfc(f64::INFINITY), 0.0);
        assert_eq!(erfcx(f64::INFINITY), 0.0);
        assert_eq!(erfcx(-30.0), f64::INFINITY);
        assert!(erfinv(1.5).is_nan());
        assert_eq!(erfinv(1.0), f64::INFINITY);
        assert_eq!(erfcinv(2.0), f64::NEG_INFINITY);
        assert!((erf(1e-300) - 1e-300 * 2.0 * FRAC_1_SQRT_PI).abs() < 1e-315);
    }

    #[test]
    fn inverse_round_trip() {
        for &y in &[1e-300, 1e-10, 0.3, 0.5, 0.9, 0.999_999, -0.7] {
            let w = erfinv(y);
            assert!((erf(w) - y).abs() <= 2.0 * f64::EPSILON * y.abs(), "y={y}");
        }
        for &z in &[1e-300, 1e-20, 0.01, 0.7, 1.2, 1.9] {
            let w = erfcinv(z);
            assert!((erfc(w) - z).abs() <= 1e-15 * z * (1.0 + w * w), "z={z}");
        }
    }
}
