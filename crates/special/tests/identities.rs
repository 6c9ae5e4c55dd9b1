//! Property tests: recurrences, reflections, symmetries, complements and
//! inverse round trips of the gamma, error-function, incomplete and
//! log-domain families, on random arguments.

use proptest::prelude::*;
use sobolev_special as sp;
use std::f64::consts::PI;

const EPS: f64 = f64::EPSILON;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn gamma_recurrence(x in 1e-3f64..170.0) {
        let lhs = sp::gamma(x + 1.0);
        // x + 1 is rounded: allow for the rounding through ψ(x+1).
        let rhs = x * sp::gamma(x) * (1.0 + ((x + 1.0) - x - 1.0) * sp::digamma(x + 1.0));
        prop_assert!(close(lhs, rhs, 16.0 * EPS), "x={x} {lhs} {rhs}");
    }

    #[test]
    fn ln_gamma_recurrence(x in 1e-3f64..1e6) {
        let y = x + 1.0;
        let d = sp::ln_gamma_ratio(y, x);
        // ln Γ(y) - ln Γ(x) = ln x + ln Γ(y)/Γ(x+1), with y - (x+1) tiny.
        let expected = x.ln() + (y - x - 1.0) * sp::digamma(x + 1.0);
        prop_assert!((d - expected).abs() <= 8.0 * EPS * expected.abs().max(1.0), "x={x}");
        let direct = sp::ln_gamma(y) - sp::ln_gamma(x);
        prop_assert!((direct - d).abs() <= 8.0 * EPS * sp::ln_gamma(y).abs().max(1.0));
    }

    #[test]
    fn gamma_reflection(x in -30.0f64..30.0) {
        prop_assume!((x - x.round()).abs() > 1e-3);
        let lhs = sp::gamma(x) * sp::gamma(1.0 - x);
        // sin(πx) with the exact reduction x - round(x).
        let n = x.round();
        let parity = if n.rem_euclid(2.0) == 0.0 { 1.0 } else { -1.0 };
        let rhs = PI / (parity * (PI * (x - n)).sin());
        // 1 - x is rounded; Γ(1-x) feels it through ψ(1-x).
        let slack = ((1.0 - x) - (-x) - 1.0).abs() * sp::digamma(1.0 - x).abs();
        prop_assert!(close(lhs, rhs, 16.0 * EPS + slack), "x={x} {lhs} {rhs}");
        let (ln_abs, sign) = sp::ln_gamma_sign(x);
        prop_assert_eq!(sign, sp::gamma(x).signum());
        prop_assert!((ln_abs - sp::gamma(x).abs().ln()).abs() <= 1e-13 * ln_abs.abs().max(1.0));
    }

    #[test]
    fn digamma_recurrence(x in 1e-2f64..1e4) {
        let lhs = sp::digamma(x + 1.0);
        let rhs = sp::digamma(x) + x.recip() + ((x + 1.0) - x - 1.0) * sp::trigamma(x + 1.0);
        prop_assert!((lhs - rhs).abs() <= 8.0 * EPS * (x.recip() + lhs.abs()), "x={x}");
        let t = sp::trigamma(x) - sp::trigamma(x + 1.0);
        let expected = (x * x).recip() - ((x + 1.0) - x - 1.0) * sp::polygamma(2, x + 1.0);
        // The difference cancels: hold it to the size of ψ'(x).
        prop_assert!((t - expected).abs() <= 8.0 * EPS * sp::trigamma(x), "x={x}");
    }

    #[test]
    fn beta_symmetry_and_gamma_form(a in 0.05f64..60.0, b in 0.05f64..60.0) {
        prop_assert_eq!(sp::ln_beta(a, b), sp::ln_beta(b, a));
        let via_gamma = sp::ln_gamma(a) + sp::ln_gamma(b) - sp::ln_gamma(a + b);
        prop_assert!((sp::ln_beta(a, b) - via_gamma).abs() <= 1e-12 * via_gamma.abs().max(1.0));
    }

    #[test]
    fn erf_symmetry_and_complement(x in -8.0f64..8.0) {
        prop_assert_eq!(sp::erf(-x), -sp::erf(x));
        let sum = sp::erf(x) + sp::erfc(x);
        prop_assert!((sum - 1.0).abs() <= 2.0 * EPS, "x={x}");
        prop_assert!((sp::erfc(-x) - (2.0 - sp::erfc(x))).abs() <= 2.0 * EPS);
    }

    #[test]
    fn erfcx_matches_definition(x in -5.0f64..25.0) {
        let expected = sp::erfc(x) * (x * x).exp();
        // exp(x²) magnifies the rounding of x² by x².
        prop_assert!(close(sp::erfcx(x), expected, (8.0 + 2.0 * x * x) * EPS), "x={x}");
    }

    #[test]
    fn erf_inverse_round_trip(x in -5.5f64..5.5) {
        let y = sp::erf(x);
        prop_assume!(y.abs() < 1.0);
        let back = sp::erfinv(y);
        // Conditioning: dx = dy / erf'(x), dy ~ eps.
        let slope = 2.0 / PI.sqrt() * (-x * x).exp();
        prop_assert!((back - x).abs() <= 4.0 * EPS * (x.abs() + y.abs().max(EPS) / slope), "x={x}");
        let z = sp::erfc(x);
        prop_assert!((sp::erfcinv(z) - x).abs() <= 8.0 * EPS * (x.abs() + z / slope), "x={x}");
    }

    #[test]
    fn ndtr_round_trip(x in -37.0f64..8.0) {
        let p = sp::ndtr(x);
        prop_assume!(p < 1.0);
        let back = sp::ndtri(p);
        let density = (-0.5 * x * x).exp() / (2.0 * PI).sqrt();
        prop_assert!((back - x).abs() <= 4.0 * EPS * (x.abs() + p / density), "x={x} {back}");
        let back_log = sp::ndtri_log(sp::log_ndtr(x));
        prop_assert!((back_log - x).abs() <= 4.0 * EPS * (x.abs() + p / density), "x={x}");
        prop_assert!((sp::log_ndtr(x) - p.ln()).abs() <= 4.0 * EPS * p.ln().abs().max(1.0));
    }

    #[test]
    fn incomplete_gamma_complement(a in 1e-3f64..1e3, ratio in 1e-3f64..10.0) {
        let x = a * ratio;
        let (p, q) = (sp::gamma_p(a, x), sp::gamma_q(a, x));
        prop_assert!((p + q - 1.0).abs() <= 8.0 * EPS, "a={a} x={x} p={p} q={q}");
        if p > 1e-300 {
            prop_assert!((sp::ln_gamma_p(a, x) - p.ln()).abs() <= 1e-12 * p.ln().abs().max(1.0));
        }
    }

    #[test]
    fn incomplete_gamma_inverse(a in 1e-2f64..1e3, p in 1e-12f64..0.999_999) {
        let x = sp::gamma_p_inv(a, p);
        prop_assume!(x > 0.0);
        let back = sp::gamma_p(a, x);
        // The root is resolved to x's rounding; P's slope turns that into p.
        let slope = (a * x.ln() - x - sp::ln_gamma(a)).exp();
        prop_assert!((back - p).abs() <= 1e-13 * p + 4.0 * EPS * slope, "a={a} p={p} x={x}");
        let xq = sp::gamma_q_inv(a, 1.0 - p);
        prop_assert!((xq - x).abs() <= 1e-9 * x, "a={a} p={p}");
    }

    #[test]
    fn incomplete_beta_symmetry(a in 1e-2f64..200.0, b in 1e-2f64..200.0, x in 0.5f64..1.0) {
        // 1 - x is exact on [1/2, 1].
        let y = 1.0 - x;
        let i = sp::beta_inc(a, b, x);
        let swapped = sp::beta_inc_complement(b, a, y);
        prop_assert!((i - swapped).abs() <= 1e-13 * i.max(1e-300), "a={a} b={b} x={x}");
        let c = sp::beta_inc_complement(a, b, x);
        prop_assert!((i + c - 1.0).abs() <= 8.0 * EPS);
    }

    #[test]
    fn incomplete_beta_inverse(a in 0.1f64..100.0, b in 0.1f64..100.0, p in 1e-10f64..0.999_999) {
        let x = sp::beta_inc_inv(a, b, p);
        prop_assume!(x > 1e-300 && x < 1.0 - 1e-12);
        let back = sp::beta_inc(a, b, x);
        let ln_density = (a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - sp::ln_beta(a, b);
        let slope = ln_density.exp();
        prop_assert!((back - p).abs() <= 1e-12 * p + 4.0 * EPS * slope * x, "a={a} b={b} p={p} x={x}");
    }

    #[test]
    fn logsumexp_shift(xs in proptest::collection::vec(-700.0f64..700.0, 1..20), c in -300.0f64..300.0) {
        let shifted: Vec<f64> = xs.iter().map(|x| x + c).collect();
        let lhs = sp::logsumexp(&shifted);
        let rhs = sp::logsumexp(&xs) + c;
        prop_assert!((lhs - rhs).abs() <= 1e-12 * lhs.abs().max(1.0));
        let mut acc = sp::LogSumExp::new();
        for &x in &xs {
            acc.push(x);
        }
        prop_assert!((acc.value() - sp::logsumexp(&xs)).abs() <= 1e-13 * rhs.abs().max(1.0));
        let pair = sp::logaddexp(xs[0], c);
        prop_assert!((pair - sp::logsumexp(&[xs[0], c])).abs() <= 4.0 * EPS * pair.abs().max(1.0));
    }

    #[test]
    fn log_helpers_consistent(x in -700.0f64..700.0) {
        // softplus(x) - softplus(-x) = x and ln σ(x) = -softplus(-x).
        prop_assert!((sp::softplus(x) + sp::log_sigmoid(x) - x).abs() <= 4.0 * EPS * x.abs().max(1.0));
        if x < 0.0 {
            let v = sp::logsubexp(0.0, x);
            prop_assert!((v - sp::log1mexp(x)).abs() <= 2.0 * EPS * v.abs());
        }
    }
}
