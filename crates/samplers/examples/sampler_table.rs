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
//! Run: `cargo run -p sobolev-samplers --example sampler_table`.

use sobolev_samplers::diffusion::Denoiser;
use sobolev_samplers::diffusion::sampler::{
    NoiseSource, SampleOptions, Sampler, SeededNoise, sample,
};
use sobolev_samplers::diffusion::schedule::karras_sigmas;
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
    Ok(())
}
