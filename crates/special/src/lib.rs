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

/// Modified Bessel functions I and K in log space, their ratio and derivatives.
pub mod bessel;
/// Bessel functions J and Y of real order, and spherical Bessel functions.
pub mod bessel_jy;
/// A branch-free exp for vectorised loops.
pub mod branchless;
/// The error type of the slice APIs.
pub mod error;
/// erf, erfc, erfcx and their inverses.
pub mod error_fn;
/// Multiply-add and exact squares without a library call.
mod fused;
/// Γ, ln |Γ| with sign, and the multivariate gamma function.
pub mod gamma;
/// Rayon slice versions of the hot gamma and normal functions.
pub mod gamma_batch;
/// Γ(a)/Γ(b), Pochhammer symbols and the beta function.
pub mod gamma_ratio;
/// Gauss-Hermite and Gauss-Legendre rules in O(n) by the Glaser-Liu-Rokhlin walk.
mod glr;
/// The regularised incomplete beta function and its inverse.
pub mod incomplete_beta;
/// The regularised incomplete gamma functions P, Q and their inverses.
pub mod incomplete_gamma;
/// Log-domain sums and differences, softplus and log-sigmoid.
pub mod logexp;
/// The standard normal cdf, its logarithm and its quantile.
pub mod normal;
/// Orthogonal polynomials by stable recurrences.
pub mod orthopoly;
/// Owen's T function.
pub mod owens_t;
/// Digamma, trigamma and polygamma functions.
pub mod polygamma;
/// Gauss quadrature rules up to n = 1000 nodes.
pub mod quadrature;
/// Safeguarded Halley iteration for the inverses.
mod roots;
/// Real and complex spherical harmonics up to degree 1000.
pub mod sph_harm;
/// Double-double arithmetic for results that are small differences of large terms.
mod twofold;
/// von Mises-Fisher normaliser, mean resultant length and its inverse.
pub mod vmf;
/// Wigner 3j, Clebsch-Gordan and Gaunt coefficients.
pub mod wigner;

pub use bessel::{
    bessel_i, bessel_i_derivative, bessel_i_ratio, bessel_i_scaled, bessel_k, bessel_k_derivative,
    bessel_k_scaled, log_bessel_i, log_bessel_i_derivative, log_bessel_k, log_bessel_k_derivative,
};
pub use bessel_jy::{
    BesselJy, bessel_j, bessel_j_derivative, bessel_j_slice, bessel_jy, bessel_y,
    bessel_y_derivative, bessel_y_slice, spherical_bessel_j, spherical_bessel_j_derivative,
    spherical_bessel_y, spherical_bessel_y_derivative,
};
pub use branchless::{exp_branchless, exp_branchless_fma};
pub use error::{Error, Result};
pub use error_fn::{erf, erfc, erfcinv, erfcx, erfinv};
pub use gamma::{gamma, ln_gamma, ln_gamma_sign, ln_multigamma};
pub use gamma_batch::{erfc_slice, ln_gamma_slice, log_ndtr_slice, ndtr_slice};
pub use gamma_ratio::{
    beta, falling_factorial, gamma_ratio, ln_beta, ln_falling_factorial, ln_gamma_ratio,
    ln_rising_factorial, rising_factorial,
};
pub use incomplete_beta::{beta_inc, beta_inc_complement, beta_inc_inv};
pub use incomplete_gamma::{gamma_p, gamma_p_inv, gamma_q, gamma_q_inv, ln_gamma_p, ln_gamma_q};
pub use logexp::{
    LogSumExp, log_sigmoid, log1mexp, log1pexp, log1pmx, logaddexp, logsubexp, logsumexp, softplus,
    softplus_sigmoid,
};
pub use normal::{log_ndtr, ndtr, ndtri, ndtri_log};
pub use orthopoly::{
    assoc_legendre_normalized, chebyshev_series, chebyshev_t, chebyshev_u, gegenbauer_c,
    hermite_function, hermite_h, hermite_he, jacobi_p, laguerre_l, legendre_p,
};
pub use owens_t::owens_t;
pub use polygamma::{digamma, polygamma, trigamma};
pub use quadrature::{
    QuadratureRule, gauss_hermite, gauss_hermite_prob, gauss_jacobi, gauss_laguerre, gauss_legendre,
};
pub use sph_harm::{SphericalHarmonics, real_sph_harm, sph_harm_index, sph_harm_y};
pub use wigner::{clebsch_gordan, clebsch_gordan_doubled, gaunt, wigner_3j, wigner_3j_doubled};
