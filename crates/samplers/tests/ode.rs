//! ODE solvers against closed forms, SciPy's solve_ivp, and their own
//! invariants (NFE counts, thread-count independence, typed errors).

use sobolev_samplers::Error;
use sobolev_samplers::ode::tableau::{self, ButcherTableau};
use sobolev_samplers::ode::{Event, FnField, OdeOptions, VectorField, solve, solve_batch};
use std::sync::atomic::{AtomicUsize, Ordering};

/// y' = y cos t, y(0) = 1: y = exp(sin t).
fn linear_forced() -> impl VectorField {
    FnField::new(1, |t: f64, y: &[f64], d: &mut [f64]| d[0] = y[0] * t.cos())
}
fn linear_exact(t: f64) -> f64 {
    t.sin().exp()
}

fn fixed_error(tab: &ButcherTableau, steps: usize) -> f64 {
    let f = linear_forced();
    let sol = solve(&f, tab, 0.0, &[1.0], 2.0, &OdeOptions::fixed(steps), None).unwrap();
    (sol.y_final()[0] - linear_exact(2.0)).abs()
}

#[test]
fn fixed_step_convergence_orders_match_theory() {
    for tab in tableau::ALL {
        let (n0, n1) = match tab.order {
            5 => (20, 40),
            4 => (10, 20),
            _ => (40, 80),
        };
        let (e0, e1) = (fixed_error(&tab, n0), fixed_error(&tab, n1));
        let p = (e0 / e1).log2();
        assert!(
            // Tsitouras' pair has a tiny principal error term, so its
            // estimate still sits above 5 before round-off sets in.
            p > f64::from(tab.order) - 0.25 && p < f64::from(tab.order) + 0.7,
            "{}: measured order {p} (errors {e0:e}, {e1:e})",
            tab.name
        );
    }
}

#[test]
fn tableaux_are_consistent() {
    for tab in tableau::ALL {
        let s = tab.stages();
        assert_eq!(tab.a.len(), s, "{}", tab.name);
        assert!(
            (tab.b.iter().sum::<f64>() - 1.0).abs() < 1e-14,
            "{}",
            tab.name
        );
        for i in 0..s {
            let row: f64 = tab.a[i].iter().sum();
            assert!((row - tab.c[i]).abs() < 1e-13, "{} row {i}", tab.name);
        }
        if let Some(be) = tab.b_error {
            assert!(be.iter().sum::<f64>().abs() < 1e-13, "{}", tab.name);
        }
    }
}

type Rhs = fn(f64, &[f64], &mut [f64]);

fn lotka(t: f64, y: &[f64], d: &mut [f64]) {
    let _ = t;
    d[0] = 1.5 * y[0] - y[0] * y[1];
    d[1] = -3.0 * y[1] + y[0] * y[1];
}
const MU: f64 = 0.012277471;
fn arenstorf(_t: f64, y: &[f64], d: &mut [f64]) {
    let (x, v, u, w) = (y[0], y[1], y[2], y[3]);
    let m = 1.0 - MU;
    let d1 = ((x + MU).powi(2) + v * v).powf(1.5);
    let d2 = ((x - m).powi(2) + v * v).powf(1.5);
    d[0] = u;
    d[1] = w;
    d[2] = x + 2.0 * w - m * (x + MU) / d1 - MU * (x - m) / d2;
    d[3] = v - 2.0 * u - m * v / d1 - MU * v / d2;
}
fn vdp(_t: f64, y: &[f64], d: &mut [f64]) {
    d[0] = y[1];
    d[1] = (1.0 - y[0] * y[0]) * y[1] - y[0];
}

#[test]
fn dopri5_matches_scipy_rk45_at_same_tolerance() {
    let text = include_str!("data/ode_scipy.csv");
    let mut reference = std::collections::HashMap::new();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').collect())
        .collect();
    for r in &rows {
        if r[1] == "reference" {
            let y: Vec<f64> = r[5..].iter().map(|v| v.parse().unwrap()).collect();
            reference.insert(r[0].to_string(), y);
        }
    }
    let mut checked = 0;
    for r in rows.iter().filter(|r| r[1] == "rk45") {
        let (rtol, atol): (f64, f64) = (r[2].parse().unwrap(), r[3].parse().unwrap());
        let scipy_nfe: usize = r[4].parse().unwrap();
        let scipy_y: Vec<f64> = r[5..].iter().map(|v| v.parse().unwrap()).collect();
        let yref = &reference[r[0]];
        let (y0, t1, f): (Vec<f64>, f64, Rhs) = match r[0] {
            "lotka_volterra" => (vec![1.0, 1.0], 10.0, lotka),
            "arenstorf" => (
                vec![0.994, 0.0, 0.0, -2.00158510637908252240537862224],
                17.0652165601579625588917206249,
                arenstorf,
            ),
            "van_der_pol" => (vec![2.0, 0.0], 10.0, vdp),
            other => panic!("unknown problem {other}"),
        };
        let field = FnField::new(y0.len(), f);
        let mut opts = OdeOptions::adaptive(rtol, atol);
        opts.max_steps = 1_000_000;
        let sol = solve(
            &field,
            &tableau::DORMAND_PRINCE_5_4,
            0.0,
            &y0,
            t1,
            &opts,
            None,
        )
        .unwrap();
        let err = |y: &[f64]| {
            y.iter()
                .zip(yref)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        };
        let (ours, theirs) = (err(sol.y_final()), err(&scipy_y));
        let scale = yref.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        // Same method, same tolerance: same accuracy within a small factor
        // (the controllers differ: PI here, integral in SciPy), and a
        // comparable evaluation count.
        assert!(
            ours <= 5.0 * theirs + 10.0 * rtol * scale,
            "{} rtol {rtol}: ours {ours:e} scipy {theirs:e}",
            r[0]
        );
        let ratio = sol.stats.nfe as f64 / scipy_nfe as f64;
        assert!(
            (0.5..2.0).contains(&ratio),
            "{} rtol {rtol}: nfe ours {} scipy {scipy_nfe}",
            r[0],
            sol.stats.nfe
        );
        checked += 1;
    }
    assert_eq!(checked, 9);
}

#[test]
fn adaptive_methods_meet_tolerance_and_count_evaluations() {
    let calls = AtomicUsize::new(0);
    let field = FnField::new(2, |_t: f64, y: &[f64], d: &mut [f64]| {
        calls.fetch_add(1, Ordering::Relaxed);
        d[0] = y[1];
        d[1] = -y[0];
    });
    for tab in [
        tableau::HEUN,
        tableau::MIDPOINT,
        tableau::BOGACKI_SHAMPINE_3_2,
        tableau::DORMAND_PRINCE_5_4,
        tableau::TSITOURAS_5_4,
    ] {
        calls.store(0, Ordering::Relaxed);
        let sol = solve(
            &field,
            &tab,
            0.0,
            &[1.0, 0.0],
            5.0,
            &OdeOptions::adaptive(1e-7, 1e-10),
            None,
        )
        .unwrap();
        assert_eq!(sol.stats.nfe, calls.load(Ordering::Relaxed), "{}", tab.name);
        let y = sol.y_final();
        let err = (y[0] - 5f64.cos()).abs().max((y[1] + 5f64.sin()).abs());
        assert!(err < 2e-5, "{}: error {err:e}", tab.name);
        assert!(sol.steps.iter().all(|s| s.error_norm <= 1.0));
        // Dense output between the steps, against the closed form.
        let mut out = [0.0; 2];
        let mut worst: f64 = 0.0;
        for i in 0..=200 {
            let t = 5.0 * i as f64 / 200.0;
            sol.interpolate(t, &mut out).unwrap();
            worst = worst.max((out[0] - t.cos()).abs());
        }
        assert!(worst < 1e-4, "{}: dense error {worst:e}", tab.name);
    }
}

#[test]
fn stiffness_estimate_is_h_times_lambda_on_linear_problem() {
    for lambda in [1.0, 1000.0] {
        let field = FnField::new(1, move |_t: f64, y: &[f64], d: &mut [f64]| {
            d[0] = -lambda * y[0]
        });
        let sol = solve(
            &field,
            &tableau::DORMAND_PRINCE_5_4,
            0.0,
            &[1.0],
            1.0,
            &OdeOptions::adaptive(1e-6, 1e-9),
            None,
        )
        .unwrap();
        for s in &sol.steps {
            assert!((s.stiffness / s.h.abs() - lambda).abs() < 1e-6 * lambda);
        }
        let max = sol.steps.iter().map(|s| s.stiffness).fold(0.0, f64::max);
        if lambda > 100.0 {
            assert!(max > 2.0, "stiff problem not flagged: {max}");
            assert!(sol.stats.rejected > 0);
        } else {
            assert!(max < 1.0);
        }
    }
}

#[test]
fn event_locates_ground_impact_of_falling_body() {
    // y'' = -g from height 10 at rest: impact at sqrt(20/g); the solution is
    // a quadratic, so the cubic interpolant is exact and the root is sharp.
    let g = 9.81;
    let field = FnField::new(2, move |_t: f64, y: &[f64], d: &mut [f64]| {
        d[0] = y[1];
        d[1] = -g;
    });
    let height = |_t: f64, y: &[f64]| y[0];
    let ev = Event {
        g: &height,
        terminal: true,
    };
    let sol = solve(
        &field,
        &tableau::TSITOURAS_5_4,
        0.0,
        &[10.0, 0.0],
        5.0,
        &OdeOptions::adaptive(1e-8, 1e-10),
        Some(&ev),
    )
    .unwrap();
    let hit = sol.event.clone().unwrap();
    let exact = (20.0 / g).sqrt();
    assert!((hit.t - exact).abs() < 1e-12, "{} vs {exact}", hit.t);
    assert!((sol.t_final() - exact).abs() < 1e-12);
    assert!(hit.y[0].abs() < 1e-11);
    assert!((hit.y[1] + g * exact).abs() < 1e-10);
}

#[test]
fn backward_integration_returns_to_start() {
    let field = FnField::new(2, lotka);
    let opts = OdeOptions::adaptive(1e-10, 1e-12);
    let fwd = solve(
        &field,
        &tableau::DORMAND_PRINCE_5_4,
        0.0,
        &[1.0, 1.0],
        3.0,
        &opts,
        None,
    )
    .unwrap();
    let back = solve(
        &field,
        &tableau::DORMAND_PRINCE_5_4,
        3.0,
        fwd.y_final(),
        0.0,
        &opts,
        None,
    )
    .unwrap();
    for v in back.y_final() {
        assert!((v - 1.0).abs() < 1e-7);
    }
}

#[test]
fn batch_equals_rows_and_is_thread_independent() {
    let field = FnField::new(2, lotka);
    let n = 64;
    let init: Vec<f64> = (0..2 * n).map(|i| 0.5 + 0.03 * i as f64).collect();
    let opts = OdeOptions::adaptive(1e-6, 1e-9);
    let run = |threads: usize| {
        let mut s = init.clone();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let stats = pool
            .install(|| {
                solve_batch(
                    &field,
                    &tableau::DORMAND_PRINCE_5_4,
                    0.0,
                    4.0,
                    &mut s,
                    &opts,
                )
            })
            .unwrap();
        (s, stats)
    };
    let (a, sa) = run(1);
    let (b, sb) = run(3);
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    for r in 0..n {
        let sol = solve(
            &field,
            &tableau::DORMAND_PRINCE_5_4,
            0.0,
            &init[2 * r..2 * r + 2],
            4.0,
            &opts,
            None,
        )
        .unwrap();
        assert_eq!(sol.y_final(), &a[2 * r..2 * r + 2]);
    }
}

#[test]
fn bad_input_gives_typed_errors_with_time_reached() {
    let field = FnField::new(1, |_t: f64, y: &[f64], d: &mut [f64]| d[0] = y[0] * y[0]);
    let tab = tableau::DORMAND_PRINCE_5_4;
    let opts = OdeOptions::adaptive(1e-8, 1e-10);
    assert!(matches!(
        solve(&field, &tab, 0.0, &[1.0], 0.0, &opts, None),
        Err(Error::NonMonotoneTimes { .. })
    ));
    assert!(matches!(
        solve(&field, &tab, 0.0, &[f64::NAN], 1.0, &opts, None),
        Err(Error::NonFiniteAt { .. })
    ));
    assert!(matches!(
        solve(&field, &tab, 0.0, &[1.0, 2.0], 1.0, &opts, None),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        solve(&field, &tab, 0.0, &[1.0], 1.0, &OdeOptions::fixed(0), None),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        solve(&field, &tableau::RK4, 0.0, &[1.0], 1.0, &opts, None),
        Err(Error::InvalidArgument(_))
    ));
    // y' = y^2, y(0) = 1 blows up at t = 1: the run stops just before it.
    match solve(&field, &tab, 0.0, &[1.0], 2.0, &opts, None) {
        Err(Error::StepSizeUnderflow { t, .. })
        | Err(Error::NonFiniteAt { t, .. })
        | Err(Error::MaxStepsExceeded { t, .. }) => {
            assert!(t > 0.99 && t < 1.0 + 1e-6, "stopped at {t}")
        }
        other => panic!("expected a blow-up error, got {other:?}"),
    }
    let mut few = opts;
    few.max_steps = 3;
    match solve(&field, &tab, 0.0, &[1.0], 0.5, &few, None) {
        Err(Error::MaxStepsExceeded { t, steps }) => assert!(t > 0.0 && t < 0.5 && steps == 3),
        other => panic!("{other:?}"),
    }
    let nan_field = FnField::new(1, |t: f64, _y: &[f64], d: &mut [f64]| {
        d[0] = if t > 0.5 { f64::NAN } else { 1.0 }
    });
    match solve(
        &nan_field,
        &tableau::RK4,
        0.0,
        &[1.0],
        1.0,
        &OdeOptions::fixed(10),
        None,
    ) {
        Err(Error::NonFiniteAt { t, .. }) => assert!((0.4..=0.6).contains(&t)),
        other => panic!("{other:?}"),
    }
}
