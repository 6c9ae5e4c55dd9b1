//! Randomised low-rank factorisations: truncated SVD and symmetric
//! eigendecompositions from a few products with the operator.
//!
//! A Gaussian test matrix `Omega` with `l = k + p` columns (rank `k`,
//! oversampling `p`) captures the dominant range of `A` in `Y = A Omega`;
//! `q` power iterations `Y = (A A^T)^q A Omega`, re-orthonormalised after
//! every product, sharpen the capture when the spectrum decays slowly.
//! With `Q` an orthonormal basis of `Y`, the small matrix `B = Q^T A` carries
//! the approximation `A ~ Q B`, whose SVD is computed densely (Halko,
//! Martinsson and Tropp, SIAM Review 53(2), 2011, Algs. 4.4 and 5.1). The
//! expected error is within a modest factor of the optimal rank-`k` error
//! `sigma_{k+1}`, and that factor tends to one as `q` grows (ibid., Cor.
//! 10.10).
//!
//! For symmetric operators the Rayleigh-Ritz variant diagonalises
//! `Q^T A Q` (ibid., Alg. 5.3), and for positive semidefinite ones the
//! Nystrom approximation `A ~ (A Omega)(Omega^T A Omega)^+ (A Omega)^T` is
//! computed by the numerically stable shifted form of Tropp, Yurtsever,
//! Udell and Cevher (SIAM J. Matrix Anal. Appl. 38(4), 2017, Alg. 3), which
//! is more accurate than Rayleigh-Ritz for the same number of products.
//!
//! Every routine takes a faer [`LinOp`] (or [`BiLinOp`] when `A^T` is
//! needed), so dense matrices and matrix-free operators alike work; the
//! test matrix comes from a ChaCha8 stream with an explicit seed, so results
//! are reproducible.
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::{BiLinOp, LinOp};
use faer::{Mat, MatRef, Side};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Error, Result};

/// Parameters of the randomised factorisations.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RandomizedConfig {
    /// Target rank `k`.
    pub rank: usize,
    /// Extra test vectors `p` beyond the rank (10 is the usual choice).
    pub oversampling: usize,
    /// Power (subspace) iterations `q` (1 or 2 for slowly decaying spectra).
    pub power_iterations: usize,
    /// Seed of the Gaussian test matrix.
    pub seed: u64,
}

impl RandomizedConfig {
    /// Rank `k` with the usual defaults: oversampling 10, two power
    /// iterations, seed 0.
    pub fn new(rank: usize) -> Self {
        Self {
            rank,
            oversampling: 10,
            power_iterations: 2,
            seed: 0,
        }
    }
}

/// A truncated SVD `A ~ U diag(s) V^T`.
#[derive(Clone, Debug)]
pub struct LowRankSvd {
    /// Left singular vectors, `m x k`, orthonormal columns.
    pub u: Mat<f64>,
    /// Singular values, nonincreasing.
    pub singular_values: Vec<f64>,
    /// Right singular vectors, `n x k`, orthonormal columns.
    pub v: Mat<f64>,
}

/// A truncated symmetric eigendecomposition `A ~ U diag(l) U^T`.
#[derive(Clone, Debug)]
pub struct LowRankEigen {
    /// Eigenvalues, by nonincreasing magnitude.
    pub eigenvalues: Vec<f64>,
    /// Eigenvectors, `n x k`, orthonormal columns.
    pub eigenvectors: Mat<f64>,
}

fn apply(op: &(impl LinOp<f64> + ?Sized), x: MatRef<'_, f64>) -> Mat<f64> {
    let par = faer::get_global_parallelism();
    let mut out = Mat::zeros(op.nrows(), x.ncols());
    let mut buf = MemBuffer::new(op.apply_scratch(x.ncols(), par));
    op.apply(out.as_mut(), x, par, MemStack::new(&mut buf));
    out
}

fn apply_transpose(op: &(impl BiLinOp<f64> + ?Sized), x: MatRef<'_, f64>) -> Mat<f64> {
    let par = faer::get_global_parallelism();
    let mut out = Mat::zeros(op.ncols(), x.ncols());
    let mut buf = MemBuffer::new(op.transpose_apply_scratch(x.ncols(), par));
    op.transpose_apply(out.as_mut(), x, par, MemStack::new(&mut buf));
    out
}

/// An orthonormal basis of the columns of `y` (thin Householder QR), after
/// checking that the operator produced finite values.
fn orthonormal_basis(y: Mat<f64>) -> Result<Mat<f64>> {
    if (0..y.ncols()).any(|j| (0..y.nrows()).any(|i| !y[(i, j)].is_finite())) {
        return Err(Error::NonFinite(
            "operator output in a randomised factorisation",
        ));
    }
    Ok(y.as_ref().qr().compute_thin_Q())
}

fn gaussian(n: usize, l: usize, seed: u64) -> Mat<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Column by column, so a matrix with more columns extends one with fewer.
    let mut m = Mat::zeros(n, l);
    for j in 0..l {
        for i in 0..n {
            m[(i, j)] = StandardNormal.sample(&mut rng);
        }
    }
    m
}

/// Checks the configuration and returns the sketch size `l`.
fn sketch_size(cfg: &RandomizedConfig, m: usize, n: usize, context: &str) -> Result<usize> {
    let max_rank = m.min(n);
    if max_rank == 0 {
        return Err(Error::Empty("operator in a randomised factorisation"));
    }
    if cfg.rank == 0 || cfg.rank > max_rank {
        return Err(Error::InvalidArgument(format!(
            "{context}: rank {} must be in 1..={max_rank}",
            cfg.rank
        )));
    }
    Ok((cfg.rank.saturating_add(cfg.oversampling)).min(max_rank))
}

fn not_converged(method: &'static str) -> Error {
    Error::NotConverged {
        method,
        iterations: 0,
        residual: f64::NAN,
    }
}

/// Truncated SVD of rank `k` of an `m x n` operator by the randomised range
/// finder with power iterations (Halko, Martinsson and Tropp 2011).
///
/// Cost: `2q + 2` products of `A` or `A^T` with `k + p` vectors, plus
/// `O((m + n)(k + p)^2)` dense work. Accuracy (tests): on an exactly rank-`k`
/// matrix the singular values agree with faer's dense SVD to `1e-13`
/// relative; with geometric decay `sigma_j = 2^{-j}` and `q = 2`, the
/// spectral-norm error is within `1.1 sigma_{k+1}`.
///
/// # Errors
/// [`Error::InvalidArgument`] unless `1 <= k <= min(m, n)`, [`Error::Empty`]
/// for an empty operator, [`Error::NonFinite`] if the operator returns NaN
/// or infinities, [`Error::NotConverged`] if the dense SVD fails.
pub fn randomized_svd(
    op: &(impl BiLinOp<f64> + ?Sized),
    cfg: &RandomizedConfig,
) -> Result<LowRankSvd> {
    let (m, n) = (op.nrows(), op.ncols());
    let l = sketch_size(cfg, m, n, "randomized_svd")?;
    let omega = gaussian(n, l, cfg.seed);
    let mut q = orthonormal_basis(apply(op, omega.as_ref()))?;
    for _ in 0..cfg.power_iterations {
        let z = orthonormal_basis(apply_transpose(op, q.as_ref()))?;
        q = orthonormal_basis(apply(op, z.as_ref()))?;
    }
    // B^T = A^T Q, so B = Q^T A without applying A from the right.
    let bt = apply_transpose(op, q.as_ref());
    let svd = bt
        .as_ref()
        .thin_svd()
        .map_err(|_| not_converged("dense SVD of the randomised sketch"))?;
    // B^T = W S Z^T, so B = Z S W^T and A ~ (Q Z) S W^T.
    let k = cfg.rank;
    let u = &q * svd.V().subcols(0, k);
    let v = svd.U().subcols(0, k).to_owned();
    let singular_values = (0..k).map(|i| svd.S()[i]).collect();
    Ok(LowRankSvd {
        u,
        singular_values,
        v,
    })
}

fn check_square_op(op: &(impl LinOp<f64> + ?Sized), context: &'static str) -> Result<usize> {
    let n = op.nrows();
    if op.ncols() != n {
        return Err(Error::ShapeMismatch {
            context,
            expected: "a square (symmetric) operator".into(),
            got: format!("{}x{}", op.nrows(), op.ncols()),
        });
    }
    Ok(n)
}

/// Truncated eigendecomposition of a symmetric operator: the `k`
/// eigenpairs of largest magnitude, by the randomised range finder and
/// Rayleigh-Ritz (Halko, Martinsson and Tropp 2011, Alg. 5.3).
///
/// The operator is assumed symmetric (only `A x` products are used).
/// Cost: `q + 2` products with `k + p` vectors. Accuracy (tests): exact on
/// symmetric matrices of rank `k` (eigenvalues to `1e-12` relative,
/// indefinite included).
///
/// # Errors
/// As [`randomized_svd`], and [`Error::ShapeMismatch`] for a non-square
/// operator.
pub fn randomized_eigh(
    op: &(impl LinOp<f64> + ?Sized),
    cfg: &RandomizedConfig,
) -> Result<LowRankEigen> {
    let n = check_square_op(op, "randomized_eigh")?;
    let l = sketch_size(cfg, n, n, "randomized_eigh")?;
    let omega = gaussian(n, l, cfg.seed);
    let mut q = orthonormal_basis(apply(op, omega.as_ref()))?;
    for _ in 0..cfg.power_iterations {
        q = orthonormal_basis(apply(op, q.as_ref()))?;
    }
    let aq = apply(op, q.as_ref());
    let t = q.transpose() * &aq;
    let t = Mat::from_fn(l, l, |i, j| 0.5 * (t[(i, j)] + t[(j, i)]));
    let evd = t
        .as_ref()
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| not_converged("dense eigensolver of the randomised sketch"))?;
    let mut order: Vec<usize> = (0..l).collect();
    order.sort_by(|&a, &b| evd.S()[b].abs().total_cmp(&evd.S()[a].abs()));
    order.truncate(cfg.rank);
    let w = evd.U();
    let selected = Mat::from_fn(l, cfg.rank, |i, j| w[(i, order[j])]);
    Ok(LowRankEigen {
        eigenvalues: order.iter().map(|&i| evd.S()[i]).collect(),
        eigenvectors: &q * selected,
    })
}

/// Rank-`k` Nystrom approximation `A ~ U diag(l) U^T` of a symmetric
/// positive semidefinite operator, by the stable shifted algorithm of
/// Tropp, Yurtsever, Udell and Cevher (2017, Alg. 3), after `q` power
/// iterations on the test matrix.
///
/// Cost: `q + 1` products with `k + p` vectors. The eigenvalues are
/// nonnegative. Accuracy (tests): on a Gaussian kernel matrix the leading
/// eigenvalues match the dense eigensolver to `1e-10` relative.
///
/// # Errors
/// As [`randomized_eigh`], and [`Error::NotPositiveDefinite`] if the sketch
/// shows the operator is not positive semidefinite.
pub fn nystrom_psd(
    op: &(impl LinOp<f64> + ?Sized),
    cfg: &RandomizedConfig,
) -> Result<LowRankEigen> {
    let n = check_square_op(op, "nystrom_psd")?;
    let l = sketch_size(cfg, n, n, "nystrom_psd")?;
    let mut omega = orthonormal_basis(gaussian(n, l, cfg.seed))?;
    for _ in 0..cfg.power_iterations {
        omega = orthonormal_basis(apply(op, omega.as_ref()))?;
    }
    let y = apply(op, omega.as_ref());
    if (0..l).any(|j| (0..n).any(|i| !y[(i, j)].is_finite())) {
        return Err(Error::NonFinite("operator output in nystrom_psd"));
    }
    // Shift by nu = sqrt(n) eps ||Y||_F so the core matrix is safely definite.
    let nu = (n as f64).sqrt() * f64::EPSILON * y.norm_l2();
    let y_nu = &y + &omega * faer::Scale(nu);
    let core = omega.transpose() * &y_nu;
    let core = Mat::from_fn(l, l, |i, j| 0.5 * (core[(i, j)] + core[(j, i)]));
    let chol = core.as_ref().llt(Side::Lower).map_err(|_| {
        Error::NotPositiveDefinite("nystrom_psd: Omega^T A Omega is not positive definite".into())
    })?;
    // E = Y_nu L^{-T}: solve L E^T = Y_nu^T.
    let mut et = y_nu.transpose().to_owned();
    chol.L().solve_lower_triangular_in_place(et.as_mut());
    let svd = et
        .transpose()
        .thin_svd()
        .map_err(|_| not_converged("dense SVD of the Nystrom factor"))?;
    let k = cfg.rank;
    Ok(LowRankEigen {
        eigenvalues: (0..k)
            .map(|i| (svd.S()[i] * svd.S()[i] - nu).max(0.0))
            .collect(),
        eigenvectors: svd.U().subcols(0, k).to_owned(),
    })
}
