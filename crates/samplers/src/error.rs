//! The crate's error type: every fallible public operation returns
//! [`Result`], and each variant names the problem with the numbers a user
//! needs to fix it.

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Operand shapes do not fit together.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    ShapeMismatch {
        /// The operation that was attempted.
        context: &'static str,
        /// The expected shape, in words.
        expected: String,
        /// The shape that was passed.
        got: String,
    },
    /// An input held NaN or an infinity.
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),
    /// Empty input where at least one element is needed.
    #[error("empty input: {0}")]
    Empty(&'static str),
    /// A matrix that must be symmetric positive definite is not.
    #[error("matrix is not positive definite: {0}")]
    NotPositiveDefinite(String),
    /// An iterative method stopped before reaching its tolerance.
    #[error("{method} did not converge in {iterations} iterations (residual {residual:e})")]
    NotConverged {
        /// The iterative method.
        method: &'static str,
        /// Iterations performed.
        iterations: usize,
        /// The last residual or error estimate.
        residual: f64,
    },
    /// A parameter is outside its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A state, derivative or denoiser output became NaN or infinite during
    /// a run; `t` is the time the run had reached.
    #[error("non-finite {what} at t = {t}")]
    NonFiniteAt {
        /// What went non-finite (state, vector field, denoiser output).
        what: &'static str,
        /// Time reached when it happened.
        t: f64,
    },
    /// The adaptive step size fell below what the floating-point time can
    /// resolve; `t` is the time reached.
    #[error("step size underflow at t = {t} (h = {h:e})")]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// The step size that was too small.
        h: f64,
    },
    /// The step budget ran out before the end time; `t` is the time reached.
    #[error("maximum of {steps} steps exhausted at t = {t}")]
    MaxStepsExceeded {
        /// Time reached.
        t: f64,
        /// Steps attempted.
        steps: usize,
    },
    /// A time grid is not strictly monotone (or has a zero step) at `index`.
    #[error("time grid not strictly monotone at index {index} (t = {t})")]
    NonMonotoneTimes {
        /// Index of the offending time in the grid.
        index: usize,
        /// The offending time.
        t: f64,
    },
    /// A manifold operation (exp, log, retraction, projection, inner
    /// product, membership check) failed; the manifold crate's error says
    /// which and why.
    #[error("manifold operation failed: {0}")]
    Manifold(#[from] sobolev_manifolds::Error),
}
