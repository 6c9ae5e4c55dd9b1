//! Criterion benches of sobolev-manifolds: batched SPD(3) affine-invariant
//! distances, batched SPD(16) dist/exp/log, one SPD(16) exp/log, Poincare
//! distances, a small Frechet mean.

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::stats::{MeanOptions, frechet_mean};
use sobolev_manifolds::{AffineInvariant, Manifold, PoincareBall, Spd, Vector};
use std::hint::black_box;

fn spd(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let m3 = Spd::<AffineInvariant>::new(3).unwrap();
    let ps: Vec<Mat<f64>> = (0..1000).map(|_| m3.random_point(&mut rng)).collect();
    let qs: Vec<Mat<f64>> = (0..1000).map(|_| m3.random_point(&mut rng)).collect();
    let a: Vec<f64> = ps.iter().flat_map(|p| p.to_flat()).collect();
    let b: Vec<f64> = qs.iter().flat_map(|p| p.to_flat()).collect();
    let mut out = vec![0.0; 1000];
    c.bench_function("spd3_ai_dist_batch_1000", |bch| {
        bch.iter(|| {
            m3.dist_batch(black_box(&a), black_box(&b), &mut out)
                .unwrap()
        })
    });
    let m16 = Spd::<AffineInvariant>::new(16).unwrap();
    // Batched SPD(16) dist / exp / log over 256 pairs (one rayon block, so
    // one thread): the per-pair cost is the time / 256.
    let pairs = 256;
    let ps: Vec<Mat<f64>> = (0..pairs).map(|_| m16.random_point(&mut rng)).collect();
    let qs: Vec<Mat<f64>> = (0..pairs).map(|_| m16.random_point(&mut rng)).collect();
    let a: Vec<f64> = ps.iter().flat_map(|p| p.to_flat()).collect();
    let b: Vec<f64> = qs.iter().flat_map(|p| p.to_flat()).collect();
    let mut v = vec![0.0; a.len()];
    m16.log_batch(&a, &b, &mut v).unwrap();
    let mut out = vec![0.0; a.len()];
    c.bench_function("spd16_ai_dist_batch_256", |bch| {
        bch.iter(|| {
            m16.dist_batch(black_box(&a), black_box(&b), &mut out[..pairs])
                .unwrap()
        })
    });
    c.bench_function("spd16_ai_exp_batch_256", |bch| {
        bch.iter(|| {
            m16.exp_batch(black_box(&a), black_box(&v), &mut out)
                .unwrap()
        })
    });
    c.bench_function("spd16_ai_log_batch_256", |bch| {
        bch.iter(|| {
            m16.log_batch(black_box(&a), black_box(&b), &mut out)
                .unwrap()
        })
    });
    let (p, q) = (m16.random_point(&mut rng), m16.random_point(&mut rng));
    c.bench_function("spd16_ai_log", |bch| {
        bch.iter(|| m16.log(black_box(&p), black_box(&q)).unwrap())
    });
    let v = m16.log(&p, &q).unwrap();
    c.bench_function("spd16_ai_exp", |bch| {
        bch.iter(|| m16.exp(black_box(&p), black_box(&v)).unwrap())
    });
    let pts: Vec<Mat<f64>> = (0..20).map(|_| m16.random_point(&mut rng)).collect();
    c.bench_function("spd16_frechet_mean_20", |bch| {
        bch.iter(|| frechet_mean(&m16, black_box(&pts), None, &MeanOptions::default()).unwrap())
    });
}

fn poincare(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let ball = PoincareBall::new(5, 1.0).unwrap();
    let x: Vec<f64> = (0..10_000)
        .flat_map(|_| ball.random_point(&mut rng))
        .collect();
    let y: Vec<f64> = (0..10_000)
        .flat_map(|_| ball.random_point(&mut rng))
        .collect();
    let mut out = vec![0.0; 10_000];
    c.bench_function("poincare5_dist_batch_10000", |bch| {
        bch.iter(|| {
            ball.dist_batch(black_box(&x), black_box(&y), &mut out)
                .unwrap()
        })
    });
}

criterion_group!(benches, spd, poincare);
criterion_main!(benches);
