//! `J_v`, `Y_v` and their derivatives for moderate order and argument, by
//! the power series, Temme's series and Steed's method.
//!
//! Write `v = n + mu`. For `x <= 2`, `|mu| <= 1/2` and Temme's series gives
//! `Y_mu`, `Y_{mu+1}`; `Y` is then recurred upwards with
//! `Y_{k+1} = (2k/x) Y_k - Y_{k-1}` (stable: `Y` is dominant), and `J_v`,
//! `J_{v+1}` come from their power series, whose terms shrink like
//! `(x^2/4)^k / k!^2` here. For `x > 2`, Steed's method: the continued
//! fraction CF1 gives `f = J_v'/J_v`; `J` is recurred downwards (stable: `J`
//! is minimal) to an order `mu < x`, where the complex continued fraction
//! CF2 gives `p + iq = (J' + iY')/(J + iY)`; with `f` at `mu` and the
//! Wronskian `J Y' - J' Y = 2/(pi x)` this fixes `J_mu`, `Y_mu`, `Y_mu'`
//! absolutely, and `Y` recurs upwards again.
//!
//! References: N. M. Temme, "On the numerical evaluation of the ordinary
//! Bessel function of the second kind", J. Comput. Phys. 21 (1976);
//! A. R. Barnett, D. H. Feng, J. W. Steed and L. J. B. Goldfarb, Comput.
//! Phys. Commun. 8 (1974); W. H. Press et al., *Numerical Recipes*, 3rd ed.,
//! 6.6.1.

use crate::bessel::small::{recip_gamma_1p, temme_gammas};
use crate::gamma::ln_gamma;
use std::f64::consts::{FRAC_2_PI, LN_2, PI};

/// Relative tolerance of the series and continued fractions.
const EPS: f64 = 1e-17;

/// Guard against division by zero in the modified Lentz iterations.
const TINY: f64 = 1e-300;

/// At most this many CF1 steps (`x - v` of them where `x > v`).
const MAX_CF1: usize = 2_000_000;

/// At most this many recurrence steps: past it (orders beyond about 1e17 in
/// the narrow band around the turning point) the answer is NaN rather
/// than a long wait.
const MAX_RECURRENCE: f64 = 2e6;

/// Rescaling threshold of the downward recurrence, and its factor.
const BIG: f64 = 1e250;
const RESCALE: f64 = 1e-250;

/// The argument at which Temme's series hands over to Steed's method.
pub(crate) const TEMME_MAX_X: f64 = 2.0;

/// `J_v`, `Y_v` and their `x`-derivatives at one point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jy {
    pub j: f64,
    pub y: f64,
    pub dj: f64,
    pub dy: f64,
}

/// Orders up to which `1/Gamma(v + 1)` is formed as a product (exact
/// enough, and finite), so that the series prefactor is a single `powf`.
pub(crate) const SERIES_MAX_V: f64 = 170.0;

/// Whether the power series alone gives `J_v(x)` cheaply and without
/// cancellation: `x <= 2`, or `x^2 <= 2 (v + 1)`, where the alternating
/// terms shrink from the first and their sum is at least `e^-1` of their
/// absolute sum.
#[inline]
pub(crate) fn j_series_applies(v: f64, x: f64) -> bool {
    v < SERIES_MAX_V && (x <= TEMME_MAX_X || x * x <= 2.0 * (v + 1.0))
}

/// Power series of `J_v(x)` for `v >= 0` where [`j_series_applies`]:
/// `(x/2)^v / Gamma(v + 1) sum_k (-x^2/4)^k / (k! (v + 1)_k)`.
pub(crate) fn j_series(v: f64, x: f64) -> f64 {
    let q = -0.25 * x * x;
    let (mut t, mut s, mut k) = (1.0_f64, 1.0_f64, 1.0_f64);
    while t.abs() > s.abs() * EPS {
        t *= q / (k * (v + k));
        s += t;
        k += 1.0;
    }
    let lead = if v < SERIES_MAX_V {
        (0.5 * x).powf(v) * recip_gamma_1p(v)
    } else {
        (v * (x.ln() - LN_2) - ln_gamma(v + 1.0)).exp()
    };
    lead * s
}

/// `(v/x) f` without overflow in `v/x` or `f/x` when `x` is subnormal and
/// the product itself is finite.
#[inline]
pub(crate) fn scaled_by_order(v: f64, f: f64, x: f64) -> f64 {
    let a = (v * f) / x;
    if a.is_finite() && (a != 0.0 || v * f == 0.0) {
        a
    } else {
        v * (f / x)
    }
}

/// `Y_v' = (v/x) Y_v - Y_{v+1}`; past the double range (only as `x -> 0`,
/// where `Y_v' > 0`) it is `+inf`.
#[inline]
pub(crate) fn y_derivative(v: f64, x: f64, y: f64, y1: f64) -> f64 {
    let d = (v / x) * y - y1;
    if d.is_finite() { d } else { f64::INFINITY }
}

/// Temme's series for `Y_mu(x)` and `Y_{mu+1}(x)`, `|mu| <= 1/2`, `x <= 2`.
fn temme_y(mu: f64, x: f64) -> (f64, f64) {
    let (gam1, gam2, gampl, gammi) = temme_gammas(mu);
    let mu2 = mu * mu;
    let half = 0.5 * x;
    let pimu = PI * mu;
    let fact = if pimu.abs() < 1e-8 {
        1.0 + pimu * pimu / 6.0
    } else {
        pimu / pimu.sin()
    };
    let d = -(x.ln() - LN_2);
    let e = mu * d;
    // ee = (2/x)^mu by powf: exp(mu d) would carry the rounding of mu d,
    // hundreds of ulps when x is tiny.
    let ee = if x > 1e-300 {
        (2.0 / x).powf(mu)
    } else {
        // 2/x overflows for subnormal x: scale x by 2^100 (exactly) first.
        let scale = 2f64.powi(100);
        (2.0 / (x * scale)).powf(mu) * scale.powf(mu)
    };
    let (sinh_e, cosh_e) = if e.abs() > 0.5 {
        (0.5 * (ee - ee.recip()), 0.5 * (ee + ee.recip()))
    } else {
        (e.sinh(), e.cosh())
    };
    let fact2 = if e.abs() < 1e-6 {
        1.0 + e * e / 6.0
    } else {
        sinh_e / e
    };
    let mut ff = FRAC_2_PI * fact * (gam1 * cosh_e + gam2 * fact2 * d);
    let mut p = ee / (gampl * PI);
    let mut q = 1.0 / (ee * PI * gammi);
    let pimu2 = 0.5 * pimu;
    let fact3 = if pimu2.abs() < 1e-8 {
        1.0
    } else {
        pimu2.sin() / pimu2
    };
    let r = PI * pimu2 * fact3 * fact3;
    let mut c = 1.0;
    let dd = -half * half;
    let mut sum = ff + r * q;
    let mut sum1 = p;
    let mut i = 1.0;
    loop {
        ff = (i * ff + p + q) / (i * i - mu2);
        c *= dd / i;
        p /= i - mu;
        q /= i + mu;
        let del = c * (ff + r * q);
        sum += del;
        sum1 += c * p - i * del;
        if del.abs() < (1.0 + sum.abs()) * EPS || i > 100.0 {
            break;
        }
        i += 1.0;
    }
    (-sum, -sum1 * (2.0 / x))
}

/// Upward recurrence of `Y` from `(Y_mu, Y_{mu+1})` through `n` steps;
/// returns `(Y_{mu+n}, Y_{mu+n+1})`. Past the double range `Y` is `-inf`.
fn y_upward(mu: f64, x: f64, y0: f64, y1: f64, n: u64) -> (f64, f64) {
    let (mut a, mut b) = (y0, y1);
    let two_x = 2.0 / x;
    let mut k = mu + 1.0;
    for _ in 0..n {
        if !b.is_finite() {
            return (f64::NEG_INFINITY, f64::NEG_INFINITY);
        }
        let c = k * two_x * b - a;
        a = b;
        b = c;
        k += 1.0;
    }
    if !b.is_finite() {
        b = f64::NEG_INFINITY;
    }
    (a, b)
}

/// `J_v'/J_v` by CF1 (modified Lentz) and the sign of `J_v` relative to
/// the start of the downward recurrence; `None` if it did not converge.
fn cf1(v: f64, x: f64) -> Option<(f64, f64)> {
    let xi = 1.0 / x;
    let xi2 = 2.0 * xi;
    let mut sign = 1.0;
    let mut h = (v * xi).max(TINY);
    let mut b = xi2 * v;
    let mut d = 0.0;
    let mut c = h;
    for _ in 0..MAX_CF1 {
        b += xi2;
        d = b - d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b - 1.0 / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = c * d;
        h *= del;
        if d < 0.0 {
            sign = -sign;
        }
        if (del - 1.0).abs() < EPS {
            return Some((h, sign));
        }
    }
    None
}

/// Steed's CF2: `p + i q = (J_mu' + i Y_mu') / (J_mu + i Y_mu)`, `x > 2`.
fn cf2(mu: f64, x: f64) -> (f64, f64) {
    let xi = 1.0 / x;
    let mut a = 0.25 - mu * mu;
    let mut p = -0.5 * xi;
    let mut q = 1.0;
    let br = 2.0 * x;
    let mut bi = 2.0;
    let fact = a * xi / (p * p + q * q);
    let mut cr = br + q * fact;
    let mut ci = bi + p * fact;
    let den = br * br + bi * bi;
    let mut dr = br / den;
    let mut di = -bi / den;
    let mut dlr = cr * dr - ci * di;
    let mut dli = cr * di + ci * dr;
    let t = p * dlr - q * dli;
    q = p * dli + q * dlr;
    p = t;
    let mut i = 1.0;
    while i < 100_000.0 {
        a += 2.0 * i;
        bi += 2.0;
        dr = a * dr + br;
        di = a * di + bi;
        if dr.abs() + di.abs() < TINY {
            dr = TINY;
        }
        let fact = a / (cr * cr + ci * ci);
        cr = br + cr * fact;
        ci = bi - ci * fact;
        if cr.abs() + ci.abs() < TINY {
            cr = TINY;
        }
        let den = dr * dr + di * di;
        dr /= den;
        di = -di / den;
        dlr = cr * dr - ci * di;
        dli = cr * di + ci * dr;
        let t = p * dlr - q * dli;
        q = p * dli + q * dlr;
        p = t;
        if (dlr - 1.0).abs() + dli.abs() < EPS {
            break;
        }
        i += 1.0;
    }
    (p, q)
}

/// `J_v, Y_v, J_v', Y_v'` for `v >= 0`, `0 < x <= TEMME_MAX_X`.
fn small_x(v: f64, x: f64) -> Jy {
    let n = (v + 0.5).floor();
    let mu = v - n;
    let j = j_series(v, x);
    // J_v' = (J_{v-1} - J_{v+1})/2 keeps J_v' when J_v itself underflows.
    let dj = if v >= 1.0 {
        0.5 * (j_series(v - 1.0, x) - j_series(v + 1.0, x))
    } else {
        scaled_by_order(v, j, x) - j_series(v + 1.0, x)
    };
    let (y0, y1) = temme_y(mu, x);
    let (y, y1) = y_upward(mu, x, y0, y1, n as u64);
    Jy {
        j,
        y,
        dj,
        dy: y_derivative(v, x, y, y1),
    }
}

/// `J_v, Y_v, J_v', Y_v'` for `v >= 0`, `x > TEMME_MAX_X`, by Steed's method.
fn steed(v: f64, x: f64) -> Option<Jy> {
    let nl = (v - x + 1.5).floor().max(0.0);
    if nl > MAX_RECURRENCE {
        return None;
    }
    let mu = v - nl;
    let xi = 1.0 / x;
    let (h, sign) = cf1(v, x)?;
    // Downward recurrence of (J_k, J_k') from k = v to k = mu, unnormalised,
    // rescaled as it grows; `scale` counts the factors of RESCALE applied.
    let mut jl = sign;
    let mut jpl = h * jl;
    let (j_top, jp_top) = (jl, jpl);
    let mut fact = v * xi;
    let mut scale = 0_i32;
    let mut l = nl;
    while l >= 1.0 {
        let t = fact * jl + jpl;
        fact -= xi;
        jpl = fact * t - jl;
        jl = t;
        if jl.abs() > BIG {
            jl *= RESCALE;
            jpl *= RESCALE;
            scale += 1;
        }
        l -= 1.0;
    }
    if jl == 0.0 {
        jl = EPS;
    }
    let f = jpl / jl;
    let (p, q) = cf2(mu, x);
    let w = FRAC_2_PI * xi;
    let gam = (p - f) / q;
    let j_mu = (w / ((p - f) * gam + q)).sqrt().copysign(jl);
    let y_mu = j_mu * gam;
    // Y' = Y p + J q (from Y (p + q/gam), without dividing by gam ~ 0 at
    // the zeros of Y).
    let dy_mu = y_mu * p + j_mu * q;
    let y_mu1 = mu * xi * y_mu - dy_mu;
    let mut ratio = j_mu / jl;
    for _ in 0..scale {
        ratio *= RESCALE;
    }
    let (y, y1) = y_upward(mu, x, y_mu, y_mu1, nl as u64);
    Some(Jy {
        j: j_top * ratio,
        y,
        dj: jp_top * ratio,
        dy: y_derivative(v, x, y, y1),
    })
}

/// `J_v, Y_v, J_v', Y_v'` for `v >= 0`, `x > 0`, by the series (small `x`)
/// or Steed's method; `None` only if CF1 failed to converge.
pub(crate) fn jy(v: f64, x: f64) -> Option<Jy> {
    if x <= TEMME_MAX_X {
        Some(small_x(v, x))
    } else {
        steed(v, x)
    }
}
