//! Criterion benchmarks of the structured operators: Kronecker solve and
//! log-determinant, Toeplitz matvec and PCG solve, SLQ log-determinant, and
//! a sequence of kernel systems by recycling CG against warm-started CG.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sobolev_benches::linalg::{rbf_factor, toeplitz_column, weyl};
use sobolev_linalg::cg::CgOptions;
use sobolev_linalg::faer::matrix_free::IdentityPrecond;
use sobolev_linalg::faer::{Col, ColRef};
use sobolev_linalg::faer::{Mat, MatRef};
use sobolev_linalg::kronecker_eigen::KroneckerEigen;
use sobolev_linalg::ops;
use sobolev_linalg::recycling::{DeflatedEnd, RecyclingCg};
use sobolev_linalg::slq::{self, SlqOptions};
use sobolev_linalg::toeplitz::Toeplitz;
use std::hint::black_box;

fn kronecker(c: &mut Criterion) {
    let n = 40;
    let factors: Vec<Mat<f64>> = [0.1, 0.2, 0.3].iter().map(|&l| rbf_factor(n, l)).collect();
    let y = weyl(n * n * n, 0.25);
    let ym = MatRef::from_column_major_slice(&y, n * n * n, 1);
    c.bench_function("kronecker 3x40 plan+solve+logdet", |b| {
        b.iter(|| {
            let plan = KroneckerEigen::product(factors.clone(), 0.1).unwrap();
            black_box((plan.solve(ym).unwrap(), plan.log_det()))
        })
    });
    let plan = KroneckerEigen::product(factors.clone(), 0.1).unwrap();
    c.bench_function("kronecker 3x40 solve (plan cached)", |b| {
        b.iter(|| black_box(plan.solve(ym).unwrap()))
    });
    c.bench_function("kronecker 3x40 SLQ logdet (16 probes x 20 steps)", |b| {
        let opts = SlqOptions {
            probes: 16,
            steps: 20,
            ..Default::default()
        };
        b.iter(|| black_box(slq::log_det(&plan, &opts).unwrap()))
    });
}

fn toeplitz(c: &mut Criterion) {
    let n = 100_000;
    let t = toeplitz_column(n);
    let x = weyl(n, 0.5);
    let xm = MatRef::from_column_major_slice(&x, n, 1);
    let op = Toeplitz::symmetric(&t).unwrap();
    c.bench_function("toeplitz matvec n=1e5", |b| {
        b.iter(|| black_box(ops::apply(&op, xm).unwrap()))
    });
    let opts = CgOptions {
        rel_tolerance: 1e-10,
        ..Default::default()
    };
    c.bench_function("toeplitz PCG solve n=1e5", |b| {
        b.iter(|| black_box(op.solve_pcg(xm, None, &opts).unwrap()))
    });
}

/// `K(ell) + 1e-3 I` for the squared-exponential kernel on `n` points
/// spread evenly (Weyl sequence) over [0, 1].
fn rbf_system(n: usize, ell: f64) -> Mat<f64> {
    let x: Vec<f64> = weyl(n, 0.5).iter().map(|v| 0.5 * (v + 1.0)).collect();
    Mat::from_fn(n, n, |i, j| {
        (-0.5 * ((x[i] - x[j]) / ell).powi(2)).exp() + if i == j { 1e-3 } else { 0.0 }
    })
}

/// Eleven systems with the lengthscale moving from 0.10 to 0.12, each
/// started from the previous solution: recycling CG (k = 12 largest Ritz
/// vectors from 40 directions) against faer's CG.
fn recycling(c: &mut Criterion) {
    let n = 1000;
    let systems: Vec<Mat<f64>> = (0..=10)
        .map(|step| rbf_system(n, 0.10 + 0.002 * step as f64))
        .collect();
    let b = Col::from_fn(n, |i| ((i * 37 % 101) as f64 / 50.0) - 1.0);
    let opts = CgOptions {
        rel_tolerance: 1e-8,
        abs_tolerance: 0.0,
        max_iters: 5000,
    };
    c.bench_function(
        "kernel sequence 11 x n=1000, recycling CG (k=12)",
        |bench| {
            bench.iter(|| {
                let mut solver = RecyclingCg::new(12, 40, DeflatedEnd::Largest, opts).unwrap();
                let mut x: Option<Col<f64>> = None;
                for a in &systems {
                    let warm: Option<ColRef<'_, f64>> = x.as_ref().map(|v| v.as_ref());
                    let (next, _) = solver.solve(a, b.as_ref(), warm).unwrap();
                    x = Some(next);
                }
                black_box(x)
            })
        },
    );
    c.bench_function("kernel sequence 11 x n=1000, warm-started CG", |bench| {
        bench.iter(|| {
            let mut x: Option<Mat<f64>> = None;
            for a in &systems {
                let warm = x.as_ref().map(|v| v.as_ref());
                let (next, _) = sobolev_linalg::cg::solve(
                    a,
                    &IdentityPrecond { dim: n },
                    b.as_mat(),
                    warm,
                    &opts,
                )
                .unwrap();
                x = Some(next);
            }
            black_box(x)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = kronecker, toeplitz, recycling
}
criterion_main!(benches);
