//! The manifold `SPD(n)` of symmetric positive definite `n x n` matrices,
//! with the metric as a type parameter.
//!
//! `SPD(n)` is an open cone in the space `Sym(n)` of symmetric matrices, so
//! every tangent space is `Sym(n)`; the metrics differ. Implemented here:
//! the affine-invariant metric `<U,V>_P = tr(P^{-1} U P^{-1} V)`
//! ([`AffineInvariant`]; Pennec, Fillard and Ayache 2006), the
//! log-Euclidean metric pulled back by the matrix logarithm
//! ([`LogEuclidean`]; Arsigny et al. 2007), the power-Euclidean metrics
//! pulled back by `P -> P^a / a` ([`PowerEuclidean`]; Dryden, Koloydenko and
//! Zhou 2009), the log-Cholesky metric ([`LogCholesky`]; Lin 2019) and the
//! Bures-Wasserstein metric ([`BuresWasserstein`]; Bhatia, Jain and Lim
//! 2019), incomplete, whose exp fails with a typed error at the boundary.
//! Each implements [`SpdMetric`]; [`Spd`] turns any of them into a
//! [`Manifold`]. Matrix functions (exp, log, square roots, powers and their
//! Frechet derivatives) come from `sobolev_linalg::matfun`. With the
//! affine-invariant metric, [`normal`] gives the wrapped normal law on
//! `SPD(n)`, [`riemannian_normal`] draws of the Riemannian Gaussian (exact
//! by rejection, or by HMC where no envelope is tight) and its normaliser,
//! and [`batch_norm`] the Riemannian batch-normalisation statistics. The O(n)-
//! invariant family of Thanwerdas and Pennec (2023) contains the first
//! three and Bures-Wasserstein as special cases; its two-parameter
//! `(alpha, beta)` members are the `new(alpha, beta)` constructors of
//! [`AffineInvariant`] and [`LogEuclidean`] (defaults `(1, 0)`).

pub mod affine_invariant;
pub mod batch;
mod batch_bw;
pub mod batch_norm;
pub mod bures_wasserstein;
pub mod log_cholesky;
pub mod normal;
pub mod pullback;
pub mod riemannian_normal;
mod small_dense;
mod small_eigh;
mod trace_weights;

pub use affine_invariant::AffineInvariant;
pub use batch_norm::{BatchStatistics, SpdBatchNorm};
pub use bures_wasserstein::BuresWasserstein;
pub use log_cholesky::LogCholesky;
pub use normal::SpdNormal;
pub use pullback::{LogEuclidean, PowerEuclidean};
pub use riemannian_normal::SpdRiemannianNormal;

use crate::check;
use crate::error::{Error, Result};
use crate::manifold::Manifold;
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, MatRef, Par, Side};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use sobolev_linalg::matfun::{SymEigen, sym_exp};

/// A Riemannian metric on `SPD(n)`: the operations [`Spd`] delegates to.
/// Points and tangent vectors are `n x n` symmetric `Mat<f64>`; shapes
/// and symmetry are checked by [`Spd`] before these are called.
pub trait SpdMetric: Clone + std::fmt::Debug + Send + Sync {
    /// Riemannian exponential.
    fn exp(&self, p: MatRef<'_, f64>, v: MatRef<'_, f64>) -> Result<Mat<f64>>;
    /// Riemannian logarithm.
    fn log(&self, p: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>>;
    /// Parallel transport along the geodesic from `p` to `q`.
    fn parallel_transport(
        &self,
        p: MatRef<'_, f64>,
        q: MatRef<'_, f64>,
        v: MatRef<'_, f64>,
    ) -> Result<Mat<f64>>;
    /// The metric `<u, v>_p`.
    fn inner(&self, p: MatRef<'_, f64>, u: MatRef<'_, f64>, v: MatRef<'_, f64>) -> Result<f64>;
    /// Geodesic distance.
    fn dist(&self, p: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<f64>;
    /// Riemannian gradient from the Euclidean gradient `g` (symmetrised).
    fn egrad_to_rgrad(&self, p: MatRef<'_, f64>, g: MatRef<'_, f64>) -> Result<Mat<f64>>;
    /// Logarithms from one base point; override to share a factorisation.
    fn log_many(&self, p: MatRef<'_, f64>, qs: &[Mat<f64>]) -> Result<Vec<Mat<f64>>> {
        qs.par_iter().map(|q| self.log(p, q.as_ref())).collect()
    }
    /// `sum_i w_i log_p(q_i)` (lengths checked by [`Spd`]); override to
    /// sum in whitened coordinates.
    fn weighted_log_sum(&self, p: MatRef<'_, f64>, qs: &[Mat<f64>], w: &[f64]) -> Result<Mat<f64>> {
        let logs = self.log_many(p, qs)?;
        let mut acc = Mat::zeros(p.nrows(), p.ncols());
        for (v, wi) in logs.iter().zip(w) {
            acc += faer::Scale(*wi) * v;
        }
        Ok(acc)
    }
    /// A closed-form approximation of the weighted Frechet mean of `qs`
    /// (lengths checked, at least one point) where to start the Karcher
    /// iteration, or `None` for the generic start.
    fn mean_start(&self, qs: &[Mat<f64>], w: &[f64]) -> Result<Option<Mat<f64>>> {
        let _ = (qs, w);
        Ok(None)
    }
    /// A vector transport from `T_p` to `T_q`; defaults to parallel
    /// transport.
    fn vector_transport(
        &self,
        p: MatRef<'_, f64>,
        q: MatRef<'_, f64>,
        v: MatRef<'_, f64>,
    ) -> Result<Mat<f64>> {
        self.parallel_transport(p, q, v)
    }
    /// `Ok` when the metric's parameters are valid on `SPD(n)` (some
    /// conditions depend on `n`); checked by [`Spd::with_metric`].
    fn validate(&self, n: usize) -> Result<()> {
        let _ = n;
        Ok(())
    }
}

/// `SPD(n)` under the metric `M`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Spd<M> {
    n: usize,
    metric: M,
}

impl<M: SpdMetric> Spd<M> {
    /// `SPD(n)` with the given metric; needs `n >= 1`.
    pub fn with_metric(n: usize, metric: M) -> Result<Self> {
        if n == 0 {
            return Err(Error::InvalidArgument("SPD(n) needs n >= 1".into()));
        }
        metric.validate(n)?;
        Ok(Self { n, metric })
    }

    /// The matrix order `n`.
    pub fn order(&self) -> usize {
        self.n
    }

    /// The metric.
    pub fn metric(&self) -> &M {
        &self.metric
    }

    fn square(&self, context: &'static str, a: &Mat<f64>) -> Result<()> {
        check::shape(context, a, self.n, self.n)
    }
}

impl<M: SpdMetric + Default> Spd<M> {
    /// `SPD(n)` with the metric's default parameters.
    pub fn new(n: usize) -> Result<Self> {
        Self::with_metric(n, M::default())
    }
}

/// `(a + a^T) / 2`.
pub(crate) fn sym(a: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| 0.5 * (a[(i, j)] + a[(j, i)]))
}

/// The Frobenius inner product.
pub(crate) fn frob(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += a[(i, j)] * b[(i, j)];
        }
    }
    s
}

/// The lower Cholesky factor, or `NotPositiveDefinite`.
pub(crate) fn cholesky(p: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let llt = p
        .llt(Side::Lower)
        .map_err(|e| Error::NotPositiveDefinite(format!("Cholesky failed: {e:?}")))?;
    let l = llt.L();
    Ok(Mat::from_fn(p.nrows(), p.ncols(), |i, j| {
        if i >= j { l[(i, j)] } else { 0.0 }
    }))
}

/// `L^{-1} B L^{-T}` for lower-triangular `L` and symmetric `B`, symmetrised.
pub(crate) fn whiten(l: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut x = b.to_owned();
    solve_lower_triangular_in_place(l, x.as_mut(), Par::Seq);
    let mut y = x.transpose().to_owned();
    solve_lower_triangular_in_place(l, y.as_mut(), Par::Seq);
    sym(y.as_ref())
}

/// Largest relative asymmetry `max|a_ij - a_ji| / max|a|`.
pub(crate) fn asymmetry(a: MatRef<'_, f64>) -> f64 {
    let mut big = 0.0f64;
    let mut d = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            big = big.max(a[(i, j)].abs());
            d = d.max((a[(i, j)] - a[(j, i)]).abs());
        }
    }
    if big == 0.0 { 0.0 } else { d / big }
}

impl<M: SpdMetric> Manifold for Spd<M> {
    type Point = Mat<f64>;
    type Tangent = Mat<f64>;

    fn dim(&self) -> usize {
        self.n * (self.n + 1) / 2
    }

    /// Symmetric to relative `tol` (`max|p_ij - p_ji| / max|p|`), and a
    /// Cholesky factorisation must succeed (`NotPositiveDefinite` if not).
    fn check_point(&self, p: &Mat<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.square("Spd::check_point", p)?;
        check::finite("Spd::check_point", p)?;
        let a = asymmetry(p.as_ref());
        if a > tol {
            return Err(check::off_manifold("matrix not symmetric", a, tol));
        }
        cholesky(sym(p.as_ref()).as_ref()).map(|_| ())
    }

    /// Symmetric to relative `tol`.
    fn check_tangent(&self, p: &Mat<f64>, v: &Mat<f64>, tol: f64) -> Result<()> {
        self.check_point(p, tol)?;
        self.square("Spd::check_tangent", v)?;
        check::finite("Spd::check_tangent", v)?;
        let a = asymmetry(v.as_ref());
        if a > tol {
            return Err(check::off_manifold("tangent not symmetric", a, tol));
        }
        Ok(())
    }

    fn exp(&self, p: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::exp", p)?;
        self.square("Spd::exp", v)?;
        self.metric.exp(p.as_ref(), v.as_ref())
    }

    fn log(&self, p: &Mat<f64>, q: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::log", p)?;
        self.square("Spd::log", q)?;
        self.metric.log(p.as_ref(), q.as_ref())
    }

    fn parallel_transport(&self, p: &Mat<f64>, q: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::parallel_transport", p)?;
        self.square("Spd::parallel_transport", q)?;
        self.square("Spd::parallel_transport", v)?;
        self.metric
            .parallel_transport(p.as_ref(), q.as_ref(), v.as_ref())
    }

    fn vector_transport(&self, p: &Mat<f64>, q: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::vector_transport", p)?;
        self.square("Spd::vector_transport", q)?;
        self.square("Spd::vector_transport", v)?;
        self.metric
            .vector_transport(p.as_ref(), q.as_ref(), v.as_ref())
    }

    fn inner(&self, p: &Mat<f64>, u: &Mat<f64>, v: &Mat<f64>) -> Result<f64> {
        self.square("Spd::inner", p)?;
        self.square("Spd::inner", u)?;
        self.square("Spd::inner", v)?;
        self.metric.inner(p.as_ref(), u.as_ref(), v.as_ref())
    }

    fn dist(&self, p: &Mat<f64>, q: &Mat<f64>) -> Result<f64> {
        self.square("Spd::dist", p)?;
        self.square("Spd::dist", q)?;
        self.metric.dist(p.as_ref(), q.as_ref())
    }

    /// Symmetrises and lifts eigenvalues below `1e-12 max|l|` to that floor.
    fn project_point(&self, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::project_point", x)?;
        check::finite("Spd::project_point", x)?;
        let e = SymEigen::new(sym(x.as_ref()).as_ref())?;
        let top = e.eigenvalues().iter().fold(0.0f64, |m, l| m.max(l.abs()));
        if top == 0.0 {
            return Err(Error::InvalidArgument(
                "cannot project the zero matrix onto SPD(n)".into(),
            ));
        }
        let floor = 1e-12 * top;
        Ok(e.apply_fn(|l| l.max(floor)))
    }

    /// The symmetric part.
    fn project_tangent(&self, p: &Mat<f64>, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::project_tangent", p)?;
        self.square("Spd::project_tangent", x)?;
        Ok(sym(x.as_ref()))
    }

    fn egrad_to_rgrad(&self, p: &Mat<f64>, egrad: &Mat<f64>) -> Result<Mat<f64>> {
        self.square("Spd::egrad_to_rgrad", p)?;
        self.square("Spd::egrad_to_rgrad", egrad)?;
        self.metric
            .egrad_to_rgrad(p.as_ref(), sym(egrad.as_ref()).as_ref())
    }

    fn zero_tangent(&self, _p: &Mat<f64>) -> Mat<f64> {
        Mat::zeros(self.n, self.n)
    }

    /// `expm(S)` with `S` symmetric, entries `N(0, 1/(2n))` off the diagonal
    /// and `N(0, 1/n)` on it.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Mat<f64> {
        let g = gaussian_sym(self.n, rng, 1.0 / (self.n as f64).sqrt());
        sym_exp(g.as_ref()).unwrap_or_else(|_| Mat::identity(self.n, self.n))
    }

    /// A symmetric matrix with `N(0, 1)` diagonal and `N(0, 1/2)`
    /// off-diagonal entries, congruence-scaled by `P^{1/2}` (a standard
    /// normal tangent for the affine-invariant metric).
    fn random_tangent<R: Rng + ?Sized>(&self, p: &Mat<f64>, rng: &mut R) -> Result<Mat<f64>> {
        self.square("Spd::random_tangent", p)?;
        let g = gaussian_sym(self.n, rng, 1.0);
        let l = cholesky(p.as_ref())?;
        let lg = l.as_ref() * g.as_ref();
        Ok(sym((lg.as_ref() * l.transpose()).as_ref()))
    }

    fn log_many(&self, p: &Mat<f64>, qs: &[Mat<f64>]) -> Result<Vec<Mat<f64>>> {
        self.square("Spd::log_many", p)?;
        for q in qs {
            self.square("Spd::log_many", q)?;
        }
        self.metric.log_many(p.as_ref(), qs)
    }

    fn weighted_log_sum(&self, p: &Mat<f64>, qs: &[Mat<f64>], w: &[f64]) -> Result<Mat<f64>> {
        self.square("Spd::weighted_log_sum", p)?;
        for q in qs {
            self.square("Spd::weighted_log_sum", q)?;
        }
        crate::manifold::check_weights(qs.len(), w)?;
        self.metric.weighted_log_sum(p.as_ref(), qs, w)
    }

    fn mean_start(&self, qs: &[Mat<f64>], w: &[f64]) -> Result<Mat<f64>> {
        crate::manifold::check_weights(qs.len(), w)?;
        if qs.is_empty() {
            return Err(Error::Empty("mean start of no points"));
        }
        for q in qs {
            self.square("Spd::mean_start", q)?;
        }
        match self.metric.mean_start(qs, w)? {
            Some(x) => Ok(x),
            None => {
                let best = (0..w.len()).fold(0, |b, i| if w[i] > w[b] { i } else { b });
                Ok(qs[best].clone())
            }
        }
    }
}

/// A symmetric Gaussian matrix: `N(0, s^2)` diagonal, `N(0, s^2/2)` off it.
fn gaussian_sym<R: Rng + ?Sized>(n: usize, rng: &mut R, s: f64) -> Mat<f64> {
    let mut g = Mat::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            let z: f64 = rng.sample(StandardNormal);
            if i == j {
                g[(i, i)] = s * z;
            } else {
                g[(i, j)] = s * z * std::f64::consts::FRAC_1_SQRT_2;
                g[(j, i)] = g[(i, j)];
            }
        }
    }
    g
}
