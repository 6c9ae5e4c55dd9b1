//! Criterion benchmarks of the Riemannian SDE schemes: 1e5 Brownian paths
//! on `S^2` and on `SPD(3)` (affine-invariant), reported per path-step
//! (criterion's throughput is path-steps per second). There is no Python
//! peer: geomstats samples distributions on manifolds but has no SDE
//! solvers.

use criterion::{Criterion, Throughput, criterion_main};
use sobolev_manifolds::{AffineInvariant, Mat, Spd, Sphere};
use sobolev_samplers::riemannian::sde::solve_riemannian_sde_batch;
use sobolev_samplers::riemannian::{BrownianMotion, RiemannianScheme};
use std::hint::black_box;

const PATHS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let sphere = Sphere::new(3).expect("valid sphere");
    let starts = vec![vec![0.0, 0.0, 1.0]; PATHS];
    let steps = 8;
    let mut g = c.benchmark_group("brownian_s2_1e5_paths");
    g.throughput(Throughput::Elements((PATHS * steps) as u64));
    for (name, scheme) in [
        ("geodesic_random_walk", RiemannianScheme::GeodesicRandomWalk),
        ("projected_em", RiemannianScheme::ProjectedEulerMaruyama),
        ("exp_em", RiemannianScheme::ExponentialEulerMaruyama),
    ] {
        g.bench_function(format!("{name}_{steps}steps"), |b| {
            b.iter(|| {
                let ends = solve_riemannian_sde_batch(
                    &sphere,
                    &BrownianMotion::standard(),
                    scheme,
                    0.0,
                    1.0,
                    steps,
                    &starts,
                    1,
                )
                .expect("paths succeed");
                black_box(ends)
            })
        });
    }
    g.finish();

    let spd = Spd::<AffineInvariant>::new(3).expect("valid SPD(3)");
    let x0 = Mat::from_fn(3, 3, |i, j| if i == j { 2.0 } else { 0.5 });
    let starts = vec![x0; PATHS];
    let steps = 2;
    let mut g = c.benchmark_group("brownian_spd3_1e5_paths");
    g.throughput(Throughput::Elements((PATHS * steps) as u64));
    for (name, scheme) in [
        ("geodesic_random_walk", RiemannianScheme::GeodesicRandomWalk),
        ("exp_em", RiemannianScheme::ExponentialEulerMaruyama),
    ] {
        g.bench_function(format!("{name}_{steps}steps"), |b| {
            b.iter(|| {
                let ends = solve_riemannian_sde_batch(
                    &spd,
                    &BrownianMotion::standard(),
                    scheme,
                    0.0,
                    1.0,
                    steps,
                    &starts,
                    1,
                )
                .expect("paths succeed");
                black_box(ends)
            })
        });
    }
    g.finish();
}

/// The Riemannian group, ten samples per case.
fn riemannian() {
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    bench(&mut c);
}

criterion_main!(riemannian);
