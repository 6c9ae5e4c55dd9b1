//! Randomised SVD and eigensolvers against faer's dense factorisations.
use faer::dyn_stack::{MemStack, StackReq};
use faer::matrix_free::{BiLinOp, LinOp};
use faer::{Mat, MatMut, MatRef, Par};
use sobolev_linalg::Error;
use sobolev_linalg::randomized::{RandomizedConfig, nystrom_psd, randomized_eigh, randomized_svd};

/// Orthonormal `n x k` from a deterministic dense matrix.
fn orthonormal(n: usize, k: usize, salt: f64) -> Mat<f64> {
    let x = Mat::from_fn(n, k, |i, j| ((i * 31 + j * 17) as f64 * 0.37 + salt).sin());
    x.as_ref().qr().compute_thin_Q()
}

fn with_spectrum(m: usize, n: usize, s: &[f64]) -> Mat<f64> {
    let k = s.len();
    let u = orthonormal(m, k, 0.1);
    let v = orthonormal(n, k, 0.7);
    let us = Mat::from_fn(m, k, |i, j| u[(i, j)] * s[j]);
    us * v.transpose()
}

fn spectral_norm(a: MatRef<'_, f64>) -> f64 {
    a.singular_values().unwrap()[0]
}

#[test]
fn exact_low_rank_is_recovered() {
    let s = [10.0, 5.0, 2.0, 1.0, 0.5];
    let a = with_spectrum(60, 40, &s);
    let mut cfg = RandomizedConfig::new(5);
    cfg.seed = 3;
    let f = randomized_svd(&a.as_ref(), &cfg).unwrap();
    for (got, want) in f.singular_values.iter().zip(s) {
        assert!((got / want - 1.0).abs() < 1e-13, "{got} vs {want}");
    }
    let us = Mat::from_fn(60, 5, |i, j| f.u[(i, j)] * f.singular_values[j]);
    let back = us * f.v.transpose();
    assert!(spectral_norm((&back - &a).as_ref()) < 1e-13 * s[0]);
    // Same seed, same result; the Mat itself is also an operator.
    let g = randomized_svd(&a, &cfg).unwrap();
    assert_eq!(f.singular_values, g.singular_values);
}

#[test]
fn decaying_spectrum_error_is_near_optimal() {
    let s: Vec<f64> = (0..40).map(|j| 0.5f64.powi(j)).collect();
    let a = with_spectrum(80, 50, &s);
    let k = 8;
    let f = randomized_svd(&a.as_ref(), &RandomizedConfig::new(k)).unwrap();
    let us = Mat::from_fn(80, k, |i, j| f.u[(i, j)] * f.singular_values[j]);
    let err = spectral_norm((&a - us * f.v.transpose()).as_ref());
    assert!(err <= 1.1 * s[k], "error {err:e} vs optimal {:e}", s[k]);
    let dense = a.as_ref().singular_values().unwrap();
    for j in 0..k {
        assert!((f.singular_values[j] / dense[j] - 1.0).abs() < 1e-10);
    }
}

/// A matrix-free operator: `x -> diag(d) x`, never stored as a matrix.
#[derive(Debug)]
struct Diagonal(Vec<f64>);

impl LinOp<f64> for Diagonal {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.0.len()
    }
    fn ncols(&self) -> usize {
        self.0.len()
    }
    fn apply(
        &self,
        mut out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        _par: Par,
        _stack: &mut MemStack,
    ) {
        for j in 0..rhs.ncols() {
            for i in 0..rhs.nrows() {
                out[(i, j)] = self.0[i] * rhs[(i, j)];
            }
        }
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.apply(out, rhs, par, stack)
    }
}

impl BiLinOp<f64> for Diagonal {
    fn transpose_apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.apply(out, rhs, par, stack)
    }
    fn adjoint_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.apply(out, rhs, par, stack)
    }
}

#[test]
fn matrix_free_operators_work() {
    let d: Vec<f64> = (0..200)
        .map(|i| {
            if i < 4 {
                -(4.0 - i as f64) * 3.0
            } else {
                1e-3 / (1.0 + i as f64)
            }
        })
        .collect();
    let op = Diagonal(d.clone());
    let e = randomized_eigh(&op, &RandomizedConfig::new(4)).unwrap();
    // Largest magnitudes: -12, -9, -6, -3.
    for (got, want) in e.eigenvalues.iter().zip([-12.0, -9.0, -6.0, -3.0]) {
        assert!((got / want - 1.0).abs() < 1e-12, "{got} vs {want}");
    }
    let f = randomized_svd(&op, &RandomizedConfig::new(2)).unwrap();
    assert!((f.singular_values[0] - 12.0).abs() < 1e-12);
    assert!((f.singular_values[1] - 9.0).abs() < 1e-12);
}

#[test]
fn nystrom_matches_dense_eigenvalues_of_a_kernel_matrix() {
    let n = 300;
    let x: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
    let k = Mat::from_fn(n, n, |i, j| {
        (-(x[i] - x[j]).powi(2) / (2.0 * 0.2f64.powi(2))).exp()
    });
    let dense = k
        .as_ref()
        .self_adjoint_eigenvalues(faer::Side::Lower)
        .unwrap();
    let top: Vec<f64> = dense.iter().rev().take(6).copied().collect();
    let cfg = RandomizedConfig {
        rank: 6,
        oversampling: 10,
        power_iterations: 1,
        seed: 9,
    };
    let ny = nystrom_psd(&k.as_ref(), &cfg).unwrap();
    for (got, want) in ny.eigenvalues.iter().zip(&top) {
        assert!((got / want - 1.0).abs() < 1e-10, "{got} vs {want}");
    }
    let rr = randomized_eigh(&k.as_ref(), &cfg).unwrap();
    for (got, want) in rr.eigenvalues.iter().zip(&top) {
        assert!((got / want - 1.0).abs() < 1e-10, "{got} vs {want}");
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let a = with_spectrum(10, 8, &[1.0, 0.5]);
    let bad_rank = RandomizedConfig::new(0);
    assert!(matches!(
        randomized_svd(&a.as_ref(), &bad_rank),
        Err(Error::InvalidArgument(_))
    ));
    let too_big = RandomizedConfig::new(9);
    assert!(matches!(
        randomized_svd(&a.as_ref(), &too_big),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        randomized_eigh(&a.as_ref(), &RandomizedConfig::new(2)),
        Err(Error::ShapeMismatch { .. })
    ));
    let indefinite = faer::mat![[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 0.5]];
    assert!(matches!(
        nystrom_psd(&indefinite.as_ref(), &RandomizedConfig::new(2)),
        Err(Error::NotPositiveDefinite(_))
    ));
    let nan = faer::mat![[1.0, f64::NAN], [0.0, 1.0]];
    assert!(matches!(
        randomized_svd(&nan.as_ref(), &RandomizedConfig::new(1)),
        Err(Error::NonFinite(_))
    ));
}
