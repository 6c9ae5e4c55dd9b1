//! Elementary operators and combinators: diagonal matrices, sums, scalings
//! and transposes of operators, and [`apply`] to run any operator on a
//! matrix with shape checks.
//!
//! Everything here implements faer's [`LinOp`] and [`BiLinOp`] for `f64`, so
//! the combinators compose with the structured operators of this crate and
//! with faer's own dense and sparse matrices. For real scalars the conjugate
//! of an operator is itself and its adjoint is its transpose, which is how
//! the `conj_*` and `adjoint_*` methods are implemented throughout.
//!
//! A [`Diagonal`] with positive entries is also a [`Precond`] (Jacobi
//! preconditioning applies the inverse: build it with
//! [`Diagonal::inverse`]).

use crate::check;
use crate::{Error, Result};
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::matrix_free::{BiLinOp, LinOp, Precond};
use faer::{Mat, MatMut, MatRef, Par};

/// Implements [`BiLinOp`] for a real self-adjoint operator: its transpose
/// and adjoint are the operator itself, so both forward to
/// [`LinOp::apply`] with the same scratch requirements.
macro_rules! self_adjoint_bilinop {
    ($ty:ty) => {
        impl faer::matrix_free::BiLinOp<f64> for $ty {
            fn transpose_apply_scratch(
                &self,
                rhs_ncols: usize,
                par: faer::Par,
            ) -> faer::dyn_stack::StackReq {
                faer::matrix_free::LinOp::apply_scratch(self, rhs_ncols, par)
            }
            fn transpose_apply(
                &self,
                out: faer::MatMut<'_, f64>,
                rhs: faer::MatRef<'_, f64>,
                par: faer::Par,
                stack: &mut faer::dyn_stack::MemStack,
            ) {
                faer::matrix_free::LinOp::apply(self, out, rhs, par, stack);
            }
            fn adjoint_apply(
                &self,
                out: faer::MatMut<'_, f64>,
                rhs: faer::MatRef<'_, f64>,
                par: faer::Par,
                stack: &mut faer::dyn_stack::MemStack,
            ) {
                faer::matrix_free::LinOp::apply(self, out, rhs, par, stack);
            }
        }
    };
}
pub(crate) use self_adjoint_bilinop;

/// Applies `op` to the columns of `x` and returns `op * x`.
///
/// Checks that `x` has `op.ncols()` rows and finite entries; the scratch
/// space the operator asks for is allocated here.
pub fn apply<A: LinOp<f64> + ?Sized>(op: &A, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
    check::dim("ops::apply (rows of x)", op.ncols(), x.nrows())?;
    check::finite_mat(x, "ops::apply input")?;
    Ok(apply_unchecked(op, x, Par::rayon(0)))
}

/// Applies the transpose of `op` to the columns of `x`.
pub fn apply_transpose<A: BiLinOp<f64> + ?Sized>(op: &A, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
    check::dim("ops::apply_transpose (rows of x)", op.nrows(), x.nrows())?;
    check::finite_mat(x, "ops::apply_transpose input")?;
    let mut out = Mat::zeros(op.ncols(), x.ncols());
    let par = Par::rayon(0);
    let mut buf = MemBuffer::new(op.transpose_apply_scratch(x.ncols(), par));
    op.transpose_apply(out.as_mut(), x, par, MemStack::new(&mut buf));
    Ok(out)
}

/// `op * x` without checks, allocating the operator's scratch.
pub(crate) fn apply_unchecked<A: LinOp<f64> + ?Sized>(
    op: &A,
    x: MatRef<'_, f64>,
    par: Par,
) -> Mat<f64> {
    let mut out = Mat::zeros(op.nrows(), x.ncols());
    let mut buf = MemBuffer::new(op.apply_scratch(x.ncols(), par));
    op.apply(out.as_mut(), x, par, MemStack::new(&mut buf));
    out
}

/// Converts any operator to a dense matrix by applying it to the identity
/// (for tests and small problems: `O(n)` applications).
pub fn to_dense<A: LinOp<f64> + ?Sized>(op: &A) -> Mat<f64> {
    let id = Mat::<f64>::identity(op.ncols(), op.ncols());
    apply_unchecked(op, id.as_ref(), Par::rayon(0))
}

/// A diagonal matrix `diag(d)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagonal {
    d: Vec<f64>,
}

impl Diagonal {
    /// The diagonal matrix with entries `d` (finite, not empty).
    pub fn new(d: Vec<f64>) -> Result<Self> {
        if d.is_empty() {
            return Err(Error::Empty("Diagonal::new"));
        }
        check::finite_slice(&d, "Diagonal::new")?;
        Ok(Self { d })
    }

    /// `s I` of dimension `n`.
    pub fn scaled_identity(n: usize, s: f64) -> Result<Self> {
        Self::new(vec![s; n])
    }

    /// The diagonal entries.
    pub fn values(&self) -> &[f64] {
        &self.d
    }

    /// The inverse `diag(1 / d)`; fails with [`Error::InvalidArgument`] on a
    /// zero entry. A positive diagonal's inverse is the Jacobi
    /// preconditioner.
    pub fn inverse(&self) -> Result<Self> {
        if self.d.contains(&0.0) {
            return Err(Error::InvalidArgument(
                "Diagonal::inverse: zero on the diagonal".into(),
            ));
        }
        Ok(Self {
            d: self.d.iter().map(|x| 1.0 / x).collect(),
        })
    }

    /// `log det diag(d)`; fails with [`Error::NotPositiveDefinite`] unless
    /// every entry is positive.
    pub fn log_det(&self) -> Result<f64> {
        if self.d.iter().any(|&x| x <= 0.0) {
            return Err(Error::NotPositiveDefinite(
                "Diagonal::log_det: non-positive diagonal entry".into(),
            ));
        }
        Ok(self.d.iter().map(|x| x.ln()).sum())
    }

    fn scale_rows(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>) {
        for j in 0..rhs.ncols() {
            for (i, &di) in self.d.iter().enumerate() {
                out[(i, j)] = di * rhs[(i, j)];
            }
        }
    }
}

impl LinOp<f64> for Diagonal {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.d.len()
    }
    fn ncols(&self) -> usize {
        self.d.len()
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, _par: Par, _stack: &mut MemStack) {
        self.scale_rows(out, rhs);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        _par: Par,
        _stack: &mut MemStack,
    ) {
        self.scale_rows(out, rhs);
    }
}

self_adjoint_bilinop!(Diagonal);

impl Precond<f64> for Diagonal {
    fn apply_in_place_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn apply_in_place(&self, mut rhs: MatMut<'_, f64>, _par: Par, _stack: &mut MemStack) {
        for j in 0..rhs.ncols() {
            for (i, &di) in self.d.iter().enumerate() {
                rhs[(i, j)] *= di;
            }
        }
    }
    fn conj_apply_in_place(&self, rhs: MatMut<'_, f64>, par: Par, stack: &mut MemStack) {
        self.apply_in_place(rhs, par, stack);
    }
}

/// The sum `A + B` of two operators of the same shape.
#[derive(Debug, Clone)]
pub struct Sum<A, B> {
    a: A,
    b: B,
}

impl<A: LinOp<f64>, B: LinOp<f64>> Sum<A, B> {
    /// `A + B`; fails with [`Error::ShapeMismatch`] unless the shapes agree.
    pub fn new(a: A, b: B) -> Result<Self> {
        if a.nrows() != b.nrows() || a.ncols() != b.ncols() {
            return Err(Error::ShapeMismatch {
                context: "ops::Sum::new",
                expected: format!("{} x {}", a.nrows(), a.ncols()),
                got: format!("{} x {}", b.nrows(), b.ncols()),
            });
        }
        Ok(Self { a, b })
    }

    /// The two terms.
    pub fn terms(&self) -> (&A, &B) {
        (&self.a, &self.b)
    }
}

fn add_into(mut out: MatMut<'_, f64>, tmp: &Mat<f64>) {
    for j in 0..out.ncols() {
        for i in 0..out.nrows() {
            out[(i, j)] += tmp[(i, j)];
        }
    }
}

impl<A: LinOp<f64>, B: LinOp<f64>> LinOp<f64> for Sum<A, B> {
    fn apply_scratch(&self, rhs_ncols: usize, par: Par) -> StackReq {
        StackReq::any_of(&[
            self.a.apply_scratch(rhs_ncols, par),
            self.b.apply_scratch(rhs_ncols, par),
        ])
    }
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(
        &self,
        mut out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.a.apply(out.as_mut(), rhs, par, stack);
        let mut tmp = Mat::zeros(out.nrows(), out.ncols());
        self.b.apply(tmp.as_mut(), rhs, par, stack);
        add_into(out, &tmp);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.apply(out, rhs, par, stack);
    }
}

impl<A: BiLinOp<f64>, B: BiLinOp<f64>> BiLinOp<f64> for Sum<A, B> {
    fn transpose_apply_scratch(&self, rhs_ncols: usize, par: Par) -> StackReq {
        StackReq::any_of(&[
            self.a.transpose_apply_scratch(rhs_ncols, par),
            self.b.transpose_apply_scratch(rhs_ncols, par),
        ])
    }
    fn transpose_apply(
        &self,
        mut out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.a.transpose_apply(out.as_mut(), rhs, par, stack);
        let mut tmp = Mat::zeros(out.nrows(), out.ncols());
        self.b.transpose_apply(tmp.as_mut(), rhs, par, stack);
        add_into(out, &tmp);
    }
    fn adjoint_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.transpose_apply(out, rhs, par, stack);
    }
}

/// The scaled operator `alpha A`.
#[derive(Debug, Clone)]
pub struct Scaled<A> {
    alpha: f64,
    op: A,
}

impl<A: LinOp<f64>> Scaled<A> {
    /// `alpha A` for a finite `alpha`.
    pub fn new(alpha: f64, op: A) -> Result<Self> {
        if !alpha.is_finite() {
            return Err(Error::NonFinite("ops::Scaled::new alpha"));
        }
        Ok(Self { alpha, op })
    }

    /// The scale factor.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

fn scale(mut out: MatMut<'_, f64>, alpha: f64) {
    for j in 0..out.ncols() {
        for i in 0..out.nrows() {
            out[(i, j)] *= alpha;
        }
    }
}

impl<A: LinOp<f64>> LinOp<f64> for Scaled<A> {
    fn apply_scratch(&self, rhs_ncols: usize, par: Par) -> StackReq {
        self.op.apply_scratch(rhs_ncols, par)
    }
    fn nrows(&self) -> usize {
        self.op.nrows()
    }
    fn ncols(&self) -> usize {
        self.op.ncols()
    }
    fn apply(
        &self,
        mut out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.op.apply(out.as_mut(), rhs, par, stack);
        scale(out, self.alpha);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.apply(out, rhs, par, stack);
    }
}

impl<A: BiLinOp<f64>> BiLinOp<f64> for Scaled<A> {
    fn transpose_apply_scratch(&self, rhs_ncols: usize, par: Par) -> StackReq {
        self.op.transpose_apply_scratch(rhs_ncols, par)
    }
    fn transpose_apply(
        &self,
        mut out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.op.transpose_apply(out.as_mut(), rhs, par, stack);
        scale(out, self.alpha);
    }
    fn adjoint_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.transpose_apply(out, rhs, par, stack);
    }
}

/// The transpose `A^T` of an operator that can be applied from both sides.
#[derive(Debug, Clone)]
pub struct Transposed<A> {
    op: A,
}

impl<A: BiLinOp<f64>> Transposed<A> {
    /// `A^T`.
    pub fn new(op: A) -> Self {
        Self { op }
    }

    /// The operator being transposed.
    pub fn inner(&self) -> &A {
        &self.op
    }
}

impl<A: BiLinOp<f64>> LinOp<f64> for Transposed<A> {
    fn apply_scratch(&self, rhs_ncols: usize, par: Par) -> StackReq {
        self.op.transpose_apply_scratch(rhs_ncols, par)
    }
    fn nrows(&self) -> usize {
        self.op.ncols()
    }
    fn ncols(&self) -> usize {
        self.op.nrows()
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, stack: &mut MemStack) {
        self.op.transpose_apply(out, rhs, par, stack);
    }
    fn conj_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.op.transpose_apply(out, rhs, par, stack);
    }
}

impl<A: BiLinOp<f64>> BiLinOp<f64> for Transposed<A> {
    fn transpose_apply_scratch(&self, rhs_ncols: usize, par: Par) -> StackReq {
        self.op.apply_scratch(rhs_ncols, par)
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.op.apply(out, rhs, par, stack);
    }
    fn adjoint_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        stack: &mut MemStack,
    ) {
        self.op.apply(out, rhs, par, stack);
    }
}
