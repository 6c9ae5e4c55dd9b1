//! Criterion benchmarks of the samplers crate: one DPM-Solver++(2M) run on a
//! batch of Gaussian-mixture rows beside the same denoiser calls alone (the
//! difference is the sampler's own cost per step), an adaptive
//! Dormand-Prince 5(4) batch, and Euler-Maruyama and SRA1 paths.

use criterion::{Criterion, criterion_main};
use rayon::prelude::*;
use sobolev_benches::samplers::Ou;
use sobolev_samplers::diffusion::Denoiser;
use sobolev_samplers::diffusion::sampler::{SampleOptions, Sampler, SeededNoise, sample};
use sobolev_samplers::diffusion::schedule::karras_sigmas;
use sobolev_samplers::ode::{FnField, OdeOptions, solve_batch, tableau};
use sobolev_samplers::sde::{
    SdeAdaptiveOptions, SdeMethod, solve_sde_adaptive_batch, solve_sde_batch,
};
use sobolev_samplers::targets::GaussianMixture;
use std::hint::black_box;

fn gmm() -> GaussianMixture {
    GaussianMixture::isotropic(
        2,
        &[0.5, 0.3, 0.2],
        &[2.0, 0.0, -1.0, 1.0, 0.0, -2.0],
        &[0.1, 0.2, 0.05],
    )
    .expect("valid mixture")
}

fn start(n: usize) -> Vec<f64> {
    (0..2 * n)
        .map(|i| 80.0 * ((i as f64) * 0.7548776662).fract().mul_add(2.0, -1.0))
        .collect()
}

fn bench(c: &mut Criterion) {
    let g = gmm();
    let sigmas = karras_sigmas(20, 0.002, 80.0, 7.0).expect("valid levels");
    let x0 = start(10_000);
    c.bench_function("dpmpp2m_gmm2d_10k_rows_20nfe", |b| {
        b.iter(|| {
            let mut x = x0.clone();
            sample(
                &g,
                Sampler::DpmSolverPP2M,
                &sigmas,
                &mut x,
                &SeededNoise { seed: 0 },
                SampleOptions::default(),
            )
            .expect("sampling succeeds");
            black_box(x)
        })
    });
    // The denoiser alone, called as `sample` calls it: per 256-row chunk
    // (the default `SampleOptions::chunk_rows`), once per level.
    c.bench_function("denoiser_only_gmm2d_10k_rows_20calls", |b| {
        let mut out = vec![0.0; x0.len()];
        b.iter(|| {
            out.par_chunks_mut(512)
                .zip(x0.par_chunks(512))
                .for_each(|(o, x)| {
                    for &s in &sigmas[..sigmas.len() - 1] {
                        g.denoise(x, s, o);
                    }
                });
            black_box(&out);
        })
    });
    let field = FnField::new(2, |s: f64, x: &[f64], dx: &mut [f64]| {
        g.denoise(x, s, dx);
        for i in 0..2 {
            dx[i] = (x[i] - dx[i]) / s;
        }
    });
    let x1 = start(1_000);
    c.bench_function("dopri5_pfode_gmm2d_1k_rows_rtol1e-5", |b| {
        b.iter(|| {
            let mut x = x1.clone();
            solve_batch(
                &field,
                &tableau::DORMAND_PRINCE_5_4,
                80.0,
                0.002,
                &mut x,
                &OdeOptions::adaptive(1e-5, 1e-5),
            )
            .expect("integration succeeds");
            black_box(x)
        })
    });
    c.bench_function("euler_maruyama_ou2d_10k_paths_128steps", |b| {
        b.iter(|| {
            let mut x = vec![1.0; 20_000];
            solve_sde_batch(&Ou, SdeMethod::EulerMaruyama, 0.0, 1.0, &mut x, 128, 1)
                .expect("paths succeed");
            black_box(x)
        })
    });
    c.bench_function("sra1_ou2d_10k_paths_128steps", |b| {
        b.iter(|| {
            let mut x = vec![1.0; 20_000];
            solve_sde_batch(&Ou, SdeMethod::Sra1, 0.0, 1.0, &mut x, 128, 1).expect("paths succeed");
            black_box(x)
        })
    });
    c.bench_function("sra1_adaptive_ou2d_10k_paths_rtol1e-3", |b| {
        let opts = SdeAdaptiveOptions::new(1e-3, 1e-3);
        b.iter(|| {
            let mut x = vec![1.0; 20_000];
            solve_sde_adaptive_batch(&Ou, SdeMethod::Sra1, 0.0, 1.0, &mut x, &opts, 1, 1e-6)
                .expect("paths succeed");
            black_box(x)
        })
    });
}

/// The samplers group, ten samples per case (each case runs for seconds).
fn samplers() {
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    bench(&mut c);
}

criterion_main!(samplers);
