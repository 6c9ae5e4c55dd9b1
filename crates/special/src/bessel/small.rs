//! The modified Bessel functions where both the order and the argument are
//! moderate (`sqrt(v^2 + x^2) < 30`), below the reach of the uniform
//! expansion.
//!
//! `I_v` is its power series `(x/2)^v / Gamma(v + 1) sum_k (x^2/4)^k /
//! (k! (v + 1)_k)`, whose terms are all positive; the prefactor is formed in
//! linear space (so that its logarithm carries no cancellation) unless it
//! would underflow. The ratio `I_{v+1}/I_v` is the quotient of two such sums.
//!
//! `K_v` follows Temme: write `v = n + mu` with `|mu| <= 1/2`; get `K_mu` and
//! `K_{mu+1}` from Temme's series for `x <= 1`, the trapezoidal rule on
//! `int_0^inf e^{-x cosh t} cosh(nu t) dt` for `1 < x <= 6` (geometric
//! convergence for this analytic integrand, two exponentials per node), or
//! Steed's continued fraction (Temme's CF2) for `x > 6`, where it needs few
//! steps; then recur upwards with `K_{m+1} = (2m/x) K_m + K_{m-1}`, which
//! is stable for `K`: on the values, normalised to `K_mu = 1` and rescaled
//! before they overflow, for `x >= 1e-8` (no division on the serial chain);
//! below, on `s_m = x K_{m+1}/K_m`, which never overflows.
//!
//! References: N. M. Temme, "On the numerical evaluation of the modified
//! Bessel function of the third kind", J. Comput. Phys. 19 (1975);
//! I. J. Thompson and A. R. Barnett, "Modified Bessel functions I_v(z) and
//! K_v(z) of real order and complex argument", Comput. Phys. Commun. 47
//! (1987); W. H. Press et al., *Numerical Recipes*, 3rd ed., 6.6;
//! L. N. Trefethen and J. A. C. Weideman, "The exponentially convergent
//! trapezoidal rule", SIAM Review 56 (2014).

use super::coefficients::RECIP_GAMMA_TAYLOR;
use std::f64::consts::PI;

pub(crate) const EPS: f64 = 1e-17;

/// Temme's series below, the trapezoidal rule above: the series loses a
/// few digits as `x` nears 2.
pub(crate) const TEMME_MAX_X: f64 = 1.0;

/// `1/Gamma(1 + f)` for `|f| <= 1/2` from its Taylor series, 21 terms (the
/// 22nd is below `3e-19` there), split into four interleaved Horner chains
/// in `f^4` so that the latency is that of six steps rather than twenty.
#[inline]
pub(crate) fn recip_gamma_1p_small(f: f64) -> f64 {
    let c = &RECIP_GAMMA_TAYLOR;
    let f2 = f * f;
    let f4 = f2 * f2;
    // Chain `j` holds the coefficients of `f^(4i + j)`; c[20] closes chain 0.
    let mut a = [c[20], 0.0, 0.0, 0.0];
    for i in (0..5).rev() {
        for (j, acc) in a.iter_mut().enumerate() {
            *acc = *acc * f4 + c[4 * i + j];
        }
    }
    (a[0] + f * a[1]) + f2 * (a[2] + f * a[3])
}

/// `1/Gamma(1 + v)` for `0 <= v < 40`: the small-argument series times
/// `1/prod_{j=1}^{n} (f + j)`, with `n` the nearest integer to `v` and
/// `f = v - n`.
#[inline]
pub(crate) fn recip_gamma_1p(v: f64) -> f64 {
    // `v < 40`, so the truncating cast is exact and `n = round(v)` up to ties.
    let n = (v + 0.5) as u32;
    let f = v - f64::from(n);
    let mut prod = 1.0;
    for j in 1..=n {
        prod *= f + f64::from(j);
    }
    recip_gamma_1p_small(f) / prod
}

/// `sum_k (x^2/4)^k / (k! (v + 1)_k)` for the order `v` and `v + 1` at once.
#[inline]
fn series_sums(v: f64, x: f64, both: bool) -> (f64, f64) {
    let q = 0.25 * x * x;
    let (mut t0, mut s0) = (1.0, 1.0);
    let (mut t1, mut s1) = (1.0, 1.0);
    let mut k = 1.0;
    while t0 > s0 * EPS {
        t0 *= q / (k * (v + k));
        s0 += t0;
        if both {
            t1 *= q / (k * (v + 1.0 + k));
            s1 += t1;
        }
        k += 1.0;
    }
    if both {
        while t1 > s1 * EPS {
            t1 *= q / (k * (v + 1.0 + k));
            s1 += t1;
            k += 1.0;
        }
    }
    (s0, s1)
}

/// `ln I_v(x) - shift * x` by the power series, `v < 30`, `0 < x < 30`.
#[inline]
pub(crate) fn log_i(v: f64, x: f64, scaled: bool) -> f64 {
    let (s, _) = series_sums(v, x, false);
    let shift = if scaled { x } else { 0.0 };
    // In linear space while (x/2)^v stays normal (above e^-650), so that a
    // result near zero carries no cancellation between large logarithms.
    // The product (x/2)^v / Gamma(v + 1) must stay normal too: near
    // v = 30 the gamma factor alone is about 1e-32.
    let recip_gamma = recip_gamma_1p(v);
    let linear = (0.5 * x).powf(v) * recip_gamma;
    if linear > 1e-300 && x > 1e-300 {
        (linear * s).ln() - shift
    } else {
        // ln(x/2) without forming x/2, which rounds when x is subnormal.
        let ln_pow = v * (x.ln() - std::f64::consts::LN_2);
        ln_pow + (recip_gamma * s).ln() - shift
    }
}

/// `I_{v+1}(x)/I_v(x) = (x/2)/(v + 1) * S_{v+1}/S_v` by the power series.
#[inline]
pub(crate) fn ratio_i(v: f64, x: f64) -> f64 {
    let (s0, s1) = series_sums(v, x, true);
    (x / (2.0 * (v + 1.0))) * (s1 / s0)
}

/// `ln K_mu(x)` (plus `x` when `scaled`) and `x K_{mu+1}(x)/K_mu(x)` for
/// `|mu| <= 1/2`.
#[inline]
fn k_fractional(mu: f64, x: f64, scaled: bool) -> (f64, f64) {
    if x <= TEMME_MAX_X {
        temme_series(mu, x, scaled)
    } else if x <= TRAPEZOID_MAX_X {
        trapezoid(mu, x, scaled)
    } else {
        steed_cf2(mu, x, scaled)
    }
}

/// Upper end of the trapezoidal rule: beyond, the growth `e^{x}` towards
/// the strip's edge spoils the step `ln(5/4)`, and CF2 needs few steps.
const TRAPEZOID_MAX_X: f64 = 6.0;

/// Trapezoidal rule on `e^x K_nu(x) = int_0^inf e^{-x (cosh t - 1)}
/// cosh(nu t) dt` for `nu = mu` and `mu + 1`, `x` in `(1, TRAPEZOID_MAX_X]`.
///
/// The integrand is analytic in the strip `|Im t| < pi/2`, so the rule
/// converges geometrically in `1/h` (error about `e^{-pi^2/h}` times the
/// growth of the integrand towards the strip's edge, `e^{x}` at most);
/// the step `h = ln(5/4)` makes every node's `e^{t_k} = (5/4)^k` exact for
/// the 22 nodes used, so `cosh t_k - 1 = (e^{t_k} - 1)^2 / (2 e^{t_k})` is
/// accurate to an ulp. Two exponentials per node, against the 15 to 160
/// divisions-in-a-chain of Steed's CF2 for these `x`. The sum stops where
/// the terms fall below `1e-18` of it.
///
/// Reference: L. N. Trefethen and J. A. C. Weideman, "The exponentially
/// convergent trapezoidal rule", SIAM Review 56 (2014), sec. 5.
fn trapezoid(mu: f64, x: f64, scaled: bool) -> (f64, f64) {
    const BASE: f64 = 1.25;
    let h = BASE.ln();
    // The node t = 0 carries weight 1/2; cosh(0) = 1 for both orders.
    let mut s0 = 0.5;
    let mut s1 = 0.5;
    let mut e = 1.0;
    let mut k = 1.0;
    while k <= 22.0 {
        e *= BASE;
        let a = (-x * ((e - 1.0) * (e - 1.0) / (2.0 * e))).exp();
        let b = (mu * (k * h)).exp();
        let be = b * e;
        s0 += a * (0.5 * (b + 1.0 / b));
        let w1 = a * (0.5 * (be + 1.0 / be));
        s1 += w1;
        if w1 < 1e-18 * s1 {
            break;
        }
        k += 1.0;
    }
    let shift = if scaled { 0.0 } else { x };
    ((s0 * h).ln() - shift, x * s1 / s0)
}

/// Temme's gamma combinations for `|mu| <= 1/2`:
/// `gam1 = (1/Gamma(1-mu) - 1/Gamma(1+mu)) / (2 mu)`, `gam2` their mean,
/// `1/Gamma(1+mu)` and `1/Gamma(1-mu)`, all from the Taylor series of
/// `1/Gamma(1 + z)` (its odd and even parts), so that nothing cancels at
/// `mu = 0`.
#[inline]
pub(crate) fn temme_gammas(mu: f64) -> (f64, f64, f64, f64) {
    let c = &RECIP_GAMMA_TAYLOR;
    let mu2 = mu * mu;
    let mut gam1 = 0.0_f64;
    let mut gam2 = 0.0_f64;
    for k in (0..12).rev() {
        gam1 = gam1 * mu2 + c[2 * k + 1];
        gam2 = gam2 * mu2 + c[2 * k];
    }
    let gam1 = -gam1;
    (gam1, gam2, gam2 - mu * gam1, gam2 + mu * gam1)
}

/// `sinh(e)/e = sum_k e^(2k) / (2k + 1)!` for `|e| < 1/2` (nine terms: the
/// tenth is below `1e-20`).
#[inline]
pub(crate) fn sinh_over_x(e: f64) -> f64 {
    let e2 = e * e;
    // 1/(2k+1)! for k = 8 down to 1, then the constant 1.
    const C: [f64; 8] = [
        2.8114572543455206e-15,
        7.647163731819816e-13,
        1.6059043836821613e-10,
        2.505210838544172e-8,
        2.7557319223985893e-6,
        1.984126984126984e-4,
        8.333333333333333e-3,
        1.6666666666666666e-1,
    ];
    C.iter().fold(0.0, |acc, &c| acc * e2 + c) * e2 + 1.0
}

/// Temme's series for `K_mu`, `K_{mu+1}` with `x <= 1`.
fn temme_series(mu: f64, x: f64, scaled: bool) -> (f64, f64) {
    let mu2 = mu * mu;
    let (gam1, gam2, gampl, gammi) = temme_gammas(mu);
    let half = 0.5 * x;
    let d = std::f64::consts::LN_2 - x.ln();
    let e = mu * d;
    let pimu = PI * mu;
    let fact = if pimu.abs() < 1e-8 {
        1.0 + pimu * pimu / 6.0
    } else {
        pimu / pimu.sin()
    };
    // sinh(e)/e and cosh(e) from the one exponential e^e that p, q need;
    // below |e| = 1/2, where e^e - e^-e cancels, sinh(e)/e by its series.
    let ee = e.exp();
    let inv_ee = 1.0 / ee;
    let fact2 = if e.abs() < 0.5 {
        sinh_over_x(e)
    } else {
        0.5 * (ee - inv_ee) / e
    };
    let cosh_e = 0.5 * (ee + inv_ee);
    let mut ff = fact * (gam1 * cosh_e + gam2 * fact2 * d);
    let mut sum = ff;
    let mut p = 0.5 * ee / gampl;
    let mut q = 0.5 * inv_ee / gammi;
    let mut cc = 1.0;
    let dd = half * half;
    let mut sum1 = p;
    let mut i = 1.0;
    loop {
        ff = (i * ff + p + q) / (i * i - mu2);
        cc *= dd / i;
        p /= i - mu;
        q /= i + mu;
        let del = cc * ff;
        sum += del;
        sum1 += cc * (p - i * ff);
        if del.abs() < sum.abs() * EPS || i > 200.0 {
            break;
        }
        i += 1.0;
    }
    // K_mu = sum, K_{mu+1} = (2/x) sum1.
    let shift = if scaled { x } else { 0.0 };
    (sum.ln() + shift, 2.0 * sum1 / sum)
}

/// Steed's algorithm for Temme's continued fraction CF2, `x > 1`.
fn steed_cf2(mu: f64, x: f64, scaled: bool) -> (f64, f64) {
    let mut b = 2.0 * (1.0 + x);
    let mut d = 1.0 / b;
    let mut h = d;
    let mut delh = d;
    let mut q1 = 0.0;
    let mut q2 = 1.0;
    let a1 = 0.25 - mu * mu;
    let mut q = a1;
    let mut c = a1;
    let mut a = -a1;
    let mut s = 1.0 + q * delh;
    let mut i = 1.0;
    while i < 1000.0 {
        a -= 2.0 * i;
        // Neither quotient depends on the previous step: off the serial chain.
        c *= -a / (i + 1.0);
        let qnew = (q1 - b * q2) * a.recip();
        q1 = q2;
        q2 = qnew;
        q += c * qnew;
        b += 2.0;
        d = 1.0 / (b + a * d);
        delh *= b * d - 1.0;
        h += delh;
        let dels = q * delh;
        s += dels;
        if dels.abs() < EPS * s.abs() {
            break;
        }
        i += 1.0;
    }
    h *= a1;
    // K_mu e^x = sqrt(pi/(2x)) / s; x K_{mu+1}/K_mu = mu + x + 1/2 - h.
    let shift = if scaled { 0.0 } else { x };
    (
        0.5 * (PI / (2.0 * x)).ln() - s.ln() - shift,
        mu + x + 0.5 - h,
    )
}

/// `ln K_v(x)` (plus `x` when `scaled`) and `d/dx ln K_v(x)` for
/// `sqrt(v^2 + x^2) < 30`.
#[inline]
pub(crate) fn log_k_and_dlog(v: f64, x: f64, scaled: bool) -> (f64, f64) {
    let n = (v + 0.5).floor();
    let mu = v - n;
    let (ln_kmu, s0) = k_fractional(mu, x, scaled);
    if n == 0.0 {
        return (ln_kmu, (mu - s0) / x);
    }
    if x >= 1e-8 {
        return recur_values(v, x, n, mu, ln_kmu, s0);
    }
    // Below 1e-8 a factor 2 (mu + m)/x could overflow; recur instead on
    // s_m = x K_{mu+m+1}/K_{mu+m}, with ln K_v = ln K_mu + sum_{m<n} ln s_m
    // - n ln x (the answer is then large, so exact enough).
    let x2 = x * x;
    let mut s = s0;
    let mut prod = 1.0;
    let mut acc = 0.0;
    let mut m = 0.0;
    while m < n {
        if m > 0.0 {
            s = 2.0 * (mu + m) + x2 / s;
        }
        prod *= s;
        if prod > 1e280 {
            acc += prod.ln();
            prod = 1.0;
        }
        m += 1.0;
    }
    let ln_k = ln_kmu + acc + prod.ln() - n * x.ln();
    // d/dx ln K_v = v/x - s_n/x with s_n = 2v + x^2/s_{n-1}: -(v + x^2/s_{n-1})/x.
    (ln_k, -(v + x2 / s) / x)
}

/// The upward recurrence on the values themselves, `K_{m+1} = (2 (mu + m)
/// / x) K_m + K_{m-1}`, normalised to `K_mu = 1` and rescaled before it can
/// overflow, for `x >= 1e-8` (each step then grows by at most `6e9`). All
/// terms are positive, so it is as accurate as the ratio form above, and
/// it has no division on its serial chain.
#[inline]
fn recur_values(v: f64, x: f64, n: f64, mu: f64, ln_kmu: f64, s0: f64) -> (f64, f64) {
    const BIG: f64 = 1e250;
    let mut k_prev = 1.0;
    let mut k_cur = s0 / x;
    let mut acc = 0.0;
    let mut m = 1.0;
    while m < n {
        // A correctly rounded factor per step: a rounded 2/x shared by all
        // steps would bias every factor the same way.
        let k_next = (2.0 * (mu + m) / x) * k_cur + k_prev;
        k_prev = k_cur;
        k_cur = k_next;
        if k_cur > BIG {
            k_prev /= BIG;
            k_cur /= BIG;
            acc += 250.0 * std::f64::consts::LN_10;
        }
        m += 1.0;
    }
    // d/dx ln K_v = -(v/x + K_{v-1}/K_v).
    (ln_kmu + acc + k_cur.ln(), -(v / x + k_prev / k_cur))
}
