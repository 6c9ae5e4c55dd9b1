//! The Stiefel manifold `St(n, p)` of `n x p` matrices with orthonormal
//! columns, with the canonical metric.
//!
//! A tangent vector at `Y` is an `n x p` matrix `D` with `Y^T D` skew, that
//! is `D = Y A + Y_perp B` with `A` skew. The canonical metric
//! `<D, E>_Y = tr(D^T (I - Y Y^T / 2) E)` (Edelman, Arias and Smith 1998,
//! sec. 2.4) is the quotient metric of `O(n) / O(n - p)`: `D` lifts to the
//! skew matrix `W_D = P D Y^T - Y D^T P` with `P = I - Y Y^T / 2`, so that
//! `W_D Y = D` and `<D, E>_Y = tr(W_D^T W_E) / 2`. Geodesics are orbits of
//! one-parameter subgroups, `Y(t) = exp(t W_D) Y`; with the thin QR
//! factorisation `Q R = (I - Y Y^T) D` the generator acts on the `2p`
//! columns `[Y, Q]` only, so
//! `exp_Y(D) = [Y, Q] expm([[A, -R^T], [R, 0]]) [I; 0]` costs one `2p x 2p`
//! exponential (Edelman et al., eq. 2.42).
//!
//! The logarithm follows Zimmermann (2017), "A matrix-algebraic algorithm
//! for the Riemannian logarithm on the Stiefel manifold under the canonical
//! metric": with `M = Y^T Z` and `Q N = (I - Y Y^T) Z`, complete `[M; N]`
//! to an orthogonal `2p x 2p` matrix `V` and rotate the completion by
//! `expm(-C)` until the lower-right block `C` of `log V` vanishes; then
//! `log_Y(Z) = Y A + Q B` from the blocks of `log V`. The completion is
//! first rotated by a Procrustes step (its lower block made symmetric
//! positive semi-definite), which starts the iteration close to the answer.
//! The logarithm of the orthogonal `V` is the one of
//! [`crate::special_orthogonal`] (angles by `atan2`, one symmetric
//! eigendecomposition).
//!
//! Stiefel with this metric is naturally reductive but not symmetric, so
//! parallel transport is not a translation by the group: along
//! `exp(t W_X) Y` it is `E -> exp(W_X) exp(-L_X / 2) E`, where
//! `L_X E = W_X E - W_E X` is the bracket `[W_X, W_E] Y` (the `m`-part of
//! the commutator). `exp(-L_X / 2)` is applied to `E` by a Taylor series
//! with scaling, to full precision. The tests check it against a
//! Runge-Kutta integration of the transport equation
//! `E' + Gamma(Y', E) = 0` with Edelman et al.'s Christoffel function.
//!
//! Measured accuracy: `exp` agrees with the dense `n x n` exponential
//! `expm(W_D) Y` to 1e-13 and with geomstats 2.8 to 2.3e-16 (relative);
//! `log(exp(v))` returns `v` to 1.1e-15 on the geomstats fixtures (geomstats'
//! own logarithm is 7e-10 away, its iteration stops earlier), and converges
//! at distances up to 2.5; parallel transport agrees with a 2000-step RK4
//! solution of the transport equation to 1e-10 (the RK4 error); the shared
//! invariant suite holds to 1e-11 on `St(5, 2)`, `St(5, 3)`, `St(20, 4)` and
//! `St(4, 4)`. Vector transport is the cheaper projection onto `T_Z St`.

use crate::check;
use crate::error::{Error, Result};
use crate::manifold::Manifold;
use crate::spd::{frob, sym};
use crate::special_orthogonal::{log_orthogonal, skew};
use faer::{Mat, MatRef};
use rand::Rng;
use rand_distr::StandardNormal;
use sobolev_linalg::expm::expm;

/// `St(n, p)` with the canonical metric; points and tangents are `n x p`
/// matrices (`Mat<f64>`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stiefel {
    n: usize,
    p: usize,
    log_tol: f64,
    log_max_iter: usize,
}

/// `[a; b]`, stacking two blocks with the same number of columns.
fn vstack(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let r = a.nrows();
    Mat::from_fn(r + b.nrows(), a.ncols(), |i, j| {
        if i < r { a[(i, j)] } else { b[(i - r, j)] }
    })
}

/// `[a, b]`, joining two blocks with the same number of rows.
fn hstack(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let c = a.ncols();
    Mat::from_fn(a.nrows(), c + b.ncols(), |i, j| {
        if j < c { a[(i, j)] } else { b[(i, j - c)] }
    })
}

/// `Q` and `R` of the thin QR factorisation of `a` (`R` upper triangular).
fn thin_qr(a: &Mat<f64>) -> (Mat<f64>, Mat<f64>) {
    let qr = a.qr();
    (qr.compute_thin_Q(), qr.thin_R().to_owned())
}

/// The largest entry of `|a|`.
fn max_abs(a: MatRef<'_, f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max(a[(i, j)].abs());
        }
    }
    m
}

impl Stiefel {
    /// `St(n, p)`; needs `1 <= p <= n`.
    pub fn new(n: usize, p: usize) -> Result<Self> {
        if p == 0 || p > n {
            return Err(Error::InvalidArgument(format!(
                "St(n, p) needs 1 <= p <= n, got n = {n}, p = {p}"
            )));
        }
        Ok(Self {
            n,
            p,
            log_tol: 1e-14,
            log_max_iter: 200,
        })
    }

    /// Sets the stopping rule of the logarithm (defaults `1e-14`, 200):
    /// stop when the largest entry of the lower-right block of `log V` is
    /// below `tol` (or stalls within `1e3 tol` of it), or after `max_iter`
    /// iterations (then [`Error::NotConverged`]). The iteration converges
    /// linearly, about 20 iterations at distance 1.8.
    pub fn with_log_tolerance(mut self, tol: f64, max_iter: usize) -> Result<Self> {
        if !(tol > 0.0) || !tol.is_finite() || max_iter == 0 {
            return Err(Error::InvalidArgument(format!(
                "log tolerance must be positive and finite with max_iter >= 1, got {tol}, {max_iter}"
            )));
        }
        self.log_tol = tol;
        self.log_max_iter = max_iter;
        Ok(self)
    }

    fn shape(&self, context: &'static str, a: &Mat<f64>) -> Result<()> {
        check::shape(context, a, self.n, self.p)
    }

    /// `W_D M` for the horizontal lift `W_D = P D Y^T - Y D^T P`,
    /// `P = I - Y Y^T / 2`, without forming `n x n` matrices.
    fn lift_apply(y: &Mat<f64>, d: &Mat<f64>, m: MatRef<'_, f64>) -> Mat<f64> {
        let half_proj = |x: MatRef<'_, f64>| -> Mat<f64> {
            let yx = y.transpose() * x;
            x - (y.as_ref() * yx.as_ref()) * faer::Scale(0.5)
        };
        let ytm = y.transpose() * m;
        let pm = half_proj(m);
        half_proj((d.as_ref() * ytm.as_ref()).as_ref()) - y.as_ref() * (d.transpose() * pm.as_ref())
    }

    /// The `2p x 2p` generator `[[A, -R^T], [R, 0]]` of the geodesic from
    /// `Y` with velocity `D`, and the orthonormal `Q` completing `Y`.
    fn generator(&self, y: &Mat<f64>, d: &Mat<f64>) -> (Mat<f64>, Mat<f64>) {
        let p = self.p;
        let a = skew((y.transpose() * d.as_ref()).as_ref());
        let rest = d - &(y.as_ref() * (y.transpose() * d.as_ref()));
        let (q, r) = thin_qr(&rest);
        let x = Mat::from_fn(2 * p, 2 * p, |i, j| match (i < p, j < p) {
            (true, true) => a[(i, j)],
            (true, false) => -r[(j - p, i)],
            (false, true) => r[(i - p, j)],
            (false, false) => 0.0,
        });
        (x, q)
    }

    /// `exp(t W_D) M` for an `n x p` matrix `M`: the group element of the
    /// geodesic acts on the span of `[Y, Q]` only.
    fn group_apply(y: &Mat<f64>, q: &Mat<f64>, e: MatRef<'_, f64>, m: MatRef<'_, f64>) -> Mat<f64> {
        let basis = hstack(y.as_ref(), q.as_ref());
        let coords = basis.transpose() * m;
        let moved = e * coords.as_ref();
        // exp(W) M = M + [Y Q] (E - I) [Y Q]^T M
        let delta = &moved - &coords;
        m + basis.as_ref() * delta.as_ref()
    }

    /// The canonical-metric Riemannian gradient `G - Y G^T Y` of a
    /// function with Euclidean gradient `G` (Edelman et al., eq. 2.53).
    fn canonical_gradient(y: &Mat<f64>, g: &Mat<f64>) -> Mat<f64> {
        g - &(y.as_ref() * (g.transpose() * y.as_ref()))
    }
}

impl Manifold for Stiefel {
    type Point = Mat<f64>;
    type Tangent = Mat<f64>;

    fn dim(&self) -> usize {
        self.n * self.p - self.p * (self.p + 1) / 2
    }

    /// Defect: `max |Y^T Y - I|`.
    fn check_point(&self, y: &Mat<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.shape("Stiefel::check_point", y)?;
        check::finite("Stiefel::check_point", y)?;
        let mut g = y.transpose() * y.as_ref();
        for i in 0..self.p {
            g[(i, i)] -= 1.0;
        }
        let defect = max_abs(g.as_ref());
        if defect > tol {
            return Err(check::off_manifold("columns not orthonormal", defect, tol));
        }
        Ok(())
    }

    /// Defect: `max |Y^T D + D^T Y|`.
    fn check_tangent(&self, y: &Mat<f64>, d: &Mat<f64>, tol: f64) -> Result<()> {
        self.check_point(y, tol)?;
        self.shape("Stiefel::check_tangent", d)?;
        check::finite("Stiefel::check_tangent", d)?;
        let defect = 2.0 * max_abs(sym((y.transpose() * d.as_ref()).as_ref()).as_ref());
        if defect > tol {
            return Err(check::off_manifold("Y^T D not skew", defect, tol));
        }
        Ok(())
    }

    fn exp(&self, y: &Mat<f64>, d: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::exp", y)?;
        self.shape("Stiefel::exp", d)?;
        check::finite("Stiefel::exp", d)?;
        let (x, q) = self.generator(y, d);
        let e = expm(x.as_ref())?;
        let basis = hstack(y.as_ref(), q.as_ref());
        Ok(basis.as_ref() * e.as_ref().subcols(0, self.p))
    }

    fn log(&self, y: &Mat<f64>, z: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::log", y)?;
        self.shape("Stiefel::log", z)?;
        check::finite("Stiefel::log", z)?;
        let p = self.p;
        let m = y.transpose() * z.as_ref();
        let rest = z - &(y.as_ref() * m.as_ref());
        let (q, n) = thin_qr(&rest);
        // Orthogonal completion of [M; N], then the Procrustes step that
        // makes its lower block symmetric positive semi-definite.
        let mn = vstack(m.as_ref(), n.as_ref());
        let full = mn.qr().compute_Q();
        let mut comp = full.as_ref().subcols(p, p).to_owned();
        let lower = comp.as_ref().subrows(p, p).to_owned();
        let svd = lower.svd().map_err(|_| Error::NotConverged {
            method: "faer SVD",
            iterations: 0,
            residual: f64::NAN,
        })?;
        comp = comp.as_ref() * (svd.V() * svd.U().transpose());
        let mut residual = f64::INFINITY;
        for _ in 0..self.log_max_iter {
            let previous = residual;
            let v = hstack(mn.as_ref(), comp.as_ref());
            let l = log_orthogonal(v.as_ref())?;
            let c = l.as_ref().submatrix(p, p, p, p).to_owned();
            residual = max_abs(c.as_ref());
            // Done at the tolerance, or when rounding stalls the linear
            // convergence just above it.
            let stalled = residual <= 1e3 * self.log_tol && residual > 0.9 * previous;
            if residual <= self.log_tol || stalled {
                let a = l.as_ref().submatrix(0, 0, p, p);
                let b = l.as_ref().submatrix(p, 0, p, p);
                return Ok(y.as_ref() * a + q.as_ref() * b);
            }
            let phi = expm((-&c).as_ref())?;
            comp = comp.as_ref() * phi.as_ref();
        }
        Err(Error::NotConverged {
            method: "Stiefel logarithm (Zimmermann 2017)",
            iterations: self.log_max_iter,
            residual,
        })
    }

    /// Exact, through the naturally reductive structure (module docs).
    fn parallel_transport(&self, y: &Mat<f64>, z: &Mat<f64>, e: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::parallel_transport", e)?;
        check::finite("Stiefel::parallel_transport", e)?;
        let x = self.log(y, z)?;
        let moved = self.transport_along(y, &x, e)?;
        // The geodesic ends at z only up to the log's tolerance; project so
        // the result is tangent at z itself.
        self.project_tangent(z, &moved)
    }

    /// The projection of `E` onto `T_Z St`.
    fn vector_transport(&self, _y: &Mat<f64>, z: &Mat<f64>, e: &Mat<f64>) -> Result<Mat<f64>> {
        self.project_tangent(z, e)
    }

    /// `tr(D^T E) - tr((Y^T D)^T (Y^T E)) / 2`.
    fn inner(&self, y: &Mat<f64>, d: &Mat<f64>, e: &Mat<f64>) -> Result<f64> {
        self.shape("Stiefel::inner", y)?;
        self.shape("Stiefel::inner", d)?;
        self.shape("Stiefel::inner", e)?;
        let yd = y.transpose() * d.as_ref();
        let ye = y.transpose() * e.as_ref();
        Ok(frob(d.as_ref(), e.as_ref()) - 0.5 * frob(yd.as_ref(), ye.as_ref()))
    }

    /// The polar factor `U V^T` of the thin SVD (the nearest point in the
    /// Frobenius norm); fails for rank-deficient input.
    fn project_point(&self, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::project_point", x)?;
        check::finite("Stiefel::project_point", x)?;
        let svd = x.thin_svd().map_err(|_| Error::NotConverged {
            method: "faer SVD",
            iterations: 0,
            residual: f64::NAN,
        })?;
        if !(svd.S()[self.p - 1] > 0.0) {
            return Err(Error::InvalidArgument(
                "cannot project a rank-deficient matrix onto St(n, p)".into(),
            ));
        }
        Ok(svd.U() * svd.V().transpose())
    }

    /// `X - Y sym(Y^T X)`.
    fn project_tangent(&self, y: &Mat<f64>, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::project_tangent", y)?;
        self.shape("Stiefel::project_tangent", x)?;
        let s = sym((y.transpose() * x.as_ref()).as_ref());
        Ok(x - &(y.as_ref() * s.as_ref()))
    }

    /// `G - Y G^T Y`, the gradient for the canonical metric.
    fn egrad_to_rgrad(&self, y: &Mat<f64>, g: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::egrad_to_rgrad", y)?;
        self.shape("Stiefel::egrad_to_rgrad", g)?;
        Ok(Self::canonical_gradient(y, g))
    }

    fn zero_tangent(&self, _y: &Mat<f64>) -> Mat<f64> {
        Mat::zeros(self.n, self.p)
    }

    /// Uniform (Haar) on `St(n, p)`: the Q factor of a Gaussian matrix with
    /// the signs fixed by `diag(R) > 0`.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Mat<f64> {
        let g = Mat::from_fn(self.n, self.p, |_, _| rng.sample::<f64, _>(StandardNormal));
        let (mut q, r) = thin_qr(&g);
        for j in 0..self.p {
            if r[(j, j)] < 0.0 {
                for i in 0..self.n {
                    q[(i, j)] = -q[(i, j)];
                }
            }
        }
        q
    }

    /// Standard normal coordinates in a canonical-orthonormal basis:
    /// `Y A + (I - Y Y^T) G` with `A` skew, `A_ij ~ N(0, 1)` above the
    /// diagonal, `G` Gaussian.
    fn random_tangent<R: Rng + ?Sized>(&self, y: &Mat<f64>, rng: &mut R) -> Result<Mat<f64>> {
        self.shape("Stiefel::random_tangent", y)?;
        let p = self.p;
        let mut a = Mat::<f64>::zeros(p, p);
        for j in 0..p {
            for i in 0..j {
                let x: f64 = rng.sample(StandardNormal);
                a[(i, j)] = x;
                a[(j, i)] = -x;
            }
        }
        let g = Mat::from_fn(self.n, p, |_, _| rng.sample::<f64, _>(StandardNormal));
        let rest = &g - &(y.as_ref() * (y.transpose() * g.as_ref()));
        Ok(y.as_ref() * a.as_ref() + rest)
    }
}

impl Stiefel {
    /// Parallel transport of `E in T_Y St` along the geodesic
    /// `t -> exp_Y(t X)`, `t in [0, 1]`, to `exp_Y(X)`.
    ///
    /// # Errors
    /// Shape or finiteness errors of the inputs.
    pub fn transport_along(&self, y: &Mat<f64>, x: &Mat<f64>, e: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Stiefel::transport_along", y)?;
        self.shape("Stiefel::transport_along", x)?;
        self.shape("Stiefel::transport_along", e)?;
        check::finite("Stiefel::transport_along", x)?;
        check::finite("Stiefel::transport_along", e)?;
        // exp(-L/2) E by Taylor series, with 2^s scaling so each factor
        // has norm below 1/2; |L| <= 2 |W_X| |W_E| / |W_E| <= 4 |X|_F.
        let bound = 2.0 * frob(x.as_ref(), x.as_ref()).sqrt();
        let steps = if bound > 0.5 {
            (bound / 0.5).log2().ceil() as i32
        } else {
            0
        };
        let h = -0.5 / f64::from(2i32.pow(steps.max(0) as u32));
        let mut z = e.clone();
        for _ in 0..(1usize << steps.max(0)) {
            let mut term = z.clone();
            let mut sum = z.clone();
            for k in 1..=30 {
                // L term = W_X term - W_term X
                let lt =
                    Self::lift_apply(y, x, term.as_ref()) - Self::lift_apply(y, &term, x.as_ref());
                term = lt * faer::Scale(h / k as f64);
                sum += &term;
                if max_abs(term.as_ref()) <= 1e-17 * (1.0 + max_abs(sum.as_ref())) {
                    break;
                }
            }
            z = sum;
        }
        let (generator, q) = self.generator(y, x);
        let group = expm(generator.as_ref())?;
        Ok(Self::group_apply(y, &q, group.as_ref(), z.as_ref()))
    }
}
