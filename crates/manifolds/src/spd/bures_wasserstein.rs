//! The Bures-Wasserstein metric on `SPD(n)`.
//!
//! `SPD(n)` is the quotient `GL(n) / O(n)` under `Y -> Y Y^T` with the
//! flat Frobenius metric upstairs; the quotient metric is
//! `g_P(X, Y) = tr(L_P[X] Y) / 2`, where `L_P[X]` solves the Lyapunov
//! equation `P L + L P = X` (in the eigenbasis `P = U diag(d) U^T`,
//! `L~_ij = X~_ij / (d_i + d_j)`). It is the Wasserstein-2 metric between
//! centred Gaussians `N(0, P)`. Geodesics are the images of straight
//! lines in `GL(n)`: `exp_P(X) = (I + L) P (I + L) = P + X + L P L` with
//! `L = L_P[X]`, which stays in `SPD(n)` up to unit time exactly when
//! `I + L` is positive definite (otherwise the geodesic reaches the
//! singular boundary and [`Error::OutsideDomain`] is returned; the metric
//! is incomplete). The logarithm goes through the optimal transport map
//! `T = P^{-1/2} (P^{1/2} Q P^{1/2})^{1/2} P^{-1/2}`, the unique symmetric
//! positive definite matrix with `T P T = Q`:
//! `log_P(Q) = (T - I) P + P (T - I) = (PQ)^{1/2} + (QP)^{1/2} - 2P`,
//! evaluated with the Cholesky factor `P = L L^T` as
//! `(PQ)^{1/2} = L (L^T Q L)^{1/2} L^{-1}` (one eigendecomposition).
//! The distance `d(P,Q)^2 = tr P + tr Q - 2 tr (P^{1/2} Q P^{1/2})^{1/2}`
//! equals `|(T - I) P^{1/2}|_F^2 = |P^{-1/2} R - P^{1/2}|_F^2` with
//! `R = (P^{1/2} Q P^{1/2})^{1/2}`. The trace form is evaluated first, from
//! one Cholesky factorisation `P = L L^T` and the eigenvalues of `L^T Q L`
//! (similar to `P^{1/2} Q P^{1/2}`); when it would cancel more than three
//! digits (`d^2 < 1e-3 (tr P + tr Q)`) the second form is used, which has
//! no cancellation for nearby points (the trace form loses all digits of
//! `d` below about `1e-8 |P|^{1/2}`). `Spd::<BuresWasserstein>` also has
//! batched `dist_batch`, `exp_batch` and `log_batch` with fixed-size
//! kernels for `n <= 16`.
//!
//! Parallel transport has no closed form. Upstairs a tangent vector `X` at
//! `P` lifts to the horizontal vector `K Y` with `K = L_P[X]` symmetric;
//! along the geodesic `Y(t) = (I + t L) P^{1/2}` the transported field is
//! `X(t) = K(t) G(t) + G(t) K(t)`, `G(t) = Y(t) Y(t)^T`, where the lift
//! must stay horizontal and change only vertically. That gives the linear
//! ODE `K' = (S G^{-1} - G^{-1} S) / 2 - (K A + A K) / 2`,
//! `A(t) = L (I + t L)^{-1}`, with `S` the skew solution of
//! `S G^{-1} + G^{-1} S = K A - A K`; in the eigenbasis of `G(t)` the
//! first term is `C~_ij (g_i - g_j) / (2 (g_i + g_j))` with
//! `C = K A - A K`. It is integrated in the eigenbasis of `L` (where `A`
//! is diagonal) by the classical Runge-Kutta method, doubling the number
//! of steps until the Richardson estimate of the error is below `1e-13`
//! relative, and the Richardson-extrapolated value is returned. The
//! cheaper [`SpdMetric::vector_transport`] is the identity of `Sym(n)` (the
//! projection transport of the embedding; not an isometry).
//!
//! References: Bhatia, Jain and Lim, *On the Bures-Wasserstein distance
//! between positive definite matrices* (Expo. Math. 2019); Malago,
//! Montrucchio and Pistone, *Wasserstein Riemannian geometry of Gaussian
//! densities* (Inf. Geom. 2018); Thanwerdas and Pennec, *O(n)-invariant
//! Riemannian metrics on SPD matrices* (Linear Algebra Appl. 2023) for the
//! parallel transport equation.
//!
//! Measured accuracy: against geomstats 2.8 (n = 2, 3, 5, 8, random points
//! with condition numbers up to about 1e2) exp agrees to 1.8e-15, log to
//! 8.2e-15, the distance to 2.4e-15 and the inner product to 6.7e-16,
//! relative to `1 + max|entry|`; parallel transport agrees to 1.4e-15 with
//! geomstats' integration of the same equation by 2000 RK4 steps (n = 2,
//! 3), and passes the isometry and velocity identities of the invariant
//! suite to 1e-11.

use super::{SpdMetric, sym};
use crate::error::{Error, Result};
use faer::linalg::triangular_solve::solve_upper_triangular_in_place;
use faer::{Mat, MatRef, Par, Side};
use rayon::prelude::*;
use sobolev_linalg::matfun::SymEigen;

/// The Bures-Wasserstein (Wasserstein-2 between centred Gaussians) metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BuresWasserstein;

/// A base point with its eigendecomposition.
struct Base {
    e: SymEigen,
}

impl Base {
    fn new(p: MatRef<'_, f64>) -> Result<Self> {
        let e = SymEigen::new(p)?;
        e.require_positive_definite()?;
        Ok(Self { e })
    }

    fn u(&self) -> MatRef<'_, f64> {
        self.e.eigenvectors()
    }

    /// `P^{1/2}` and `P^{-1/2}`.
    fn roots(&self) -> (Mat<f64>, Mat<f64>) {
        (
            self.e.apply_fn(f64::sqrt),
            self.e.apply_fn(|l| 1.0 / l.sqrt()),
        )
    }

    /// `R~ = (D^{1/2} Q~ D^{1/2})^{1/2}` in the eigenbasis (`Q~ = U^T Q U`),
    /// and the `sqrt(d_i)`; `NotPositiveDefinite` unless `Q` is SPD.
    fn cross_root_rotated(&self, q: MatRef<'_, f64>) -> Result<(Mat<f64>, Vec<f64>)> {
        let u = self.u();
        let qt = u.transpose() * q * u;
        let sd: Vec<f64> = self.e.eigenvalues().iter().map(|l| l.sqrt()).collect();
        let n = sd.len();
        let c = Mat::from_fn(n, n, |i, j| sd[i] * 0.5 * (qt[(i, j)] + qt[(j, i)]) * sd[j]);
        let ec = SymEigen::new(c.as_ref())?;
        ec.require_positive_definite()?;
        Ok((ec.apply_fn(f64::sqrt), sd))
    }

    /// `T - I`, the displacement of the optimal transport map from `P` to
    /// `Q`: `U (D^{-1/2} R~ D^{-1/2} - I) U^T`.
    fn displacement(&self, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let (r, sd) = self.cross_root_rotated(q)?;
        let n = sd.len();
        let kt = Mat::from_fn(n, n, |i, j| {
            r[(i, j)] / (sd[i] * sd[j]) - if i == j { 1.0 } else { 0.0 }
        });
        Ok(sym((self.u() * kt.as_ref() * self.u().transpose()).as_ref()))
    }

    /// `L_P[X]` in the eigenbasis of `P`: `X~_ij / (d_i + d_j)` with
    /// `X~ = U^T X U` (symmetrised).
    fn lyapunov_rotated(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let u = self.u();
        let xt = u.transpose() * x * u;
        let d = self.e.eigenvalues();
        Mat::from_fn(d.len(), d.len(), |i, j| {
            0.5 * (xt[(i, j)] + xt[(j, i)]) / (d[i] + d[j])
        })
    }

    /// `L_P[X]` in the original basis.
    fn lyapunov(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        let lt = self.lyapunov_rotated(x);
        sym((self.u() * lt.as_ref() * self.u().transpose()).as_ref())
    }
}

/// `log_P(Q) = X + X^T - 2P` with `X = (PQ)^{1/2} = L (L^T Q L)^{1/2} L^{-1}`
/// for the Cholesky factor `P = L L^T` (`X^2 = L L^T Q L L^{-1} = PQ`, and
/// `X` is similar to an SPD matrix, so it is the principal root).
fn log_with_factor(p: MatRef<'_, f64>, l: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
    let c = sym((l.transpose() * q * l).as_ref());
    let ec = SymEigen::new(c.as_ref())?;
    ec.require_positive_definite()?;
    let r = ec.apply_fn(f64::sqrt);
    // X^T = L^{-T} (L R)^T = L^{-T} R L^T.
    let mut xt = r.as_ref() * l.transpose();
    solve_upper_triangular_in_place(l.transpose(), xt.as_mut(), Par::Seq);
    Ok(Mat::from_fn(p.nrows(), p.ncols(), |i, j| {
        let x = xt[(i, j)] + xt[(j, i)] - 2.0 * p[(i, j)];
        let y = xt[(j, i)] + xt[(i, j)] - 2.0 * p[(j, i)];
        0.5 * (x + y)
    }))
}

/// `G(t) = D_t P' D_t` (with `D_t = diag(1 + t mu)`) decomposed, and
/// `A(t) = diag(mu / (1 + t mu))`, all in the eigenbasis of `L`.
struct Frame {
    a: Vec<f64>,
    g: Vec<f64>,
    u: Mat<f64>,
}

impl Frame {
    fn at(p: &Mat<f64>, mu: &[f64], t: f64) -> Result<Self> {
        let n = mu.len();
        let dt: Vec<f64> = mu.iter().map(|m| 1.0 + t * m).collect();
        let gt = Mat::from_fn(n, n, |i, j| dt[i] * p[(i, j)] * dt[j]);
        let e = SymEigen::new(gt.as_ref())?;
        e.require_positive_definite()?;
        Ok(Self {
            a: mu.iter().zip(&dt).map(|(m, d)| m / d).collect(),
            g: e.eigenvalues().to_vec(),
            u: e.eigenvectors().to_owned(),
        })
    }

    /// The right-hand side `K'` of the transport equation.
    fn rhs(&self, k: &Mat<f64>) -> Mat<f64> {
        let n = self.a.len();
        let (a, g, u) = (&self.a, &self.g, self.u.as_ref());
        let c = Mat::from_fn(n, n, |i, j| k[(i, j)] * (a[j] - a[i]));
        let ct = u.transpose() * c.as_ref() * u;
        let ht = Mat::from_fn(n, n, |i, j| {
            0.5 * ct[(i, j)] * (g[i] - g[j]) / (g[i] + g[j])
        });
        let h = u * ht.as_ref() * u.transpose();
        Mat::from_fn(n, n, |i, j| {
            0.5 * (h[(i, j)] + h[(j, i)]) - 0.5 * k[(i, j)] * (a[i] + a[j])
        })
    }
}

/// `x + c y`.
fn axpy(x: &Mat<f64>, c: f64, y: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] + c * y[(i, j)])
}

fn frob_norm(a: MatRef<'_, f64>) -> f64 {
    super::frob(a, a).sqrt()
}

/// Classical Runge-Kutta with `steps` equal steps on `[0, 1]`.
fn rk4(p: &Mat<f64>, mu: &[f64], k0: &Mat<f64>, steps: usize) -> Result<Mat<f64>> {
    let h = 1.0 / steps as f64;
    let mut k = k0.clone();
    let mut start = Frame::at(p, mu, 0.0)?;
    for s in 0..steps {
        let t = s as f64 * h;
        let mid = Frame::at(p, mu, t + 0.5 * h)?;
        let end = Frame::at(p, mu, if s + 1 == steps { 1.0 } else { t + h })?;
        let k1 = start.rhs(&k);
        let k2 = mid.rhs(&axpy(&k, 0.5 * h, &k1));
        let k3 = mid.rhs(&axpy(&k, 0.5 * h, &k2));
        let k4 = end.rhs(&axpy(&k, h, &k3));
        k = Mat::from_fn(k.nrows(), k.ncols(), |i, j| {
            k[(i, j)] + h / 6.0 * (k1[(i, j)] + 2.0 * k2[(i, j)] + 2.0 * k3[(i, j)] + k4[(i, j)])
        });
        start = end;
    }
    Ok(k)
}

/// Largest number of Runge-Kutta steps before giving up.
const MAX_STEPS: usize = 1 << 12;

/// Integrates the transport equation from `K(0) = k0` to `K(1)`, doubling
/// the steps until the Richardson error estimate is below `1e-13` relative.
fn transport_lift(p: &Mat<f64>, mu: &[f64], k0: &Mat<f64>) -> Result<Mat<f64>> {
    let mut steps = 8;
    let mut coarse = rk4(p, mu, k0, steps)?;
    loop {
        let fine = rk4(p, mu, k0, 2 * steps)?;
        let corr = Mat::from_fn(fine.nrows(), fine.ncols(), |i, j| {
            (fine[(i, j)] - coarse[(i, j)]) / 15.0
        });
        let err = frob_norm(corr.as_ref());
        let scale = frob_norm(fine.as_ref());
        if !err.is_finite() {
            return Err(Error::NonFinite("Bures-Wasserstein parallel transport"));
        }
        if err <= 1e-13 * scale {
            return Ok(axpy(&fine, 1.0, &corr));
        }
        steps *= 2;
        if steps >= MAX_STEPS {
            return Err(Error::NotConverged {
                method: "Bures-Wasserstein parallel transport (Runge-Kutta)",
                iterations: steps,
                residual: err / scale,
            });
        }
        coarse = fine;
    }
}

impl SpdMetric for BuresWasserstein {
    /// `P + X + L P L`, `L = L_P[X]`; [`Error::OutsideDomain`] unless
    /// `I + L` is positive definite.
    fn exp(&self, p: MatRef<'_, f64>, v: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let b = Base::new(p)?;
        let mut m = b.lyapunov_rotated(v);
        if !(0..m.ncols()).all(|j| (0..m.nrows()).all(|i| m[(i, j)].is_finite())) {
            return Err(Error::NonFinite("BuresWasserstein::exp tangent"));
        }
        for i in 0..m.nrows() {
            m[(i, i)] += 1.0;
        }
        if m.llt(Side::Lower).is_err() {
            return Err(Error::OutsideDomain(
                "Bures-Wasserstein exp_P(V): I + L_P[V] is not positive definite, so the \
                 geodesic reaches the boundary of SPD(n) before unit time"
                    .into(),
            ));
        }
        let d = b.e.eigenvalues();
        let md = Mat::from_fn(d.len(), d.len(), |i, j| m[(i, j)] * d[j]);
        let qt = md.as_ref() * m.as_ref();
        Ok(sym((b.u() * qt.as_ref() * b.u().transpose()).as_ref()))
    }

    fn log(&self, p: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<Mat<f64>> {
        log_with_factor(p, super::cholesky(p)?.as_ref(), q)
    }

    fn log_many(&self, p: MatRef<'_, f64>, qs: &[Mat<f64>]) -> Result<Vec<Mat<f64>>> {
        let l = super::cholesky(p)?;
        qs.par_iter()
            .map(|q| log_with_factor(p, l.as_ref(), q.as_ref()))
            .collect()
    }

    /// Integrates the horizontal-lift transport equation (module docs);
    /// [`Error::NotConverged`] if 4096 Runge-Kutta steps do not reach the
    /// tolerance (geodesics passing very close to the boundary).
    fn parallel_transport(
        &self,
        p: MatRef<'_, f64>,
        q: MatRef<'_, f64>,
        v: MatRef<'_, f64>,
    ) -> Result<Mat<f64>> {
        let b = Base::new(p)?;
        let l = b.displacement(q)?;
        let le = SymEigen::new(l.as_ref())?;
        let w = le.eigenvectors();
        let mu = le.eigenvalues();
        let k0 = b.lyapunov(v);
        let pw = sym((w.transpose() * p * w).as_ref());
        let k0w = sym((w.transpose() * k0.as_ref() * w).as_ref());
        let k1w = transport_lift(&pw, mu, &k0w)?;
        let k1 = w * k1w.as_ref() * w.transpose();
        let qk = q * k1.as_ref();
        Ok(Mat::from_fn(qk.nrows(), qk.ncols(), |i, j| {
            qk[(i, j)] + qk[(j, i)]
        }))
    }

    /// The identity of `Sym(n)`: every tangent space is `Sym(n)`, so this
    /// is the projection transport. Cheap, but not an isometry.
    fn vector_transport(
        &self,
        _p: MatRef<'_, f64>,
        _q: MatRef<'_, f64>,
        v: MatRef<'_, f64>,
    ) -> Result<Mat<f64>> {
        Ok(sym(v))
    }

    /// `tr(L_P[U] V) / 2 = sum_ij U~_ij V~_ij / (2 (d_i + d_j))`.
    fn inner(&self, p: MatRef<'_, f64>, u: MatRef<'_, f64>, v: MatRef<'_, f64>) -> Result<f64> {
        let b = Base::new(p)?;
        let lu = b.lyapunov_rotated(u);
        let vt = b.u().transpose() * v * b.u();
        let mut s = 0.0;
        for j in 0..vt.ncols() {
            for i in 0..vt.nrows() {
                s += lu[(i, j)] * 0.5 * (vt[(i, j)] + vt[(j, i)]);
            }
        }
        Ok(0.5 * s)
    }

    /// The trace form over the eigenvalues of `L^T Q L` (`P = L L^T`)
    /// while it keeps all but three digits, else
    /// `|P^{-1/2} R - P^{1/2}|_F`, `R = (P^{1/2} Q P^{1/2})^{1/2}`.
    fn dist(&self, p: MatRef<'_, f64>, q: MatRef<'_, f64>) -> Result<f64> {
        let l = super::cholesky(p)?;
        let c = sym((l.transpose() * q * l.as_ref()).as_ref());
        let ev = c
            .self_adjoint_eigenvalues(Side::Lower)
            .map_err(|_| Error::NotConverged {
                method: "faer self-adjoint eigensolver",
                iterations: 0,
                residual: f64::NAN,
            })?;
        if let Some(bad) = ev.iter().find(|x| !(**x > 0.0)) {
            return Err(Error::NotPositiveDefinite(format!(
                "second argument has eigenvalue {bad:e} after congruence"
            )));
        }
        let total: f64 = (0..p.nrows()).map(|i| p[(i, i)] + q[(i, i)]).sum();
        let d2 = total - 2.0 * ev.iter().map(|x| x.sqrt()).sum::<f64>();
        if d2 >= super::batch_bw::TRACE_FORM_FLOOR * total {
            return Ok(d2.sqrt());
        }
        let b = Base::new(p)?;
        let (s, si) = b.roots();
        let c = sym((s.as_ref() * q * s.as_ref()).as_ref());
        let ec = SymEigen::new(c.as_ref())?;
        ec.require_positive_definite()?;
        let x = si.as_ref() * ec.apply_fn(f64::sqrt).as_ref();
        let d = Mat::from_fn(x.nrows(), x.ncols(), |i, j| x[(i, j)] - s[(i, j)]);
        Ok(frob_norm(d.as_ref()))
    }

    /// `2 (G P + P G)`: the Riesz representer of `<G, .>_F` under `g_P`.
    fn egrad_to_rgrad(&self, p: MatRef<'_, f64>, g: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let gp = g * p;
        Ok(Mat::from_fn(gp.nrows(), gp.ncols(), |i, j| {
            2.0 * (gp[(i, j)] + gp[(j, i)])
        }))
    }
}
