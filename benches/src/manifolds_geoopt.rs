//! Our side of `cargo xtask peers manifolds-geoopt`: the batched SPD
//! (affine-invariant) and Poincare-ball cases of the `manifolds` area, on
//! their own seeded inputs, for `benches/peers/manifolds-geoopt.py`, which
//! runs geoopt (PyTorch) on them. A separate area because geoopt needs
//! torch, a multi-gigabyte install that the geomstats area does without.

use crate::Exchange;
use crate::manifolds::{poincare_cases, spd_cases};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Runs the geoopt-comparable manifolds cases.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    spd_cases(ex, &mut rng)?;
    poincare_cases(ex, &mut rng)
}
