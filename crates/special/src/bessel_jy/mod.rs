//! Bessel functions of the first and second kind, `J_v(x)` and `Y_v(x)`,
//! of real order, their derivatives, and the spherical Bessel functions.
//!
//! `J_v` and `Y_v` solve `x^2 y'' + x y' + (x^2 - v^2) y = 0`. For `x < v`
//! they are monotone (`J_v` tiny, `Y_v` hugely negative when `x << v`); past
//! the turning point `x = v` they oscillate inside the envelope
//! `M_v(x) = sqrt(J_v^2 + Y_v^2) ~ sqrt(2/(pi x))`. Three methods share the
//! plane:
//! - away from the turning point, once `w = sqrt(|x^2 - v^2|) >= 25`,
//!   Debye's expansions in `1/w` (module `uniform`), which include Hankel's
//!   expansion for `x >> v` and reach `x = 1e300` with the full phase;
//! - `J_0`, `J_1`, `Y_0`, `Y_1` on `2 < x < 26`: Taylor series about the
//!   midpoints of unit intervals (module `integer_order`);
//! - `x <= 2`: the power series of `J` and Temme's series of `Y` with upward
//!   recurrence (module `steed`);
//! - elsewhere (moderate `x`, and the band around `x = v`): Steed's method,
//!   CF1 and downward recurrence for `J`, the complex CF2 and the Wronskian
//!   for the normalisation and `Y`.
//!
//! In the narrow band `|x - v| <~ v^(1/3)` around the turning point the
//! cost grows like `v^(1/3)`; orders beyond about `1e17` there give NaN
//! rather than a long wait.
//!
//! Negative orders use `J_{-v} = cos(v pi) J_v - sin(v pi) Y_v` and
//! `Y_{-v} = sin(v pi) J_v + cos(v pi) Y_v` with `sin(v pi)`, `cos(v pi)`
//! reduced exactly, so `J_{-n} = (-1)^n J_n` holds to the last bit. For
//! `x < 0` only integer orders of `J` are real (`J_n(-x) = (-1)^n J_n(x)`);
//! everything else there is NaN.
//!
//! References: NIST DLMF ch. 10; F. W. J. Olver, *Asymptotics and Special
//! Functions* (1974); N. M. Temme, J. Comput. Phys. 21 (1976);
//! A. R. Barnett et al., Comput. Phys. Commun. 8 (1974); W. H. Press et al.,
//! *Numerical Recipes*, 3rd ed., 6.6.

mod integer_order;
mod integer_order_coefficients;
mod slice;
mod spherical;
mod steed;
mod uniform;

pub use slice::{bessel_j_slice, bessel_y_slice};
pub use spherical::{
    spherical_bessel_j, spherical_bessel_j_derivative, spherical_bessel_y,
    spherical_bessel_y_derivative,
};

use crate::gamma::{cos_pi, sin_pi};

/// `J_v(x)`, `Y_v(x)` and their `x`-derivatives at one point, as returned
/// by [`bessel_jy`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BesselJy {
    /// `J_v(x)`.
    pub j: f64,
    /// `Y_v(x)`.
    pub y: f64,
    /// `d/dx J_v(x)`.
    pub dj: f64,
    /// `d/dx Y_v(x)`.
    pub dy: f64,
}

impl BesselJy {
    const NAN: Self = Self {
        j: f64::NAN,
        y: f64::NAN,
        dj: f64::NAN,
        dy: f64::NAN,
    };
}

impl From<steed::Jy> for BesselJy {
    fn from(r: steed::Jy) -> Self {
        Self {
            j: r.j,
            y: r.y,
            dj: r.dj,
            dy: r.dy,
        }
    }
}

/// `(J_v, Y_v)` by Debye's expansions where they reach double precision
/// (small `x` with moderate `v` stays with the series, which is sharper).
#[inline]
fn uniform_values(v: f64, x: f64) -> Option<(f64, f64)> {
    if x <= steed::TEMME_MAX_X && v < steed::SERIES_MAX_V {
        None
    } else if x > v {
        uniform::oscillatory(v, x)
    } else {
        uniform::monotone(v, x)
    }
}

/// `(J_v, Y_v)` for finite `v >= 0`, finite `x > 0`.
#[inline]
fn values(v: f64, x: f64) -> (f64, f64) {
    if integer_order::applies(v, x) {
        return integer_order::values(v as u8, x);
    }
    if let Some(jy) = uniform_values(v, x) {
        return jy;
    }
    match steed::jy(v, x) {
        Some(r) => (r.j, r.y),
        None => (f64::NAN, f64::NAN),
    }
}

/// All four for finite `v >= 0`, finite `x > 0` (the derivatives only
/// when `deriv`; NaN otherwise).
#[inline]
fn full(v: f64, x: f64, deriv: bool) -> BesselJy {
    if integer_order::applies(v, x) {
        let (j, y) = integer_order::values(v as u8, x);
        if !deriv {
            return BesselJy {
                j,
                y,
                dj: f64::NAN,
                dy: f64::NAN,
            };
        }
        // J_0' = -J_1; J_1' = J_0 - J_1/x (and the same for Y).
        let (dj, dy) = if v == 0.0 {
            let (j1, y1) = integer_order::values(1, x);
            (-j1, -y1)
        } else {
            let (j0, y0) = integer_order::values(0, x);
            (j0 - j / x, y0 - y / x)
        };
        return BesselJy { j, y, dj, dy };
    }
    if let Some((j, y)) = uniform_values(v, x) {
        if !deriv {
            return BesselJy {
                j,
                y,
                dj: f64::NAN,
                dy: f64::NAN,
            };
        }
        // J_v' = (v/x) J_v - J_{v+1}, and the same for Y.
        let (j1, y1) = values(v + 1.0, x);
        // An underflowed J_v (v/x may be huge) leaves J_v' at zero too.
        let scaled_j = if j == 0.0 {
            0.0
        } else {
            steed::scaled_by_order(v, j, x)
        };
        return BesselJy {
            j,
            y,
            dj: scaled_j - j1,
            dy: steed::y_derivative(v, x, y, y1),
        };
    }
    steed::jy(v, x).map_or(BesselJy::NAN, BesselJy::from)
}

/// The limits at `x = 0` for `v >= 0`.
fn at_zero(v: f64) -> BesselJy {
    let (j, dj) = if v == 0.0 {
        (1.0, 0.0)
    } else if v < 1.0 {
        (0.0, f64::INFINITY)
    } else if v == 1.0 {
        (0.0, 0.5)
    } else {
        (0.0, 0.0)
    };
    BesselJy {
        j,
        y: f64::NEG_INFINITY,
        dj,
        dy: f64::INFINITY,
    }
}

/// `a * b`, taking `0 * inf = 0`: an exactly vanishing coefficient of the
/// reflection formulas removes its term.
#[inline]
fn times(a: f64, b: f64) -> f64 {
    if a == 0.0 { 0.0 } else { a * b }
}

/// `J_v`, `Y_v` and (when `deriv`) the derivatives for every real `v`, `x`.
fn evaluate(v: f64, x: f64, deriv: bool) -> BesselJy {
    if v.is_nan() || x.is_nan() || v.is_infinite() {
        return BesselJy::NAN;
    }
    if x < 0.0 {
        // Only J of integer order is real on the negative axis.
        if v != v.round() {
            return BesselJy::NAN;
        }
        let r = evaluate(v, -x, deriv);
        let parity = if (v % 2.0) == 0.0 { 1.0 } else { -1.0 };
        return BesselJy {
            j: parity * r.j,
            y: f64::NAN,
            dj: -parity * r.dj,
            dy: f64::NAN,
        };
    }
    if x == f64::INFINITY {
        return BesselJy {
            j: 0.0,
            y: 0.0,
            dj: 0.0,
            dy: 0.0,
        };
    }
    let a = v.abs();
    let r = if x == 0.0 {
        at_zero(a)
    } else {
        full(a, x, deriv)
    };
    if v >= 0.0 {
        return r;
    }
    let (c, s) = (cos_pi(a), sin_pi(a));
    // As x -> 0 both derivatives can overflow; Y_a' dominates J_a' there,
    // so an infinite Y_a' decides the sum (instead of inf - inf).
    let (dj, dy) = if r.dy.is_infinite() && r.dj.is_infinite() {
        let dj = if s != 0.0 { -s * r.dy } else { c * r.dj };
        let dy = if c != 0.0 { c * r.dy } else { s * r.dj };
        (dj, dy)
    } else {
        (
            times(c, r.dj) - times(s, r.dy),
            times(s, r.dj) + times(c, r.dy),
        )
    };
    BesselJy {
        j: times(c, r.j) - times(s, r.y),
        y: times(s, r.j) + times(c, r.y),
        dj,
        dy,
    }
}

/// `J_v(x)`, `Y_v(x)`, `J_v'(x)` and `Y_v'(x)` in one call (they share
/// their work).
///
/// Domain and special values as for [`bessel_j`] and [`bessel_y`].
///
/// ```
/// use sobolev_special::bessel_jy;
/// let r = bessel_jy(2.5, 7.0);
/// // The Wronskian J Y' - J' Y = 2/(pi x).
/// let w = r.j * r.dy - r.dj * r.y;
/// assert!((w - 2.0 / (std::f64::consts::PI * 7.0)).abs() < 1e-16);
/// ```
pub fn bessel_jy(v: f64, x: f64) -> BesselJy {
    evaluate(v, x, true)
}

/// Bessel function of the first kind `J_v(x)` of real order `v`.
///
/// Domain: every real `v` and `x >= 0`; for `x < 0` integer orders give
/// `J_n(-x) = (-1)^n J_n(x)` and other orders NaN (the value is complex).
/// Special values: `J_0(0) = 1`, `J_v(0) = 0` for `v > 0` and for negative
/// integer `v`, `+-inf` for other negative `v`; `J_v(+-inf) = 0`; NaN for
/// NaN input or infinite `v`. Values below the double range underflow to
/// zero (e.g. `J_{1e4}(1)`), honestly.
///
/// Algorithm: see the module docs (Debye/Hankel expansions, power series,
/// Steed's method; reflection for `v < 0`). `J` alone takes its power
/// series wherever `x <= 2` or `x^2 <= 2(v + 1)` (with `v < 170`), so it may
/// differ from [`bessel_jy`]'s `j` in the last bits.
///
/// Accuracy against 30-digit mpmath (`crates/special/tests/data/bessel_jy.csv`),
/// measured as `|computed - exact| / |exact|` for `0 <= x < v` and as
/// `|computed - exact| / M_v(x)` for `x >= v` and for negative orders,
/// where `M_v = sqrt(J_v^2 + Y_v^2)` is the local envelope (an absolute
/// error near the zeros):
///
#[doc = include_str!("../../doc/bessel_j_accuracy.md")]
///
/// ```
/// use sobolev_special::bessel_j;
/// // J_{1/2}(x) = sqrt(2/(pi x)) sin x
/// let x = 10.0_f64;
/// let exact = (2.0 / (std::f64::consts::PI * x)).sqrt() * x.sin();
/// assert!((bessel_j(0.5, x) - exact).abs() < 1e-15);
/// // Far out, the phase is kept: J_0(1e300)
/// assert!((bessel_j(0.0, 1e300) + 7.860673062724093e-151).abs() < 1e-164);
/// ```
pub fn bessel_j(v: f64, x: f64) -> f64 {
    if x < 0.0 && v == v.round() {
        // Integer order on the negative axis: J_n(-x) = (-1)^n J_n(x).
        let parity = if v % 2.0 == 0.0 { 1.0 } else { -1.0 };
        return parity * bessel_j(v, -x);
    }
    // J alone where its power series suffices: no Y, no continued fractions
    // (negative integer orders by J_{-n} = (-1)^n J_n).
    let a = v.abs();
    if x > 0.0 && (v >= 0.0 || v == v.round()) && steed::j_series_applies(a, x) {
        let j = steed::j_series(a, x);
        return if v < 0.0 && a % 2.0 == 1.0 { -j } else { j };
    }
    evaluate(v, x, false).j
}

/// Bessel function of the second kind `Y_v(x)` of real order `v`.
///
/// Domain: every real `v` and `x >= 0`; NaN for `x < 0` (complex there),
/// for NaN input or infinite `v`. Special values: `Y_v(0) = -inf` for
/// `v >= 0` (for `v < 0` the reflection formula's limit: `0` at half-odd
/// `-v`, otherwise `+-inf`); `Y_v(inf) = 0`. Values beyond the double range
/// are `-inf` (e.g. `Y_{1e4}(1)`).
///
/// Algorithm and accuracy measure as for [`bessel_j`]:
///
#[doc = include_str!("../../doc/bessel_y_accuracy.md")]
///
/// ```
/// use sobolev_special::bessel_y;
/// // Y_{1/2}(x) = -sqrt(2/(pi x)) cos x
/// let x = 3.0_f64;
/// let exact = -(2.0 / (std::f64::consts::PI * x)).sqrt() * x.cos();
/// assert!((bessel_y(0.5, x) - exact).abs() < 1e-15);
/// ```
pub fn bessel_y(v: f64, x: f64) -> f64 {
    evaluate(v, x, false).y
}

/// `d/dx J_v(x)`, with the domain of [`bessel_j`].
///
/// Computed with `J_v` (Steed's method gives it directly; elsewhere
/// `J_v' = (v/x) J_v - J_{v+1}`). Accuracy, measured as for [`bessel_j`]
/// with the envelope `sqrt(J_v'^2 + Y_v'^2)`:
///
#[doc = include_str!("../../doc/bessel_jy_derivative_accuracy.md")]
///
/// ```
/// use sobolev_special::{bessel_j, bessel_j_derivative};
/// // J_0' = -J_1
/// assert!((bessel_j_derivative(0.0, 4.2) + bessel_j(1.0, 4.2)).abs() < 1e-16);
/// ```
pub fn bessel_j_derivative(v: f64, x: f64) -> f64 {
    evaluate(v, x, true).dj
}

/// `d/dx Y_v(x)`, with the domain of [`bessel_y`]; accuracy in
/// [`bessel_j_derivative`].
///
/// ```
/// use sobolev_special::{bessel_y, bessel_y_derivative};
/// // Y_0' = -Y_1
/// assert!((bessel_y_derivative(0.0, 4.2) + bessel_y(1.0, 4.2)).abs() < 1e-15);
/// ```
pub fn bessel_y_derivative(v: f64, x: f64) -> f64 {
    evaluate(v, x, true).dy
}
