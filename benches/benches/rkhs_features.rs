//! Criterion benchmarks for sobolev-kernels' random features, Nystrom,
//! kernel ridge regression, kernel PCA and kernel herding.

// criterion_group! expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sobolev_kernels::kernel::{Gaussian, Stationary};
use sobolev_kernels::{
    ArcCosineFeatures, Coupling, FeatureMap, FeatureRidge, KernelPca, KernelRidge,
    LandmarkSampling, Nystrom, Points, PositiveRandomFeatures, RandomFourierFeatures,
    empirical_mean_embedding, kernel_herding,
};
use std::hint::black_box;

fn uniform(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            4.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 2.0
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let d = 10;
    let x = Points::new(uniform(2000 * d, 1), d).unwrap();
    let y: Vec<f64> = x.rows().map(|r| r.iter().sum::<f64>().sin()).collect();
    let k = Stationary::new(Gaussian, 1.0, 2.0).unwrap();
    for coupling in [
        Coupling::Independent,
        Coupling::Orthogonal,
        Coupling::Simplex,
    ] {
        let rff = RandomFourierFeatures::new(&k, d, 1024, coupling, 1).unwrap();
        c.bench_function(&format!("rff_{coupling:?}_n2000_d10_D1024"), |b| {
            b.iter(|| rff.transform(black_box(&x)).unwrap())
        });
    }
    let prf = PositiveRandomFeatures::gaussian(&k, d, 1024, Coupling::Simplex, 1).unwrap();
    c.bench_function("positive_simplex_n2000_d10_D1024", |b| {
        b.iter(|| prf.transform(black_box(&x)).unwrap())
    });
    let arc = ArcCosineFeatures::new(1, d, 1024, Coupling::Independent, 1).unwrap();
    c.bench_function("arc_cosine1_n2000_d10_D1024", |b| {
        b.iter(|| arc.transform(black_box(&x)).unwrap())
    });
    c.bench_function("nystrom_fit_transform_n2000_m200", |b| {
        b.iter(|| {
            Nystrom::fit(k.clone(), &x, 200, LandmarkSampling::Uniform, 1)
                .unwrap()
                .transform(&x)
                .unwrap()
        })
    });
    c.bench_function("nystrom_rls_fit_n2000_m200", |b| {
        b.iter(|| {
            Nystrom::fit(
                k.clone(),
                &x,
                200,
                LandmarkSampling::RidgeLeverage { lambda: 1e-3 },
                1,
            )
            .unwrap()
        })
    });
    c.bench_function("kernel_ridge_fit_n2000", |b| {
        b.iter(|| KernelRidge::fit(k.clone(), &x, &y, 0.1).unwrap())
    });
    let rff = RandomFourierFeatures::new(&k, d, 512, Coupling::Orthogonal, 1).unwrap();
    c.bench_function("feature_ridge_rff_fit_n2000_D512", |b| {
        b.iter(|| FeatureRidge::fit(rff.clone(), &x, &y, 0.1).unwrap())
    });
    c.bench_function("kernel_pca_fit_n2000_k10", |b| {
        b.iter(|| KernelPca::fit(k.clone(), &x, 10).unwrap())
    });
    let (mu, norm) = empirical_mean_embedding(&k, &x, &x).unwrap();
    c.bench_function("kernel_herding_n2000_T100", |b| {
        b.iter(|| kernel_herding(&k, &x, &mu, norm, 100).unwrap())
    });
}

criterion_group! {
    name = rkhs_features;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(rkhs_features);
