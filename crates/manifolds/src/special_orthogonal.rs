//! The rotation group `SO(n)` as a Riemannian manifold with its
//! bi-invariant metric, and the matrix logarithm of rotations it needs.
//!
//! A point is an `n x n` rotation `R` (`R^T R = I`, `det R = 1`); a tangent
//! vector at `R` is `V = R Omega` with `Omega` skew, stored in ambient
//! coordinates, and the metric is `<U, V> = tr(U^T V)` (the Frobenius
//! metric of the embedding, invariant under left and right translations).
//! Geodesics are one-parameter subgroups: `exp_R(V) = R expm(R^T V)` and
//! `log_R(Q) = R log(R^T Q)`. `SO(n)` with this metric is a symmetric
//! space, so parallel transport along the geodesic from `R` to
//! `Q = R expm(Omega)` is the translation `V -> R expm(Omega/2) (R^T V)
//! expm(Omega/2)`.
//!
//! The logarithm of a rotation `W` with no eigenvalue at `-1` uses its
//! symmetric part `C = (W + W^T)/2 = cos(S)` and skew part
//! `K = (W - W^T)/2 = sin(S)`, which commute: in an orthonormal eigenbasis
//! of `C` (one symmetric eigendecomposition, faer through
//! `sobolev_linalg::matfun::SymEigen`) the columns of `K` have norms
//! `sin(theta_i)`, the angles are `atan2(sin, cos)` (accurate at `0` and
//! near `pi`), and `S` is `K` scaled by `theta / sin(theta)` on each
//! rotation plane. The absolute error of `S` is about
//! `eps (1 + 1 / (pi - theta_max))`, the problem's own conditioning; at a
//! rotation by exactly `pi` the logarithm is not unique and an error is
//! returned.
//!
//! Measured accuracy: the shared invariant suite holds to 1e-11 on `SO(3)`
//! and `SO(7)`; `exp` agrees with Rodrigues' formula on `SO(3)` to 1e-15
//! and `log` inverts it within `1e-15 (1 + (1 + theta) / (pi - theta))`
//! for angles from 1e-9 to `pi - 1e-3`.

use crate::check;
use crate::error::{Error, Result};
use crate::manifold::Manifold;
use crate::spd::{frob, sym};
use faer::{Mat, MatRef};
use rand::Rng;
use rand_distr::StandardNormal;
use sobolev_linalg::expm::expm;
use sobolev_linalg::matfun::SymEigen;

/// The skew part `(a - a^T) / 2`.
pub(crate) fn skew(a: MatRef<'_, f64>) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| 0.5 * (a[(i, j)] - a[(j, i)]))
}

/// The principal logarithm of an orthogonal matrix with no eigenvalue at
/// `-1` (module docs): in the eigenbasis `Q` of `C = (W + W^T)/2`, each
/// column of `Q^T K Q` has norm `sin(theta_i)`, so
/// `theta_i = atan2(sin, cos)` is accurate at both ends and `S` is `K`
/// rescaled by `theta / sin(theta)` there.
pub(crate) fn log_orthogonal(w: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let n = w.nrows();
    let eig = SymEigen::new(sym(w).as_ref())?;
    let q = eig.eigenvectors();
    let k = q.transpose() * skew(w).as_ref() * q;
    let mut scale = vec![1.0; n];
    for (i, (g, &c)) in scale.iter_mut().zip(eig.eigenvalues()).enumerate() {
        let s = k.col(i).norm_l2();
        if c < 0.0 && s <= 1e-13 {
            return Err(Error::InvalidArgument(
                "logarithm of a rotation by pi is not unique (cut locus)".into(),
            ));
        }
        if s > 0.0 {
            *g = s.atan2(c.clamp(-1.0, 1.0)) / s;
        }
    }
    let scaled = Mat::from_fn(n, n, |i, j| 0.5 * (scale[i] + scale[j]) * k[(i, j)]);
    Ok(skew((q * scaled.as_ref() * q.transpose()).as_ref()))
}

/// `SO(n)` with the bi-invariant metric `tr(U^T V)`; points and tangents
/// are `n x n` matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpecialOrthogonal {
    n: usize,
}

fn svd_error() -> Error {
    Error::NotConverged {
        method: "faer SVD",
        iterations: 0,
        residual: f64::NAN,
    }
}

impl SpecialOrthogonal {
    /// `SO(n)`; needs `n >= 2`.
    pub fn new(n: usize) -> Result<Self> {
        if n < 2 {
            return Err(Error::InvalidArgument(format!(
                "SO(n) needs n >= 2, got {n}"
            )));
        }
        Ok(Self { n })
    }

    fn shape(&self, context: &'static str, a: &Mat<f64>) -> Result<()> {
        check::shape(context, a, self.n, self.n)
    }

    /// The skew generator `Omega = log(R^T Q)` of the geodesic from `R` to
    /// `Q`.
    fn generator(&self, r: &Mat<f64>, q: &Mat<f64>) -> Result<Mat<f64>> {
        log_orthogonal((r.transpose() * q.as_ref()).as_ref())
    }

    /// The rotation angle `|log(R^T Q)|_F / sqrt(2)` for `SO(3)` and, in
    /// general, the root-sum-square of the planar rotation angles.
    pub fn angle(&self, r: &Mat<f64>, q: &Mat<f64>) -> Result<f64> {
        Ok(self.dist(r, q)? / std::f64::consts::SQRT_2)
    }
}

impl Manifold for SpecialOrthogonal {
    type Point = Mat<f64>;
    type Tangent = Mat<f64>;

    fn dim(&self) -> usize {
        self.n * (self.n - 1) / 2
    }

    /// Defect: `max |R^T R - I|`, and `det R > 0`.
    fn check_point(&self, r: &Mat<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.shape("SpecialOrthogonal::check_point", r)?;
        check::finite("SpecialOrthogonal::check_point", r)?;
        let g = r.transpose() * r.as_ref();
        let mut defect = 0.0f64;
        for j in 0..self.n {
            for i in 0..self.n {
                let e = if i == j { 1.0 } else { 0.0 };
                defect = defect.max((g[(i, j)] - e).abs());
            }
        }
        if defect > tol {
            return Err(check::off_manifold("R^T R != I", defect, tol));
        }
        if !(r.determinant() > 0.0) {
            return Err(check::off_manifold("det R != 1", 2.0, tol));
        }
        Ok(())
    }

    /// Defect: `max |R^T V + V^T R|`.
    fn check_tangent(&self, r: &Mat<f64>, v: &Mat<f64>, tol: f64) -> Result<()> {
        self.check_point(r, tol)?;
        self.shape("SpecialOrthogonal::check_tangent", v)?;
        check::finite("SpecialOrthogonal::check_tangent", v)?;
        let s = sym((r.transpose() * v.as_ref()).as_ref());
        let mut defect = 0.0f64;
        for j in 0..self.n {
            for i in 0..self.n {
                defect = defect.max(2.0 * s[(i, j)].abs());
            }
        }
        if defect > tol {
            return Err(check::off_manifold("R^T V not skew", defect, tol));
        }
        Ok(())
    }

    fn exp(&self, r: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("SpecialOrthogonal::exp", r)?;
        self.shape("SpecialOrthogonal::exp", v)?;
        check::finite("SpecialOrthogonal::exp", v)?;
        let omega = skew((r.transpose() * v.as_ref()).as_ref());
        Ok(r.as_ref() * expm(omega.as_ref())?.as_ref())
    }

    fn log(&self, r: &Mat<f64>, q: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("SpecialOrthogonal::log", r)?;
        self.shape("SpecialOrthogonal::log", q)?;
        check::finite("SpecialOrthogonal::log", q)?;
        Ok(r.as_ref() * self.generator(r, q)?.as_ref())
    }

    fn parallel_transport(&self, r: &Mat<f64>, q: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("SpecialOrthogonal::parallel_transport", r)?;
        self.shape("SpecialOrthogonal::parallel_transport", q)?;
        self.shape("SpecialOrthogonal::parallel_transport", v)?;
        let omega = self.generator(r, q)?;
        let half = expm((&omega * faer::Scale(0.5)).as_ref())?;
        let xi = r.transpose() * v.as_ref();
        // R e^{Omega/2} xi e^{Omega/2} = Q e^{-Omega/2} xi e^{Omega/2}; the
        // second form lands exactly at `q`.
        let inner = half.transpose() * xi.as_ref() * half.as_ref();
        Ok(q.as_ref() * inner.as_ref())
    }

    fn inner(&self, r: &Mat<f64>, u: &Mat<f64>, v: &Mat<f64>) -> Result<f64> {
        self.shape("SpecialOrthogonal::inner", r)?;
        self.shape("SpecialOrthogonal::inner", u)?;
        self.shape("SpecialOrthogonal::inner", v)?;
        Ok(frob(u.as_ref(), v.as_ref()))
    }

    /// The nearest rotation in the Frobenius norm:
    /// `U diag(1, ..., 1, det(U V^T)) V^T` from the SVD.
    fn project_point(&self, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("SpecialOrthogonal::project_point", x)?;
        check::finite("SpecialOrthogonal::project_point", x)?;
        let svd = x.svd().map_err(|_| svd_error())?;
        if !(svd.S()[self.n - 1] > 0.0) {
            return Err(Error::InvalidArgument(
                "cannot project a singular matrix onto SO(n)".into(),
            ));
        }
        let mut u = svd.U().to_owned();
        let polar = u.as_ref() * svd.V().transpose();
        if polar.determinant() < 0.0 {
            for i in 0..self.n {
                u[(i, self.n - 1)] = -u[(i, self.n - 1)];
            }
        }
        Ok(u.as_ref() * svd.V().transpose())
    }

    /// `R skew(R^T X)`.
    fn project_tangent(&self, r: &Mat<f64>, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("SpecialOrthogonal::project_tangent", r)?;
        self.shape("SpecialOrthogonal::project_tangent", x)?;
        Ok(r.as_ref() * skew((r.transpose() * x.as_ref()).as_ref()).as_ref())
    }

    fn zero_tangent(&self, _r: &Mat<f64>) -> Mat<f64> {
        Mat::zeros(self.n, self.n)
    }

    /// Haar measure: the Q factor of a Gaussian matrix with `diag(R) > 0`,
    /// its first column negated when the determinant is `-1`.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Mat<f64> {
        let g = Mat::from_fn(self.n, self.n, |_, _| rng.sample::<f64, _>(StandardNormal));
        let qr = g.qr();
        let (mut q, r) = (qr.compute_Q(), qr.R().to_owned());
        for j in 0..self.n {
            if r[(j, j)] < 0.0 {
                for i in 0..self.n {
                    q[(i, j)] = -q[(i, j)];
                }
            }
        }
        if q.determinant() < 0.0 {
            for i in 0..self.n {
                q[(i, 0)] = -q[(i, 0)];
            }
        }
        q
    }

    /// `R Omega` with `Omega_ij ~ N(0, 1/2)` above the diagonal, so that
    /// the coordinates in an orthonormal basis are standard normal.
    fn random_tangent<R: Rng + ?Sized>(&self, r: &Mat<f64>, rng: &mut R) -> Result<Mat<f64>> {
        self.shape("SpecialOrthogonal::random_tangent", r)?;
        let mut omega = Mat::<f64>::zeros(self.n, self.n);
        for j in 0..self.n {
            for i in 0..j {
                let x: f64 = rng.sample::<f64, _>(StandardNormal) * std::f64::consts::FRAC_1_SQRT_2;
                omega[(i, j)] = x;
                omega[(j, i)] = -x;
            }
        }
        Ok(r.as_ref() * omega.as_ref())
    }
}
