//! Our side of `cargo xtask peers special`: `ln I_v(x)` and `ln K_v(x)` on
//! a grid like the one of Plesner et al. (v log-spaced in [0, 1e4] with 0,
//! x log-spaced in [1e-6, 1e5]), timed per cell, through the scalar
//! functions on one thread and through the slice API on rayon; `J_v`, `Y_v`
//! on a grid of `v` in `{0} u [1e-2, 1e3]`, `x` in `[1e-3, 1e4]`; the
//! spherical `j_n`, `y_n` for ten orders `n <= 500` and the same `x`.
//!
//! Files: `bessel_grid.v.f64`, `bessel_grid.x.f64` (the cells; likewise
//! `jy_grid` and `sph_grid`),
//! `<case>.out.f64` (our values), `<case>.ns.f64` (nanoseconds per element
//! in each cell). The Python side times SciPy on each cell the same way.

use crate::{Exchange, OurCase, median_time};
use sobolev_special::bessel::{log_bessel_i_slice, log_bessel_k_slice};
use sobolev_special::{
    bessel_j, bessel_j_slice, bessel_y, bessel_y_slice, log_bessel_i, log_bessel_k,
    spherical_bessel_j, spherical_bessel_y,
};
use std::hint::black_box;

/// Cells per axis of the grid.
pub const GRID: usize = 60;
/// Copies of each cell per timing, so one cell takes tens of microseconds.
pub const COPIES: usize = 4096;

/// The grid: `v = 0` and 59 orders log-spaced over `[1e-2, 1e4]`; `x`
/// log-spaced over `[1e-6, 1e5]`.
pub fn grid() -> (Vec<f64>, Vec<f64>) {
    let mut vs = vec![0.0];
    vs.extend((0..GRID - 1).map(|i| 10f64.powf(-2.0 + 6.0 * i as f64 / (GRID - 2) as f64)));
    let xs: Vec<f64> = (0..GRID)
        .map(|i| 10f64.powf(-6.0 + 11.0 * i as f64 / (GRID - 1) as f64))
        .collect();
    let mut v = Vec::with_capacity(GRID * GRID);
    let mut x = Vec::with_capacity(GRID * GRID);
    for &a in &vs {
        for &b in &xs {
            v.push(a);
            x.push(b);
        }
    }
    (v, x)
}

/// Cells per axis of the `J`/`Y` grid.
pub const GRID_JY: usize = 30;

/// The `J`/`Y` grid: `v = 0` and 29 orders log-spaced over `[1e-2, 1e3]`;
/// `x` log-spaced over `[1e-3, 1e4]`.
pub fn grid_jy() -> (Vec<f64>, Vec<f64>) {
    let mut vs = vec![0.0];
    vs.extend((0..GRID_JY - 1).map(|i| 10f64.powf(-2.0 + 5.0 * i as f64 / (GRID_JY - 2) as f64)));
    cross(&vs, &xs_jy())
}

fn xs_jy() -> Vec<f64> {
    (0..GRID_JY)
        .map(|i| 10f64.powf(-3.0 + 7.0 * i as f64 / (GRID_JY - 1) as f64))
        .collect()
}

/// The spherical grid: `n` in {0, 1, 2, 5, 10, 20, 50, 100, 200, 500},
/// `x` as in [`grid_jy`].
pub fn grid_sph() -> (Vec<f64>, Vec<f64>) {
    let ns = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];
    cross(&ns, &xs_jy())
}

fn cross(vs: &[f64], xs: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut v = Vec::with_capacity(vs.len() * xs.len());
    let mut x = Vec::with_capacity(vs.len() * xs.len());
    for &a in vs {
        for &b in xs {
            v.push(a);
            x.push(b);
        }
    }
    (v, x)
}

fn sph_j(n: f64, x: f64) -> f64 {
    spherical_bessel_j(n as u32, x)
}

fn sph_y(n: f64, x: f64) -> f64 {
    spherical_bessel_y(n as u32, x)
}

type Slice = fn(&[f64], &[f64], &mut [f64]) -> sobolev_special::Result<()>;

fn per_cell(
    ex: &mut Exchange,
    name: &str,
    v: &[f64],
    x: &[f64],
    scalar: fn(f64, f64) -> f64,
    slice: Option<Slice>,
) -> std::io::Result<()> {
    let out: Vec<f64> = v.iter().zip(x).map(|(&a, &b)| scalar(a, b)).collect();
    ex.write_array(name, "out", &out)?;
    let mut scalar_ns = Vec::with_capacity(v.len());
    let mut slice_ns = Vec::with_capacity(v.len());
    let mut buf = vec![0.0; COPIES];
    for (&a, &b) in v.iter().zip(x) {
        let t = median_time(3, || {
            let mut acc = 0.0;
            for _ in 0..COPIES {
                acc += scalar(black_box(a), black_box(b));
            }
            acc
        });
        scalar_ns.push(t * 1e9 / COPIES as f64);
        let Some(slice) = slice else { continue };
        let va = vec![a; COPIES];
        let xb = vec![b; COPIES];
        let t = median_time(3, || {
            slice(&va, &xb, &mut buf).map_err(std::io::Error::other)?;
            Ok::<f64, std::io::Error>(buf[0])
        });
        slice_ns.push(t * 1e9 / COPIES as f64);
    }
    let threads = rayon::current_num_threads();
    ex.write_array(&format!("{name}_scalar"), "ns", &scalar_ns)?;
    if slice.is_some() {
        ex.write_array(&format!("{name}_slice"), "ns", &slice_ns)?;
    }
    let total = |ns: &[f64]| ns.iter().sum::<f64>() * 1e-9;
    ex.record(OurCase {
        name: format!("{name}_scalar"),
        n: v.len(),
        ours_s: total(&scalar_ns),
        notes: "scalar calls, 1 thread; ours_s = sum over cells of time per element".into(),
    });
    if slice.is_some() {
        ex.record(OurCase {
            name: format!("{name}_slice"),
            n: v.len(),
            ours_s: total(&slice_ns),
            notes: format!("slice API on rayon, {threads} thread(s); {COPIES} copies per cell"),
        });
    }
    Ok(())
}

/// Runs the `special` area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let (v, x) = grid();
    ex.write_array("bessel_grid", "v", &v)?;
    ex.write_array("bessel_grid", "x", &x)?;
    let i_slice: Slice = log_bessel_i_slice;
    let k_slice: Slice = log_bessel_k_slice;
    per_cell(ex, "log_bessel_i", &v, &x, log_bessel_i, Some(i_slice))?;
    per_cell(ex, "log_bessel_k", &v, &x, log_bessel_k, Some(k_slice))?;
    let (v, x) = grid_jy();
    ex.write_array("jy_grid", "v", &v)?;
    ex.write_array("jy_grid", "x", &x)?;
    let (j_slice, y_slice): (Slice, Slice) = (bessel_j_slice, bessel_y_slice);
    per_cell(ex, "bessel_j", &v, &x, bessel_j, Some(j_slice))?;
    per_cell(ex, "bessel_y", &v, &x, bessel_y, Some(y_slice))?;
    let (v, x) = grid_sph();
    ex.write_array("sph_grid", "v", &v)?;
    ex.write_array("sph_grid", "x", &x)?;
    per_cell(ex, "spherical_bessel_j", &v, &x, sph_j, None)?;
    per_cell(ex, "spherical_bessel_y", &v, &x, sph_y, None)?;
    Ok(())
}
