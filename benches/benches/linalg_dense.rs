//! Criterion benches of the dense matrix functions: general `expm`,
//! `expm_frechet`, and the symmetric exp / sqrt / log at n = 64 and 512.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sobolev_benches::linalg_dense::{general_matrix, spd_matrix};
use sobolev_linalg::expm::{expm_frechet, expm_pade};
use sobolev_linalg::matfun::{SymEigen, sym_exp, sym_log, sym_sqrt};

fn dense_functions(c: &mut Criterion) {
    let mut group = c.benchmark_group("linalg_dense");
    group.sample_size(10);
    for n in [64usize, 512] {
        let g = general_matrix(n, 11 + n as u64);
        let s = spd_matrix(n, 7 + n as u64);
        group.bench_with_input(BenchmarkId::new("expm_general", n), &g, |b, a| {
            b.iter(|| expm_pade(a.as_ref()))
        });
        group.bench_with_input(BenchmarkId::new("expm_frechet", n), &g, |b, a| {
            b.iter(|| expm_frechet(a.as_ref(), s.as_ref()))
        });
        group.bench_with_input(BenchmarkId::new("sym_exp", n), &s, |b, a| {
            b.iter(|| sym_exp(a.as_ref()))
        });
        group.bench_with_input(BenchmarkId::new("sym_sqrt", n), &s, |b, a| {
            b.iter(|| sym_sqrt(a.as_ref()))
        });
        group.bench_with_input(BenchmarkId::new("sym_log", n), &s, |b, a| {
            b.iter(|| sym_log(a.as_ref()))
        });
        group.bench_with_input(BenchmarkId::new("sym_eigen", n), &s, |b, a| {
            b.iter(|| SymEigen::new(a.as_ref()))
        });
    }
    group.finish();
}

criterion_group!(benches, dense_functions);
criterion_main!(benches);
