//! Arbitrary kernels, sizes and points into the random feature maps
//! (Fourier with each coupling, positive, arc-cosine, Sigma-Delta).
//! Documented behaviour: constructors give a typed error for bad kernels,
//! sizes or orders; `transform` returns finite features or `NonFinite`
//! (coordinates too large for the map); never a panic.
#![no_main]

#[path = "../common/input.rs"]
mod input;

use input::Input;
use libfuzzer_sys::fuzz_target;
use sobolev_kernels::kernel::stationary::{Gaussian, Matern32, Stationary};
use sobolev_kernels::{
    ArcCosineFeatures, Coupling, Error, FeatureMap, Points, PositiveRandomFeatures,
    RandomFourierFeatures, SigmaDeltaFourierFeatures,
};

const COUPLINGS: [Coupling; 3] = [Coupling::Independent, Coupling::Orthogonal, Coupling::Simplex];

fn check(map: &dyn FeatureMap, x: &Points, what: &str) {
    match map.transform(x) {
        Ok(f) => {
            assert_eq!((f.nrows(), f.ncols()), (x.len(), map.num_features()));
            for j in 0..f.ncols() {
                for i in 0..f.nrows() {
                    assert!(f[(i, j)].is_finite(), "{what}: feature ({i}, {j}) = {}", f[(i, j)]);
                }
            }
        }
        Err(Error::NonFinite(_)) => {}
        Err(e) => panic!("{what}: unexpected error {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let d = inp.count(4);
    let features = inp.count(40);
    let coupling = COUPLINGS[inp.count(2)];
    let (variance, lengthscale) = (inp.number(), inp.number());
    let seed = inp.seed();
    let order = u32::from(inp.byte() % 4);
    let bits = u32::from(inp.byte() % 18);
    let n = 1 + inp.count(6);
    let xs = inp.numbers(n * d.max(1));
    let Ok(x) = Points::new(xs, d.max(1)) else {
        return;
    };
    let kernel = Stationary::new(Gaussian, variance, lengthscale);
    let matern = Stationary::new(Matern32, variance, lengthscale);
    let valid_kernel = variance.is_finite() && variance > 0.0 && lengthscale.is_finite() && lengthscale > 0.0;
    assert_eq!(kernel.is_ok(), valid_kernel);
    let (Ok(kernel), Ok(matern)) = (kernel, matern) else {
        return;
    };
    let sizes_ok = d > 0 && features > 0;
    match RandomFourierFeatures::new(&kernel, d, features, coupling, seed) {
        Ok(f) => check(&f, &x, "RFF"),
        Err(e) => assert!(!sizes_ok, "RFF: {e}"),
    }
    match RandomFourierFeatures::new(&matern, d, features, coupling, seed) {
        Ok(f) => check(&f, &x, "Matern RFF"),
        Err(e) => assert!(!sizes_ok, "Matern RFF: {e}"),
    }
    match PositiveRandomFeatures::gaussian(&kernel, d, features, coupling, seed) {
        Ok(f) => check(&f, &x, "positive"),
        Err(e) => assert!(!sizes_ok, "positive: {e}"),
    }
    match PositiveRandomFeatures::softmax(d, features, coupling, seed) {
        Ok(f) => check(&f, &x, "softmax"),
        Err(e) => assert!(!sizes_ok, "softmax: {e}"),
    }
    match ArcCosineFeatures::new(order, d, features, coupling, seed) {
        Ok(f) => check(&f, &x, "arc-cosine"),
        Err(e) => assert!(!sizes_ok || order > 2, "arc-cosine: {e}"),
    }
    let blocks = 1 + features / 8;
    let block = inp.count(8);
    match SigmaDeltaFourierFeatures::new(&kernel, d, blocks, block, bits, seed) {
        Ok(f) => check(&f, &x, "Sigma-Delta"),
        Err(e) => assert!(d == 0 || block == 0 || !(1..=16).contains(&bits), "Sigma-Delta: {e}"),
    }
});
