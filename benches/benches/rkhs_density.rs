//! Criterion benchmarks for sobolev-kernels' density and quadrature tools:
//! log-domain KDE, leave-one-out likelihood, Bayesian quadrature weights,
//! and graph kernel actions and random features.

// criterion_group! expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sobolev_kernels::{
    BayesQuadrature, DensityKernel, Graph, GraphKernel, GraphRandomFeatures, GrfOptions,
    KernelDensity, KrylovOptions, Laplacian, Measure, Points, TensorKernel, TensorProfile,
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

fn ring_with_chords(n: usize) -> Graph {
    let u = uniform(4 * n, 9);
    let mut edges: Vec<(usize, usize, f64)> = (0..n).map(|i| (i, (i + 1) % n, 1.0)).collect();
    for k in 0..n {
        let i = ((u[2 * k] * n as f64) as usize).min(n - 1);
        let j = ((u[2 * k + 1] * n as f64) as usize).min(n - 1);
        if i != j {
            edges.push((i, j, 0.5 + u[2 * n + k]));
        }
    }
    Graph::from_edges(n, &edges).unwrap()
}

fn benches(c: &mut Criterion) {
    let x = Points::new(uniform(10_000 * 3, 1), 3).unwrap();
    let q = Points::new(uniform(10_000 * 3, 2), 3).unwrap();
    let kde = KernelDensity::new(x.clone(), DensityKernel::Gaussian, 0.1).unwrap();
    c.bench_function("kde_gaussian_log_density_1e4x1e4_d3", |b| {
        b.iter(|| kde.log_density(black_box(&q)).unwrap())
    });
    let small = Points::new(uniform(2000 * 3, 3), 3).unwrap();
    let kde_small = KernelDensity::new(small, DensityKernel::Gaussian, 0.1).unwrap();
    c.bench_function("kde_leave_one_out_n2000_d3", |b| {
        b.iter(|| kde_small.leave_one_out_log_likelihood().unwrap())
    });
    let nodes = Points::new(uniform(500 * 2, 4), 2).unwrap();
    let k = TensorKernel::new(TensorProfile::Matern32, 1.0, vec![0.3]).unwrap();
    let m = Measure::lebesgue(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    c.bench_function("bq_matern32_box2_n500", |b| {
        b.iter(|| BayesQuadrature::new(&k, &m, black_box(&nodes)).unwrap())
    });
    let g = ring_with_chords(10_000);
    let v = uniform(10_000, 5);
    let diff = GraphKernel::Diffusion { beta: 1.0 };
    c.bench_function("graph_diffusion_action_n1e4", |b| {
        b.iter(|| {
            diff.apply(
                &g,
                Laplacian::Normalized,
                black_box(&v),
                &KrylovOptions::default(),
            )
            .unwrap()
        })
    });
    let opts = GrfOptions {
        walks_per_node: 50,
        ..GrfOptions::default()
    };
    c.bench_function("graph_random_features_n1e4_50walks", |b| {
        b.iter(|| GraphRandomFeatures::new(&g, &diff, black_box(&opts)).unwrap())
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(group);
