//! Our side of `cargo xtask peers samplers-torchsde`: Euler-Maruyama and
//! SRA1 on 1e5 paths of the two-dimensional Ornstein-Uhlenbeck SDE of the
//! `samplers` area, `dX = (-X_1, -X_2/2) dt + diag(0.5, 0.3) dW` from
//! `X_0 = (1, 1)` over `[0, 1]`, against torchsde's Euler and SRK solvers.
//!
//! The paths come from different generators, so outputs agree in
//! distribution only: we write the final states and the peer compares the
//! sample means and variances (with the exact ones, which it also reports).

use crate::samplers::Ou;
use crate::{Exchange, OurCase, median_time};
use sobolev_samplers::sde::{SdeMethod, solve_sde_batch};

/// Runs the cases.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let threads = rayon::current_num_threads();
    let (n, steps) = (100_000usize, 128usize);
    for (method, label, evals) in [
        (SdeMethod::EulerMaruyama, "euler_maruyama", 1),
        (SdeMethod::Sra1, "sra1", 2),
    ] {
        let name = format!("{label}_ou2d_{steps}steps");
        let x0 = vec![1.0; 2 * n];
        let mut out = x0.clone();
        let mut status = Ok(());
        let t = median_time(3, || {
            out.copy_from_slice(&x0);
            status = solve_sde_batch(&Ou, method, 0.0, 1.0, &mut out, steps, 9);
        });
        status.map_err(|e| std::io::Error::other(e.to_string()))?;
        ex.write_array(&name, "in", &x0)?;
        ex.write_array(&name, "out", &out)?;
        ex.record(OurCase {
            name,
            n,
            ours_s: t,
            notes: format!(
                "per-path virtual Brownian tree{}, {steps} steps, {evals} drift evaluation(s) per step ({threads} threads); per path-step {:.2e} s",
                if method == SdeMethod::Sra1 {
                    " with space-time Levy area"
                } else {
                    ""
                },
                t / (n * steps) as f64
            ),
        });
    }
    Ok(())
}
