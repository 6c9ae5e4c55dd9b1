//! The space-time Levy area of the Brownian tree (moments, independence of
//! the halves, consistency under splitting), SRA1's measured strong order on
//! additive-noise problems, and adaptive SDE stepping (error falls with the
//! tolerance, thread-count independence, typed errors).

use sobolev_samplers::Error;
use sobolev_samplers::brownian::BrownianTree;
use sobolev_samplers::sde::{
    Noise, Sde, SdeAdaptiveOptions, SdeMethod, SdeStats, path_seed, solve_sde, solve_sde_adaptive,
    solve_sde_adaptive_batch,
};

fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n)
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let (ma, _) = mean_var(a);
    let (mb, _) = mean_var(b);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn space_time_levy_area_has_the_brownian_moments() {
    // Over seeds: Var W = h, Var H = h/12, H independent of W, and the two
    // halves of a dyadic interval independent (which the bisection formulas
    // must get right), on dyadic and non-dyadic intervals.
    let n = 6000;
    let intervals = [(0.0, 2.0), (0.0, 1.0), (1.0, 2.0), (0.5, 1.0), (0.3, 0.8)];
    let mut w = vec![vec![0.0; n]; intervals.len()];
    let mut hh = vec![vec![0.0; n]; intervals.len()];
    for s in 0..n {
        let tree =
            BrownianTree::with_space_time_levy_area(0.0, 2.0, 1, s as u64, 1.0 / 1024.0).unwrap();
        for (k, &(a, b)) in intervals.iter().enumerate() {
            let (mut dw, mut dh) = ([0.0], [0.0]);
            tree.space_time_increment(a, b, &mut dw, &mut dh).unwrap();
            w[k][s] = dw[0];
            hh[k][s] = dh[0];
        }
    }
    let nf = n as f64;
    for (k, &(a, b)) in intervals.iter().enumerate() {
        let h = b - a;
        let (mw, vw) = mean_var(&w[k]);
        let (mh, vh) = mean_var(&hh[k]);
        // Standard errors: sd/sqrt(n) for means, about var sqrt(2/n) for variances.
        assert!(mw.abs() < 4.0 * (h / nf).sqrt(), "[{a},{b}] mean W {mw}");
        assert!(
            mh.abs() < 4.0 * (h / 12.0 / nf).sqrt(),
            "[{a},{b}] mean H {mh}"
        );
        assert!(
            (vw / h - 1.0).abs() < 4.0 * (2.0 / nf).sqrt(),
            "[{a},{b}] var W {vw}"
        );
        assert!(
            (vh / (h / 12.0) - 1.0).abs() < 4.0 * (2.0 / nf).sqrt(),
            "[{a},{b}] var H {vh} vs {}",
            h / 12.0
        );
        let c = cov(&w[k], &hh[k]) / (vw * vh).sqrt();
        assert!(c.abs() < 4.0 / nf.sqrt(), "[{a},{b}] corr(W, H) {c}");
    }
    // Halves [0,1] and [1,2] of the root: W and H uncorrelated across halves.
    for (x, y) in [
        (&w[1], &w[2]),
        (&hh[1], &hh[2]),
        (&w[1], &hh[2]),
        (&hh[1], &w[2]),
    ] {
        let c = cov(x, y) / (mean_var(x).1 * mean_var(y).1).sqrt();
        assert!(c.abs() < 4.0 / nf.sqrt(), "correlation across halves {c}");
    }
}

#[test]
fn space_time_levy_area_is_consistent_under_splitting() {
    let tree = BrownianTree::with_space_time_levy_area(0.0, 1.0, 2, 9, 1e-5).unwrap();
    // (W, int (W - W_s)) over [s, u] equals the sum over [s, t] and [t, u]:
    // h (W/2 + H) is additive once the left piece's W is carried.
    let pieces = |s: f64, u: f64| {
        let (mut dw, mut dh) = ([0.0; 2], [0.0; 2]);
        tree.space_time_increment(s, u, &mut dw, &mut dh).unwrap();
        (dw, dh)
    };
    for &(s, t, u) in &[
        (0.0, 0.5, 1.0),
        (0.1, 0.37, 0.9),
        (0.25, 0.2500001, 0.3),
        (0.6, 0.61, 0.62),
    ] {
        let (w_su, h_su) = pieces(s, u);
        let (w_st, h_st) = pieces(s, t);
        let (w_tu, h_tu) = pieces(t, u);
        for i in 0..2 {
            assert!((w_su[i] - w_st[i] - w_tu[i]).abs() < 1e-13);
            let whole = (u - s) * (0.5 * w_su[i] + h_su[i]);
            let parts =
                (t - s) * (0.5 * w_st[i] + h_st[i]) + (u - t) * (0.5 * w_tu[i] + h_tu[i] + w_st[i]);
            assert!((whole - parts).abs() < 1e-13, "{whole} vs {parts}");
        }
    }
    // The dyadic sweep equals the queries; values equal the summed sweep.
    let (dw, dh) = tree.space_time_dyadic(6).unwrap();
    let mut acc = [0.0; 2];
    for k in 0..64 {
        let (a, b) = (k as f64 / 64.0, (k + 1) as f64 / 64.0);
        let (w, h) = pieces(a, b);
        for i in 0..2 {
            assert!((w[i] - dw[2 * k + i]).abs() < 1e-13);
            assert!(
                (h[i] - dh[2 * k + i]).abs() < 1e-11,
                "{} vs {}",
                h[i],
                dh[2 * k + i]
            );
            acc[i] += dw[2 * k + i];
        }
        let mut v = [0.0; 2];
        tree.value(b, &mut v).unwrap();
        for i in 0..2 {
            assert!((v[i] - acc[i]).abs() < 1e-12);
        }
    }
    // A plain tree has no Levy area to give.
    let plain = BrownianTree::new(0.0, 1.0, 2, 9, 1e-5).unwrap();
    assert!(!plain.has_space_time_levy_area());
    assert!(matches!(
        plain.space_time_increment(0.0, 0.5, &mut [0.0; 2], &mut [0.0; 2]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        tree.space_time_increment(0.5, 0.5, &mut [0.0; 2], &mut [0.0; 2]),
        Err(Error::NonMonotoneTimes { .. })
    ));
}

/// dX = (-X + sin(2X) + cos t) dt + g(t) dW, additive noise with a
/// time-dependent g, diagonal (2-D) or general (2 x 3).
struct Additive {
    general: bool,
}
impl Sde for Additive {
    fn dim(&self) -> usize {
        2
    }
    fn noise(&self) -> Noise {
        if self.general {
            Noise::General { m: 3 }
        } else {
            Noise::Diagonal
        }
    }
    fn drift(&self, t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = -x[0] + (2.0 * x[0]).sin() + t.cos();
        out[1] = -0.5 * x[1] + (x[0] * x[1]).sin();
    }
    fn diffusion(&self, t: f64, _x: &[f64], out: &mut [f64]) {
        let s = 1.0 + 0.5 * t;
        if self.general {
            out.copy_from_slice(&[1.2 * s, 0.4, 0.0, 0.0, 0.6 * s, 1.0]);
        } else {
            out.copy_from_slice(&[1.4 * s, 0.8]);
        }
    }
    fn additive_noise(&self) -> bool {
        true
    }
}

fn slope(steps: &[usize], e: &[f64]) -> f64 {
    let xs: Vec<f64> = steps.iter().map(|&n| (1.0 / n as f64).ln()).collect();
    let ys: Vec<f64> = e.iter().map(|v| v.ln()).collect();
    let (mx, my) = (mean_var(&xs).0, mean_var(&ys).0);
    let num: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    num / xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>()
}

/// Mean strong error at t = 1 of `method` with each step count against SRA1
/// with 2^12 steps on the same path.
fn strong_errors(sde: &Additive, method: SdeMethod, steps: &[usize], paths: usize) -> Vec<f64> {
    let m = if sde.general { 3 } else { 2 };
    let mut e = vec![0.0; steps.len()];
    for p in 0..paths {
        let path = BrownianTree::with_space_time_levy_area(
            0.0,
            1.0,
            m,
            path_seed(3, p as u64),
            1.0 / 8192.0,
        )
        .unwrap();
        let mut reference = [0.5, -0.3];
        solve_sde(sde, SdeMethod::Sra1, 0.0, 1.0, &mut reference, 8192, &path).unwrap();
        for (k, &n) in steps.iter().enumerate() {
            let mut x = [0.5, -0.3];
            solve_sde(sde, method, 0.0, 1.0, &mut x, n, &path).unwrap();
            e[k] += ((x[0] - reference[0]).powi(2) + (x[1] - reference[1]).powi(2)).sqrt();
        }
    }
    e.iter().map(|v| v / paths as f64).collect()
}

#[test]
fn sra1_has_strong_order_three_halves_on_additive_noise() {
    let steps = [16, 32, 64, 128, 256];
    for general in [false, true] {
        let sde = Additive { general };
        let sra = strong_errors(&sde, SdeMethod::Sra1, &steps, 200);
        let em = strong_errors(&sde, SdeMethod::EulerMaruyama, &steps, 200);
        let (p_sra, p_em) = (slope(&steps, &sra), slope(&steps, &em));
        eprintln!("general={general}: SRA1 order {p_sra} {sra:?}; EM order {p_em} {em:?}");
        assert!(
            (p_sra - 1.5).abs() < 0.2,
            "general={general}: SRA1 order {p_sra}, {sra:?}"
        );
        // Euler-Maruyama is strong order 1 for additive noise.
        assert!(
            (p_em - 1.0).abs() < 0.2,
            "general={general}: EM order {p_em}"
        );
        assert!(sra[4] < 0.2 * em[4], "{sra:?} vs {em:?}");
    }
    // Off the dyadic grid (tree queries instead of the sweep) the order holds.
    let sde = Additive { general: false };
    let odd = [5, 10, 20, 40];
    let e = strong_errors(&sde, SdeMethod::Sra1, &odd, 100);
    let p = slope(&odd, &e);
    eprintln!("non-dyadic SRA1 order {p} {e:?}");
    assert!(p > 1.4 && p < 2.05, "non-dyadic SRA1 order {p}, {e:?}");
}

/// dX = X dt + 0.8 X dW.
struct Gbm;
impl Sde for Gbm {
    fn dim(&self) -> usize {
        1
    }
    fn noise(&self) -> Noise {
        Noise::Diagonal
    }
    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = x[0];
    }
    fn diffusion(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = 0.8 * x[0];
    }
}

#[test]
fn adaptive_strong_error_falls_with_the_tolerance() {
    // Geometric Brownian motion in Stratonovich form, dX = X dt + 0.8 X o dW,
    // against its exact solution exp(t + 0.8 W) on the path (stochastic
    // Heun by step doubling).
    let mut errs = Vec::new();
    let mut work = Vec::new();
    for rtol in [1e-1, 1e-2, 1e-3] {
        let (mut e, mut st) = (0.0, SdeStats::default());
        for p in 0..400 {
            let path = BrownianTree::new(0.0, 1.0, 1, path_seed(21, p), 1e-7).unwrap();
            let mut x = [1.0];
            let opts = SdeAdaptiveOptions::new(rtol, rtol);
            let s = solve_sde_adaptive(
                &Gbm,
                SdeMethod::StochasticHeun,
                0.0,
                1.0,
                &mut x,
                &opts,
                &path,
            )
            .unwrap();
            st.add(&s);
            let mut w = [0.0];
            path.value(1.0, &mut w).unwrap();
            e += (x[0] - (1.0 + 0.8 * w[0]).exp()).abs();
        }
        errs.push(e / 400.0);
        work.push(st);
    }
    // A tenfold tolerance cut should cut the error about sqrt(10) ~ 3.2
    // times (strong order 1/2 in the local tolerance); 400 paths leave a
    // margin for the Monte Carlo spread.
    eprintln!("adaptive Heun errors {errs:?}, {work:?}");
    assert!(
        errs[0] > 2.0 * errs[1] && errs[1] > 2.0 * errs[2],
        "Heun: {errs:?}"
    );
    assert!(work[0].accepted < work[1].accepted && work[1].accepted < work[2].accepted);
    assert!(work[1..].iter().all(|w| w.rejected > 0), "{work:?}");
    for w in &work {
        // Step doubling: three Heun steps, two drift and two diffusion
        // evaluations each, per attempt.
        assert_eq!(w.drift_evals, 6 * (w.accepted + w.rejected));
        assert_eq!(w.diffusion_evals, 6 * (w.accepted + w.rejected));
    }
    // Ito methods with multiplicative noise are refused.
    let path = BrownianTree::new(0.0, 1.0, 1, 0, 1e-7).unwrap();
    for method in [SdeMethod::EulerMaruyama, SdeMethod::Milstein] {
        assert!(matches!(
            solve_sde_adaptive(
                &Gbm,
                method,
                0.0,
                1.0,
                &mut [1.0],
                &SdeAdaptiveOptions::new(1e-3, 1e-3),
                &path
            ),
            Err(Error::InvalidArgument(_))
        ));
    }
    // SRA1 with its embedded estimate, against SRA1 with 2^13 fixed steps
    // on the same space-time path.
    let sde = Additive { general: true };
    let mut errs = Vec::new();
    let mut em_errs = Vec::new();
    for rtol in [1e-2, 1e-3, 1e-4] {
        let mut em = 0.0;
        let mut e = 0.0;
        for p in 0..40 {
            let path = BrownianTree::with_space_time_levy_area(
                0.0,
                1.0,
                3,
                path_seed(8, p),
                1.0 / 65536.0,
            )
            .unwrap();
            let mut reference = [0.5, -0.3];
            solve_sde(&sde, SdeMethod::Sra1, 0.0, 1.0, &mut reference, 8192, &path).unwrap();
            let mut x = [0.5, -0.3];
            let st = solve_sde_adaptive(
                &sde,
                SdeMethod::Sra1,
                0.0,
                1.0,
                &mut x,
                &SdeAdaptiveOptions::new(rtol, rtol),
                &path,
            )
            .unwrap();
            assert_eq!(st.drift_evals, 2 * (st.accepted + st.rejected));
            e += ((x[0] - reference[0]).powi(2) + (x[1] - reference[1]).powi(2)).sqrt();
            // Euler-Maruyama by step doubling is allowed on additive noise.
            let mut y = [0.5, -0.3];
            let opts = SdeAdaptiveOptions::new(rtol, rtol);
            solve_sde_adaptive(
                &sde,
                SdeMethod::EulerMaruyama,
                0.0,
                1.0,
                &mut y,
                &opts,
                &path,
            )
            .unwrap();
            em += ((y[0] - reference[0]).powi(2) + (y[1] - reference[1]).powi(2)).sqrt();
        }
        errs.push(e / 40.0);
        em_errs.push(em / 40.0);
    }
    eprintln!("adaptive SRA1 errors {errs:?}, Euler-Maruyama {em_errs:?}");
    assert!(
        em_errs[0] > 2.0 * em_errs[1] && em_errs[1] > 2.0 * em_errs[2],
        "EM adaptive: {em_errs:?}"
    );
    assert!(
        errs[0] > 3.0 * errs[1] && errs[1] > 3.0 * errs[2],
        "SRA1 adaptive: {errs:?}"
    );
}

#[test]
fn adaptive_batches_do_not_depend_on_the_thread_count() {
    let n = 500;
    let run = |threads: usize, method: SdeMethod| {
        let mut x = vec![0.2; 2 * n];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let st = pool
            .install(|| {
                solve_sde_adaptive_batch(
                    &Additive { general: false },
                    method,
                    0.0,
                    1.0,
                    &mut x,
                    &SdeAdaptiveOptions::new(1e-3, 1e-3),
                    17,
                    1e-6,
                )
            })
            .unwrap();
        (x, st)
    };
    for method in [SdeMethod::Sra1, SdeMethod::StochasticHeun] {
        let (a, sa) = run(1, method);
        let (b, sb) = run(3, method);
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        assert!(sa.rejected > 0);
    }
}

/// A drift that turns NaN after t = 0.5.
struct Breaks;
impl Sde for Breaks {
    fn dim(&self) -> usize {
        1
    }
    fn noise(&self) -> Noise {
        Noise::Diagonal
    }
    fn drift(&self, t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = if t > 0.5 { f64::NAN } else { -x[0] };
    }
    fn diffusion(&self, _t: f64, _x: &[f64], out: &mut [f64]) {
        out[0] = 0.1;
    }
    fn additive_noise(&self) -> bool {
        true
    }
}

#[test]
fn adaptive_failures_are_typed_and_carry_the_time_reached() {
    let st_path = BrownianTree::with_space_time_levy_area(0.0, 1.0, 1, 4, 1e-8).unwrap();
    let plain = BrownianTree::new(0.0, 1.0, 1, 4, 1e-8).unwrap();
    let opts = SdeAdaptiveOptions::new(1e-4, 1e-4);
    match solve_sde_adaptive(
        &Breaks,
        SdeMethod::Sra1,
        0.0,
        1.0,
        &mut [1.0],
        &opts,
        &st_path,
    ) {
        // Stage times reach t + 3h/4, so t may pass 0.5 by a quarter step.
        Err(Error::StepSizeUnderflow { t, .. }) => assert!((0.45..=0.51).contains(&t), "{t}"),
        other => panic!("{other:?}"),
    }
    let few = SdeAdaptiveOptions {
        max_steps: 5,
        ..opts
    };
    match solve_sde_adaptive(
        &Gbm,
        SdeMethod::StochasticHeun,
        0.0,
        1.0,
        &mut [1.0],
        &few,
        &plain,
    ) {
        Err(Error::MaxStepsExceeded { t, steps }) => {
            assert_eq!(steps, 5);
            assert!((0.0..1.0).contains(&t));
        }
        other => panic!("{other:?}"),
    }
    // SRA1 needs additive noise and a space-time tree.
    assert!(matches!(
        solve_sde_adaptive(&Gbm, SdeMethod::Sra1, 0.0, 1.0, &mut [1.0], &opts, &st_path),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        solve_sde(&Breaks, SdeMethod::Sra1, 0.0, 0.5, &mut [1.0], 4, &plain),
        Err(Error::InvalidArgument(_))
    ));
    let bad = SdeAdaptiveOptions::new(-1.0, 1e-3);
    assert!(matches!(
        solve_sde_adaptive(
            &Gbm,
            SdeMethod::EulerMaruyama,
            0.0,
            1.0,
            &mut [1.0],
            &bad,
            &plain
        ),
        Err(Error::InvalidArgument(_))
    ));
}
