//! Criterion benchmarks for sobolev-kernels: dense Gram matrices (closed-form
//! and Bessel-function Matern), matrix-free Gaussian kernel sums, exact- and
//! sparse-GP log marginal likelihood with gradient, the state-space GP's
//! Kalman filter (gradient) and RTS smoother (prediction), and the Kronecker
//! GP's likelihood gradient and grid prediction.

// criterion_group! expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sobolev_kernels::gp::MaternOrder;
use sobolev_kernels::kernel::{Gaussian, Matern, Matern52, Stationary};
use sobolev_kernels::{
    ExactGp, GaussianProcess, Jitter, KroneckerGp, Points, SparseGp, StateSpaceGp,
    StationaryOperator, gram,
};
use std::hint::black_box;

fn uniform(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let x = Points::new(uniform(1000 * 5, 1), 5).unwrap();
    let y: Vec<f64> = uniform(1000, 2);
    let k = Stationary::ard(Matern52, 1.0, vec![0.8, 1.0, 1.2, 0.9, 1.5]).unwrap();
    c.bench_function("gram_matern52_ard_n1000_d5", |b| {
        b.iter(|| gram(black_box(&k), &x).unwrap())
    });
    c.bench_function("exact_gp_lml_grad_n1000_d5", |b| {
        b.iter(|| {
            let gp = ExactGp::new(k.clone(), 0.05, x.clone(), y.clone()).unwrap();
            (
                gp.log_marginal_likelihood(),
                gp.log_marginal_likelihood_gradient(),
            )
        })
    });
    let km = Stationary::ard(
        Matern::new(1.7).unwrap(),
        1.0,
        vec![0.8, 1.0, 1.2, 0.9, 1.5],
    )
    .unwrap();
    c.bench_function("gram_matern_nu1.7_ard_n1000_d5", |b| {
        b.iter(|| gram(black_box(&km), &x).unwrap())
    });
    for (n, m) in [(1000, 100), (20_000, 200)] {
        let sx = Points::new(uniform(n * 5, 6), 5).unwrap();
        let sy = uniform(n, 7);
        let z = Points::new(uniform(m * 5, 8), 5).unwrap();
        c.bench_function(&format!("sparse_gp_lml_grad_n{n}_m{m}_d5"), |b| {
            b.iter(|| {
                let gp = SparseGp::with_jitter(
                    k.clone(),
                    0.05,
                    sx.clone(),
                    sy.clone(),
                    z.clone(),
                    Jitter::escalate(),
                )
                .unwrap();
                (
                    gp.log_marginal_likelihood(),
                    gp.log_marginal_likelihood_gradient().unwrap(),
                )
            })
        });
    }
    let px = Points::new(uniform(10_000 * 3, 3), 3).unwrap();
    let py = Points::new(uniform(10_000 * 3, 4), 3).unwrap();
    let v = uniform(10_000, 5);
    let op =
        StationaryOperator::new(Stationary::new(Gaussian, 1.0, 0.1).unwrap(), &px, &py).unwrap();
    c.bench_function("gauss_sum_d3_n10000", |b| {
        b.iter(|| op.matvec(black_box(&v)).unwrap())
    });
    let t: Vec<f64> = (0..100_000).map(|i| i as f64 * 0.01).collect();
    let ty: Vec<f64> = t.iter().map(|s| s.sin()).collect();
    let pt = Points::from_1d(&t).unwrap();
    c.bench_function("state_space_matern52_lml_grad_n100000", |b| {
        b.iter(|| {
            let gp = StateSpaceGp::new(MaternOrder::FiveHalves, 1.0, 1.0, 0.1, &pt, &ty).unwrap();
            gp.log_marginal_likelihood_gradient().unwrap()
        })
    });
    let ss = StateSpaceGp::new(MaternOrder::FiveHalves, 1.0, 1.0, 0.1, &pt, &ty).unwrap();
    let shifted: Vec<f64> = t.iter().map(|s| s + 0.005).collect();
    let ps = Points::from_1d(&shifted).unwrap();
    c.bench_function("state_space_matern52_predict_n100000", |b| {
        b.iter(|| ss.predict(black_box(&ps)).unwrap())
    });
    let axis: Vec<f64> = (0..50).map(|i| i as f64 / 49.0).collect();
    let gy: Vec<f64> = uniform(50 * 50 * 50, 9);
    let gk = || Stationary::new(Matern52, 1.0, 0.3).unwrap();
    let kron = KroneckerGp::new(
        vec![gk(), gk(), gk()],
        vec![axis.clone(), axis.clone(), axis.clone()],
        0.1,
        gy,
    )
    .unwrap();
    c.bench_function("kronecker_gp_lml_grad_50x50x50", |b| {
        b.iter(|| kron.log_marginal_likelihood_gradient().unwrap())
    });
    let mid: Vec<f64> = axis.iter().map(|v| v + 0.01).collect();
    let test = vec![mid.clone(), mid.clone(), mid];
    c.bench_function("kronecker_gp_predict_grid_50x50x50", |b| {
        b.iter(|| kron.predict_grid(black_box(&test)).unwrap())
    });
}

criterion_group! {
    name = kernels;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(kernels);
