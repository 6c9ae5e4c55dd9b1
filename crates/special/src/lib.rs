//! # sobolev-special
//!
//! Special functions on `f64` that stay finite and accurate over the whole
//! double range. Where a function overflows or underflows in its natural
//! form it is offered in log space (`log_bessel_i`, `ln_gamma`,
//! `log_ndtr`, ...), so callers never see `inf`, `NaN` or `0` where the true
//! value is an ordinary number.
//!
//! This crate owns every special function in Sobolev and depends on no other
//! Sobolev crate. Scalar functions follow IEEE habits: NaN in gives NaN out,
//! and arguments outside a function's domain give NaN (each function's docs
//! say which).
#![forbid(unsafe_code)]

pub mod error;
pub mod gamma;
pub mod logexp;
pub mod orthopoly;
pub mod quadrature;
pub mod sph_harm;
pub mod wigner;

pub use error::{Error, Result};
pub use gamma::{gamma, ln_gamma, ln_gamma_sign};
pub use logexp::{
    LogSumExp, log_sigmoid, log1mexp, log1pexp, logaddexp, logsubexp, logsumexp, softplus,
};
pub use orthopoly::{
    assoc_legendre_normalized, chebyshev_series, chebyshev_t, chebyshev_u, gegenbauer_c,
    hermite_function, hermite_h, hermite_he, jacobi_p, laguerre_l, legendre_p,
};
pub use quadrature::{
    QuadratureRule, gauss_hermite, gauss_hermite_prob, gauss_jacobi, gauss_laguerre, gauss_legendre,
};
pub use sph_harm::{SphericalHarmonics, real_sph_harm, sph_harm_index, sph_harm_y};
pub use wigner::{clebsch_gordan, gaunt, wigner_3j};
