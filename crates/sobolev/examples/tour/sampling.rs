//! Sampling: diffusion samplers on an exact Gaussian mixture (samples at
//! 10 evaluations, and the error of every sampler against the number of
//! evaluations), NUTS on eight schools followed by kernel thinning, and
//! the GPU section.

use crate::Outcome;
use crate::plot::{Frame, chart, ramp};
use crate::report::Report;
use plotters::prelude::*;
use sobolev::kernels::kernel::{Gaussian, Stationary};
use sobolev::kernels::two_sample::{Estimator, energy_distance, mmd2};
use sobolev::kernels::{Points, compress_pp};
use sobolev::samplers::diagnostics::summarize;
use sobolev::samplers::diffusion::sampler::{
    NoiseSource, SampleOptions, Sampler, SeededNoise, sample,
};
use sobolev::samplers::diffusion::schedule::karras_sigmas;
use sobolev::samplers::mcmc::{Settings, sample as nuts};
use sobolev::samplers::posteriors::EightSchools;
use sobolev::samplers::targets::GaussianMixture;
use std::time::Instant;

/// Four well-separated modes of different widths in the plane.
fn mixture() -> sobolev::samplers::Result<GaussianMixture> {
    GaussianMixture::isotropic(
        2,
        &[0.3, 0.3, 0.2, 0.2],
        &[-2.0, 0.0, 2.0, 0.0, 0.0, 2.0, 0.0, -2.0],
        &[0.05, 0.2, 0.1, 0.02],
    )
}

/// `rows` samples from `sampler` with `levels` Karras noise levels.
fn run(
    gmm: &GaussianMixture,
    sampler: Sampler,
    levels: usize,
    rows: usize,
) -> sobolev::samplers::Result<(Vec<f64>, usize)> {
    let sigmas = karras_sigmas(levels, 0.002, 80.0, 7.0)?;
    let mut x = vec![0.0; 2 * rows];
    for (r, row) in x.chunks_mut(2).enumerate() {
        SeededNoise { seed: 3 }.fill(0, r, row);
        row.iter_mut().for_each(|v| *v *= sigmas[0]);
    }
    let nfe = sample(
        gmm,
        sampler,
        &sigmas,
        &mut x,
        &SeededNoise { seed: 4 },
        SampleOptions::default(),
    )?;
    Ok((x, nfe))
}

/// The most noise levels whose denoiser evaluations fit in `budget`
/// (`karras_sigmas(n, ..)` appends the final zero level).
fn levels_for(sampler: Sampler, budget: usize) -> usize {
    (2..=budget + 1)
        .filter(|&l| sampler.nfe(l + 1) <= budget)
        .max()
        .unwrap_or(2)
}

pub(crate) fn diffusion(rep: &mut Report) -> Outcome {
    rep.section(
        "Diffusion samplers on an exact Gaussian mixture",
        "The mixture's exact denoiser stands in for a trained network. Left: 2000 \
         DPM-Solver++(2M) samples at 10 denoiser evaluations over the exact density. \
         Table: unbiased energy distance (`sobolev::kernels::two_sample`) between 2000 \
         samples and 2000 exact draws, with the number of evaluations in parentheses; the \
         unbiased estimate of two exact sets scatters around 0 at a few 1e-4, and can be \
         slightly negative.",
    );
    let gmm = mixture()?;
    let rows = 2000;
    let exact = Points::new(gmm.sample(rows, 99), 2)?;
    let start = Instant::now();
    let (x, nfe) = run(
        &gmm,
        Sampler::DpmSolverPP2M,
        levels_for(Sampler::DpmSolverPP2M, 10),
        rows,
    )?;
    let t = start.elapsed().as_secs_f64();
    let e = energy_distance(&Points::new(x.clone(), 2)?, &exact, Estimator::Unbiased)?;
    rep.row(
        "diffusion",
        format!("DPM-Solver++(2M), {nfe} NFE, 2000 samples"),
        format!("energy distance {e:.4} ({:.1} ms)", 1e3 * t),
    );
    let floor = energy_distance(
        &Points::new(gmm.sample(rows, 7), 2)?,
        &exact,
        Estimator::Unbiased,
    )?;
    rep.row(
        "diffusion",
        "two exact sample sets (noise floor)",
        format!("energy distance {floor:.4}"),
    );

    let (x40, nfe40) = run(
        &gmm,
        Sampler::DpmSolverPP2M,
        levels_for(Sampler::DpmSolverPP2M, 40),
        rows,
    )?;
    // The exact density on a grid as the background.
    let g = 90;
    let h = 6.0 / g as f64;
    let mut cells = Vec::with_capacity(g * g);
    for i in 0..g {
        for j in 0..g {
            let (a, b) = (-3.0 + (i as f64 + 0.5) * h, -3.0 + (j as f64 + 0.5) * h);
            cells.push((a, b, gmm.log_density(&[a, b], 0.0)?));
        }
    }
    let top = cells.iter().map(|c| c.2).fold(f64::NEG_INFINITY, f64::max);
    for (samples, nfe, file) in [
        (&x, nfe, "diffusion_samples_10.svg"),
        (&x40, nfe40, "diffusion_samples_40.svg"),
    ] {
        let title = format!("DPM-Solver++(2M) at {nfe} NFE over the exact density");
        let frame = Frame {
            title: &title,
            x: (-3.0, 3.0),
            y: (-3.0, 3.0),
            x_label: "x1",
            y_label: "x2",
        };
        chart(&rep.figure_path(file), (520, 520), &frame, |c| {
            c.draw_series(cells.iter().map(|&(a, b, l)| {
                let t = ((l - top) / 10.0 + 1.0).max(0.0);
                Rectangle::new(
                    [(a - h / 2.0, b - h / 2.0), (a + h / 2.0, b + h / 2.0)],
                    ramp(t).mix(0.1 + 0.5 * t).filled(),
                )
            }))?;
            c.draw_series(
                samples
                    .chunks(2)
                    .map(|p| Circle::new((p[0], p[1]), 1, BLACK.filled())),
            )?
            .label("samples")
            .legend(|(x, y)| Circle::new((x, y), 2, BLACK.filled()));
            Ok(())
        })?;
        rep.markdown(format!("![DPM-Solver++ at {nfe} NFE]({file})"));
    }

    let samplers: [(&str, Sampler); 11] = [
        ("Euler", Sampler::Euler),
        ("Heun", Sampler::Heun),
        ("Euler ancestral", Sampler::EulerAncestral { eta: 1.0 }),
        ("DDIM, eta = 0.5", Sampler::Ddim { eta: 0.5 }),
        ("DDPM ancestral", Sampler::DdpmAncestral),
        ("DPM-Solver++(1S) / DDIM", Sampler::DpmSolverPP1S),
        ("DPM-Solver++(2M)", Sampler::DpmSolverPP2M),
        ("DPM-Solver++(3M)", Sampler::DpmSolverPP3M),
        (
            "DPM-Solver++(2M) SDE",
            Sampler::DpmSolverPP2MSde { eta: 1.0 },
        ),
        (
            "DPM-Solver++(3M) SDE",
            Sampler::DpmSolverPP3MSde { eta: 1.0 },
        ),
        (
            "predictor-corrector",
            Sampler::PredictorCorrector {
                corrector_steps: 1,
                snr: 0.16,
            },
        ),
    ];
    let budgets = [10usize, 20, 40];
    let mut table =
        String::from("| sampler | energy distance at NFE 10 | 20 | 40 |\n|---|---|---|---|\n");
    println!(
        "  {:<26} {:>10} {:>10} {:>10}",
        "energy distance at NFE", 10, 20, 40
    );
    for (name, s) in samplers {
        let mut cells = Vec::new();
        for &budget in &budgets {
            let (x, nfe) = run(&gmm, s, levels_for(s, budget), rows)?;
            let e = energy_distance(&Points::new(x, 2)?, &exact, Estimator::Unbiased)?;
            cells.push(format!("{e:.4} ({nfe})"));
        }
        println!(
            "  {name:<26} {:>10} {:>10} {:>10}",
            cells[0], cells[1], cells[2]
        );
        table.push_str(&format!(
            "| {name} | {} | {} | {} |\n",
            cells[0], cells[1], cells[2]
        ));
    }
    rep.markdown(format!(
        "{table}\n(actual NFE in parentheses; noise floor {floor:.4})"
    ));
    Ok(())
}

pub(crate) fn nuts_and_thinning(rep: &mut Report) -> Outcome {
    rep.section(
        "NUTS on eight schools, then kernel thinning",
        "4 chains x 1000 draws of the non-centred eight-schools model with NUTS, the usual \
         diagnostics, and the 4000 draws of (mu, log tau) compressed by Compress++ with a \
         Gaussian kernel (lengthscales the posterior sds); its MMD to the full sample is \
         compared with keeping every k-th draw at the same size.",
    );
    let settings = Settings {
        seed: 2026,
        ..Settings::default()
    };
    let start = Instant::now();
    let draws = nuts(&EightSchools, &settings, None)?;
    let secs = start.elapsed().as_secs_f64();
    for (j, name) in [(0, "mu"), (1, "log tau")] {
        let s = summarize(&draws.param(j));
        rep.row(
            "NUTS",
            format!("{name}: mean, sd, ESS bulk/tail, R-hat"),
            format!(
                "{:.3}, {:.3}, {:.0}/{:.0}, {:.4}",
                s.mean, s.sd, s.ess_bulk, s.ess_tail, s.rhat
            ),
        );
    }
    rep.row(
        "NUTS",
        "divergences, gradient evaluations, time",
        format!(
            "{}, {}, {secs:.2} s",
            draws.divergences(),
            draws.gradient_evaluations()
        ),
    );
    let (mu, tau) = (draws.param(0), draws.param(1));
    let flat: Vec<f64> = mu
        .iter()
        .flatten()
        .zip(tau.iter().flatten())
        .flat_map(|(a, b)| [*a, *b])
        .collect();
    let all = Points::new(flat.clone(), 2)?;
    // Standardise by the posterior sd so one lengthscale suits both axes.
    let sd: Vec<f64> = (0..2)
        .map(|j| {
            let v: Vec<f64> = flat.iter().skip(j).step_by(2).copied().collect();
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        })
        .collect();
    let kernel = Stationary::ard(Gaussian, 1.0, sd.clone())?;
    let start = Instant::now();
    let n = all.len();
    let keep = compress_pp(&kernel, &kernel, &all, 4, 0.5, 5)?;
    let t_kt = start.elapsed().as_secs_f64();
    let pick = |idx: &[usize]| -> sobolev::kernels::Result<Points> {
        Points::new(
            idx.iter()
                .flat_map(|&i| [flat[2 * i], flat[2 * i + 1]])
                .collect(),
            2,
        )
    };
    let thinned = pick(&keep)?;
    let stride = n / keep.len();
    let every: Vec<usize> = (0..keep.len()).map(|i| i * stride).collect();
    let regular = pick(&every)?;
    let m_kt = mmd2(&kernel, &thinned, &all, Estimator::Biased)?
        .max(0.0)
        .sqrt();
    let m_st = mmd2(&kernel, &regular, &all, Estimator::Biased)?
        .max(0.0)
        .sqrt();
    rep.row(
        "thinning",
        format!("MMD to all {n} draws, {} points", keep.len()),
        format!(
            "Compress++ {m_kt:.4} vs every {stride}th draw {m_st:.4} ({:.2} s)",
            t_kt
        ),
    );
    Ok(())
}

pub(crate) fn gpu(rep: &mut Report) {
    rep.section(
        "GPU",
        "CUDA kernels of `sobolev-gpu` (built with the `cuda` feature).",
    );
    match sobolev::gpu::Gpu::new() {
        Ok(_) => rep.row(
            "GPU",
            "device",
            "present: run `cargo xtask gpu` for the parity tests and benchmarks",
        ),
        Err(e) => rep.row("GPU", "device", format!("skipped: {e}")),
    }
}
