//! Prints the error-versus-NFE table of every diffusion sampler on the
//! analytic two-dimensional Gaussian-mixture target (the table of the book
//! chapter "Sampling with SDEs and ODEs").
//!
//! Columns: sliced Wasserstein-1 distance of 2000 samples to 2000 exact
//! samples (the floor, two exact sets, is printed first), and for the
//! deterministic samplers the RMS deviation of the end points from the
//! converged probability-flow ODE solution (Dormand-Prince 5(4), rtol 1e-10)
//! started from the same noise.
//!
//! A second table gives the MR Sampler on a mean-reverting diffusion of a
//! Gaussian target, where the exact probability-flow map and the exact
//! distribution are known in closed form: the RMS deviation of the ODE
//! forms from the exact map, and for the SDE forms the error of the
//! sample mean and variance (20000 samples; the Monte Carlo floor is about
//! 0.004 for the mean and 0.002 for the variance).
//!
//! Run: `cargo run -p sobolev-samplers --example sampler_table`.

use sobolev_samplers::diffusion::Denoiser;
use sobolev_samplers::diffusion::mean_reverting::{
    MeanRevertingModel, MeanRevertingSde, MrForm, MrSampler, mr_sample,
};
use sobolev_samplers::diffusion::param::Prediction;
use sobolev_samplers::diffusion::sampler::{
    NoiseSource, SampleOptions, Sampler, SeededNoise, sample,
};
use sobolev_samplers::diffusion::schedule::karras_sigmas;
use sobolev_samplers::diffusion::unipc::UniPcVariant;
use sobolev_samplers::ode::{FnField, OdeOptions, solve_batch, tableau};
use sobolev_samplers::targets::GaussianMixture;

fn sliced_w1(a: &[f64], b: &[f64], projections: usize) -> f64 {
    let n = a.len() / 2;
    (0..projections)
        .map(|p| {
            let th = std::f64::consts::PI * p as f64 / projections as f64;
            let (c, s) = (th.cos(), th.sin());
            let proj = |x: &[f64]| {
                let mut v: Vec<f64> = x.chunks(2).map(|r| c * r[0] + s * r[1]).collect();
                v.sort_by(f64::total_cmp);
                v
            };
            let (pa, pb) = (proj(a), proj(b));
            pa.iter().zip(&pb).map(|(x, y)| (x - y).abs()).sum::<f64>() / n as f64
        })
        .sum::<f64>()
        / projections as f64
}

fn main() -> Result<(), sobolev_samplers::Error> {
    let gmm = GaussianMixture::new(
        2,
        &[0.45, 0.35, 0.2],
        &[2.0, 1.0, -2.0, 0.5, 0.0, -2.5],
        &[vec![0.6, 0.0], vec![], vec![0.3, 0.3]],
        &[0.05, 0.1, 0.02],
    )?;
    let n = 2000;
    let (smin, smax) = (0.002, 80.0);
    let exact = gmm.sample(n, 1);
    println!(
        "exact-vs-exact sliced W1 floor: {:.4}",
        sliced_w1(&exact, &gmm.sample(n, 2), 64)
    );
    let mut x0 = vec![0.0; 2 * n];
    for (r, row) in x0.chunks_mut(2).enumerate() {
        SeededNoise { seed: 5 }.fill(0, r, row);
        row.iter_mut().for_each(|v| *v *= smax);
    }
    // Converged PF-ODE end points (to sigma_min, then one denoising step).
    let field = FnField::new(2, |s: f64, x: &[f64], dx: &mut [f64]| {
        gmm.denoise(x, s, dx);
        for i in 0..2 {
            dx[i] = (x[i] - dx[i]) / s;
        }
    });
    let mut truth = x0.clone();
    solve_batch(
        &field,
        &tableau::DORMAND_PRINCE_5_4,
        smax,
        smin,
        &mut truth,
        &OdeOptions::adaptive(1e-10, 1e-12),
    )?;
    let mut last = truth.clone();
    gmm.denoise(&last.clone(), smin, &mut last);
    let samplers = [
        ("Euler / DDIM(0) / DPM-Solver++(1S)", Sampler::Euler),
        ("Heun (EDM)", Sampler::Heun),
        ("DPM-Solver++(2M)", Sampler::DpmSolverPP2M),
        ("DPM-Solver++(3M)", Sampler::DpmSolverPP3M),
        (
            "Euler ancestral / DDPM (eta 1)",
            Sampler::EulerAncestral { eta: 1.0 },
        ),
        ("DDIM (eta 0.5)", Sampler::Ddim { eta: 0.5 }),
        (
            "DPM-Solver++(2M) SDE",
            Sampler::DpmSolverPP2MSde { eta: 1.0 },
        ),
        (
            "DPM-Solver++(3M) SDE",
            Sampler::DpmSolverPP3MSde { eta: 1.0 },
        ),
        (
            "PC (1 Langevin corrector, snr 0.16)",
            Sampler::PredictorCorrector {
                corrector_steps: 1,
                snr: 0.16,
            },
        ),
        (
            "UniPC-2 (B2, diffusers' default)",
            Sampler::UniPc {
                order: 2,
                variant: UniPcVariant::Bh2,
                corrector: true,
            },
        ),
        (
            "UniPC-3 (B2)",
            Sampler::UniPc {
                order: 3,
                variant: UniPcVariant::Bh2,
                corrector: true,
            },
        ),
        (
            "UniPC-3 (B1)",
            Sampler::UniPc {
                order: 3,
                variant: UniPcVariant::Bh1,
                corrector: true,
            },
        ),
        (
            "UniP-3 (B2, no corrector)",
            Sampler::UniPc {
                order: 3,
                variant: UniPcVariant::Bh2,
                corrector: false,
            },
        ),
        ("DEIS-2 (tAB, log sigma)", Sampler::Deis { order: 2 }),
        ("DEIS-3 (tAB, log sigma)", Sampler::Deis { order: 3 }),
    ];
    println!("| sampler | NFE | sliced W1 | RMS vs PF-ODE |");
    println!("|---|---|---|---|");
    for (label, s) in samplers {
        for nfe in [10usize, 20, 50] {
            // Steps such that the sampler uses about `nfe` evaluations.
            let steps = match s {
                Sampler::Heun => nfe.div_ceil(2),
                Sampler::PredictorCorrector {
                    corrector_steps, ..
                } => nfe / (1 + corrector_steps),
                _ => nfe,
            };
            let sig = karras_sigmas(steps, smin, smax, 7.0)?;
            let mut x = x0.clone();
            let used = sample(
                &gmm,
                s,
                &sig,
                &mut x,
                &SeededNoise { seed: 9 },
                SampleOptions::default(),
            )?;
            let sw = sliced_w1(&x, &exact, 64);
            let rms = if s.is_stochastic() {
                "-".to_string()
            } else {
                let e: f64 = x
                    .iter()
                    .zip(&last)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
                    / x.len() as f64;
                format!("{:.1e}", e.sqrt())
            };
            println!("| {label} | {used} | {sw:.4} | {rms} |");
        }
    }
    mr_table()
}

/// The exact data prediction of `x_0 ~ N(m, c2 I)` under a mean-reverting
/// diffusion toward `mu`.
struct GaussianMr {
    sde: MeanRevertingSde,
    m: [f64; 2],
    c2: f64,
}

impl GaussianMr {
    fn sd(&self, t: f64) -> f64 {
        let (a, s) = (self.sde.alpha(t), self.sde.noise_scale(t));
        (a * a * self.c2 + s * s).sqrt()
    }
}

impl MeanRevertingModel for GaussianMr {
    fn dim(&self) -> usize {
        2
    }
    fn prediction(&self) -> Prediction {
        Prediction::X0
    }
    fn predict(&self, x: &[f64], mu: &[f64], t: f64, out: &mut [f64]) {
        let a = self.sde.alpha(t);
        let gain = a * self.c2 / (self.sd(t) * self.sd(t));
        for k in 0..x.len() {
            let mz = self.m[k % 2] - mu[k];
            out[k] = mu[k] + mz + gain * (x[k] - mu[k] - a * mz);
        }
    }
}

fn mr_table() -> Result<(), sobolev_samplers::Error> {
    let sde = MeanRevertingSde::new(1.0, 6.0, 0.8)?;
    let model = GaussianMr {
        sde,
        m: [1.5, -0.5],
        c2: 0.25,
    };
    let mu = [-1.0, 1.0];
    let (t0, n) = (1.0, 20_000);
    let sd0 = model.sd(t0);
    let mut start = vec![0.0; 2 * n];
    for (r, row) in start.chunks_mut(2).enumerate() {
        SeededNoise { seed: 3 }.fill(0, r, row);
        for k in 0..2 {
            row[k] = mu[k] + sde.alpha(t0) * (model.m[k] - mu[k]) + sd0 * row[k];
        }
    }
    // The exact probability-flow map from t0 to 0.
    let exact: Vec<f64> = start
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let (k, a0) = (i % 2, sde.alpha(t0));
            let mz = model.m[k] - mu[k];
            mu[k] + mz + model.c2.sqrt() / sd0 * (x - mu[k] - a0 * mz)
        })
        .collect();
    println!();
    println!(
        "| MR Sampler | NFE | ODE: RMS vs exact flow | SDE: mean error | SDE: variance error |"
    );
    println!("|---|---|---|---|---|");
    for form in [MrForm::Data, MrForm::Noise] {
        for order in [1, 2] {
            for nfe in [5usize, 10, 20, 50] {
                // Geometric times from t0 to 1e-3, then a last step to 0.
                let mut times: Vec<f64> = (0..nfe)
                    .map(|i| t0 * (1e-3 / t0).powf(i as f64 / (nfe - 1) as f64))
                    .collect();
                times.push(0.0);
                let run = |stochastic: bool| -> Result<Vec<f64>, sobolev_samplers::Error> {
                    let mut x = start.clone();
                    mr_sample(
                        &model,
                        &sde,
                        MrSampler {
                            order,
                            form,
                            stochastic,
                        },
                        &times,
                        &mu,
                        &mut x,
                        &SeededNoise { seed: 4 },
                        SampleOptions::default(),
                    )?;
                    Ok(x)
                };
                let x = run(false)?;
                let rms = (x
                    .iter()
                    .zip(&exact)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
                    / x.len() as f64)
                    .sqrt();
                let y = run(true)?;
                let (mut mean_err, mut var_err) = (0.0f64, 0.0f64);
                for k in 0..2 {
                    let col: Vec<f64> = y.iter().skip(k).step_by(2).copied().collect();
                    let mean = col.iter().sum::<f64>() / n as f64;
                    let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
                    mean_err = mean_err.max((mean - model.m[k]).abs());
                    var_err = var_err.max((var - model.c2).abs());
                }
                println!(
                    "| {form:?} form, order {order} | {nfe} | {rms:.1e} | {mean_err:.4} | {var_err:.4} |"
                );
            }
        }
    }
    Ok(())
}
