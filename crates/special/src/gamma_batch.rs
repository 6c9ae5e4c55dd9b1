//! Slice versions of the hot scalar functions of the gamma and normal
//! families, parallel over elements with rayon.
//!
//! Each element is independent, so the output does not depend on the number
//! of threads. Work is split in chunks of at least `MIN_CHUNK` elements so
//! that short slices stay on the calling thread.

use rayon::prelude::*;

/// Elements per rayon task, below which splitting costs more than it saves.
const MIN_CHUNK: usize = 2048;

fn map(xs: &[f64], f: fn(f64) -> f64) -> Vec<f64> {
    xs.par_iter()
        .with_min_len(MIN_CHUNK)
        .map(|&x| f(x))
        .collect()
}

/// [`ln_gamma`](crate::ln_gamma) of every element, in parallel.
pub fn ln_gamma_slice(xs: &[f64]) -> Vec<f64> {
    map(xs, crate::ln_gamma)
}

/// [`ndtr`](crate::ndtr) of every element, in parallel.
pub fn ndtr_slice(xs: &[f64]) -> Vec<f64> {
    map(xs, crate::ndtr)
}

/// [`log_ndtr`](crate::log_ndtr) of every element, in parallel.
pub fn log_ndtr_slice(xs: &[f64]) -> Vec<f64> {
    map(xs, crate::log_ndtr)
}

/// [`erfc`](crate::erfc) of every element, in parallel.
pub fn erfc_slice(xs: &[f64]) -> Vec<f64> {
    map(xs, crate::erfc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_match_scalars() {
        let xs: Vec<f64> = (0..10_000).map(|i| -40.0 + 0.005 * f64::from(i)).collect();
        let out = log_ndtr_slice(&xs);
        assert!(xs.iter().zip(&out).all(|(&x, &y)| y == crate::log_ndtr(x)));
        let out = ln_gamma_slice(&xs);
        assert!(
            xs.iter()
                .zip(&out)
                .all(|(&x, &y)| y.to_bits() == crate::ln_gamma(x).to_bits())
        );
        assert!(ndtr_slice(&[]).is_empty());
        assert_eq!(erfc_slice(&[0.0]), vec![1.0]);
    }
}
