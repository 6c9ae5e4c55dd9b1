//! Our side of `cargo xtask peers samplers`: diffusion sampling of a
//! Gaussian-mixture probability-flow ODE with DPM-Solver++(2M) at 10/20/50
//! NFE (2-D and 64-D), the same ODE with adaptive Dormand-Prince 5(4) at
//! rtol 1e-5, and Euler-Maruyama on Ornstein-Uhlenbeck paths.
//!
//! The mixture is shared with `benches/peers/samplers.py` through the
//! exchange folder (`<case>.means.f64`, `.var.f64`, `.weights.f64`).

use crate::{Exchange, OurCase, median_time};
use sobolev_samplers::diffusion::Denoiser;
use sobolev_samplers::diffusion::sampler::{SampleOptions, Sampler, SeededNoise, sample};
use sobolev_samplers::diffusion::schedule::karras_sigmas;
use sobolev_samplers::ode::{FnField, OdeOptions, solve_batch, tableau};
use sobolev_samplers::sde::{Noise, Sde, SdeMethod, solve_sde_batch};
use sobolev_samplers::targets::GaussianMixture;

const SIGMA_MIN: f64 = 0.002;
const SIGMA_MAX: f64 = 80.0;

/// The benchmark mixture in `d` dimensions: four isotropic components.
fn mixture(d: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let weights = vec![0.4, 0.3, 0.2, 0.1];
    let means: Vec<f64> = (0..4)
        .flat_map(|k| (0..d).map(move |i| 2.0 * (1.3 * k as f64 + 0.7 * i as f64 + 0.5).sin()))
        .collect();
    let var: Vec<f64> = (0..4).map(|k| 0.05 + 0.05 * k as f64).collect();
    (weights, means, var)
}

/// Initial noise of level `SIGMA_MAX`, reproducible.
fn initial(n: usize, d: usize) -> Vec<f64> {
    let noise = SeededNoise { seed: 2026 };
    let mut x = vec![0.0; n * d];
    for (r, row) in x.chunks_mut(d).enumerate() {
        sobolev_samplers::diffusion::sampler::NoiseSource::fill(&noise, 0, r, row);
        for v in row.iter_mut() {
            *v *= SIGMA_MAX;
        }
    }
    x
}

fn threads() -> usize {
    rayon::current_num_threads()
}

/// The two-dimensional Ornstein-Uhlenbeck SDE of the SDE cases,
/// `dX = (-X_1, -X_2/2) dt + diag(0.5, 0.3) dW`, declared additive so that
/// SRA1 and adaptive steps apply (shared with `samplers-torchsde` and the
/// criterion benchmarks).
pub struct Ou;
impl Sde for Ou {
    fn dim(&self) -> usize {
        2
    }
    fn noise(&self) -> Noise {
        Noise::Diagonal
    }
    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = -x[0];
        out[1] = -0.5 * x[1];
    }
    fn diffusion(&self, _t: f64, _x: &[f64], out: &mut [f64]) {
        out[0] = 0.5;
        out[1] = 0.3;
    }
    fn additive_noise(&self) -> bool {
        true
    }
}

/// Runs the samplers cases.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let err = |e: sobolev_samplers::Error| std::io::Error::other(e.to_string());
    for (d, n) in [(2usize, 100_000usize), (64, 100_000)] {
        let (w, m, v) = mixture(d);
        let gmm = GaussianMixture::isotropic(d, &w, &m, &v).map_err(err)?;
        for nfe in [10usize, 20, 50] {
            let name = format!("dpmpp2m_gmm{d}d_nfe{nfe}");
            let sigmas = karras_sigmas(nfe + 1, SIGMA_MIN, SIGMA_MAX, 7.0).map_err(err)?;
            let x0 = initial(n, d);
            let mut out = x0.clone();
            let t = median_time(3, || {
                out.copy_from_slice(&x0);
                sample(
                    &gmm,
                    Sampler::DpmSolverPP2M,
                    &sigmas,
                    &mut out,
                    &SeededNoise { seed: 0 },
                    SampleOptions::default(),
                )
            });
            ex.write_array(&name, "in", &x0)?;
            ex.write_array(&name, "out", &out)?;
            ex.write_array(&name, "sigmas", &sigmas)?;
            ex.write_array(&name, "weights", &w)?;
            ex.write_array(&name, "means", &m)?;
            ex.write_array(&name, "var", &v)?;
            ex.record(OurCase {
                name,
                n,
                ours_s: t,
                notes: format!(
                    "d={d}, {nfe} steps ({} threads); per trajectory-step {:.2e} s",
                    threads(),
                    t / (n * nfe) as f64
                ),
            });
        }
    }
    // Adaptive Dormand-Prince 5(4) on the PF-ODE dx/dsigma = (x - D)/sigma,
    // from SIGMA_MAX down to SIGMA_MIN, each row with its own steps.
    {
        let (d, n) = (2usize, 10_000usize);
        let (w, m, v) = mixture(d);
        let gmm = GaussianMixture::isotropic(d, &w, &m, &v).map_err(err)?;
        let field = FnField::new(d, |s: f64, x: &[f64], dx: &mut [f64]| {
            gmm.denoise(x, s, dx);
            for i in 0..x.len() {
                dx[i] = (x[i] - dx[i]) / s;
            }
        });
        let name = "dopri5_pfode_gmm2d_rtol1e-5".to_string();
        let x0 = initial(n, d);
        let mut out = x0.clone();
        let opts = OdeOptions::adaptive(1e-5, 1e-5);
        let mut nfe = 0;
        let t = median_time(3, || {
            out.copy_from_slice(&x0);
            nfe = solve_batch(
                &field,
                &tableau::DORMAND_PRINCE_5_4,
                SIGMA_MAX,
                SIGMA_MIN,
                &mut out,
                &opts,
            )
            .map(|s| s.nfe)
            .unwrap_or(0);
        });
        ex.write_array(&name, "in", &x0)?;
        ex.write_array(&name, "out", &out)?;
        ex.write_array(&name, "weights", &w)?;
        ex.write_array(&name, "means", &m)?;
        ex.write_array(&name, "var", &v)?;
        ex.record(OurCase {
            name,
            n,
            ours_s: t,
            notes: format!(
                "rtol=atol=1e-5, per-row steps, mean NFE/row {:.1} ({} threads)",
                nfe as f64 / n as f64,
                threads()
            ),
        });
    }
    // Euler-Maruyama, 1e5 two-dimensional OU paths, 128 steps on [0, 1].
    {
        let (n, steps) = (100_000usize, 128usize);
        let name = "euler_maruyama_ou2d_128steps".to_string();
        let x0 = vec![1.0; 2 * n];
        let mut out = x0.clone();
        let t = median_time(3, || {
            out.copy_from_slice(&x0);
            solve_sde_batch(&Ou, SdeMethod::EulerMaruyama, 0.0, 1.0, &mut out, steps, 9)
        });
        ex.write_array(&name, "in", &x0)?;
        ex.write_array(&name, "out", &out)?;
        ex.record(OurCase {
            name,
            n,
            ours_s: t,
            notes: format!(
                "per-path virtual Brownian tree, {steps} steps ({} threads); per trajectory-step {:.2e} s",
                threads(),
                t / (n * steps) as f64
            ),
        });
    }
    Ok(())
}
