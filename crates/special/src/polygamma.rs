//! The polygamma functions: digamma `ψ(x) = Γ'(x)/Γ(x)`, trigamma `ψ'(x)`
//! and `ψ^{(n)}(x)` for any order.
//!
//! Digamma is evaluated, after exact reductions, on `[3/4, 5/2]` by three
//! Taylor series whose inputs are exact: about 1 (`ψ(1+z) = -γ + Σ (-1)^k
//! ζ(k) z^{k-1}`, DLMF 5.7.4), about 2 (the same with `ζ(k) - 1`), and
//! about the positive root `x₀ = 1.4616...`, where the series is in
//! `x - x₀` with `x₀` stored as a sum of two doubles, so `ψ` keeps full
//! *relative* accuracy through its zero. Larger `x` use the recurrence
//! `ψ(x+1) = ψ(x) + 1/x` downwards (every term positive) up to 10 and the
//! asymptotic series `ψ(x) ~ ln x - 1/(2x) - Σ B_{2k}/(2k x^{2k})`
//! (DLMF 5.11.2) beyond. Negative `x` use the reflection
//! `ψ(1-x) - ψ(x) = π cot(πx)`.
//!
//! Trigamma sums the recurrence `ψ'(x) = ψ'(x+1) + 1/x²` upwards to 10 (all
//! terms positive) and then the asymptotic series `1/x + 1/(2x²) +
//! Σ B_{2k}/x^{2k+1}` (DLMF 5.15.8); negative `x` by reflection
//! `ψ'(1-x) + ψ'(x) = π²/sin²(πx)`.
//!
//! Higher orders use `ψ^{(n)}(x) = (-1)^{n+1} n! ζ(n+1, x)` (DLMF 5.15.2)
//! with the Hurwitz zeta function summed directly and finished by the
//! Euler–Maclaurin formula (DLMF 25.11.5 style remainder), with the leading
//! power `x^{-n-1}` factored out so nothing overflows before the final
//! scaling.
//!
//! References: DLMF §5 and §25.11; Abramowitz & Stegun 6.3–6.4; the
//! root-centred expansion follows the idea in Boost.Math's digamma (split
//! root constant), with our own coefficients computed in mpmath.

use crate::gamma::{cos_pi, gamma, horner, ln_gamma, sin_pi};
use std::f64::consts::PI;

/// The positive zero of `ψ`, as `X0_HI + X0_LO`.
const X0_HI: f64 = 1.461_632_144_968_362_2;
const X0_LO: f64 = 9.549_995_429_965_697e-17;

/// Taylor coefficients of `ψ(x₀ + d) / d`: `ψ^{(k)}(x₀)/k!`, `k = 1, 2, ...`.
const DIGAMMA_ROOT_SERIES: [f64; 23] = [
    0.9676722454476212,
    -0.4427631689835921,
    0.258499760955651,
    -0.16394270544240652,
    0.10782405069126237,
    -0.07219956125645471,
    0.04880428816414311,
    -0.03316112647484736,
    0.022597648232218104,
    -0.01542476590494896,
    0.010538791616612175,
    -0.007204534386356869,
    0.004926781395729853,
    -0.003369801655439328,
    0.002305126326734928,
    -0.0015769367714301972,
    0.0010788252019162967,
    -0.0007380709389960052,
    0.000504953265834602,
    -0.0003454680251063077,
    0.00023635601564027053,
    -0.00016170622091974803,
    0.0001106337276874741,
];

/// Taylor coefficients of `ψ(1+z)`: `-γ`, then `(-1)^k ζ(k)`.
const DIGAMMA_1_SERIES: [f64; 29] = [
    -0.5772156649015329,
    1.6449340668482264,
    -1.2020569031595942,
    1.0823232337111381,
    -1.03692775514337,
    1.0173430619844492,
    -1.008349277381923,
    1.0040773561979444,
    -1.0020083928260821,
    1.000994575127818,
    -1.0004941886041194,
    1.000246086553308,
    -1.0001227133475785,
    1.0000612481350588,
    -1.000030588236307,
    1.0000152822594086,
    -1.0000076371976379,
    1.000003817293265,
    -1.0000019082127165,
    1.0000009539620338,
    -1.0000004769329869,
    1.0000002384505027,
    -1.000000119219926,
    1.000000059608189,
    -1.0000000298035034,
    1.0000000149015549,
    -1.0000000074507118,
    1.000000003725334,
    -1.0000000018626598,
];

/// Taylor coefficients of `ψ(2+z)`: `1-γ`, then `(-1)^k (ζ(k) - 1)`.
const DIGAMMA_2_SERIES: [f64; 29] = [
    0.42278433509846713,
    0.6449340668482264,
    -0.2020569031595943,
    0.08232323371113819,
    -0.03692775514336993,
    0.01734306198444914,
    -0.008349277381922827,
    0.00407735619794434,
    -0.0020083928260822143,
    0.0009945751278180853,
    -0.0004941886041194645,
    0.0002460865533080483,
    -0.00012271334757848915,
    6.124813505870483e-05,
    -3.058823630702049e-05,
    1.528225940865187e-05,
    -7.637197637899763e-06,
    3.81729326499984e-06,
    -1.908212716553939e-06,
    9.539620338727962e-07,
    -4.769329867878064e-07,
    2.38450502727733e-07,
    -1.1921992596531106e-07,
    5.960818905125948e-08,
    -2.980350351465228e-08,
    1.4901554828365043e-08,
    -7.45071178983543e-09,
    3.725334024788457e-09,
    -1.862659723513049e-09,
];

/// `B_{2k} / (2k)`, `k = 1..=9`.
const DIGAMMA_ASYMPTOTIC: [f64; 9] = [
    0.08333333333333333,
    -0.008333333333333333,
    0.003968253968253968,
    -0.004166666666666667,
    0.007575757575757576,
    -0.021092796092796094,
    0.08333333333333333,
    -0.4432598039215686,
    3.0539543302701198,
];

/// `B_{2k}`, `k = 1..=9`.
const TRIGAMMA_ASYMPTOTIC: [f64; 9] = [
    0.16666666666666666,
    -0.03333333333333333,
    0.023809523809523808,
    -0.03333333333333333,
    0.07575757575757576,
    -0.2531135531135531,
    1.1666666666666667,
    -7.092156862745098,
    54.971177944862156,
];

/// The digamma function `ψ(x) = d/dx ln Γ(x)`.
///
/// Domain: all real `x` except the poles `0, -1, -2, ...` (NaN there, as at
/// `±inf` negative side: `ψ(-inf)` is NaN, `ψ(+inf) = +inf`). NaN in gives NaN.
///
/// Algorithm: see the [module docs](self). Accuracy for `x > 0`: relative,
/// including at the root `x₀ = 1.4616...`; for `x < 0` absolute near the
/// negative zeros (reflection formula). Measured figures are in
/// `tests/gamma_accuracy.rs` and the crate's book chapter.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    if x <= 0.0 {
        if x.floor() == x {
            return f64::NAN;
        }
        // ψ(x) = ψ(1-x) - π cot(πx), with ψ(1-x) = ψ(-x) - 1/x so that the
        // argument stays exact.
        return digamma_positive(-x) - x.recip() - PI * cos_pi(x) / sin_pi(x);
    }
    digamma_positive(x)
}

fn digamma_positive(x: f64) -> f64 {
    if x < 0.75 {
        // ψ(x) = ψ(x+1) - 1/x; |ψ(x)| > 1 here so rounding x+1 is harmless.
        return digamma_core(x + 1.0) - x.recip();
    }
    if x <= 2.5 {
        return digamma_core(x);
    }
    if x < 10.0 {
        // ψ(x) = ψ(y) + Σ_{y <= t < x} 1/t, y in (3/2, 5/2]; every term > 0.
        let mut t = x - 1.0;
        let mut sum = t.recip();
        while t > 2.5 {
            t -= 1.0;
            sum += t.recip();
        }
        return digamma_core(t) + sum;
    }
    let r = x.recip();
    let r2 = r * r;
    x.ln() - 0.5 * r - r2 * horner(r2, &DIGAMMA_ASYMPTOTIC)
}

/// `ψ(x)` for `3/4 <= x <= 5/2`, from the Taylor series with exact inputs.
fn digamma_core(x: f64) -> f64 {
    if x <= 1.25 {
        horner(x - 1.0, &DIGAMMA_1_SERIES)
    } else if x <= 1.7 {
        let d = (x - X0_HI) - X0_LO;
        d * horner(d, &DIGAMMA_ROOT_SERIES)
    } else {
        horner(x - 2.0, &DIGAMMA_2_SERIES)
    }
}

/// The trigamma function `ψ'(x) = d²/dx² ln Γ(x)`.
///
/// Domain: all real `x` except the poles `0, -1, -2, ...` (NaN there and
/// at `-inf`); `ψ'(+inf) = 0`. NaN in gives NaN.
///
/// Algorithm: see the [module docs](self). Accuracy: relative for `x > 0`.
pub fn trigamma(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x <= 0.0 {
        if x.floor() == x {
            return f64::NAN;
        }
        let s = sin_pi(x);
        // ψ'(1-x) = ψ'(-x) - 1/x², keeping the argument exact.
        return PI * PI / (s * s) - (trigamma_positive(-x) - (x * x).recip());
    }
    trigamma_positive(x)
}

fn trigamma_positive(x: f64) -> f64 {
    let mut sum = 0.0;
    let mut t = x;
    while t < 10.0 {
        sum += (t * t).recip();
        t += 1.0;
    }
    let r = t.recip();
    let r2 = r * r;
    sum + r * (1.0 + r * (0.5 + r * horner(r2, &TRIGAMMA_ASYMPTOTIC)))
}

/// The polygamma function `ψ^{(n)}(x) = d^{n+1}/dx^{n+1} ln Γ(x)`.
///
/// `n = 0` is [`digamma`], `n = 1` is [`trigamma`]. Domain for `n >= 2`:
/// `x > 0`, and negative non-integers with `|x| <= 1e5` (evaluated by
/// summing the poles' contributions, so accuracy there is absolute in the
/// sum); NaN at the poles, for NaN, for `x = -inf` and for `x < -1e5`.
/// `ψ^{(n)}(+inf) = 0`. Overflows to `±inf` only when the true value does.
///
/// Algorithm: see the [module docs](self). Accuracy: relative, a few ulp
/// growing slowly with `n` (measured in `tests/gamma_accuracy.rs`).
pub fn polygamma(n: u32, x: f64) -> f64 {
    match n {
        0 => return digamma(x),
        1 => return trigamma(x),
        _ => {}
    }
    if x.is_nan() || x == f64::NEG_INFINITY || x < -1e5 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x <= 0.0 && x.floor() == x {
        return f64::NAN;
    }
    let s = f64::from(n) + 1.0;
    let sign = if n % 2 == 1 { 1.0 } else { -1.0 };
    if x > 0.0 {
        let (ln_scale, sum) = hurwitz_zeta_scaled(s, x);
        // n! x^{-s} from exact inputs where both are representable.
        let factorial = gamma(s);
        let direct = factorial * x.powf(-s) * sum;
        if direct.is_finite() && direct.abs() > f64::MIN_POSITIVE {
            return sign * direct;
        }
        // x^{-s} alone over- or underflows: apply it in two halves.
        let half = x.powf(-0.5 * s);
        let split = factorial * half * sum * half;
        if split.is_finite() && split.abs() > f64::MIN_POSITIVE {
            return sign * split;
        }
        return sign * (ln_gamma(s) + ln_scale + sum.ln()).exp();
    }
    // x < 0: ζ(s, x) = Σ_{k<m} (x+k)^{-s} + ζ(s, x+m) with x+m in (0, 1].
    let m = (-x).ceil();
    let base = x + m;
    let (_, tail) = hurwitz_zeta_scaled(s, base);
    let mut zeta = tail * base.powf(-s);
    let mut k = 0.0;
    while k < m {
        zeta += (x + k).powf(-s);
        k += 1.0;
    }
    let factorial = gamma(s);
    if factorial.is_finite() {
        sign * zeta * factorial
    } else {
        sign * zeta.signum() * (ln_gamma(s) + zeta.abs().ln()).exp()
    }
}

/// Hurwitz zeta `ζ(s, x) = Σ_{k>=0} (x+k)^{-s}` for `s >= 3`, `x > 0`, as
/// `(ln scale, sum)` with `ζ = exp(ln scale) * sum` and `ln scale = -s ln x`.
///
/// Sums `N` terms directly, with `x + N >= 1.4 (s + 18)`, then adds the
/// Euler–Maclaurin tail `(x+N)^{1-s}/(s-1) + (x+N)^{-s}/2 + Σ_{j=1}^{9}
/// B_{2j}/(2j)! s(s+1)...(s+2j-2) (x+N)^{-s-2j+1}`, whose terms shrink like
/// `((s+2j)/(2π(x+N)))^{2j}`. Stops early once the terms can no longer
/// change the sum.
fn hurwitz_zeta_scaled(s: f64, x: f64) -> (f64, f64) {
    let ln_scale = -s * x.ln();
    let big = (1.4 * (s + 18.0)).max(10.0);
    let mut sum = 0.0;
    let mut t = x;
    while t < big {
        let term = (x / t).powf(s);
        sum += term;
        if term < 1e-18 * sum {
            return (ln_scale, sum);
        }
        t += 1.0;
    }
    // Tail in units of x^{-s}: (x/t)^s times powers of 1/t.
    let ratio = (x / t).powf(s);
    let r = t.recip();
    let mut tail = ratio * (t / (s - 1.0) + 0.5);
    // term_j = B_{2j}/(2j)! * s(s+1)...(s+2j-2) * t^{-2j+1} * ratio.
    let mut rising = s; // s (s+1) ... (s+2j-2)
    let mut factorial = 2.0; // (2j)!
    let mut rpow = r; // t^{-(2j-1)}
    for (j, &b2j) in TRIGAMMA_ASYMPTOTIC.iter().enumerate() {
        let term = b2j / factorial * rising * rpow * ratio;
        tail += term;
        let j2 = 2.0 * (j as f64 + 1.0);
        rising *= (s + j2 - 1.0) * (s + j2);
        factorial *= (j2 + 1.0) * (j2 + 2.0);
        rpow *= r * r;
    }
    (ln_scale, sum + tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-16);
        assert!((digamma(2.0) - (1.0 - euler)).abs() < 1e-16);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 4e-16);
        // Near the root the value is ψ'(x₀) (x - x₀) to full relative accuracy.
        let expected = -0.967_672_245_447_621_2 * X0_LO;
        assert!((digamma(X0_HI) - expected).abs() < 1e-15 * expected.abs());
        let pi2_6 = PI * PI / 6.0;
        assert!((trigamma(1.0) - pi2_6).abs() < 4e-16);
        // ψ''(1) = -2 ζ(3).
        let zeta3 = 1.202_056_903_159_594_2;
        assert!((polygamma(2, 1.0) + 2.0 * zeta3).abs() < 1e-15);
        assert!(polygamma(3, 0.0).is_nan());
        assert!(digamma(-2.0).is_nan());
    }
}
