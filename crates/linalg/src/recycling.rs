//! Deflated conjugate gradients that recycle a Krylov subspace across a
//! sequence of symmetric positive definite systems `A_i x_i = b_i`.
//!
//! When the operators change slowly (kernel matrices as hyperparameters
//! move, a Newton sequence) or the right-hand sides arrive one at a time,
//! the eigenvectors that held back CG on one system still hold it back on
//! the next. [`RecyclingCg`] keeps a deflation space `W` (`n x k`) and runs
//! deflated CG (Saad, Yeung, Erhel and Guyomarc'h, SIAM J. Sci. Comput.
//! 21(5), 2000): the start is corrected by the Galerkin projection
//! `x_0 = x_init + W (W^T A W)^{-1} W^T r_init`, so that `W^T r_0 = 0`, and
//! every search direction is made `A`-orthogonal to `W`,
//! `p_{j+1} = r_{j+1} + beta_j p_j - W (W^T A W)^{-1} W^T A r_{j+1}`,
//! which keeps `W^T r_j = 0` and makes CG behave as on `A` restricted to the
//! `A`-orthogonal complement of `W`: the eigenvalues that `W` captures no
//! longer enter the convergence rate. Each step costs one operator
//! application and `O(n k)` extra work; `A W` is formed once per system
//! (one application to `k` columns).
//!
//! After each solve the space is refreshed by Rayleigh-Ritz on
//! `Z = [W, p_0, ..., p_{m-1}]`, the old space and the first `m` search
//! directions, whose images `A Z` are already known (the recycling of Parks,
//! de Sturler, Mackey, Johnson and Maiti, SIAM J. Sci. Comput. 28(5), 2006,
//! in the CG form of Saad et al.): with `Z = Q R`, the `k` extreme
//! eigenpairs of `R^{-T} (Z^T A Z) R^{-1}` give the new `W = Q Y`. Which end
//! of the spectrum to deflate is a choice ([`DeflatedEnd`]): the smallest
//! eigenvalues for operators whose condition number comes from the bottom
//! of the spectrum (discretised differential operators), the largest for
//! kernel matrices `K + s^2 I`, whose few large eigenvalues sit far above
//! a cluster at `s^2`.
//!
//! With a preconditioner `P ~ A^{-1}` ([`RecyclingCg::solve_preconditioned`],
//! any faer [`Precond`], e.g. [`crate::ops::Diagonal`] as Jacobi or
//! [`crate::precond::PivotedCholeskyPrecond`]) the iteration is the deflated
//! PCG of Saad et al. (ibid., Sec. 3): `z_j = P r_j`,
//! `p_{j+1} = z_{j+1} + beta_j p_j - W (W^T A W)^{-1} W^T A z_{j+1}`. What
//! slows PCG is then the spectrum of `P A`, so the refresh keeps Ritz vectors
//! of `P A` instead, from the pencil `(Z^T A P A Z) y = theta (Z^T A Z) y`
//! (`P A w = theta w` is `A P A w = theta A w`), at the price of one
//! application of `P` to the `k + m` columns of `A Z` per solve.
//!
//! With `k = 0` the iteration is plain (P)CG from the given start (the same
//! iteration count as [`crate::cg::solve`], tested).
//!
//! Measured (tests and `benches/benches/linalg.rs`): solutions agree with
//! dense Cholesky solves to `1e-9` relative at tolerance `1e-12`, and the
//! true residual `||b - A x|| / ||b||` stays below twice the requested
//! `1e-8` although the iteration stops on the recurrence residual. On
//! eleven squared-exponential systems (400 points, lengthscale 0.10 to
//! 0.12, noise `1e-3`) systems 2 to 11 take 90 iterations with `k = 12`
//! (plus 12 applications of `A` each for `A W`) against 498 for CG
//! warm-started from the previous solution; at 1000 points the whole
//! sequence takes 75 ms against 185 ms. On a spectrum with six small
//! outliers the fourth solve needs under half the iterations of the first.
//! Preconditioned: on `D^{1/2} S D^{1/2}` (`n = 150`, `S` with six
//! eigenvalues in `[1e-3, 1.1e-2]` and the rest in `[1, 2]`, `D` spread over
//! three decades) with Jacobi, systems 2 to 4 take 17 iterations each against
//! 41 for Jacobi PCG alone (tolerance `1e-12`, solutions within `1e-8` of
//! dense Cholesky solves). On the kernel sequence above with a rank-8
//! pivoted-Cholesky preconditioner per system, each solved from zero,
//! systems 2 to 11 take 91 iterations keeping the largest Ritz values of
//! `P A` against 216 for the same PCG (209 keeping the smallest); counting
//! the 12 applications of `A` per system for `A W` (and `P` applied to the
//! up to 52 columns of `A Z` per refresh), the two are about even in
//! operator work there: deflation pays when the preconditioner leaves a
//! few outlying eigenvalues, as in the Jacobi case.
use faer::dyn_stack::StackReq;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::matmul;
use faer::matrix_free::{IdentityPrecond, LinOp, Precond};
use faer::{Accum, Col, ColRef, Mat, MatRef, Par, Side};

use crate::cg::{CgOptions, CgReport};
use crate::check;
use crate::{Error, Result};

/// Which Ritz vectors [`RecyclingCg`] keeps for the next system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeflatedEnd {
    /// The eigenvectors of the smallest Ritz values.
    Smallest,
    /// The eigenvectors of the largest Ritz values (kernel matrices).
    Largest,
}

/// Deflated CG with a recycled subspace, for a sequence of SPD systems.
#[derive(Debug, Clone)]
pub struct RecyclingCg {
    options: CgOptions,
    dim: usize,
    window: usize,
    end: DeflatedEnd,
    /// The deflation space `W` (`n x k'`, `k' <= k`), orthonormal columns.
    space: Option<Mat<f64>>,
}

impl RecyclingCg {
    /// A solver keeping a deflation space of dimension `dim`, refreshed from
    /// the first `window` search directions of each solve.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `dim > 0` and `window < dim`, or the
    /// tolerances in `options` are negative or NaN.
    pub fn new(dim: usize, window: usize, end: DeflatedEnd, options: CgOptions) -> Result<Self> {
        if dim > 0 && window < dim {
            return Err(Error::InvalidArgument(format!(
                "RecyclingCg: the window ({window}) must hold at least the deflation dimension ({dim})"
            )));
        }
        if options.rel_tolerance.is_nan()
            || options.abs_tolerance.is_nan()
            || options.rel_tolerance < 0.0
            || options.abs_tolerance < 0.0
        {
            return Err(Error::InvalidArgument(
                "RecyclingCg: tolerances must be non-negative".into(),
            ));
        }
        Ok(Self {
            options,
            dim,
            window,
            end,
            space: None,
        })
    }

    /// The current deflation space `W` (orthonormal columns), if any.
    pub fn deflation_space(&self) -> Option<MatRef<'_, f64>> {
        self.space.as_ref().map(|w| w.as_ref())
    }

    /// Forgets the deflation space (for a system unrelated to the last).
    pub fn reset(&mut self) {
        self.space = None;
    }

    /// Solves `A x = b` by deflated CG from `initial` (zero if `None`), then
    /// refreshes the deflation space from this solve for the next one.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `A` is not square or `b`, `initial` or
    /// the kept space disagree with it in size; [`Error::NonFinite`] for
    /// NaN or infinite inputs or iterates; [`Error::NotPositiveDefinite`]
    /// if CG meets a direction of non-positive curvature or `W^T A W` is not
    /// positive definite; [`Error::NotConverged`] with the iteration count
    /// and relative residual when `max_iters` is reached.
    pub fn solve<A: LinOp<f64>>(
        &mut self,
        a: &A,
        b: ColRef<'_, f64>,
        initial: Option<ColRef<'_, f64>>,
    ) -> Result<(Col<f64>, CgReport)> {
        self.run(a, None::<&IdentityPrecond>, b, initial)
    }

    /// Solves `A x = b` by deflated preconditioned CG from `initial` (zero
    /// if `None`), with `precond` applying an SPD approximation `P` of
    /// `A^{-1}`, then refreshes the deflation space for the next system
    /// from the eigenvectors of the preconditioned operator `P A` (see the
    /// module docs).
    ///
    /// # Errors
    /// As [`RecyclingCg::solve`], plus [`Error::ShapeMismatch`] if `precond`
    /// is not `n x n` and [`Error::NotPositiveDefinite`] if `r^T P r <= 0`
    /// for some residual `r` (the preconditioner is not positive definite).
    pub fn solve_preconditioned<A: LinOp<f64>, M: Precond<f64>>(
        &mut self,
        a: &A,
        precond: &M,
        b: ColRef<'_, f64>,
        initial: Option<ColRef<'_, f64>>,
    ) -> Result<(Col<f64>, CgReport)> {
        let n = a.nrows();
        check::dim(
            "RecyclingCg::solve (preconditioner rows)",
            n,
            precond.nrows(),
        )?;
        check::dim(
            "RecyclingCg::solve (preconditioner columns)",
            n,
            precond.ncols(),
        )?;
        self.run(a, Some(precond), b, initial)
    }

    fn run<A: LinOp<f64>, M: Precond<f64>>(
        &mut self,
        a: &A,
        precond: Option<&M>,
        b: ColRef<'_, f64>,
        initial: Option<ColRef<'_, f64>>,
    ) -> Result<(Col<f64>, CgReport)> {
        let n = a.nrows();
        check::dim("RecyclingCg::solve (operator columns)", n, a.ncols())?;
        check::dim("RecyclingCg::solve (rows of b)", n, b.nrows())?;
        check::finite_mat(b.as_mat(), "RecyclingCg::solve b")?;
        let mut x = Col::<f64>::zeros(n);
        if let Some(x0) = initial {
            check::dim("RecyclingCg::solve (rows of initial)", n, x0.nrows())?;
            check::finite_mat(x0.as_mat(), "RecyclingCg::solve initial")?;
            x.copy_from(x0);
        }
        if let Some(w) = &self.space {
            check::dim("RecyclingCg::solve (rows of the kept space)", n, w.nrows())?;
        }
        let par = Par::rayon(0);
        let k = self.space.as_ref().map_or(0, |w| w.ncols());
        let mut buf = MemBuffer::new(a.apply_scratch(k.max(1), par));
        let mut apply = |out: faer::MatMut<'_, f64>, rhs: MatRef<'_, f64>| {
            a.apply(out, rhs, par, MemStack::new(&mut buf));
        };
        let mut pbuf = MemBuffer::new(precond.map_or(StackReq::EMPTY, |m| {
            m.apply_in_place_scratch((self.dim + self.window).max(1), par)
        }));
        // `z = P r` (a copy of `r` without a preconditioner).
        let mut precondition = |z: &mut Mat<f64>| {
            if let Some(m) = precond {
                m.apply_in_place(z.as_mut(), par, MemStack::new(&mut pbuf));
            }
        };

        // Deflation data for this operator: A W and the Cholesky factor of
        // W^T A W.
        let deflation = match &self.space {
            Some(w) if k > 0 => {
                let mut aw = Mat::<f64>::zeros(n, k);
                apply(aw.as_mut(), w.as_ref());
                let gram = w.transpose() * &aw;
                let gram = Mat::from_fn(k, k, |i, j| 0.5 * (gram[(i, j)] + gram[(j, i)]));
                let llt = gram.llt(Side::Lower).map_err(|_| {
                    Error::NotPositiveDefinite(
                        "RecyclingCg: W^T A W is not positive definite (is A SPD?)".into(),
                    )
                })?;
                Some((w.clone(), aw, llt))
            }
            _ => None,
        };
        // `y -> W (W^T A W)^{-1} y` for a k-vector y.
        let project = |y: Mat<f64>| -> Option<Mat<f64>> {
            deflation.as_ref().map(|(w, _, llt)| {
                use faer::prelude::Solve;
                w * llt.solve(&y)
            })
        };

        let b_norm = b.norm_l2();
        let target = (self.options.rel_tolerance * b_norm).max(self.options.abs_tolerance);
        let mut ax = Col::<f64>::zeros(n);
        apply(ax.as_mat_mut(), x.as_mat());
        let mut r = Col::from_fn(n, |i| b[i] - ax[i]);
        // Galerkin start: x += W (W^T A W)^{-1} W^T r, r -= A W (...)
        if let Some((w, aw, llt)) = &deflation {
            use faer::prelude::Solve;
            let coef = llt.solve(w.transpose() * r.as_mat());
            x += (w * &coef).col(0);
            r -= (aw * &coef).col(0);
        }
        let report = |iterations: usize, res: f64| CgReport {
            iterations,
            rel_residual: if b_norm > 0.0 { res / b_norm } else { 0.0 },
            abs_residual: res,
        };
        let mut z = r.as_mat().to_owned();
        precondition(&mut z);
        let mut rz = r.transpose() * z.col(0);
        let mut res = r.norm_l2();
        if rz.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) && res > target {
            return Err(if rz.is_nan() {
                Error::NonFinite("RecyclingCg::solve preconditioned residual")
            } else {
                Error::NotPositiveDefinite(
                    "RecyclingCg: r^T P r <= 0 (is the preconditioner SPD?)".into(),
                )
            });
        }
        // Directions p_j and A p_j kept for the Rayleigh-Ritz refresh.
        let keep = if self.dim > 0 { self.window } else { 0 };
        let mut kept_p: Vec<Col<f64>> = Vec::with_capacity(keep);
        let mut kept_ap: Vec<Col<f64>> = Vec::with_capacity(keep);

        // p_0 = r_0 - W mu_0, mu_0 = (W^T A W)^{-1} (A W)^T r_0.
        let deflate_direction = |p: &mut Col<f64>, r: &Col<f64>| {
            if let Some((_, aw, _)) = &deflation
                && let Some(shift) = project(aw.transpose() * r.as_mat())
            {
                *p -= shift.col(0);
            }
        };
        let mut p = z.col(0).to_owned();
        deflate_direction(&mut p, &z.col(0).to_owned());
        let mut ap = Col::<f64>::zeros(n);
        let mut iterations = 0;
        loop {
            if !res.is_finite() {
                return Err(Error::NonFinite("RecyclingCg::solve residual"));
            }
            if res <= target {
                let out = report(iterations, res);
                let pencil = |aq: MatRef<'_, f64>| {
                    precond.map(|_| {
                        let mut paq = aq.to_owned();
                        precondition(&mut paq);
                        paq
                    })
                };
                self.refresh(deflation.map(|(w, aw, _)| (w, aw)), kept_p, kept_ap, pencil);
                return Ok((x, out));
            }
            if iterations == self.options.max_iters {
                return Err(Error::NotConverged {
                    method: "deflated conjugate gradient (RecyclingCg)",
                    iterations,
                    residual: res / b_norm.max(f64::MIN_POSITIVE),
                });
            }
            apply(ap.as_mat_mut(), p.as_mat());
            let curvature = p.transpose() * &ap;
            if curvature.is_nan() {
                return Err(Error::NonFinite("RecyclingCg::solve curvature"));
            }
            if curvature <= 0.0 {
                return Err(Error::NotPositiveDefinite(
                    "RecyclingCg: the operator has a direction of non-positive curvature".into(),
                ));
            }
            if kept_p.len() < keep {
                // Unit directions keep the Ritz problem well scaled.
                let scale = 1.0 / p.norm_l2();
                kept_p.push(&p * faer::Scale(scale));
                kept_ap.push(&ap * faer::Scale(scale));
            }
            let alpha = rz / curvature;
            x += &p * faer::Scale(alpha);
            r -= &ap * faer::Scale(alpha);
            res = r.norm_l2();
            z.col_mut(0).copy_from(&r);
            precondition(&mut z);
            let rz_next = r.transpose() * z.col(0);
            if rz_next.is_nan() {
                return Err(Error::NonFinite(
                    "RecyclingCg::solve preconditioned residual",
                ));
            }
            if rz_next <= 0.0 && res > 0.0 {
                return Err(Error::NotPositiveDefinite(
                    "RecyclingCg: r^T P r <= 0 (is the preconditioner SPD?)".into(),
                ));
            }
            let beta = rz_next / rz;
            rz = rz_next;
            let zc = z.col(0).to_owned();
            p = &zc + &p * faer::Scale(beta);
            deflate_direction(&mut p, &zc);
            iterations += 1;
        }
    }

    /// Rayleigh-Ritz on `Z = [W, P]` with `A Z = [A W, A P]` known: keeps
    /// the `k` Ritz vectors at the chosen end of the spectrum. With a
    /// preconditioner, `precondition(A Q)` returns `P A Q` and the Ritz
    /// vectors are those of `P A`, from the pencil
    /// `(Q^T A P A Q) y = theta (Q^T A Q) y`.
    fn refresh(
        &mut self,
        old: Option<(Mat<f64>, Mat<f64>)>,
        p: Vec<Col<f64>>,
        ap: Vec<Col<f64>>,
        mut precondition: impl FnMut(MatRef<'_, f64>) -> Option<Mat<f64>>,
    ) {
        if self.dim == 0 {
            return;
        }
        let (old_w, old_aw) = match old {
            Some((w, aw)) => (Some(w), Some(aw)),
            None => (None, None),
        };
        let k_old = old_w.as_ref().map_or(0, |w| w.ncols());
        let s = k_old + p.len();
        if s == 0 {
            return;
        }
        let n = p
            .first()
            .map(|c| c.nrows())
            .or(old_w.as_ref().map(|w| w.nrows()))
            .unwrap_or(0);
        let z = Mat::from_fn(n, s, |i, j| match &old_w {
            Some(w) if j < k_old => w[(i, j)],
            _ => p[j - k_old][i],
        });
        let az = Mat::from_fn(n, s, |i, j| match &old_aw {
            Some(aw) if j < k_old => aw[(i, j)],
            _ => ap[j - k_old][i],
        });
        // Z = Q R; drop directions that are numerically dependent (tiny
        // diagonal of R) by keeping the leading well-conditioned block.
        let qr = z.qr();
        let rfac = qr.thin_R();
        let rmax = (0..s).map(|i| rfac[(i, i)].abs()).fold(0.0, f64::max);
        let rank = (0..s)
            .take_while(|&i| rfac[(i, i)].abs() > 1e-10 * rmax)
            .count();
        if rank == 0 {
            return;
        }
        let q = qr.compute_thin_Q();
        let q = q.subcols(0, rank);
        // H = Q^T A Q = R^{-T} (Z^T A Z) R^{-1} restricted to the leading
        // block: with Z_1 = Q_1 R_11, A Q_1 = A Z_1 R_11^{-1}.
        let r11 = rfac.submatrix(0, 0, rank, rank);
        let mut aq = az.subcols(0, rank).to_owned();
        // Solve X R11 = A Z_1, i.e. R11^T X^T = (A Z_1)^T.
        let mut aqt = aq.transpose().to_owned();
        faer::linalg::triangular_solve::solve_lower_triangular_in_place(
            r11.transpose(),
            aqt.as_mut(),
            Par::Seq,
        );
        aq.copy_from(aqt.transpose());
        let h = q.transpose() * &aq;
        let h = Mat::from_fn(rank, rank, |i, j| 0.5 * (h[(i, j)] + h[(j, i)]));
        let k = self.dim.min(rank);
        // Eigenvalues come in nondecreasing order.
        let first = match self.end {
            DeflatedEnd::Smallest => 0,
            DeflatedEnd::Largest => rank - k,
        };
        let w = match precondition(aq.as_ref()) {
            None => {
                let Ok(eig) = h.self_adjoint_eigen(Side::Lower) else {
                    return;
                };
                let y = eig.U().subcols(first, k);
                let mut w = Mat::<f64>::zeros(n, k);
                matmul(w.as_mut(), Accum::Replace, q, y, 1.0, Par::Seq);
                w
            }
            Some(paq) => {
                // Whiten by H = V diag(h) V^T, keeping the directions with
                // h above a roundoff floor (H is SPD in exact arithmetic, but
                // nearly dependent directions make it numerically
                // semi-definite): with B = V_+ diag(h_+)^{-1/2} the pencil
                // becomes the symmetric problem (B^T G B) v = theta v, and
                // y = B v.
                let g = aq.transpose() * &paq;
                let g = Mat::from_fn(rank, rank, |i, j| 0.5 * (g[(i, j)] + g[(j, i)]));
                let Ok(he) = h.self_adjoint_eigen(Side::Lower) else {
                    return;
                };
                let hv = he.S().column_vector();
                let hmax = hv.iter().copied().fold(0.0, f64::max);
                let kept: Vec<usize> = (0..rank).filter(|&i| hv[i] > 1e-12 * hmax).collect();
                let r = kept.len();
                if r == 0 {
                    return;
                }
                let basis = Mat::from_fn(rank, r, |i, j| he.U()[(i, kept[j])] / hv[kept[j]].sqrt());
                let c = basis.transpose() * &g * &basis;
                let c = Mat::from_fn(r, r, |i, j| 0.5 * (c[(i, j)] + c[(j, i)]));
                let Ok(eig) = c.self_adjoint_eigen(Side::Lower) else {
                    return;
                };
                let k = k.min(r);
                let first = match self.end {
                    DeflatedEnd::Smallest => 0,
                    DeflatedEnd::Largest => r - k,
                };
                let y = &basis * eig.U().subcols(first, k);
                let mut w = Mat::<f64>::zeros(n, k);
                matmul(w.as_mut(), Accum::Replace, q, y.as_ref(), 1.0, Par::Seq);
                // Orthonormal columns for the same span.
                if w.as_ref().has_nan() {
                    return;
                }
                w.qr().compute_thin_Q()
            }
        };
        if w.as_ref().has_nan() {
            return;
        }
        self.space = Some(w);
    }
}
