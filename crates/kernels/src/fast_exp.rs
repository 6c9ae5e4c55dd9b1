//! The vectorisable `exp` of the kernel-sum inner loops: sobolev-special's
//! branch-free exponential (at most 2 ulp from `f64::exp`, flushed to 0
//! below -708), under the name the kernel code uses.

pub(crate) use sobolev_special::exp_branchless as exp_fast;
