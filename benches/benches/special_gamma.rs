//! Criterion benchmarks of sobolev-special against the Rust peers statrs
//! and puruspe, per function over fixed argument grids.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};
use sobolev_special as sp;
use std::hint::black_box;

/// A scalar function of one argument.
type Unary = fn(f64) -> f64;
/// A scalar function of two arguments.
type Binary = fn(f64, f64) -> f64;

/// `n` points evenly spread over `[lo, hi]`.
fn grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * (i as f64 + 0.5) / n as f64)
        .collect()
}

/// Benchmarks one unary function for each implementation over `xs`.
fn unary(c: &mut Criterion, name: &str, xs: &[f64], impls: &[(&str, Unary)]) {
    let mut group = c.benchmark_group(format!("gamma_erf/{name}"));
    group.throughput(Throughput::Elements(xs.len() as u64));
    for &(who, f) in impls {
        group.bench_with_input(BenchmarkId::from_parameter(who), xs, |b, xs| {
            b.iter(|| xs.iter().map(|&x| f(black_box(x))).sum::<f64>())
        });
    }
    group.finish();
}

/// Benchmarks one function of `(a, x)` pairs.
fn binary(c: &mut Criterion, name: &str, pts: &[(f64, f64)], impls: &[(&str, Binary)]) {
    let mut group = c.benchmark_group(format!("gamma_erf/{name}"));
    group.throughput(Throughput::Elements(pts.len() as u64));
    for &(who, f) in impls {
        group.bench_with_input(BenchmarkId::from_parameter(who), pts, |b, pts| {
            b.iter(|| {
                pts.iter()
                    .map(|&(a, x)| f(black_box(a), black_box(x)))
                    .sum::<f64>()
            })
        });
    }
    group.finish();
}

fn gamma_group(c: &mut Criterion) {
    let xs = grid(0.01, 170.0, 1000);
    unary(
        c,
        "ln_gamma",
        &xs,
        &[
            ("sobolev", sp::ln_gamma),
            ("statrs", statrs::function::gamma::ln_gamma),
            ("puruspe", puruspe::ln_gamma),
        ],
    );
    unary(
        c,
        "gamma",
        &xs,
        &[
            ("sobolev", sp::gamma),
            ("statrs", statrs::function::gamma::gamma),
            ("puruspe", puruspe::gamma),
        ],
    );
    unary(
        c,
        "digamma",
        &xs,
        &[
            ("sobolev", sp::digamma),
            ("statrs", statrs::function::gamma::digamma),
        ],
    );
    let pts: Vec<(f64, f64)> = grid(0.1, 50.0, 1000)
        .into_iter()
        .zip(grid(0.05, 80.0, 1000).into_iter().rev())
        .collect();
    binary(
        c,
        "gamma_p",
        &pts,
        &[
            ("sobolev", sp::gamma_p),
            ("statrs", statrs::function::gamma::gamma_lr),
            ("puruspe", puruspe::gammp),
        ],
    );
    binary(
        c,
        "ln_beta",
        &pts,
        &[
            ("sobolev", sp::ln_beta),
            ("statrs", statrs::function::beta::ln_beta),
        ],
    );
    let fracs = grid(0.0, 1.0, 1000);
    let triples: Vec<(f64, f64)> = pts.iter().map(|&(a, b)| (a, b)).collect();
    let mut group = c.benchmark_group("gamma_erf/beta_inc");
    group.throughput(Throughput::Elements(triples.len() as u64));
    type Beta = fn(f64, f64, f64) -> f64;
    let impls: [(&str, Beta); 3] = [
        ("sobolev", sp::beta_inc),
        ("statrs", statrs::function::beta::beta_reg),
        ("puruspe", puruspe::betai),
    ];
    for (who, f) in impls {
        group.bench_function(who, |bch| {
            bch.iter(|| {
                triples
                    .iter()
                    .zip(&fracs)
                    .map(|(&(a, b), &x)| f(black_box(a), black_box(b), black_box(x)))
                    .sum::<f64>()
            })
        });
    }
    group.finish();
}

fn erf_group(c: &mut Criterion) {
    let xs = grid(-6.0, 6.0, 1000);
    unary(
        c,
        "erf",
        &xs,
        &[
            ("sobolev", sp::erf),
            ("statrs", statrs::function::erf::erf),
            ("puruspe", puruspe::erf),
        ],
    );
    unary(
        c,
        "erfc",
        &xs,
        &[
            ("sobolev", sp::erfc),
            ("statrs", statrs::function::erf::erfc),
            ("puruspe", puruspe::erfc),
        ],
    );
    let ys = grid(-0.999, 0.999, 1000);
    unary(
        c,
        "erfinv",
        &ys,
        &[
            ("sobolev", sp::erfinv),
            ("statrs", statrs::function::erf::erf_inv),
            ("puruspe", puruspe::inverf),
        ],
    );
    let xs = grid(-40.0, 10.0, 1000);
    unary(c, "log_ndtr", &xs, &[("sobolev", sp::log_ndtr)]);
    let ps = grid(0.0, 1.0, 1000);
    unary(c, "ndtri", &ps, &[("sobolev", sp::ndtri)]);
}

mod groups {
    //! The benchmark groups (the macro defines an undocumented function).
    #![allow(missing_docs)]
    use super::{erf_group, gamma_group};
    criterion::criterion_group!(benches, gamma_group, erf_group);
}

criterion_main!(groups::benches);
