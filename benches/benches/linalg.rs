//! Criterion benchmarks of the structured operators: Kronecker solve and
//! log-determinant, Toeplitz matvec and PCG solve, SLQ log-determinant.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sobolev_benches::linalg::{rbf_factor, toeplitz_column, weyl};
use sobolev_linalg::cg::CgOptions;
use sobolev_linalg::faer::{Mat, MatRef};
use sobolev_linalg::kronecker_eigen::KroneckerEigen;
use sobolev_linalg::ops;
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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = kronecker, toeplitz
}
criterion_main!(benches);
