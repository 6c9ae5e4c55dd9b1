//! Errors of the GPU crate.

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a GPU.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable CUDA: the crate was built without the `cuda` feature, or
    /// there is no driver or no device on this machine.
    #[error("GPU unavailable: {0}")]
    Unavailable(String),
    /// A CUDA driver call failed; `name` is the CUDA error's name.
    #[error("CUDA error {name} during {during}")]
    Cuda {
        /// The CUDA error name, such as `OutOfMemory` or `InvalidValue`.
        name: String,
        /// What the crate was doing when the call failed.
        during: &'static str,
    },
    /// Host-side arguments do not fit together (buffer lengths, shapes).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}
