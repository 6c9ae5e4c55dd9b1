//! Our side of `cargo xtask peers manifolds`: batched SPD exp/log/dist
//! (affine-invariant) at n = 3, 16, 60, a Frechet mean of 100 SPD(60)
//! matrices, Grassmann Gr(100, 10) distances, Stiefel St(50, 5) exp and log
//! (canonical metric), von Mises-Fisher fits in p = 2048 to 32768, and
//! Poincare-ball distances
//! and Mobius additions over 1e6 pairs, and Bures-Wasserstein SPD exp, log
//! and dist at n = 3 and 16. Inputs are seeded; every array is
//! written for `benches/peers/manifolds.py`, which runs geomstats on the
//! same inputs.

use crate::{Exchange, OurCase, median_time};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use sobolev_manifolds::distributions::VonMisesFisher;
use sobolev_manifolds::stats::{MeanOptions, frechet_mean};
use sobolev_manifolds::{
    AffineInvariant, BuresWasserstein, Grassmann, Manifold, PoincareBall, Spd, Stiefel, Vector,
};

fn io(e: sobolev_manifolds::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn threads() -> String {
    format!("{} rayon thread(s)", rayon::current_num_threads())
}

/// `m` well-conditioned SPD matrices `A A^T / n + 0.5 I`, row-major.
fn spd_batch(rng: &mut ChaCha8Rng, n: usize, m: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(m * n * n);
    for _ in 0..m {
        let a: Vec<f64> = (0..n * n).map(|_| rng.sample(StandardNormal)).collect();
        for i in 0..n {
            for j in 0..n {
                let s: f64 = (0..n).map(|k| a[i * n + k] * a[j * n + k]).sum();
                out.push(s / n as f64 + if i == j { 0.5 } else { 0.0 });
            }
        }
    }
    out
}

/// `m` symmetric matrices with entries of size ~0.3, row-major.
fn sym_batch(rng: &mut ChaCha8Rng, n: usize, m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * n * n];
    for b in 0..m {
        for i in 0..n {
            for j in 0..=i {
                let z: f64 = 0.3 * rng.sample::<f64, _>(StandardNormal);
                out[b * n * n + i * n + j] = z;
                out[b * n * n + j * n + i] = z;
            }
        }
    }
    out
}

/// Runs the manifolds cases; with `SOBOLEV_PEERS_CASES=spd` in the
/// environment only the batched affine-invariant SPD cases (same inputs as
/// in the full run).
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    spd_cases(ex, &mut rng)?;
    if std::env::var("SOBOLEV_PEERS_CASES").is_ok_and(|c| c == "spd") {
        return Ok(());
    }
    // Frechet mean of 100 SPD(60) matrices.
    {
        let (n, m) = (60, 100);
        let spd = Spd::<AffineInvariant>::new(n).map_err(io)?;
        let flat = spd_batch(&mut rng, n, m);
        let pts: Vec<Mat<f64>> = (0..m)
            .map(|k| Mat::from_fn(n, n, |i, j| flat[k * n * n + i * n + j]))
            .collect();
        // geomstats stops when |grad|^2 <= epsilon * dim (epsilon = 1e-10,
        // dim = n(n+1)/2); the second case uses that rule, the first ours.
        let geomstats_rule = (1e-10 * spd.dim() as f64).sqrt();
        for (name, tolerance, rule) in [
            ("frechet_mean_spd60", 1e-10, "grad tol 1e-10".to_string()),
            (
                "frechet_mean_spd60_geomstats_rule",
                geomstats_rule,
                format!("grad tol {geomstats_rule:.2e} (geomstats' rule)"),
            ),
        ] {
            let opts = MeanOptions {
                tolerance,
                max_iterations: 100,
                step: 1.0,
            };
            let t = median_time(3, || frechet_mean(&spd, &pts, None, &opts));
            let r = frechet_mean(&spd, &pts, None, &opts).map_err(io)?;
            let mean: Vec<f64> = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .map(|(i, j)| r.mean[(i, j)])
                .collect();
            ex.write_array(name, "a", &flat)?;
            ex.write_array(name, "out", &mean)?;
            ex.record(OurCase {
                name: name.into(),
                n: m,
                ours_s: t,
                notes: format!(
                    "affine-invariant Karcher from the log-Euclidean mean, {} iterations, {rule}, {}",
                    r.iterations,
                    threads()
                ),
            });
        }
    }

    // Grassmann distances Gr(100, 10).
    {
        let (n, k, m) = (100, 10, 2_000);
        let g = Grassmann::new(n, k).map_err(io)?;
        let ys: Vec<Mat<f64>> = (0..m).map(|_| g.random_point(&mut rng)).collect();
        let zs: Vec<Mat<f64>> = (0..m).map(|_| g.random_point(&mut rng)).collect();
        let t = median_time(3, || g.dist_many(&ys, &zs));
        let d = g.dist_many(&ys, &zs).map_err(io)?;
        let flat = |v: &[Mat<f64>]| -> Vec<f64> {
            v.iter()
                .flat_map(|y| (0..n).flat_map(move |i| (0..k).map(move |j| y[(i, j)])))
                .collect()
        };
        ex.write_array("grassmann_dist_100_10", "a", &flat(&ys))?;
        ex.write_array("grassmann_dist_100_10", "b", &flat(&zs))?;
        ex.write_array("grassmann_dist_100_10", "out", &d)?;
        ex.record(OurCase {
            name: "grassmann_dist_100_10".into(),
            n: m,
            ours_s: t,
            notes: format!("principal angles (2 SVDs per pair), {}", threads()),
        });
    }

    // Stiefel St(50, 5), canonical metric: exp of unit tangents, then the
    // logarithm back.
    {
        let (n, k, m) = (50, 5, 2_000);
        let st = Stiefel::new(n, k).map_err(io)?;
        let ys: Vec<Mat<f64>> = (0..m).map(|_| st.random_point(&mut rng)).collect();
        let vs: Vec<Mat<f64>> = ys
            .iter()
            .map(|y| {
                let mut v = st.random_tangent(y, &mut rng)?;
                let len = st.norm(y, &v)?;
                v.scale(1.0 / len);
                Ok(v)
            })
            .collect::<sobolev_manifolds::Result<_>>()
            .map_err(io)?;
        let exp_all = || -> sobolev_manifolds::Result<Vec<Mat<f64>>> {
            use rayon::prelude::*;
            ys.par_iter()
                .zip(vs.par_iter())
                .map(|(y, v)| st.exp(y, v))
                .collect()
        };
        let t_exp = median_time(3, exp_all);
        let zs = exp_all().map_err(io)?;
        let log_all = || -> sobolev_manifolds::Result<Vec<Mat<f64>>> {
            use rayon::prelude::*;
            ys.par_iter()
                .zip(zs.par_iter())
                .map(|(y, z)| st.log(y, z))
                .collect()
        };
        let t_log = median_time(3, log_all);
        let logs = log_all().map_err(io)?;
        let flat = |v: &[Mat<f64>]| -> Vec<f64> {
            v.iter()
                .flat_map(|y| (0..n).flat_map(move |i| (0..k).map(move |j| y[(i, j)])))
                .collect()
        };
        for (case, out, t, note) in [
            ("stiefel_exp_50_5", &zs, t_exp, "2p x 2p expm per pair"),
            (
                "stiefel_log_50_5",
                &logs,
                t_log,
                "Zimmermann iteration to 1e-14",
            ),
        ] {
            ex.write_array(case, "a", &flat(&ys))?;
            ex.write_array(
                case,
                "b",
                &flat(if case.contains("exp") { &vs } else { &zs }),
            )?;
            ex.write_array(case, "out", &flat(out))?;
            ex.record(OurCase {
                name: case.into(),
                n: m,
                ours_s: t,
                notes: format!("{note}, {}", threads()),
            });
        }
    }

    // von Mises-Fisher maximum-likelihood fits, 500 draws in p = 2048,
    // 8192 and 32768 dimensions (kappa chosen so that Rbar is about 0.5).
    for (p, kappa) in [(2048usize, 1500.0), (8192, 6000.0), (32768, 24000.0)] {
        let m = 500;
        let sphere = sobolev_manifolds::Sphere::new(p).map_err(io)?;
        let mu = sphere.random_point(&mut rng);
        let vmf = VonMisesFisher::new(mu, kappa).map_err(io)?;
        let draws: Vec<Vec<f64>> = (0..m).map(|_| vmf.sample(&mut rng)).collect();
        let t = median_time(3, || VonMisesFisher::fit(&draws));
        let fit = VonMisesFisher::fit(&draws).map_err(io)?;
        let case = format!("vmf_fit_p{p}");
        let flat: Vec<f64> = draws.iter().flatten().copied().collect();
        ex.write_array(&case, "a", &flat)?;
        let mut out = vec![fit.kappa()];
        out.extend_from_slice(fit.mean_direction());
        ex.write_array(&case, "out", &out)?;
        ex.record(OurCase {
            name: case,
            n: m,
            ours_s: t,
            notes: format!("kappa {kappa}, fitted {:.6}", fit.kappa()),
        });
    }

    poincare_cases(ex, &mut rng)?;
    bures_wasserstein(ex, &mut rng)
}

/// Batched affine-invariant SPD dist/exp/log at n = 3, 16 and 60 (cases
/// `spd<n>_{dist,exp,log}`); shared with the geoopt area.
pub(crate) fn spd_cases(ex: &mut Exchange, rng: &mut ChaCha8Rng) -> std::io::Result<()> {
    for (n, m, reps) in [
        (3usize, 100_000usize, 5usize),
        (16, 10_000, 3),
        (60, 1_000, 1),
    ] {
        let spd = Spd::<AffineInvariant>::new(n).map_err(io)?;
        let (a, b, v) = (
            spd_batch(rng, n, m),
            spd_batch(rng, n, m),
            sym_batch(rng, n, m),
        );
        let notes = format!("affine-invariant, {}", threads());
        let case = |name: &str, out_len| Batch {
            name: format!("spd{n}_{name}"),
            pairs: m,
            reps,
            out_len,
            notes: notes.clone(),
        };
        pair_case(ex, case("dist", m), &a, &b, |x, y, o| {
            spd.dist_batch(x, y, o)
        })?;
        pair_case(ex, case("exp", a.len()), &a, &v, |x, y, o| {
            spd.exp_batch(x, y, o)
        })?;
        pair_case(ex, case("log", a.len()), &a, &b, |x, y, o| {
            spd.log_batch(x, y, o)
        })?;
    }
    Ok(())
}

/// One batched case over pairs: its name, number of pairs, timing
/// repetitions, output length and notes.
struct Batch {
    name: String,
    pairs: usize,
    reps: usize,
    out_len: usize,
    notes: String,
}

/// Times `op(a, b, out)`, runs it once more for the output, writes `a`,
/// `b` and `out` for the peer and records the case.
fn pair_case(
    ex: &mut Exchange,
    case: Batch,
    a: &[f64],
    b: &[f64],
    op: impl Fn(&[f64], &[f64], &mut [f64]) -> sobolev_manifolds::Result<()>,
) -> std::io::Result<()> {
    let mut out = vec![0.0; case.out_len];
    let t = median_time(case.reps, || op(a, b, &mut out));
    op(a, b, &mut out).map_err(io)?;
    ex.write_array(&case.name, "a", a)?;
    ex.write_array(&case.name, "b", b)?;
    ex.write_array(&case.name, "out", &out)?;
    ex.record(OurCase {
        name: case.name,
        n: case.pairs,
        ours_s: t,
        notes: case.notes,
    });
    Ok(())
}

/// Poincare-ball distances and Mobius additions over 1e6 pairs in
/// dimension 5 (cases `poincare_dist`, `poincare_mobius_add`); shared with
/// the geoopt area.
pub(crate) fn poincare_cases(ex: &mut Exchange, rng: &mut ChaCha8Rng) -> std::io::Result<()> {
    // Poincare ball, 1e6 pairs in dimension 5.
    {
        let (n, m) = (5, 1_000_000);
        let ball = PoincareBall::new(n, 1.0).map_err(io)?;
        let mut pts = |_: ()| -> Vec<f64> {
            let mut out = Vec::with_capacity(m * n);
            for _ in 0..m {
                let g: Vec<f64> = (0..n).map(|_| rng.sample(StandardNormal)).collect();
                let r = g.iter().map(|x| x * x).sum::<f64>().sqrt();
                let rad: f64 = 0.999 * rng.random::<f64>().sqrt();
                out.extend(g.iter().map(|x| rad * x / r));
            }
            out
        };
        let (x, y) = (pts(()), pts(()));
        let case = |name: &str, out_len| Batch {
            name: name.into(),
            pairs: m,
            reps: 5,
            out_len,
            notes: format!("dim 5, c = 1, {}", threads()),
        };
        pair_case(ex, case("poincare_dist", m), &x, &y, |a, b, o| {
            ball.dist_batch(a, b, o)
        })?;
        pair_case(ex, case("poincare_mobius_add", m * n), &x, &y, |a, b, o| {
            ball.mobius_add_batch(a, b, o)
        })?;
    }
    Ok(())
}

/// Bures-Wasserstein exp, log and dist over batches of SPD(3) and SPD(16)
/// pairs. Tangents are scaled so that exp stays inside its domain.
fn bures_wasserstein(ex: &mut Exchange, rng: &mut ChaCha8Rng) -> std::io::Result<()> {
    for (n, m, reps) in [(3usize, 100_000usize, 5usize), (16, 10_000, 3)] {
        let spd = Spd::<BuresWasserstein>::new(n).map_err(io)?;
        let (a, b) = (spd_batch(rng, n, m), spd_batch(rng, n, m));
        let mut v = sym_batch(rng, n, m);
        v.iter_mut().for_each(|x| *x *= 0.25 / (n as f64).sqrt());
        let notes = format!("batched, {}", threads());
        let case = |name: &str, out_len| Batch {
            name: format!("bw{n}_{name}"),
            pairs: m,
            reps,
            out_len,
            notes: notes.clone(),
        };
        pair_case(ex, case("dist", m), &a, &b, |x, y, o| {
            spd.dist_batch(x, y, o)
        })?;
        pair_case(ex, case("exp", a.len()), &a, &v, |x, y, o| {
            spd.exp_batch(x, y, o)
        })?;
        pair_case(ex, case("log", a.len()), &a, &b, |x, y, o| {
            spd.log_batch(x, y, o)
        })?;
    }
    Ok(())
}
