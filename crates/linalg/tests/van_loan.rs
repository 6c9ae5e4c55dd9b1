//! Van Loan discretisation against closed forms for the Ornstein-Uhlenbeck
//! process and the integrated Wiener process.
use faer::{Mat, MatRef};
use sobolev_linalg::Error;
use sobolev_linalg::van_loan::van_loan_discretise;

fn max_rel(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let mut num = 0.0f64;
    let mut den = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            num = num.max((a[(i, j)] - b[(i, j)]).abs());
            den = den.max(b[(i, j)].abs());
        }
    }
    num / den
}

#[test]
fn ornstein_uhlenbeck() {
    // dx = -lambda x dt + dbeta, Qc = q: A = e^{-lambda dt},
    // Q = q (1 - e^{-2 lambda dt}) / (2 lambda).
    for (lambda, q, dt) in [(0.5, 2.0, 0.1), (3.0, 0.7, 2.0), (1e-3, 1.0, 1e-4)] {
        let f = faer::mat![[-lambda]];
        let l = faer::mat![[1.0]];
        let qc = faer::mat![[q]];
        let d = van_loan_discretise(f.as_ref(), l.as_ref(), qc.as_ref(), dt).unwrap();
        let a: f64 = (-lambda * dt).exp();
        let qd = -q * (-2.0 * lambda * dt).exp_m1() / (2.0 * lambda);
        assert!((d.transition[(0, 0)] / a - 1.0).abs() < 1e-15);
        assert!(
            (d.noise_covariance[(0, 0)] / qd - 1.0).abs() < 1e-13,
            "{lambda} {dt}"
        );
    }
}

#[test]
fn integrated_wiener_process() {
    // Constant-velocity model: F = [[0, 1], [0, 0]], L = [0, 1]^T.
    let f = faer::mat![[0.0, 1.0], [0.0, 0.0]];
    let l = faer::mat![[0.0], [1.0]];
    let q = 1.7;
    let qc = faer::mat![[q]];
    for dt in [1e-3, 0.25, 4.0] {
        let d = van_loan_discretise(f.as_ref(), l.as_ref(), qc.as_ref(), dt).unwrap();
        let a = faer::mat![[1.0, dt], [0.0, 1.0]];
        let qd = faer::mat![
            [q * dt * dt * dt / 3.0, q * dt * dt / 2.0],
            [q * dt * dt / 2.0, q * dt]
        ];
        assert!(max_rel(d.transition.as_ref(), a.as_ref()) < 1e-15);
        assert!(
            max_rel(d.noise_covariance.as_ref(), qd.as_ref()) < 1e-13,
            "dt = {dt}"
        );
    }
}

#[test]
fn matern32_noise_is_stationary_covariance_difference() {
    // Matern-3/2: F = [[0, 1], [-l^2, -2l]], L = [0, 1]^T, Qc = 4 l^3 s^2,
    // stationary covariance P = diag(s^2, l^2 s^2); Q = P - A P A^T.
    let (lam, s2, dt) = (1.3, 0.8, 0.37);
    let f = faer::mat![[0.0, 1.0], [-lam * lam, -2.0 * lam]];
    let l = faer::mat![[0.0], [1.0]];
    let qc = faer::mat![[4.0 * lam * lam * lam * s2]];
    let d = van_loan_discretise(f.as_ref(), l.as_ref(), qc.as_ref(), dt).unwrap();
    let p = faer::mat![[s2, 0.0], [0.0, lam * lam * s2]];
    let a = &d.transition;
    let want: Mat<f64> = &p - a * &p * a.transpose();
    assert!(max_rel(d.noise_covariance.as_ref(), want.as_ref()) < 1e-13);
}

#[test]
fn bad_input_is_a_typed_error() {
    let f = faer::mat![[-1.0]];
    let l = faer::mat![[1.0]];
    let qc = faer::mat![[1.0]];
    let r = |dt| van_loan_discretise(f.as_ref(), l.as_ref(), qc.as_ref(), dt);
    assert!(matches!(r(-1.0), Err(Error::InvalidArgument(_))));
    assert!(matches!(r(f64::NAN), Err(Error::NonFinite(_))));
    let l2 = Mat::<f64>::zeros(2, 1);
    assert!(matches!(
        van_loan_discretise(f.as_ref(), l2.as_ref(), qc.as_ref(), 1.0),
        Err(Error::ShapeMismatch { .. })
    ));
    let qc2 = Mat::<f64>::zeros(2, 2);
    assert!(matches!(
        van_loan_discretise(f.as_ref(), l.as_ref(), qc2.as_ref(), 1.0),
        Err(Error::ShapeMismatch { .. })
    ));
    let zero = r(0.0).unwrap();
    assert_eq!(zero.transition[(0, 0)], 1.0);
    assert_eq!(zero.noise_covariance[(0, 0)], 0.0);
}
