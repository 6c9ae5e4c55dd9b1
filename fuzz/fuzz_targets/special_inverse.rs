//! Arbitrary `(a, b, p)` bit patterns into the inverses of the incomplete
//! gamma and beta functions: no panic for any input; NaN outside the
//! domain; on the domain a root in `[0, 1]` (beta) or `[0, inf)` (gamma)
//! that the forward function brackets: with `f` the smaller tail
//! (`P` or `Q`, `I` or `1 - I`) and `t` its target, `f` a few ulps either
//! side of the root straddles `t` up to a relative slack that allows for
//! the forward function's own error (`~|ln t|` ulps in far tails). Where
//! the root underflows to 0, even the smallest positive argument must
//! already give `f >= t`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sobolev_special::{
    beta_inc, beta_inc_complement, beta_inc_inv, gamma_p, gamma_p_inv, gamma_q, gamma_q_inv,
};

/// `x` moved by `k` ulps (towards `+inf` for `k > 0`), clamped at 0.
fn ulps(x: f64, k: i64) -> f64 {
    if x == 0.0 {
        return if k > 0 { f64::from_bits(k as u64) } else { 0.0 };
    }
    let bits = x.to_bits() as i64 + k;
    if bits <= 0 { 0.0 } else { f64::from_bits(bits as u64) }
}

/// Whether `t` lies between `f(lo)` and `f(hi)` (either order), up to the
/// relative slack.
fn straddles(f_lo: f64, f_hi: f64, t: f64) -> bool {
    let slack = 1e-9 * (1.0 + t.ln().abs());
    let (lo, hi) = (f_lo.min(f_hi), f_lo.max(f_hi));
    lo * (1.0 - slack) <= t && t <= hi * (1.0 + slack) + f64::MIN_POSITIVE
}

fuzz_target!(|data: [u8; 24]| {
    let word = |k: usize| f64::from_le_bytes(data[8 * k..8 * k + 8].try_into().unwrap());
    let (a, b, w) = (word(0), word(1), word(2));
    let p = w.abs().fract();

    // Incomplete gamma: P^{-1} and Q^{-1}.
    let xp = gamma_p_inv(a, p);
    let xq = gamma_q_inv(a, p);
    if a.is_nan() || p.is_nan() || a <= 0.0 || a == f64::INFINITY {
        assert!(xp.is_nan() && xq.is_nan(), "gamma inverses outside the domain: a={a:e}");
    } else {
        assert!(xp >= 0.0 && xq >= 0.0, "a={a:e} p={p:e}: {xp:e} {xq:e}");
        // P^{-1}(p) solves the smaller tail: P = p for p <= 1/2, Q = 1 - p above.
        let (f, t): (&dyn Fn(f64) -> f64, f64) = if p <= 0.5 {
            (&|x| gamma_p(a, x), p)
        } else {
            (&|x| gamma_q(a, x), 1.0 - p)
        };
        if p > 0.0 && xp.is_finite() {
            assert!(
                straddles(f(ulps(xp, -4)), f(ulps(xp, 4)), t),
                "gamma_p_inv({a:e}, {p:e}) = {xp:e}: P there {:e}",
                gamma_p(a, xp)
            );
        }
        // Q^{-1}(p) = P^{-1}(1 - p): the same root up to the rounding of 1 - p.
        let (g, s): (&dyn Fn(f64) -> f64, f64) = if p <= 0.5 {
            (&|x| gamma_q(a, x), p)
        } else {
            (&|x| gamma_p(a, x), 1.0 - p)
        };
        if p > 0.0 && xq.is_finite() && xq > 0.0 {
            assert!(
                straddles(g(ulps(xq, -4)), g(ulps(xq, 4)), s),
                "gamma_q_inv({a:e}, {p:e}) = {xq:e}: Q there {:e}",
                gamma_q(a, xq)
            );
        }
    }

    // Incomplete beta.
    let (a, b) = (a.abs(), b.abs());
    let x = beta_inc_inv(a, b, p);
    if p.is_nan() || a.is_nan() || b.is_nan() || a == 0.0 || b == 0.0 || a.is_infinite() || b.is_infinite() {
        assert!(x.is_nan(), "beta_inc_inv outside the domain: a={a:e} b={b:e}");
        return;
    }
    assert!((0.0..=1.0).contains(&x), "beta_inc_inv({a:e}, {b:e}, {p:e}) = {x}");
    if p == 0.0 || p == 1.0 {
        return;
    }
    let (f, t): (&dyn Fn(f64) -> f64, f64) = if p <= 0.5 {
        (&|x| beta_inc(a, b, x), p)
    } else {
        (&|x| beta_inc_complement(a, b, x), 1.0 - p)
    };
    if x == 0.0 {
        assert!(
            beta_inc(a, b, f64::from_bits(1)) >= p * (1.0 - 1e-9),
            "beta_inc_inv({a:e}, {b:e}, {p:e}) underflowed to 0"
        );
    } else if x == 1.0 {
        assert!(
            beta_inc(a, b, 1.0 - f64::EPSILON / 2.0) <= p * (1.0 + 1e-9),
            "beta_inc_inv({a:e}, {b:e}, {p:e}) rounded to 1"
        );
    } else {
        let hi = ulps(x, 4).min(1.0);
        assert!(
            straddles(f(ulps(x, -4)), f(hi), t),
            "beta_inc_inv({a:e}, {b:e}, {p:e}) = {x:e}: I there {:e}",
            beta_inc(a, b, x)
        );
    }
});
