//! SDE solvers' strong and weak orders on geometric Brownian motion against
//! its exact solution on the same Brownian path, and the Brownian tree's
//! consistency.

use sobolev_samplers::Error;
use sobolev_samplers::brownian::BrownianTree;
use sobolev_samplers::sde::{Noise, Sde, SdeMethod, path_seed, solve_sde, solve_sde_batch};

/// dX = mu X dt + s X dW (Ito; with `stratonovich` the same coefficients
/// read as a Stratonovich SDE).
struct Gbm {
    mu: f64,
    s: f64,
}
impl Sde for Gbm {
    fn dim(&self) -> usize {
        1
    }
    fn noise(&self) -> Noise {
        Noise::Diagonal
    }
    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = self.mu * x[0];
    }
    fn diffusion(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = self.s * x[0];
    }
}

/// Mean absolute and mean signed error at T = 1 over `paths` paths with
/// `steps` steps, against `exact(W_1)`.
fn errors(method: SdeMethod, steps: usize, paths: usize, exact: impl Fn(f64) -> f64) -> (f64, f64) {
    let sde = Gbm { mu: 1.0, s: 0.8 };
    let (mut strong, mut weak) = (0.0, 0.0);
    for p in 0..paths {
        let path = BrownianTree::new(0.0, 1.0, 1, path_seed(11, p as u64), 1.0 / 1024.0).unwrap();
        let mut x = [1.0];
        solve_sde(&sde, method, 0.0, 1.0, &mut x, steps, &path).unwrap();
        let mut w = [0.0];
        path.value(1.0, &mut w).unwrap();
        let e = x[0] - exact(w[0]);
        strong += e.abs();
        weak += e;
    }
    (strong / paths as f64, weak / paths as f64)
}

fn order(e: &[f64], steps: &[usize]) -> f64 {
    // Least-squares slope of log error against log step size.
    let xs: Vec<f64> = steps.iter().map(|&n| (1.0 / n as f64).ln()).collect();
    let ys: Vec<f64> = e.iter().map(|v| v.abs().ln()).collect();
    let (mx, my) = (
        xs.iter().sum::<f64>() / xs.len() as f64,
        ys.iter().sum::<f64>() / ys.len() as f64,
    );
    let num: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    num / den
}

#[test]
fn strong_and_weak_orders_on_geometric_brownian_motion() {
    let steps = [8, 16, 32, 64, 128];
    let ito = |w: f64| ((1.0 - 0.5 * 0.64) + 0.8 * w).exp();
    let strat = |w: f64| (1.0 + 0.8 * w).exp();
    let em: Vec<(f64, f64)> = steps
        .iter()
        .map(|&n| errors(SdeMethod::EulerMaruyama, n, 2000, ito))
        .collect();
    let mil: Vec<(f64, f64)> = steps
        .iter()
        .map(|&n| errors(SdeMethod::Milstein, n, 2000, ito))
        .collect();
    let heun: Vec<(f64, f64)> = steps
        .iter()
        .map(|&n| errors(SdeMethod::StochasticHeun, n, 2000, strat))
        .collect();
    let p_em = order(&em.iter().map(|e| e.0).collect::<Vec<_>>(), &steps);
    let p_mil = order(&mil.iter().map(|e| e.0).collect::<Vec<_>>(), &steps);
    let p_heun = order(&heun.iter().map(|e| e.0).collect::<Vec<_>>(), &steps);
    let w_em = order(&em.iter().map(|e| e.1).collect::<Vec<_>>(), &steps);
    assert!(
        (p_em - 0.5).abs() < 0.15,
        "Euler-Maruyama strong order {p_em}"
    );
    assert!((p_mil - 1.0).abs() < 0.15, "Milstein strong order {p_mil}");
    assert!(
        (p_heun - 1.0).abs() < 0.15,
        "stochastic Heun strong order {p_heun}"
    );
    assert!((w_em - 1.0).abs() < 0.2, "Euler-Maruyama weak order {w_em}");
}

#[test]
fn brownian_tree_is_consistent_and_has_brownian_statistics() {
    let tree = BrownianTree::new(0.0, 2.0, 3, 42, 1e-6).unwrap();
    // Same value whatever the query order; dyadic sweep equals queries.
    let mut a = [0.0; 3];
    let mut b = [0.0; 3];
    tree.value(0.73, &mut a).unwrap();
    tree.value(1.9, &mut b).unwrap();
    tree.value(0.73, &mut b).unwrap();
    assert_eq!(a, b);
    let grid = tree.dyadic_values(5).unwrap();
    for k in 0..=32 {
        tree.value(2.0 * k as f64 / 32.0, &mut a).unwrap();
        for i in 0..3 {
            assert!((a[i] - grid[k * 3 + i]).abs() < 1e-12);
        }
    }
    // Increments over two different grids telescope to the same W(2).
    let mut sum = [0.0; 3];
    let ts = [0.0, 0.1, 0.35, 0.9, 1.2, 2.0];
    for w in ts.windows(2) {
        tree.increment(w[0], w[1], &mut a).unwrap();
        for i in 0..3 {
            sum[i] += a[i];
        }
    }
    tree.value(2.0, &mut b).unwrap();
    for i in 0..3 {
        assert!((sum[i] - b[i]).abs() < 1e-12);
    }
    // Var W(t) = t and Cov(W(s), W(t)) = min(s, t) across seeds.
    let n = 4000;
    let (mut v05, mut v15, mut c) = (0.0, 0.0, 0.0);
    for s in 0..n {
        let t = BrownianTree::new(0.0, 2.0, 1, s, 1e-4).unwrap();
        let (mut x, mut y) = ([0.0], [0.0]);
        t.value(0.5, &mut x).unwrap();
        t.value(1.5, &mut y).unwrap();
        v05 += x[0] * x[0];
        v15 += y[0] * y[0];
        c += x[0] * y[0];
    }
    let nf = n as f64;
    assert!((v05 / nf - 0.5).abs() < 0.05, "{}", v05 / nf);
    assert!((v15 / nf - 1.5).abs() < 0.15, "{}", v15 / nf);
    assert!((c / nf - 0.5).abs() < 0.06, "{}", c / nf);
}

/// Two-dimensional Ornstein-Uhlenbeck with general (2 x 3) noise.
struct Ou;
impl Sde for Ou {
    fn dim(&self) -> usize {
        2
    }
    fn noise(&self) -> Noise {
        Noise::General { m: 3 }
    }
    fn drift(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        out[0] = -x[0];
        out[1] = -2.0 * x[1];
    }
    fn diffusion(&self, _t: f64, _x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&[0.5, 0.2, 0.0, 0.0, 0.3, 0.4]);
    }
}

#[test]
fn batched_paths_are_thread_independent_and_have_ou_moments() {
    let n = 4000;
    let run = |threads: usize| {
        let mut x = vec![1.0; 2 * n];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| solve_sde_batch(&Ou, SdeMethod::EulerMaruyama, 0.0, 1.0, &mut x, 64, 5))
            .unwrap();
        x
    };
    let a = run(1);
    assert_eq!(a, run(3));
    // E X_1 = e^{-1}, e^{-2}; Var X_1 = |g_i|^2 (1 - e^{-2 k}) / (2 k).
    let m0 = a.chunks(2).map(|r| r[0]).sum::<f64>() / n as f64;
    let v0 = a.chunks(2).map(|r| (r[0] - m0).powi(2)).sum::<f64>() / n as f64;
    assert!((m0 - (-1f64).exp()).abs() < 0.02, "{m0}");
    let want_v0 = 0.29 * (1.0 - (-2f64).exp()) / 2.0;
    assert!((v0 - want_v0).abs() < 0.1 * want_v0, "{v0} vs {want_v0}");
}

#[test]
fn sde_bad_input_gives_typed_errors() {
    let path = BrownianTree::new(0.0, 1.0, 1, 0, 1e-3).unwrap();
    let sde = Gbm { mu: 1.0, s: 0.5 };
    let mut x = [1.0];
    assert!(matches!(
        solve_sde(&sde, SdeMethod::EulerMaruyama, 1.0, 1.0, &mut x, 4, &path),
        Err(Error::NonMonotoneTimes { .. })
    ));
    assert!(matches!(
        solve_sde(&sde, SdeMethod::EulerMaruyama, 0.0, 1.0, &mut x, 0, &path),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        solve_sde(
            &sde,
            SdeMethod::EulerMaruyama,
            0.0,
            1.0,
            &mut [f64::NAN],
            4,
            &path
        ),
        Err(Error::NonFiniteAt { .. })
    ));
    assert!(matches!(
        solve_sde(
            &Ou,
            SdeMethod::Milstein,
            0.0,
            1.0,
            &mut [1.0, 1.0],
            4,
            &path
        ),
        Err(Error::InvalidArgument(_))
    ));
    let blow = Gbm { mu: 1e300, s: 0.0 };
    match solve_sde(
        &blow,
        SdeMethod::EulerMaruyama,
        0.0,
        1.0,
        &mut [1.0],
        8,
        &path,
    ) {
        Err(Error::NonFiniteAt { t, .. }) => assert!((0.0..1.0).contains(&t)),
        other => panic!("{other:?}"),
    }
    assert!(BrownianTree::new(1.0, 0.0, 1, 0, 1e-3).is_err());
}
