//! Criterion benches of `sobolev-special`, group `bessel`: `ln I_v(x)` and
//! `ln K_v(x)` per element on a grid like Plesner et al.'s, the slice API,
//! and the Rust peer puruspe (`Inu_Knu`, real order, both functions at once)
//! on the moderate cells where it is finite. statrs has no Bessel functions.
//! Group `bessel_jy`: `J_v`, `Y_v` on the peers grid, scalar and slice; the
//! spherical `j_n`, `y_n`; and puruspe's `besseljy` (Steed's method, all four
//! at once) and `Jn`/`Yn` (integer order) on moderate cells, where it does
//! not panic.

// criterion's macros generate the undocumented `benches` and `main`.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sobolev_benches::special::{grid, grid_jy, grid_sph};
use sobolev_special::bessel::{log_bessel_i_slice, log_bessel_k_slice};
use sobolev_special::{
    bessel_i_ratio, bessel_j, bessel_j_slice, bessel_jy, bessel_y, log_bessel_i, log_bessel_k,
    spherical_bessel_j, spherical_bessel_y,
};
use std::hint::black_box;

fn moderate() -> (Vec<f64>, Vec<f64>) {
    let mut v = Vec::new();
    let mut x = Vec::new();
    for i in 0..40 {
        for j in 0..40 {
            v.push(i as f64 * 1.25 + 0.3);
            x.push(0.1 + j as f64 * 1.2);
        }
    }
    (v, x)
}

fn bessel(c: &mut Criterion) {
    let mut g = c.benchmark_group("bessel");
    let (v, x) = grid();
    g.throughput(Throughput::Elements(v.len() as u64));
    g.bench_function("log_bessel_i/grid/scalar", |b| {
        b.iter(|| {
            v.iter()
                .zip(&x)
                .map(|(&a, &z)| log_bessel_i(black_box(a), black_box(z)))
                .sum::<f64>()
        })
    });
    g.bench_function("log_bessel_k/grid/scalar", |b| {
        b.iter(|| {
            v.iter()
                .zip(&x)
                .map(|(&a, &z)| log_bessel_k(black_box(a), black_box(z)))
                .sum::<f64>()
        })
    });
    g.bench_function("bessel_i_ratio/grid/scalar", |b| {
        b.iter(|| {
            v.iter()
                .zip(&x)
                .map(|(&a, &z)| bessel_i_ratio(black_box(a), black_box(z)))
                .sum::<f64>()
        })
    });
    // The slice API on 64 copies of the grid, so rayon has work to share.
    let vv: Vec<f64> = v.iter().cycle().take(64 * v.len()).copied().collect();
    let xx: Vec<f64> = x.iter().cycle().take(64 * x.len()).copied().collect();
    let mut out = vec![0.0; vv.len()];
    g.throughput(Throughput::Elements(vv.len() as u64));
    g.bench_function("log_bessel_i/grid/slice", |b| {
        b.iter(|| log_bessel_i_slice(&vv, &xx, &mut out).map(|_| out[0]))
    });
    g.bench_function("log_bessel_k/grid/slice", |b| {
        b.iter(|| log_bessel_k_slice(&vv, &xx, &mut out).map(|_| out[0]))
    });
    // Moderate cells (v < 50, x < 50), where puruspe stays finite.
    let (v, x) = moderate();
    g.throughput(Throughput::Elements(v.len() as u64));
    g.bench_function("log_i_and_k/moderate/ours", |b| {
        b.iter(|| {
            v.iter()
                .zip(&x)
                .map(|(&a, &z)| log_bessel_i(black_box(a), black_box(z)) + log_bessel_k(a, z))
                .sum::<f64>()
        })
    });
    g.bench_function("log_i_and_k/moderate/puruspe", |b| {
        b.iter(|| {
            v.iter()
                .zip(&x)
                .map(|(&a, &z)| {
                    let (i, k) = puruspe::Inu_Knu(black_box(a), black_box(z));
                    i.ln() + k.ln()
                })
                .sum::<f64>()
        })
    });
    g.finish();
}

fn sum2(v: &[f64], x: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    v.iter()
        .zip(x)
        .map(|(&a, &z)| f(black_box(a), black_box(z)))
        .sum()
}

fn bessel_jy_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("bessel_jy");
    let (v, x) = grid_jy();
    g.throughput(Throughput::Elements(v.len() as u64));
    g.bench_function("bessel_j/grid/scalar", |b| {
        b.iter(|| sum2(&v, &x, bessel_j))
    });
    g.bench_function("bessel_y/grid/scalar", |b| {
        b.iter(|| sum2(&v, &x, bessel_y))
    });
    let vv: Vec<f64> = v.iter().cycle().take(64 * v.len()).copied().collect();
    let xx: Vec<f64> = x.iter().cycle().take(64 * x.len()).copied().collect();
    let mut out = vec![0.0; vv.len()];
    g.throughput(Throughput::Elements(vv.len() as u64));
    g.bench_function("bessel_j/grid/slice", |b| {
        b.iter(|| bessel_j_slice(&vv, &xx, &mut out).map(|_| out[0]))
    });
    let (n, x) = grid_sph();
    g.throughput(Throughput::Elements(n.len() as u64));
    g.bench_function("spherical_j/grid/scalar", |b| {
        b.iter(|| sum2(&n, &x, |a, z| spherical_bessel_j(a as u32, z)))
    });
    g.bench_function("spherical_y/grid/scalar", |b| {
        b.iter(|| sum2(&n, &x, |a, z| spherical_bessel_y(a as u32, z)))
    });
    // Moderate cells (v < 50, x < 50), where puruspe does not panic.
    let (v, x) = moderate();
    g.throughput(Throughput::Elements(v.len() as u64));
    g.bench_function("jy_all4/moderate/ours", |b| {
        b.iter(|| {
            sum2(&v, &x, |a, z| {
                let r = bessel_jy(a, z);
                r.j + r.y + r.dj + r.dy
            })
        })
    });
    g.bench_function("jy_all4/moderate/puruspe", |b| {
        b.iter(|| {
            sum2(&v, &x, |a, z| {
                let (j, y, dj, dy) = puruspe::besseljy(a, z);
                j + y + dj + dy
            })
        })
    });
    let orders: Vec<f64> = v.iter().map(|a| a.floor()).collect();
    g.bench_function("j_integer/moderate/ours", |b| {
        b.iter(|| sum2(&orders, &x, bessel_j))
    });
    g.bench_function("j_integer/moderate/puruspe", |b| {
        b.iter(|| sum2(&orders, &x, |a, z| puruspe::Jn(a as u32, z)))
    });
    g.bench_function("y_integer/moderate/ours", |b| {
        b.iter(|| sum2(&orders, &x, bessel_y))
    });
    g.bench_function("y_integer/moderate/puruspe", |b| {
        b.iter(|| sum2(&orders, &x, |a, z| puruspe::Yn(a as u32, z)))
    });
    g.finish();
}

criterion_group!(benches, bessel, bessel_jy_group);
criterion_main!(benches);
