//! Kronecker products `A_1 (x) ... (x) A_d` and Kronecker sums
//! `A_1 (+) ... (+) A_d`, applied without forming the `N x N` matrix.
//!
//! With the last factor's index varying fastest (row `i` of the product is
//! `(i_1, ..., i_d)` in mixed radix), `(A (x) B) vec(X) = vec(B X A^T)`. The
//! product is applied by the shuffle form of this vec trick: view the vector
//! as an `n_d x (N / n_d)` matrix, multiply by `A_d` and store the result
//! transposed, which makes `i_{d-1}` the fastest index; after `d` such steps
//! the indices are back in order. Each step is one large matrix product, so
//! a matvec costs `O(N sum_i n_i)` flops in `d` passes over memory, against
//! `O(N^2)` for the dense matrix. The Kronecker sum
//! `sum_k I (x) ... (x) A_k (x) ... (x) I` applies each factor along its own
//! mode of the tensor.
//!
//! Factors may be dense ([`faer::Mat`]) or any operator implementing
//! [`LinOp`]; rectangular factors are allowed for the product.
//!
//! Measured accuracy: against the dense product (faer's `kron`), relative
//! error below 1e-12 for random factors of 1 to 4 rows and columns, 1 to 3
//! factors, products and transposes alike (tests/operators.rs).
//!
//! References: C. F. Van Loan, "The ubiquitous Kronecker product", J. Comput.
//! Appl. Math. 123 (2000); Y. Saatci, "Scalable inference for structured
//! Gaussian process models", PhD thesis, Cambridge (2012), ch. 5.

use crate::check;
use crate::ops::apply_unchecked;
use crate::{Error, Result};
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::matrix_free::{BiLinOp, LinOp};
use faer::{Mat, MatMut, MatRef, Par};

/// The Kronecker product `A_1 (x) A_2 (x) ... (x) A_d` of operators.
#[derive(Debug, Clone)]
pub struct Kronecker<A = Mat<f64>> {
    factors: Vec<A>,
    nrows: usize,
    ncols: usize,
}

fn checked_product(mut dims: impl Iterator<Item = usize>, context: &'static str) -> Result<usize> {
    dims.try_fold(1usize, |acc, n| {
        if n == 0 {
            return Err(Error::Empty(context));
        }
        acc.checked_mul(n)
            .ok_or_else(|| Error::InvalidArgument(format!("{context}: dimension overflows usize")))
    })
}

impl<A: LinOp<f64>> Kronecker<A> {
    /// The product of `factors` (at least one, none empty).
    pub fn new(factors: Vec<A>) -> Result<Self> {
        if factors.is_empty() {
            return Err(Error::Empty("Kronecker::new: no factors"));
        }
        let nrows = checked_product(factors.iter().map(|f| f.nrows()), "Kronecker::new")?;
        let ncols = checked_product(factors.iter().map(|f| f.ncols()), "Kronecker::new")?;
        Ok(Self {
            factors,
            nrows,
            ncols,
        })
    }

    /// The factors, outermost (slowest index) first.
    pub fn factors(&self) -> &[A] {
        &self.factors
    }

    /// `(A_1 (x) ... (x) A_d) x` for a single vector.
    pub fn apply_vec(&self, x: &[f64]) -> Result<Vec<f64>> {
        check::dim("Kronecker::apply_vec", self.ncols, x.len())?;
        check::finite_slice(x, "Kronecker::apply_vec")?;
        let out = apply_unchecked(
            self,
            MatRef::from_column_major_slice(x, x.len(), 1),
            Par::rayon(0),
        );
        Ok(out.col(0).iter().copied().collect())
    }

    fn shapes(&self, transpose: bool) -> Vec<(usize, usize)> {
        self.factors
            .iter()
            .map(|f| {
                if transpose {
                    (f.ncols(), f.nrows())
                } else {
                    (f.nrows(), f.ncols())
                }
            })
            .collect()
    }

    /// One scratch buffer per factor, large enough for any step of the
    /// shuffle (an upper bound on the columns a factor is applied to).
    fn scratch_buffers(&self, req: impl Fn(&A, usize) -> StackReq) -> Vec<MemBuffer> {
        let widest: usize = self
            .factors
            .iter()
            .map(|f| f.nrows().max(f.ncols()))
            .product();
        self.factors
            .iter()
            .map(|f| MemBuffer::new(req(f, widest / f.nrows().min(f.ncols()).max(1))))
            .collect()
    }
}

impl Kronecker<Mat<f64>> {
    /// The product of dense factors, checked for finite entries.
    pub fn from_dense(factors: Vec<Mat<f64>>) -> Result<Self> {
        for f in &factors {
            check::finite_mat(f.as_ref(), "Kronecker::from_dense")?;
        }
        Self::new(factors)
    }

    /// The transpose `A_1^T (x) ... (x) A_d^T`.
    pub fn transpose(&self) -> Self {
        Self {
            factors: self
                .factors
                .iter()
                .map(|f| f.transpose().to_owned())
                .collect(),
            nrows: self.ncols,
            ncols: self.nrows,
        }
    }

    /// The dense `N x M` matrix (for tests and small problems).
    pub fn to_dense(&self) -> Mat<f64> {
        let mut acc = Mat::<f64>::identity(1, 1);
        for f in &self.factors {
            let mut next = Mat::zeros(acc.nrows() * f.nrows(), acc.ncols() * f.ncols());
            faer::linalg::kron::kron(next.as_mut(), acc.as_ref(), f.as_ref());
            acc = next;
        }
        acc
    }
}

/// Applies a Kronecker product to the vector `x`, writing `out`.
///
/// `shapes[k] = (m_k, n_k)`; `apply(k, out, rhs, par)` must write
/// `A_k * rhs` into `out` (an `m_k x P` view with row stride `P`).
pub(crate) fn kron_vec(
    shapes: &[(usize, usize)],
    x: &[f64],
    out: &mut [f64],
    par: Par,
    mut apply: impl FnMut(usize, MatMut<'_, f64>, MatRef<'_, f64>, Par),
) {
    let d = shapes.len();
    let mut cur: Vec<f64> = x.to_vec();
    let mut next: Vec<f64> = Vec::new();
    for k in (0..d).rev() {
        let (m, n) = shapes[k];
        let p = cur.len() / n;
        next.clear();
        next.resize(p * m, 0.0);
        let rhs = MatRef::from_column_major_slice(&cur, n, p);
        let dst = MatMut::from_column_major_slice_mut(&mut next, p, m).transpose_mut();
        apply(k, dst, rhs, par);
        std::mem::swap(&mut cur, &mut next);
    }
    out.copy_from_slice(&cur);
}

fn apply_columns(
    out: MatMut<'_, f64>,
    rhs: MatRef<'_, f64>,
    shapes: &[(usize, usize)],
    par: Par,
    mut apply: impl FnMut(usize, MatMut<'_, f64>, MatRef<'_, f64>, Par),
) {
    let mut out = out;
    let mut x = vec![0.0; rhs.nrows()];
    let mut y = vec![0.0; out.nrows()];
    for j in 0..rhs.ncols() {
        for (i, xi) in x.iter_mut().enumerate() {
            *xi = rhs[(i, j)];
        }
        kron_vec(shapes, &x, &mut y, par, &mut apply);
        for (i, yi) in y.iter().enumerate() {
            out[(i, j)] = *yi;
        }
    }
}

impl<A: LinOp<f64>> LinOp<f64> for Kronecker<A> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, _stack: &mut MemStack) {
        let mut bufs = self.scratch_buffers(|f, cols| f.apply_scratch(cols, par));
        apply_columns(out, rhs, &self.shapes(false), par, |k, o, r, par| {
            self.factors[k].apply(o, r, par, MemStack::new(&mut bufs[k]));
        });
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

impl<A: BiLinOp<f64>> BiLinOp<f64> for Kronecker<A> {
    fn transpose_apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        _stack: &mut MemStack,
    ) {
        let mut bufs = self.scratch_buffers(|f, cols| f.transpose_apply_scratch(cols, par));
        apply_columns(out, rhs, &self.shapes(true), par, |k, o, r, par| {
            self.factors[k].transpose_apply(o, r, par, MemStack::new(&mut bufs[k]));
        });
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

/// The Kronecker sum `A_1 (+) ... (+) A_d = sum_k I (x) .. (x) A_k (x) .. (x) I`
/// of square operators: the operator of a separable sum, such as the
/// finite-difference Laplacian on a tensor grid.
#[derive(Debug, Clone)]
pub struct KroneckerSum<A = Mat<f64>> {
    factors: Vec<A>,
    dim: usize,
}

impl<A: LinOp<f64>> KroneckerSum<A> {
    /// The Kronecker sum of square `factors` (at least one, none empty).
    pub fn new(factors: Vec<A>) -> Result<Self> {
        if factors.is_empty() {
            return Err(Error::Empty("KroneckerSum::new: no factors"));
        }
        for f in &factors {
            if f.nrows() != f.ncols() {
                return Err(Error::ShapeMismatch {
                    context: "KroneckerSum::new",
                    expected: "square factors".into(),
                    got: format!("{} x {}", f.nrows(), f.ncols()),
                });
            }
        }
        let dim = checked_product(factors.iter().map(|f| f.nrows()), "KroneckerSum::new")?;
        Ok(Self { factors, dim })
    }

    /// The factors, outermost first.
    pub fn factors(&self) -> &[A] {
        &self.factors
    }

    fn apply_modes_with(
        &self,
        mut out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        scratch: impl Fn(&A, usize) -> StackReq,
        apply: impl Fn(&A, MatMut<'_, f64>, MatRef<'_, f64>, Par, &mut MemStack),
    ) {
        let n_total = self.dim;
        out.fill(0.0);
        let mut x = vec![0.0; n_total];
        let mut y = vec![0.0; n_total];
        for j in 0..rhs.ncols() {
            for (i, xi) in x.iter_mut().enumerate() {
                *xi = rhs[(i, j)];
            }
            let mut left = 1usize;
            for f in &self.factors {
                let n = f.nrows();
                let right = n_total / (left * n);
                let mut buf = MemBuffer::new(scratch(f, right.max(left)));
                if right == 1 {
                    // last mode: one product on the n x left matrix
                    let r = MatRef::from_column_major_slice(&x, n, left);
                    let o = MatMut::from_column_major_slice_mut(&mut y, n, left);
                    apply(f, o, r, par, MemStack::new(&mut buf));
                } else {
                    // slab l is right x n (column-major); apply A to its transpose
                    for l in 0..left {
                        let s = l * n * right..(l + 1) * n * right;
                        let r =
                            MatRef::from_column_major_slice(&x[s.clone()], right, n).transpose();
                        let o = MatMut::from_column_major_slice_mut(&mut y[s], right, n)
                            .transpose_mut();
                        apply(f, o, r, par, MemStack::new(&mut buf));
                    }
                }
                for (i, yi) in y.iter().enumerate() {
                    out[(i, j)] += *yi;
                }
                left *= n;
            }
        }
    }
}

impl<A: LinOp<f64>> LinOp<f64> for KroneckerSum<A> {
    fn apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn nrows(&self) -> usize {
        self.dim
    }
    fn ncols(&self) -> usize {
        self.dim
    }
    fn apply(&self, out: MatMut<'_, f64>, rhs: MatRef<'_, f64>, par: Par, _stack: &mut MemStack) {
        self.apply_modes_with(
            out,
            rhs,
            par,
            |f, cols| f.apply_scratch(cols, par),
            |f, o, r, par, stack| f.apply(o, r, par, stack),
        );
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

impl<A: BiLinOp<f64>> BiLinOp<f64> for KroneckerSum<A> {
    fn transpose_apply_scratch(&self, _rhs_ncols: usize, _par: Par) -> StackReq {
        StackReq::EMPTY
    }
    fn transpose_apply(
        &self,
        out: MatMut<'_, f64>,
        rhs: MatRef<'_, f64>,
        par: Par,
        _stack: &mut MemStack,
    ) {
        self.apply_modes_with(
            out,
            rhs,
            par,
            |f, cols| f.transpose_apply_scratch(cols, par),
            |f, o, r, par, stack| f.transpose_apply(o, r, par, stack),
        );
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

impl KroneckerSum<Mat<f64>> {
    /// The dense matrix (for tests and small problems).
    pub fn to_dense(&self) -> Mat<f64> {
        crate::ops::to_dense(self)
    }
}
