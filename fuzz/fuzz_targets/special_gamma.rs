//! Arbitrary `(a, b, x)` bit patterns into the gamma, error-function and
//! incomplete gamma/beta families: no panic for any input; NaN in gives
//! NaN out; `ln Γ` finite on `0 < x < 1e300` (and `ψ` on `1e-308 <= x <
//! 1e300`, below which `-1/x` overflows) and at every non-integer
//! negative `x`; `P(a, x)` and `Q(a, x)` in `[0, 1]` and summing to 1 on
//! their domain, `P` non-decreasing in `x`, and `ln P` finite wherever
//! `P > 0`; `I_x(a, b)` in `[0, 1]`; `erf` odd and in `[-1, 1]`, `erfc`
//! in `[0, 2]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sobolev_special::{beta_inc, digamma, erf, erfc, gamma_p, gamma_q, ln_gamma, ln_gamma_p};

fuzz_target!(|data: [u8; 25]| {
    let word = |k: usize| f64::from_le_bytes(data[8 * k..8 * k + 8].try_into().unwrap());
    let (a, b, x) = (word(0), word(1), word(2));

    let lg = ln_gamma(x);
    let e = erf(x);
    let ec = erfc(x);
    let dg = digamma(x);
    if x.is_nan() {
        assert!(
            lg.is_nan() && e.is_nan() && ec.is_nan() && dg.is_nan(),
            "NaN in"
        );
        return;
    }
    if x > 0.0 && x < 1e300 {
        assert!(lg.is_finite(), "ln_gamma({x:e}) = {lg}");
    }
    // ψ(x) ≈ -1/x overflows (correctly, to -inf) below 1/f64::MAX.
    if x >= 1e-308 && x < 1e300 {
        assert!(dg.is_finite(), "digamma({x:e}) = {dg}");
    }
    if x < 0.0 && x.is_finite() && x.fract() != 0.0 {
        assert!(!lg.is_nan(), "ln_gamma({x:e}) = NaN");
    }
    assert!((-1.0..=1.0).contains(&e), "erf({x:e}) = {e}");
    assert_eq!(erf(-x), -e, "erf not odd at {x:e}");
    assert!((0.0..=2.0).contains(&ec), "erfc({x:e}) = {ec}");

    let p = gamma_p(a, x);
    let q = gamma_q(a, x);
    // P(0, 0) is NaN: the limits a -> 0 (P = 1) and x -> 0 (P = 0) disagree.
    if a.is_nan() || a < 0.0 || a == f64::INFINITY || x < 0.0 || (a == 0.0 && x == 0.0) {
        assert!(
            p.is_nan() && q.is_nan(),
            "P, Q outside the domain: a={a:e} x={x:e}"
        );
    } else {
        assert!((0.0..=1.0).contains(&p), "P({a:e}, {x:e}) = {p}");
        assert!((0.0..=1.0).contains(&q), "Q({a:e}, {x:e}) = {q}");
        assert!(
            (p + q - 1.0).abs() <= 1e-12,
            "P + Q = {} at a={a:e} x={x:e}",
            p + q
        );
        if p > 0.0 {
            let lp = ln_gamma_p(a, x);
            assert!(lp.is_finite() && lp <= 0.0, "ln P({a:e}, {x:e}) = {lp}");
        }
        // Non-decreasing in x: step up by a factor set by the last byte.
        let x2 = x * (1.0 + f64::from(data[24]) / 64.0 + 1e-9);
        if x2.is_finite() {
            let p2 = gamma_p(a, x2);
            assert!(
                p2 >= p - 1e-12 * p.max(1e-300).max(f64::EPSILON),
                "P not monotone at a={a:e} x={x:e}: {p:e} then {p2:e} at {x2:e}"
            );
        }
    }

    let u = x.abs().fract();
    let i = beta_inc(a.abs(), b.abs(), u);
    let domain = a.is_finite() && b.is_finite() && (a != 0.0 || b != 0.0);
    if domain {
        assert!(
            (0.0..=1.0).contains(&i),
            "I_{u:e}({:e}, {:e}) = {i}",
            a.abs(),
            b.abs()
        );
    }
});
