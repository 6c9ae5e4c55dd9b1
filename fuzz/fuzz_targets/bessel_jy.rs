//! Arbitrary `(v, x)` bit patterns and a spherical order into `J_v`, `Y_v`,
//! their derivatives and `j_n`, `y_n`: no panic for any input; NaN exactly
//! where the docs say (NaN input, infinite order, `x < 0` except `J` of
//! integer order); never NaN for `x > 0`, `|v| <= 1e4`; finite values
//! wherever the exact value is finite (`J` for `v >= 0` and integer `v`,
//! `Y` once `x >= |v| + 1`, `j_n` always); `|J_v(x)| <= 1` for
//! `v >= 0`; and `J_v^2 + Y_v^2` no larger than `2/(pi x)` times a margin
//! once `x >= |v| + 1` (the envelope decreases towards `2/(pi x)`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sobolev_special::{
    bessel_j, bessel_jy, bessel_y, spherical_bessel_j, spherical_bessel_y,
};

fuzz_target!(|data: [u8; 18]| {
    let v = f64::from_le_bytes(data[..8].try_into().unwrap());
    let x = f64::from_le_bytes(data[8..16].try_into().unwrap());
    let n = u32::from(u16::from_le_bytes([data[16], data[17]]) % 2048);
    let r = bessel_jy(v, x);
    let (j, y) = (bessel_j(v, x), bessel_y(v, x));
    let sj = spherical_bessel_j(n, x);
    let sy = spherical_bessel_y(n, x);
    if x.is_nan() {
        assert!(j.is_nan() && y.is_nan() && sj.is_nan() && sy.is_nan());
        return;
    }
    if x.is_finite() && x != 0.0 {
        assert!(sj.is_finite(), "j_{n}({x:e}) = {sj}");
        assert!(sy.is_finite() || (x.abs() < f64::from(n) + 1.0), "y_{n}({x:e}) = {sy}");
        assert!(sj.abs() <= 1.0, "j_{n}({x:e}) = {sj}");
    }
    if v.is_nan() || v.is_infinite() {
        assert!(j.is_nan() && y.is_nan());
        return;
    }
    if x < 0.0 {
        assert!(y.is_nan() && r.dy.is_nan());
        if v != v.round() {
            assert!(j.is_nan());
        }
        return;
    }
    if x > 0.0 && x.is_finite() && v.abs() <= 1e4 {
        // Never NaN; finite for v >= 0 and integer v (J_{-v} of non-integer
        // order grows like x^(-|v|) and can leave the double range).
        assert!(!j.is_nan() && !r.dj.is_nan(), "J({v:e}, {x:e}) = {j}");
        if v >= 0.0 || v == v.round() {
            assert!(j.is_finite(), "J({v:e}, {x:e}) = {j}");
        }
        if x >= 1e-250 && (v >= 0.0 || v == v.round()) {
            // Below, J_v' ~ x^(v-1) can exceed the double range for v < 1.
            assert!(r.dj.is_finite(), "J'({v:e}, {x:e}) = {}", r.dj);
        }
        if v >= 0.0 {
            assert!(j.abs() <= 1.0, "J({v:e}, {x:e}) = {j}");
        }
        if x >= v.abs() + 1.0 {
            assert!(y.is_finite(), "Y({v:e}, {x:e}) = {y}");
            let m = j * j + y * y;
            let a = v.abs();
            let gap = (x - a).sqrt() * (x + a).sqrt();
            let bound = 2.0 / (std::f64::consts::PI * gap);
            assert!(m <= bound * (1.0 + 1e-9), "envelope at ({v:e}, {x:e}): {m:e} > {bound:e}");
        }
    }
});
