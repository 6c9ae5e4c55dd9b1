//! Modified Bessel functions `I_v(x)` and `K_v(x)` of real order, in log
//! space first.
//!
//! `I_v` and `K_v` solve `x^2 y'' + x y' - (x^2 + v^2) y = 0`; `I_v` grows
//! like `e^x / sqrt(2 pi x)` and `K_v` decays like `sqrt(pi/(2x)) e^{-x}`,
//! and for large order `I_v(x) ~ (x/2)^v / Gamma(v + 1)` underflows while
//! `K_v` overflows. Their logarithms are ordinary numbers everywhere, so this
//! module computes `ln I_v(x)` and `ln K_v(x)` directly, never forming the
//! values themselves, for every `v >= 0` and `x > 0` in double range.
//!
//! Two regions, split at `r = sqrt(v^2 + x^2) = 30`:
//! - `r >= 30`: the uniform (Debye) asymptotic expansion in `1/r`
//!   (Olver; DLMF 10.41), which covers large order, large argument and
//!   both at once; its exponent `v eta` is carried in double-double near its
//!   zero, where its two terms cancel.
//! - `r < 30`: the power series for `I_v`; for `K_v`, Temme's series, the
//!   trapezoidal rule on `int_0^inf e^{-x cosh t} cosh(v t) dt` or Steed's
//!   continued fraction at the fractional order, then upward recurrence.
//!
//! The plain and exponentially scaled values, the ratio `I_{v+1}/I_v` and
//! the derivatives are built on the same two regions. The slice forms of
//! `ln I` and `ln K` evaluate the same algorithms over SIMD lanes, a block
//! of elements at a time (`lanes`, `lanes_temme`), and share the blocks
//! with the rayon pool (`slice`). Scalar functions follow IEEE habits: NaN in gives NaN out, and
//! `v < 0` or `x < 0` give NaN.
//!
//! References: F. W. J. Olver, *Asymptotics and Special Functions* (1974);
//! NIST DLMF ch. 10; N. M. Temme, J. Comput. Phys. 19 (1975);
//! A. Plesner et al., "Accurate computation of the logarithm of modified
//! Bessel functions on GPUs" (2024), for the log-space programme.

pub(crate) mod coefficients;
mod debye;
mod lanes;
mod lanes_temme;
pub(crate) mod slice;
pub(crate) mod small;
mod twofold;

pub use slice::{bessel_i_ratio_slice, log_bessel_i_slice, log_bessel_k_slice};

use debye::{DEBYE_MIN_R, hypot_pos};

/// What a domain check decided: compute, or answer at once.
enum Domain {
    Compute,
    Answer(f64),
}

/// Shared edge cases of the `I`-type functions: `(x = 0, v = 0)`,
/// `(x = 0, v > 0)`, `x = inf`, `v = inf` answers.
#[inline]
fn domain(v: f64, x: f64, at_zero: (f64, f64), x_inf: f64, v_inf: f64) -> Domain {
    if !(v >= 0.0 && x >= 0.0) {
        return Domain::Answer(f64::NAN);
    }
    if x == 0.0 {
        return Domain::Answer(if v == 0.0 { at_zero.0 } else { at_zero.1 });
    }
    match (v.is_infinite(), x.is_infinite()) {
        (false, false) => Domain::Compute,
        (true, true) => Domain::Answer(f64::NAN),
        (false, true) => Domain::Answer(x_inf),
        (true, false) => Domain::Answer(v_inf),
    }
}

#[inline]
fn is_debye(v: f64, x: f64) -> bool {
    v >= DEBYE_MIN_R || x >= DEBYE_MIN_R || hypot_pos(v, x) >= DEBYE_MIN_R
}

/// `ln I_v(x) - [scaled] x`, arguments already checked.
#[inline]
fn log_i_inner(v: f64, x: f64, scaled: bool) -> f64 {
    if is_debye(v, x) {
        debye::log_i(v, x, scaled)
    } else {
        small::log_i(v, x, scaled)
    }
}

/// `ln K_v(x) + [scaled] x`, arguments already checked.
#[inline]
fn log_k_inner(v: f64, x: f64, scaled: bool) -> f64 {
    if is_debye(v, x) {
        debye::log_k(v, x, scaled)
    } else {
        small::log_k_and_dlog(v, x, scaled).0
    }
}

/// Natural logarithm of the modified Bessel function of the first kind,
/// `ln I_v(x)`, for real order `v >= 0` and `x >= 0`.
///
/// Finite for every finite `v >= 0` and `x > 0` whose answer is finite
/// (from `v = 1e300, x = 1e-300` to `v = 0, x = 1e300`). Special values:
/// `ln I_0(0) = 0`, `ln I_v(0) = -inf` for `v > 0`, `ln I_v(inf) = inf`,
/// `ln I_inf(x) = -inf`; NaN for NaN input, `v < 0` or `x < 0`.
///
/// Algorithm: uniform (Debye) expansion for `sqrt(v^2 + x^2) >= 30`,
/// power series below (see the module docs).
///
/// Accuracy, `|computed - exact| / max(1, |exact|)` against 50-digit mpmath
/// (`crates/special/tests/data/log_bessel.csv`):
///
#[doc = include_str!("../../doc/log_bessel_i_accuracy.md")]
///
/// ```
/// use sobolev_special::log_bessel_i;
/// // I_0(1) = 1.2660658777520082...
/// assert!((log_bessel_i(0.0, 1.0) - 1.2660658777520082_f64.ln()).abs() < 1e-15);
/// // I_{16383}(100) is about 1e-34097: far below f64, its log is not.
/// assert!((log_bessel_i(16383.0, 100.0) + 78512.56911636411).abs() < 1e-10);
/// ```
#[inline]
pub fn log_bessel_i(v: f64, x: f64) -> f64 {
    match domain(
        v,
        x,
        (0.0, f64::NEG_INFINITY),
        f64::INFINITY,
        f64::NEG_INFINITY,
    ) {
        Domain::Answer(a) => a,
        Domain::Compute => log_i_inner(v, x, false),
    }
}

/// Natural logarithm of the modified Bessel function of the second kind,
/// `ln K_v(x)`, for real order `v >= 0` and `x >= 0`.
///
/// Finite for every finite `v >= 0` and `x > 0` whose answer is finite.
/// Special values: `ln K_v(0) = inf`, `ln K_v(inf) = -inf`,
/// `ln K_inf(x) = inf`; NaN for NaN input, `v < 0` or `x < 0`.
/// (`K_{-v} = K_v`, so negative orders can be passed as `|v|`.)
///
/// Algorithm: uniform (Debye) expansion for `sqrt(v^2 + x^2) >= 30`; below,
/// Temme's series (`x <= 1`), the trapezoidal rule on Schlafli's integral
/// (`1 < x <= 6`) or Steed's continued fraction (`x > 6`) for the
/// fractional order, then upward recurrence.
///
/// Accuracy, `|computed - exact| / max(1, |exact|)` against 50-digit mpmath:
///
#[doc = include_str!("../../doc/log_bessel_k_accuracy.md")]
///
/// ```
/// use sobolev_special::log_bessel_k;
/// // K_{1/2}(x) = sqrt(pi/(2x)) e^{-x}
/// let x = 3.0_f64;
/// let exact = 0.5 * (std::f64::consts::PI / (2.0 * x)).ln() - x;
/// assert!((log_bessel_k(0.5, x) - exact).abs() < 1e-15);
/// ```
#[inline]
pub fn log_bessel_k(v: f64, x: f64) -> f64 {
    match domain(
        v,
        x,
        (f64::INFINITY, f64::INFINITY),
        f64::NEG_INFINITY,
        f64::INFINITY,
    ) {
        Domain::Answer(a) => a,
        Domain::Compute => log_k_inner(v, x, false),
    }
}

/// The modified Bessel function of the first kind `I_v(x)`, `v >= 0`,
/// `x >= 0`; overflows to `inf` past about `x = 713` and underflows to 0
/// for large `v` (use [`log_bessel_i`] there).
///
/// `exp(ln I_v(x))`: relative error about `|ln I_v(x)|` ulps (at most a few
/// hundred ulps near the overflow threshold, a few ulps for `|ln I| < 4`).
///
/// ```
/// use sobolev_special::bessel_i;
/// assert!((bessel_i(1.0, 2.0) - 1.5906368546373291).abs() < 1e-15);
/// ```
#[inline]
pub fn bessel_i(v: f64, x: f64) -> f64 {
    log_bessel_i(v, x).exp()
}

/// The modified Bessel function of the second kind `K_v(x)`, `v >= 0`,
/// `x >= 0` (`inf` at `x = 0`); see [`log_bessel_k`] where it over- or
/// underflows. Relative error about `|ln K_v(x)|` ulps.
///
/// ```
/// use sobolev_special::bessel_k;
/// assert!((bessel_k(1.0, 2.0) - 0.13986588181652243).abs() < 1e-16);
/// ```
#[inline]
pub fn bessel_k(v: f64, x: f64) -> f64 {
    log_bessel_k(v, x).exp()
}

/// Exponentially scaled `e^{-x} I_v(x)`, finite for all `x` (it decays like
/// `1/sqrt(2 pi x)`); `v >= 0`, `x >= 0`, NaN otherwise. The scaling is
/// applied inside the expansion, so no `x - x` cancellation occurs; relative
/// error about `|ln(e^{-x} I_v(x))|` ulps.
///
/// ```
/// use sobolev_special::bessel_i_scaled;
/// // e^{-x} I_0(x) ~ 1/sqrt(2 pi x) (1 + 1/(8x)) for large x
/// let x = 1e12_f64;
/// let approx = (1.0 + 0.125 / x) / (2.0 * std::f64::consts::PI * x).sqrt();
/// assert!((bessel_i_scaled(0.0, x) / approx - 1.0).abs() < 1e-15);
/// ```
#[inline]
pub fn bessel_i_scaled(v: f64, x: f64) -> f64 {
    match domain(v, x, (1.0, 0.0), 0.0, 0.0) {
        Domain::Answer(a) => a,
        Domain::Compute => log_i_inner(v, x, true).exp(),
    }
}

/// Exponentially scaled `e^{x} K_v(x)`; `inf` at `x = 0`, NaN for `v < 0`,
/// `x < 0` or NaN input. Relative error about `|ln(e^x K_v(x))|` ulps.
///
/// ```
/// use sobolev_special::bessel_k_scaled;
/// // e^x K_{1/2}(x) = sqrt(pi/(2x)) exactly
/// let x = 1e20_f64;
/// let exact = (std::f64::consts::PI / (2.0 * x)).sqrt();
/// assert!((bessel_k_scaled(0.5, x) / exact - 1.0).abs() < 1e-15);
/// ```
#[inline]
pub fn bessel_k_scaled(v: f64, x: f64) -> f64 {
    match domain(v, x, (f64::INFINITY, f64::INFINITY), 0.0, f64::INFINITY) {
        Domain::Answer(a) => a,
        Domain::Compute => log_k_inner(v, x, true).exp(),
    }
}

/// The ratio `I_{v+1}(x) / I_v(x)`, in `[0, 1)`, without forming either
/// function; `v >= 0`, `x >= 0` (0 at `x = 0`, 1 at `x = inf`), NaN otherwise.
///
/// This is the mean resultant length of the von Mises-Fisher distribution
/// (see [`crate::vmf`]). Algorithm: for `sqrt(v^2 + x^2) >= 30`, the uniform
/// expansion of `I_v'/I_v` minus `v/x`, rearranged so that the difference is
/// exact (`x/(r + v)` plus a series whose terms carry the factor `1 - t^2`);
/// below, the quotient of the two positive power series of `I_{v+1}` and
/// `I_v`. Relative error max 1.1e-15, median 6.4e-17 on the 1673-point
/// reference table (see
/// `tests/bessel_reference.rs`).
///
/// ```
/// use sobolev_special::bessel_i_ratio;
/// // I_{3/2}(x)/I_{1/2}(x) = coth(x) - 1/x
/// let x = 2.5_f64;
/// assert!((bessel_i_ratio(0.5, x) - (1.0 / x.tanh() - 1.0 / x)).abs() < 1e-15);
/// ```
#[inline]
pub fn bessel_i_ratio(v: f64, x: f64) -> f64 {
    match domain(v, x, (0.0, 0.0), 1.0, 0.0) {
        Domain::Answer(a) => a,
        Domain::Compute => {
            if is_debye(v, x) {
                debye::ratio_i(v, x)
            } else {
                small::ratio_i(v, x)
            }
        }
    }
}

/// `d/dx ln I_v(x) = I_v'(x)/I_v(x) = I_{v+1}(x)/I_v(x) + v/x`; `v >= 0`,
/// `x > 0` (`inf` at `x = 0` for `v > 0`, and 0 for `v = 0`), NaN otherwise.
///
/// ```
/// use sobolev_special::log_bessel_i_derivative;
/// // I_0' = I_1
/// let x = 1.5_f64;
/// let exact = 0.9816664285779076 / 1.646723189772891;
/// assert!((log_bessel_i_derivative(0.0, x) - exact).abs() < 1e-15);
/// ```
#[inline]
pub fn log_bessel_i_derivative(v: f64, x: f64) -> f64 {
    match domain(v, x, (0.0, f64::INFINITY), 1.0, f64::INFINITY) {
        Domain::Answer(a) => a,
        Domain::Compute => {
            if is_debye(v, x) {
                debye::dlog_i(v, x)
            } else {
                small::ratio_i(v, x) + v / x
            }
        }
    }
}

/// `d/dx ln K_v(x) = K_v'(x)/K_v(x) = -(K_{v-1}(x)/K_v(x) + v/x)`, always
/// negative; `v >= 0`, `x > 0` (`-inf` at `x = 0`), NaN otherwise.
///
/// ```
/// use sobolev_special::log_bessel_k_derivative;
/// // K_{1/2}(x) = sqrt(pi/(2x)) e^{-x}: d/dx ln K = -1 - 1/(2x)
/// let x = 4.0_f64;
/// assert!((log_bessel_k_derivative(0.5, x) - (-1.0 - 0.5 / x)).abs() < 1e-15);
/// ```
#[inline]
pub fn log_bessel_k_derivative(v: f64, x: f64) -> f64 {
    match domain(
        v,
        x,
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
        -1.0,
        f64::NEG_INFINITY,
    ) {
        Domain::Answer(a) => a,
        Domain::Compute => {
            if is_debye(v, x) {
                debye::dlog_k(v, x)
            } else {
                small::log_k_and_dlog(v, x, false).1
            }
        }
    }
}

/// `I_v'(x) = I_v(x) * d/dx ln I_v(x)` (DLMF 10.29.2); over- and underflows
/// where `I_v` does. `v >= 0`, `x >= 0`, NaN otherwise.
///
/// ```
/// use sobolev_special::{bessel_i, bessel_i_derivative};
/// // I_0' = I_1
/// assert!((bessel_i_derivative(0.0, 2.0) - bessel_i(1.0, 2.0)).abs() < 1e-15);
/// ```
#[inline]
pub fn bessel_i_derivative(v: f64, x: f64) -> f64 {
    if x == 0.0 && v >= 0.0 {
        // I_v'(0): 1/2 for v = 1, 0 for v = 0 or v > 1, inf for 0 < v < 1.
        return if v == 1.0 {
            0.5
        } else if v == 0.0 || v > 1.0 {
            0.0
        } else {
            f64::INFINITY
        };
    }
    bessel_i(v, x) * log_bessel_i_derivative(v, x)
}

/// `K_v'(x) = K_v(x) * d/dx ln K_v(x)`, negative; over- and underflows where
/// `K_v` does. `v >= 0`, `x >= 0`, NaN otherwise.
///
/// ```
/// use sobolev_special::{bessel_k, bessel_k_derivative};
/// // K_0' = -K_1
/// assert!((bessel_k_derivative(0.0, 2.0) + bessel_k(1.0, 2.0)).abs() < 1e-16);
/// ```
#[inline]
pub fn bessel_k_derivative(v: f64, x: f64) -> f64 {
    if x == 0.0 && v >= 0.0 {
        return f64::NEG_INFINITY;
    }
    bessel_k(v, x) * log_bessel_k_derivative(v, x)
}
