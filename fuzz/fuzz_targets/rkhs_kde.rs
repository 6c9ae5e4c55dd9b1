//! Arbitrary samples, bandwidths and options into kernel density
//! estimation: Scott / Silverman bandwidths, log densities, leave-one-out
//! likelihood, likelihood cross-validation and mean shift. Documented
//! behaviour: bandwidth rules give a finite positive bandwidth or
//! `InvalidArgument` (fewer than two points, zero spread); the estimator
//! rejects bad bandwidths with `InvalidArgument`; log densities are never
//! NaN or `+inf` (`-inf` where a compact profile covers nothing); mean shift
//! returns finite modes or a typed error; never a panic.
#![no_main]

#[path = "../common/input.rs"]
mod input;

use input::Input;
use libfuzzer_sys::fuzz_target;
use sobolev_kernels::{
    BandwidthRule, CvOptions, DensityKernel, Error, KernelDensity, MeanShiftOptions, Points,
    likelihood_cv_bandwidth, mean_shift,
};

const KERNELS: [DensityKernel; 5] = [
    DensityKernel::Gaussian,
    DensityKernel::Epanechnikov,
    DensityKernel::Exponential,
    DensityKernel::Tophat,
    DensityKernel::Linear,
];

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let d = 1 + inp.count(3);
    let n = 1 + inp.count(23);
    let kernel = KERNELS[inp.count(4)];
    let raw_h = inp.number();
    let rule = inp.byte();
    let xs = inp.numbers(n * d);
    let nq = 1 + inp.count(7);
    let qs = inp.numbers(nq * d);
    let (Ok(points), Ok(queries)) = (Points::new(xs, d), Points::new(qs, d)) else {
        return;
    };

    for r in [BandwidthRule::Scott, BandwidthRule::Silverman] {
        match r.bandwidth(&points) {
            Ok(h) => assert!(h.is_finite() && h > 0.0, "{r:?} bandwidth {h}"),
            Err(Error::InvalidArgument(_)) => {}
            Err(e) => panic!("unexpected bandwidth error {e}"),
        }
    }
    let h = match rule % 3 {
        0 => raw_h,
        1 => BandwidthRule::Scott.bandwidth(&points).unwrap_or(raw_h),
        _ => BandwidthRule::Silverman.bandwidth(&points).unwrap_or(raw_h),
    };
    let kde = match KernelDensity::new(points.clone(), kernel, h) {
        Ok(k) => k,
        Err(Error::InvalidArgument(_)) => return,
        Err(e) => panic!("unexpected KernelDensity::new error {e}"),
    };
    let logp = kde.log_density(&queries).expect("same dimension");
    for v in &logp {
        assert!(!v.is_nan() && *v != f64::INFINITY, "log density {v} ({kernel:?}, h = {h:e})");
    }
    match kde.leave_one_out_log_likelihood() {
        Ok(v) => assert!(!v.is_nan() && v != f64::INFINITY, "LOO {v}"),
        Err(Error::InvalidArgument(_)) => assert!(n < 2),
        Err(e) => panic!("unexpected LOO error {e}"),
    }
    if rule % 5 == 0 {
        let opts = CvOptions {
            grid: 4,
            tolerance: 1e-2,
            ..CvOptions::default()
        };
        match likelihood_cv_bandwidth(&points, kernel, &opts) {
            Ok(r) => assert!(r.bandwidth.is_finite() && r.bandwidth > 0.0, "{r:?}"),
            Err(Error::InvalidArgument(_)) => {}
            Err(e) => panic!("unexpected CV error {e}"),
        }
    }
    let opts = MeanShiftOptions {
        max_iterations: 50,
        ..MeanShiftOptions::default()
    };
    match mean_shift(&points, h, &queries, &opts) {
        Ok(modes) => {
            for m in &modes {
                assert!(m.location.iter().all(|v| v.is_finite()), "mode {m:?}");
                assert!(!m.log_density.is_nan(), "mode {m:?}");
            }
        }
        Err(Error::NotConverged { .. } | Error::InvalidArgument(_)) => {}
        Err(e) => panic!("unexpected mean shift error {e}"),
    }
});
