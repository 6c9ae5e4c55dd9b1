//! Side-by-side cases for orthogonal polynomials, Gauss rules and spherical
//! harmonics against SciPy (`benches/peers/special-poly.py`).
//!
//! Cases: `roots_legendre` and `roots_hermite` at n = 100 and 1000 (output:
//! nodes then weights); `sph_harm_all_l100` (every `Y_l^m`, `l <= 100`, at
//! 200 points; output: real and imaginary parts interleaved, points by
//! rows in our `l^2 + l + m` layout); `eval_legendre_n50` and
//! `eval_jacobi_n50` on a grid of 10^6 points (one thread, scalar calls).

use crate::{Exchange, OurCase, median_time};
use sobolev_special::orthopoly::{jacobi_p, legendre_p};
use sobolev_special::{QuadratureRule, SphericalHarmonics, gauss_hermite, gauss_legendre};

type RuleBuilder = fn(usize) -> sobolev_special::Result<QuadratureRule>;

/// Runs our side of the `special-poly` area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let threads = rayon::current_num_threads();
    for n in [100usize, 1000] {
        for (name, build) in [
            ("roots_legendre", gauss_legendre as RuleBuilder),
            ("roots_hermite", gauss_hermite as RuleBuilder),
        ] {
            let case = format!("{name}_n{n}");
            let rule = build(n).map_err(std::io::Error::other)?;
            let t = median_time(if n > 500 { 11 } else { 51 }, || build(n));
            let mut out = rule.nodes.clone();
            out.extend_from_slice(&rule.weights);
            ex.write_array(&case, "in", &[n as f64])?;
            ex.write_array(&case, "out", &out)?;
            ex.record(OurCase {
                name: case,
                n,
                ours_s: t,
                notes: format!("{threads} thread(s), O(n) Glaser-Liu-Rokhlin walk for n >= 100, Newton + Sturm certification below"),
            });
        }
    }

    // Spherical harmonics: every (l, m) up to l = 100 at 200 points.
    let l_max = 100;
    let points = 200;
    let thetas: Vec<f64> = (0..points)
        .map(|i| std::f64::consts::PI * (i as f64 + 0.5) / points as f64)
        .collect();
    let phis: Vec<f64> = (0..points).map(|i| 0.37 + 2.1 * i as f64).collect();
    let plan = SphericalHarmonics::new(l_max);
    let table = plan
        .complex_batch(&thetas, &phis)
        .map_err(std::io::Error::other)?;
    let t = median_time(11, || plan.complex_batch(&thetas, &phis));
    let mut input = thetas.clone();
    input.extend_from_slice(&phis);
    let out: Vec<f64> = table.iter().flat_map(|z| [z.re, z.im]).collect();
    let case = "sph_harm_all_l100";
    ex.write_array(case, "in", &input)?;
    ex.write_array(case, "out", &out)?;
    ex.record(OurCase {
        name: case.into(),
        n: points * plan.table_len(),
        ours_s: t,
        notes: format!("{points} points x (l_max+1)^2 values, {threads} thread(s)"),
    });

    // Polynomial values on a grid, one thread.
    let grid: Vec<f64> = (0..1_000_000)
        .map(|i| -1.0 + 2.0 * (i as f64 + 0.5) / 1e6)
        .collect();
    let n = 50;
    for (case, f) in [
        (
            "eval_legendre_n50",
            (|x: f64| legendre_p(50, x)) as fn(f64) -> f64,
        ),
        ("eval_jacobi_n50", |x: f64| jacobi_p(50, 0.5, -0.3, x)),
    ] {
        let out: Vec<f64> = grid.iter().map(|&x| f(x)).collect();
        let t = median_time(5, || grid.iter().map(|&x| f(x)).collect::<Vec<f64>>());
        ex.write_array(case, "in", &grid)?;
        ex.write_array(case, "out", &out)?;
        ex.record(OurCase {
            name: case.into(),
            n: grid.len(),
            ours_s: t,
            notes: format!("degree {n}, scalar calls on one thread"),
        });
    }
    Ok(())
}
