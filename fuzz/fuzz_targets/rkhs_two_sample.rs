//! Arbitrary samples into the two-sample statistics: quadratic-time MMD^2
//! with a Gaussian kernel, the 1-D energy distance by sorting and the sliced
//! energy distance. Documented behaviour: a typed error for empty, non-finite
//! or mismatched samples, too few points for the unbiased estimator, a bad
//! kernel, a zero direction, or sums that overflow; otherwise a finite
//! value (an MMD^2 with a Gaussian kernel within [-4, 4]); never a panic. The
//! 1-D energy distance also equals the 1-D sliced one.
#![no_main]

#[path = "../common/input.rs"]
mod input;

use input::Input;
use libfuzzer_sys::fuzz_target;
use sobolev_kernels::kernel::stationary::{Gaussian, Stationary};
use sobolev_kernels::{
    Error, Estimator, Points, energy_distance_1d, mmd2, sliced_energy_distance,
};

fn estimator(b: u8) -> Estimator {
    if b % 2 == 0 { Estimator::Biased } else { Estimator::Unbiased }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let est = estimator(inp.byte());
    let (n, m) = (inp.count(24), inp.count(24));
    let x = inp.numbers(n);
    let y = inp.numbers(m);

    // 1-D energy distance.
    match energy_distance_1d(&x, &y, est) {
        Ok(v) => {
            assert!(v.is_finite(), "energy_distance_1d = {v}");
            // In 1-D the sliced distance is the same quantity.
            if let (Ok(px), Ok(py)) = (Points::from_1d(&x), Points::from_1d(&y)) {
                let dir = Points::from_1d(&[1.0]).unwrap();
                let s = sliced_energy_distance(&px, &py, &dir, est);
                match s {
                    Ok(s) => assert!(
                        (s - v).abs() <= 1e-9 * v.abs().max(1e-300) + 1e-12 * scale(&x, &y),
                        "sliced {s} vs 1-D {v}"
                    ),
                    Err(Error::NonFinite(_)) => {}
                    Err(e) => panic!("sliced failed where 1-D did not: {e}"),
                }
            }
        }
        Err(Error::Empty(_)) => assert!(n == 0 || m == 0),
        Err(Error::NonFinite(_)) => {
            // Non-finite input, or sums that overflow.
            let finite = x.iter().chain(&y).all(|a| a.is_finite());
            assert!(!finite || scale(&x, &y) > 1e150, "NonFinite on {x:?} {y:?}");
        }
        Err(Error::InvalidArgument(_)) => {
            assert!(matches!(est, Estimator::Unbiased) && (n < 2 || m < 2))
        }
        Err(e) => panic!("unexpected error {e}"),
    }

    // MMD^2 and the sliced distance in d dimensions.
    let d = 1 + inp.count(3);
    let (n, m) = (inp.count(12), inp.count(12));
    let lengthscale = inp.number();
    let xs = inp.numbers(n * d);
    let ys = inp.numbers(m * d);
    let slices = 1 + inp.count(3);
    let dirs = inp.numbers(d * slices);
    let (Ok(px), Ok(py)) = (Points::new(xs, d), Points::new(ys, d)) else {
        return;
    };
    if let Ok(kernel) = Stationary::new(Gaussian, 1.0, lengthscale) {
        match mmd2(&kernel, &px, &py, est) {
            Ok(v) => {
                assert!(v.is_finite(), "mmd2 = {v}");
                // A Gaussian kernel is bounded by 1: |MMD^2| <= 4.
                assert!(v.abs() <= 4.0 + 1e-9, "mmd2 = {v}");
            }
            Err(Error::InvalidArgument(_)) => {
                assert!(matches!(est, Estimator::Unbiased) && (px.len() < 2 || py.len() < 2))
            }
            // Kernel values that are not finite (distances or lengthscales
            // near the ends of the f64 range), as documented.
            Err(Error::NonFinite(_)) => {}
            Err(e) => panic!("unexpected mmd2 error {e}"),
        }
    } else {
        assert!(!(lengthscale.is_finite() && lengthscale > 0.0));
    }
    if let Ok(directions) = Points::new(dirs, d) {
        match sliced_energy_distance(&px, &py, &directions, est) {
            Ok(v) => assert!(v.is_finite(), "sliced = {v}"),
            Err(Error::InvalidArgument(_) | Error::NonFinite(_)) => {}
            Err(e) => panic!("unexpected sliced error {e}"),
        }
    }
});

fn scale(x: &[f64], y: &[f64]) -> f64 {
    x.iter().chain(y).fold(0.0f64, |a, b| a.max(b.abs())) * (x.len() + y.len()) as f64
}
