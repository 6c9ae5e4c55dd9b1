//! Peer cases for the gamma, error-function and incomplete families of
//! sobolev-special against SciPy (`benches/peers/special-gamma.py`).
//!
//! Each case evaluates one function on a million seeded pseudo-random
//! arguments, times our scalar loop on one thread (and, for the hot
//! functions, our rayon slice version), and hands inputs and outputs to the
//! Python side, which times `scipy.special` on the same inputs and reports
//! the largest relative difference.

use crate::{Exchange, OurCase, median_time};
use sobolev_special as sp;

const N: usize = 1_000_000;

/// A slice version of a scalar function.
type SliceFn = fn(&[f64]) -> Vec<f64>;
const REPS: usize = 5;

/// A small xorshift generator: reproducible inputs without extra crates.
struct Uniform(u64);

impl Uniform {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn log_range(&mut self, lo: f64, hi: f64) -> f64 {
        (self.range(lo.ln(), hi.ln())).exp()
    }
}

fn unary(
    ex: &mut Exchange,
    name: &str,
    xs: &[f64],
    f: fn(f64) -> f64,
    slice: Option<SliceFn>,
    notes: &str,
) -> std::io::Result<()> {
    let mut out = vec![0.0; xs.len()];
    let t = median_time(REPS, || {
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = f(x);
        }
    });
    ex.write_array(name, "x", xs)?;
    ex.write_array(name, "out", &out)?;
    ex.record(OurCase {
        name: name.to_string(),
        n: xs.len(),
        ours_s: t,
        notes: format!("scalar loop, 1 thread; {notes}"),
    });
    if let Some(g) = slice {
        let slice_name = format!("{name}_slice");
        let t = median_time(REPS, || g(xs));
        ex.write_array(&slice_name, "x", xs)?;
        ex.write_array(&slice_name, "out", &g(xs))?;
        ex.record(OurCase {
            name: slice_name,
            n: xs.len(),
            ours_s: t,
            notes: format!(
                "rayon slice API, {} threads; {notes}",
                rayon::current_num_threads()
            ),
        });
    }
    Ok(())
}

fn args2(
    ex: &mut Exchange,
    name: &str,
    a: &[f64],
    x: &[f64],
    f: fn(f64, f64) -> f64,
    notes: &str,
) -> std::io::Result<()> {
    let mut out = vec![0.0; a.len()];
    let t = median_time(REPS, || {
        for ((o, &a), &x) in out.iter_mut().zip(a).zip(x) {
            *o = f(a, x);
        }
    });
    ex.write_array(name, "a", a)?;
    ex.write_array(name, "x", x)?;
    ex.write_array(name, "out", &out)?;
    ex.record(OurCase {
        name: name.to_string(),
        n: a.len(),
        ours_s: t,
        notes: format!("scalar loop, 1 thread; {notes}"),
    });
    Ok(())
}

/// Runs every case of the `special-gamma` area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let mut u = Uniform(0x9E37_79B9_7F4A_7C15);
    let xs: Vec<f64> = (0..N).map(|_| u.log_range(1e-3, 1e5)).collect();
    unary(
        ex,
        "gammaln",
        &xs,
        sp::ln_gamma,
        Some(sp::ln_gamma_slice),
        "x log-uniform in [1e-3, 1e5]",
    )?;

    let xs: Vec<f64> = (0..N).map(|_| u.range(-38.0, 9.0)).collect();
    unary(
        ex,
        "ndtr",
        &xs,
        sp::ndtr,
        Some(sp::ndtr_slice),
        "x uniform in [-38, 9]",
    )?;

    let xs: Vec<f64> = (0..N)
        .map(|i| {
            if i % 10 == 0 {
                -u.log_range(40.0, 1e10)
            } else {
                u.range(-40.0, 40.0)
            }
        })
        .collect();
    unary(
        ex,
        "log_ndtr",
        &xs,
        sp::log_ndtr,
        Some(sp::log_ndtr_slice),
        "90% x uniform in [-40, 40], 10% in [-1e10, -40]",
    )?;

    let ps: Vec<f64> = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                u.range(0.0, 1.0)
            } else {
                u.log_range(1e-300, 0.5)
            }
        })
        .collect();
    unary(
        ex,
        "ndtri",
        &ps,
        sp::ndtri,
        None,
        "p: half uniform in (0,1), half log-uniform in [1e-300, 0.5]",
    )?;

    let ys: Vec<f64> = (0..N).map(|_| u.range(-1.0, 1.0)).collect();
    unary(ex, "erfinv", &ys, sp::erfinv, None, "y uniform in (-1, 1)")?;

    let xs: Vec<f64> = (0..N).map(|_| u.range(-5.0, 50.0)).collect();
    unary(ex, "erfcx", &xs, sp::erfcx, None, "x uniform in [-5, 50]")?;

    let n = N / 10;
    let a: Vec<f64> = (0..n).map(|_| u.log_range(0.1, 1e3)).collect();
    let x: Vec<f64> = a.iter().map(|&a| a * u.log_range(0.1, 3.0)).collect();
    args2(
        ex,
        "gammainc",
        &a,
        &x,
        sp::gamma_p,
        "a log-uniform in [0.1, 1e3], x/a log-uniform in [0.1, 3]",
    )?;

    let a: Vec<f64> = (0..n).map(|_| u.log_range(0.1, 100.0)).collect();
    let b: Vec<f64> = (0..n).map(|_| u.log_range(0.1, 100.0)).collect();
    let x: Vec<f64> = (0..n).map(|_| u.range(0.0, 1.0)).collect();
    let mut out = vec![0.0; n];
    let t = median_time(REPS, || {
        for (((o, &a), &b), &x) in out.iter_mut().zip(&a).zip(&b).zip(&x) {
            *o = sp::beta_inc(a, b, x);
        }
    });
    ex.write_array("betainc", "a", &a)?;
    ex.write_array("betainc", "b", &b)?;
    ex.write_array("betainc", "x", &x)?;
    ex.write_array("betainc", "out", &out)?;
    ex.record(OurCase {
        name: "betainc".to_string(),
        n,
        ours_s: t,
        notes: "scalar loop, 1 thread; a, b log-uniform in [0.1, 100], x uniform".to_string(),
    });
    Ok(())
}
