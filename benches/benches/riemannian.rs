//! Criterion benchmarks of the Riemannian SDE schemes: 1e5 Brownian paths
//! on `S^2` and on `SPD(3)` (affine-invariant), reported per path-step
//! (criterion's throughput is path-steps per second). There is no Python
//! peer: geomstats samples distributions on manifolds but has no SDE
//! solvers.

use criterion::{Criterion, Throughput, criterion_main};
use sobolev_manifolds::{AffineInvariant, Manifold, Mat, Spd, Sphere};
use sobolev_samplers::riemannian::sde::solve_riemannian_sde_batch;
use sobolev_samplers::riemannian::{BrownianMotion, RiemannianScheme};
use std::hint::black_box;

const PATHS: usize = 100_000;

/// One criterion group: standard Brownian motion from `start` on every
/// path, `steps` steps over `[0, 1]`, under each of `schemes`.
fn brownian_group<M: Manifold>(
    c: &mut Criterion,
    group: &str,
    manifold: &M,
    start: M::Point,
    steps: usize,
    schemes: &[(&str, RiemannianScheme)],
) where
    M::Point: Clone,
{
    let starts = vec![start; PATHS];
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements((PATHS * steps) as u64));
    for &(name, scheme) in schemes {
        g.bench_function(format!("{name}_{steps}steps"), |b| {
            b.iter(|| {
                let ends = solve_riemannian_sde_batch(
                    manifold,
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

fn bench(c: &mut Criterion) {
    let geodesic = ("geodesic_random_walk", RiemannianScheme::GeodesicRandomWalk);
    let exp_em = ("exp_em", RiemannianScheme::ExponentialEulerMaruyama);
    let projected = ("projected_em", RiemannianScheme::ProjectedEulerMaruyama);
    let sphere = Sphere::new(3).expect("valid sphere");
    brownian_group(
        c,
        "brownian_s2_1e5_paths",
        &sphere,
        vec![0.0, 0.0, 1.0],
        8,
        &[geodesic, projected, exp_em],
    );
    let spd = Spd::<AffineInvariant>::new(3).expect("valid SPD(3)");
    let x0 = Mat::from_fn(3, 3, |i, j| if i == j { 2.0 } else { 0.5 });
    brownian_group(
        c,
        "brownian_spd3_1e5_paths",
        &spd,
        x0,
        2,
        &[geodesic, exp_em],
    );
}

/// The Riemannian group, ten samples per case.
fn riemannian() {
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    bench(&mut c);
}

criterion_main!(riemannian);
