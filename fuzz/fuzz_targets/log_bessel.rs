//! Arbitrary `(v, x)` bit patterns into the log-space Bessel functions:
//! no panic for any input; a finite result wherever the exact value is
//! finite (`0 <= v <= 1e250`, `0 < x < inf`, so that `|ln I|, |ln K| <
//! 1e254`); NaN outside the domain; `ln I_v` non-decreasing and `ln K_v`
//! non-increasing in `x`, and the ratio in `[0, 1]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sobolev_special::{bessel_i_ratio, log_bessel_i, log_bessel_k};

fuzz_target!(|data: [u8; 17]| {
    let v = f64::from_le_bytes(data[..8].try_into().unwrap());
    let x = f64::from_le_bytes(data[8..16].try_into().unwrap());
    let li = log_bessel_i(v, x);
    let lk = log_bessel_k(v, x);
    let r = bessel_i_ratio(v, x);
    if v.is_nan() || x.is_nan() || v < 0.0 || x < 0.0 {
        assert!(li.is_nan() && lk.is_nan() && r.is_nan(), "v={v:e} x={x:e}");
        return;
    }
    if v <= 1e250 && x > 0.0 && x.is_finite() {
        assert!(li.is_finite(), "ln I({v:e}, {x:e}) = {li}");
        assert!(lk.is_finite(), "ln K({v:e}, {x:e}) = {lk}");
        assert!((0.0..=1.0).contains(&r), "ratio({v:e}, {x:e}) = {r}");
        // Monotone in x: step up by a factor set by the last byte.
        let f = 1.0 + f64::from(data[16]) / 64.0 + 1e-9;
        let x2 = x * f;
        if x2.is_finite() {
            let slack = 8.0 * f64::EPSILON;
            let li2 = log_bessel_i(v, x2);
            let lk2 = log_bessel_k(v, x2);
            assert!(li2 >= li - slack * li.abs().max(1.0), "ln I not monotone at v={v:e} x={x:e}");
            assert!(lk2 <= lk + slack * lk.abs().max(1.0), "ln K not monotone at v={v:e} x={x:e}");
        }
    }
});
