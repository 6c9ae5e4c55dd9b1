//! An end-to-end tour of Sobolev on synthetic data, one stop per crate,
//! writing SVG figures and a Markdown report.
//!
//! Run with `cargo xtask demo` (or `cargo run --release -p sobolev --example
//! tour`); the output directory is `$SOBOLEV_DEMO_DIR`, by default
//! `target/demo`.

mod geometry;
mod plot;
mod processes;
mod report;
mod sampling;
mod special;

use report::Report;

/// The result of a stop of the tour.
pub(crate) type Outcome = Result<(), Box<dyn std::error::Error>>;

fn main() -> Outcome {
    let dir = std::env::var("SOBOLEV_DEMO_DIR").unwrap_or_else(|_| "target/demo".into());
    let mut rep = Report::new(std::path::Path::new(&dir))?;
    special::log_bessel_accuracy(&mut rep)?;
    special::vmf_fit(&mut rep)?;
    processes::state_space_gp(&mut rep)?;
    processes::kronecker_gp(&mut rep)?;
    geometry::spd_means(&mut rep)?;
    geometry::poincare_geodesics(&mut rep)?;
    sampling::diffusion(&mut rep)?;
    sampling::nuts_and_thinning(&mut rep)?;
    sampling::gpu(&mut rep);
    rep.finish()?;
    Ok(())
}
