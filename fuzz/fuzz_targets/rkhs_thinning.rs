//! Arbitrary samples, kernels and settings into kernel thinning and
//! Compress++. Documented behaviour: `InvalidArgument` for `delta` outside
//! (0, 1), too many rounds or too much oversampling; otherwise distinct
//! indices into the sample, `floor(n / 2^rounds)` of them for kernel
//! thinning; never a panic.
#![no_main]

#[path = "../common/input.rs"]
mod input;

use input::Input;
use libfuzzer_sys::fuzz_target;
use sobolev_kernels::kernel::stationary::{Gaussian, Stationary};
use sobolev_kernels::{Error, Points, compress_pp, kernel_thinning};

fn distinct_in_range(idx: &[usize], n: usize) {
    let mut seen = vec![false; n];
    for &i in idx {
        assert!(i < n, "index {i} out of 0..{n}");
        assert!(!seen[i], "index {i} repeated");
        seen[i] = true;
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let d = 1 + inp.count(2);
    let n = 1 + inp.count(47);
    let lengthscale = inp.number();
    let delta = inp.number();
    let rounds = inp.count(7);
    let oversampling = inp.count(17);
    let seed = inp.seed();
    let xs = inp.numbers(n * d);
    let Ok(x) = Points::new(xs, d) else {
        return;
    };
    let Ok(kernel) = Stationary::new(Gaussian, 1.0, lengthscale) else {
        return;
    };
    let delta_ok = delta > 0.0 && delta < 1.0;
    match kernel_thinning(&kernel, &kernel, &x, rounds, delta, seed) {
        Ok(idx) => {
            assert!(delta_ok);
            assert_eq!(idx.len(), n >> rounds);
            distinct_in_range(&idx, n);
        }
        Err(Error::InvalidArgument(_)) => assert!(!delta_ok || (1usize << rounds) > n),
        Err(e) => panic!("unexpected kernel_thinning error {e}"),
    }
    if oversampling <= 4 || oversampling > 15 {
        match compress_pp(&kernel, &kernel, &x, oversampling, delta, seed) {
            Ok(idx) => {
                assert!(delta_ok && oversampling <= 15);
                assert!(!idx.is_empty());
                distinct_in_range(&idx, n);
            }
            Err(Error::InvalidArgument(_)) => assert!(!delta_ok || oversampling > 15),
            Err(e) => panic!("unexpected compress_pp error {e}"),
        }
    }
});
