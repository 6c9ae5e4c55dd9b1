//! The vectorisable `exp` of the kernel-sum inner loops, and the CPU check
//! that chooses between its two forms.
//!
//! [`exp_fast`] is sobolev-special's branch-free exponential (at most 2 ulp
//! from `f64::exp`, flushed to 0 below -708); [`exp_fused`] is the same
//! function with fused multiply-adds and Estrin's scheme, for loops that
//! run under CPU-feature dispatch on a CPU with FMA (callers check
//! [`fused_multiply_add_available`] and use [`exp_fast`] otherwise).

pub(crate) use sobolev_special::{exp_branchless as exp_fast, exp_branchless_fma as exp_fused};

/// Whether this CPU has hardware fused multiply-add, so that loops using
/// [`exp_fused`] and `f64::mul_add` under CPU-feature dispatch are fast.
pub(crate) fn fused_multiply_add_available() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}
