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
    /// A point or tangent vector fails a membership test: `defect`
    /// measures how far it is off (in the measure the check states) and
    /// `tol` is the tolerance it was held to.
    #[error("not on the manifold: {what} (defect {defect:e}, tolerance {tol:e})")]
    NotOnManifold {
        /// Which condition fails.
        what: String,
        /// The measured violation.
        defect: f64,
        /// The tolerance that was asked for.
        tol: f64,
    },
    /// A parameter is outside its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An operation left the domain where it is defined: for example a
    /// geodesic of an incomplete metric (Bures-Wasserstein on SPD) that
    /// reaches the boundary of the manifold before unit time.
    #[error("outside the domain of definition: {0}")]
    OutsideDomain(String),
}

impl From<sobolev_linalg::Error> for Error {
    fn from(e: sobolev_linalg::Error) -> Self {
        use sobolev_linalg::Error as L;
        match e {
            L::ShapeMismatch {
                context,
                expected,
                got,
            } => Error::ShapeMismatch {
                context,
                expected,
                got,
            },
            L::NonFinite(s) => Error::NonFinite(s),
            L::Empty(s) => Error::Empty(s),
            L::NotPositiveDefinite(s) => Error::NotPositiveDefinite(s),
            L::NotConverged {
                method,
                iterations,
                residual,
            } => Error::NotConverged {
                method,
                iterations,
                residual,
            },
            L::InvalidArgument(s) => Error::InvalidArgument(s),
            other => Error::InvalidArgument(other.to_string()),
        }
    }
}
