//! Criterion benchmarks for the two-sample statistics, the Stein
//! discrepancy and kernel thinning of sobolev-kernels.

// criterion_group! expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sobolev_kernels::Points;
use sobolev_kernels::kernel::{Gaussian, Stationary};
use sobolev_kernels::stein::{ImqStein, ksd2};
use sobolev_kernels::thinning::compress_pp;
use sobolev_kernels::two_sample::{
    Estimator, energy_distance_1d, mmd2_stationary, random_directions,
    sliced_energy_distance_with_grad,
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
    let d = 10;
    let x = Points::new(uniform(2000 * d, 1), d).unwrap();
    let y = Points::new(uniform(2000 * d, 2), d).unwrap();
    let k = Stationary::new(Gaussian, 1.0, 1.0).unwrap();
    c.bench_function("mmd2_unbiased_rbf_n2000_d10", |b| {
        b.iter(|| mmd2_stationary(black_box(&k), &x, &y, Estimator::Unbiased).unwrap())
    });
    let a = uniform(100_000, 3);
    let bb = uniform(100_000, 4);
    c.bench_function("energy_distance_1d_n1e5", |b| {
        b.iter(|| energy_distance_1d(black_box(&a), &bb, Estimator::Biased).unwrap())
    });
    let dirs = random_directions(d, 8, 5).unwrap();
    c.bench_function("sliced_energy_grad_n2000_d10_L8", |b| {
        b.iter(|| {
            sliced_energy_distance_with_grad(black_box(&x), &y, &dirs, Estimator::Biased).unwrap()
        })
    });
    let scores = Points::new(x.as_slice().iter().map(|v| -v).collect(), d).unwrap();
    c.bench_function("ksd2_imq_n2000_d10", |b| {
        b.iter(|| {
            ksd2(
                &ImqStein::default(),
                black_box(&x),
                &scores,
                Estimator::Unbiased,
            )
            .unwrap()
        })
    });
    let z = Points::new(uniform(4096 * 2, 6), 2).unwrap();
    let kz = Stationary::new(Gaussian, 1.0, 0.2).unwrap();
    c.bench_function("compress_pp_n4096_d2_g2", |b| {
        b.iter(|| compress_pp(&kz, &kz, black_box(&z), 2, 0.5, 7).unwrap())
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(group);
