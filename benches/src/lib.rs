//! Shared plumbing for Sobolev's benchmarks: the side-by-side peer runner
//! writes our timings and outputs here, and `benches/peers/<area>.py` reads
//! them, times the Python peer on the same inputs and compares.
//!
//! The exchange format: for each case, `<dir>/<case>.in.f64` and
//! `<dir>/<case>.out.f64` hold little-endian `f64` arrays, and
//! `<dir>/ours.json` lists the cases with our timings.

pub mod kernels;
pub mod linalg;
pub mod linalg_dense;
pub mod manifolds;
pub mod manifolds_geoopt;
pub mod mcmc;
pub mod rkhs_compare;
pub mod rkhs_density;
pub mod rkhs_features;
pub mod samplers;
pub mod samplers_torchsde;
pub mod special;
pub mod special_gamma;
pub mod special_poly;

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One case measured on our side.
#[derive(Debug, Clone, Serialize)]
pub struct OurCase {
    /// Case name, shared with the Python script.
    pub name: String,
    /// Problem size (elements, points, ...).
    pub n: usize,
    /// Median wall time of our implementation in seconds.
    pub ours_s: f64,
    /// Free-form notes (threads, parameters).
    pub notes: String,
}

/// Collects the cases of one area and writes them for the Python side.
#[derive(Debug)]
pub struct Exchange {
    dir: PathBuf,
    cases: Vec<OurCase>,
}

impl Exchange {
    /// Creates the exchange folder `dir` (and its parents).
    pub fn new(dir: impl AsRef<Path>) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.as_ref())?;
        Ok(Self {
            dir: dir.as_ref().to_path_buf(),
            cases: Vec::new(),
        })
    }

    /// Writes an `f64` array for `case` under the given suffix (`in`, `out`, ...).
    pub fn write_array(&self, case: &str, suffix: &str, data: &[f64]) -> std::io::Result<()> {
        let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(self.dir.join(format!("{case}.{suffix}.f64")), bytes)
    }

    /// Records a measured case.
    pub fn record(&mut self, case: OurCase) {
        eprintln!(
            "  ours  {:<40} n={:<10} {:.3e} s",
            case.name, case.n, case.ours_s
        );
        self.cases.push(case);
    }

    /// Writes `ours.json` listing every recorded case.
    pub fn finish(self) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(&self.cases).map_err(std::io::Error::other)?;
        std::fs::write(self.dir.join("ours.json"), json)
    }
}

/// Median wall time in seconds of `reps` runs of `f`, after one warm-up run.
pub fn median_time<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    let mut times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A function that runs our side of one peers area.
pub type AreaRunner = fn(&mut Exchange) -> std::io::Result<()>;

/// The areas with side-by-side cases, by the name `cargo xtask peers` takes.
pub const AREAS: &[(&str, AreaRunner)] = &[
    ("kernels", kernels::run),
    ("linalg", linalg::run),
    ("linalg-dense", linalg_dense::run),
    ("manifolds", manifolds::run),
    ("manifolds-geoopt", manifolds_geoopt::run),
    ("mcmc", mcmc::run),
    ("rkhs-compare", rkhs_compare::run),
    ("rkhs-features", rkhs_features::run),
    ("rkhs-density", rkhs_density::run),
    ("samplers", samplers::run),
    ("samplers-torchsde", samplers_torchsde::run),
    ("special", special::run),
    ("special-gamma", special_gamma::run),
    ("special-poly", special_poly::run),
];
