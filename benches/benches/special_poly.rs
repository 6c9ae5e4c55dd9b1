//! Criterion benchmarks for orthogonal polynomials, Gauss rules, spherical
//! harmonics and Wigner symbols.
// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sobolev_special::orthopoly::{hermite_function, legendre_p};
use sobolev_special::{
    SphericalHarmonics, gauss_hermite, gauss_jacobi, gauss_laguerre, gauss_legendre, wigner_3j,
};
use std::hint::black_box;

fn quadrature(c: &mut Criterion) {
    let mut g = c.benchmark_group("special_poly/quadrature");
    g.sample_size(20);
    for n in [20usize, 100, 1000] {
        g.bench_with_input(BenchmarkId::new("gauss_legendre", n), &n, |b, &n| {
            b.iter(|| gauss_legendre(black_box(n)))
        });
        g.bench_with_input(BenchmarkId::new("gauss_hermite", n), &n, |b, &n| {
            b.iter(|| gauss_hermite(black_box(n)))
        });
        g.bench_with_input(BenchmarkId::new("gauss_laguerre", n), &n, |b, &n| {
            b.iter(|| gauss_laguerre(black_box(n), 0.5))
        });
        g.bench_with_input(BenchmarkId::new("gauss_jacobi", n), &n, |b, &n| {
            b.iter(|| gauss_jacobi(black_box(n), 0.5, -0.3))
        });
    }
    g.finish();
}

fn polynomials(c: &mut Criterion) {
    let mut g = c.benchmark_group("special_poly/values");
    let xs: Vec<f64> = (0..1000).map(|i| -1.0 + 2e-3 * i as f64).collect();
    g.bench_function("legendre_p_n50_x1000", |b| {
        b.iter(|| xs.iter().map(|&x| legendre_p(50, x)).sum::<f64>())
    });
    g.bench_function("hermite_function_n500_x1000", |b| {
        b.iter(|| {
            xs.iter()
                .map(|&x| hermite_function(500, 30.0 * x))
                .sum::<f64>()
        })
    });
    g.finish();
}

fn harmonics(c: &mut Criterion) {
    let mut g = c.benchmark_group("special_poly/sph_harm");
    g.sample_size(20);
    for l_max in [16usize, 100, 1000] {
        let plan = SphericalHarmonics::new(l_max);
        let mut out = vec![0.0; plan.table_len()];
        g.bench_with_input(
            BenchmarkId::new("real_table_one_point", l_max),
            &l_max,
            |b, _| b.iter(|| plan.real(black_box(0.7), black_box(1.3), &mut out)),
        );
    }
    let plan = SphericalHarmonics::new(100);
    let thetas: Vec<f64> = (0..200).map(|i| 0.015 * i as f64).collect();
    let phis: Vec<f64> = (0..200).map(|i| 0.1 * i as f64).collect();
    g.bench_function("complex_batch_l100_200pts", |b| {
        b.iter(|| plan.complex_batch(&thetas, &phis))
    });
    g.finish();
}

fn wigner(c: &mut Criterion) {
    let mut g = c.benchmark_group("special_poly/wigner");
    g.bench_function("3j_small_racah", |b| {
        b.iter(|| wigner_3j(black_box(5), 6, 7, 2, -3, 1))
    });
    g.bench_function("3j_l500_recursion", |b| {
        b.iter(|| wigner_3j(black_box(500), 400, 300, 20, -30, 10))
    });
    g.finish();
}

criterion_group!(benches, quadrature, polynomials, harmonics, wigner);
criterion_main!(benches);
