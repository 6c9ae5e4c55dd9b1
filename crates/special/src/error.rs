//! The error type of the crate's fallible operations (slice APIs and
//! iterative inverses). Scalar special functions do not return `Result`:
//! they follow IEEE habits and answer NaN outside their domain.

/// Errors from the fallible operations of `sobolev-special`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Two inputs that must have matching lengths or shapes do not.
    #[error("shape mismatch: expected {expected}, found {found}")]
    ShapeMismatch {
        /// The length (or shape) required.
        expected: usize,
        /// The length (or shape) supplied.
        found: usize,
    },
    /// An input that must be finite is not.
    #[error("non-finite input: {0}")]
    NonFinite(&'static str),
    /// An input that must be non-empty is empty.
    #[error("empty input: {0}")]
    Empty(&'static str),
    /// A matrix that must be positive definite is not.
    #[error("matrix is not positive definite")]
    NotPositiveDefinite,
    /// An iteration did not reach its tolerance.
    #[error("{what} did not converge after {iterations} iterations")]
    NotConverged {
        /// The iteration that failed.
        what: &'static str,
        /// Iterations spent.
        iterations: usize,
    },
    /// An argument lies outside the operation's domain.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
