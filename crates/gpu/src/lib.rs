//! # sobolev-gpu
//!
//! CUDA kernels for the hot loops of Sobolev (special functions over large
//! arrays, blocked kernel sums, batched sampler steps), compiled from
//! `cuda/*.cu` to PTX that is committed under `cuda/ptx/` and loaded at run
//! time through `cust`.
//!
//! The CUDA path sits behind the `cuda` feature, off by default. Without
//! it the crate builds everywhere and [`Gpu::new`] returns
//! [`Error::Unavailable`]; with it, [`Gpu::new`] returns an error rather
//! than panicking when there is no driver or no device. Every GPU kernel has
//! a CPU reference in its home crate and a parity test.

mod error;

pub use error::{Error, Result};

#[cfg(feature = "cuda")]
mod device;

#[cfg(feature = "cuda")]
pub use device::Gpu;

/// A handle to one CUDA device and its context.
///
/// This crate was built without the `cuda` feature, so no device can be
/// opened: [`Gpu::new`] always returns [`Error::Unavailable`].
#[cfg(not(feature = "cuda"))]
#[derive(Debug)]
pub struct Gpu {
    _unconstructible: (),
}

#[cfg(not(feature = "cuda"))]
impl Gpu {
    /// Opens the first CUDA device. Without the `cuda` feature this always
    /// fails with [`Error::Unavailable`].
    pub fn new() -> Result<Self> {
        Err(Error::Unavailable(
            "sobolev-gpu was built without the `cuda` feature".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_never_panics() {
        match Gpu::new() {
            Ok(_) => {}
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.is_empty());
                eprintln!("no GPU here, skipping device checks: {msg}");
            }
        }
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn without_cuda_is_unavailable() {
        assert!(matches!(Gpu::new(), Err(Error::Unavailable(_))));
    }
}
