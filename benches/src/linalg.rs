//! Our side of `cargo xtask peers linalg`: Kronecker solve plus
//! log-determinant at `N = 1e6` (against GPyTorch's `linear_operator` and a
//! NumPy/SciPy eigendecomposition), Toeplitz matvec at `n = 1e6` (against
//! `scipy.linalg.matmul_toeplitz`) and Toeplitz solves (against
//! `scipy.linalg.solve_toeplitz`).

use crate::{Exchange, OurCase, median_time};
use sobolev_linalg::cg::CgOptions;
use sobolev_linalg::faer::{Mat, MatRef};
use sobolev_linalg::kronecker_eigen::KroneckerEigen;
use sobolev_linalg::ops;
use sobolev_linalg::toeplitz::{Toeplitz, levinson};

/// Deterministic inputs in `[-1, 1)` (a Weyl sequence: no RNG dependency).
pub fn weyl(n: usize, shift: f64) -> Vec<f64> {
    let g = 0.618_033_988_749_894_8;
    (0..n)
        .map(|i| 2.0 * ((shift + g * i as f64) % 1.0) - 1.0)
        .collect()
}

/// Squared-exponential kernel matrix on `n` equispaced points of `[0, 1]`.
pub fn rbf_factor(n: usize, lengthscale: f64) -> Mat<f64> {
    let h = 1.0 / (n - 1) as f64;
    Mat::from_fn(n, n, |i, j| {
        let d = (i as f64 - j as f64) * h / lengthscale;
        (-0.5 * d * d).exp()
    })
}

/// First column of the symmetric Toeplitz test matrix: an exponential
/// (Matern-1/2) covariance with a nugget.
pub fn toeplitz_column(n: usize) -> Vec<f64> {
    let mut t: Vec<f64> = (0..n).map(|k| (-(k as f64) / 50.0).exp()).collect();
    t[0] += 0.1;
    t
}

fn threads() -> String {
    format!("{} rayon thread(s)", rayon::current_num_threads())
}

/// Runs the cases of the `linalg` area.
pub fn run(ex: &mut Exchange) -> std::io::Result<()> {
    kronecker(ex)?;
    toeplitz(ex)
}

fn kronecker(ex: &mut Exchange) -> std::io::Result<()> {
    let n = 100;
    let s2 = 0.1;
    let factors: Vec<Mat<f64>> = [0.1, 0.2, 0.3].iter().map(|&l| rbf_factor(n, l)).collect();
    let big = n * n * n;
    let y = weyl(big, 0.25);
    let mut input = Vec::with_capacity(3 * n * n + 1 + big);
    for f in &factors {
        for j in 0..n {
            input.extend(f.col(j).iter().copied());
        }
    }
    input.push(s2);
    input.extend_from_slice(&y);
    let case = "kron3_solve_logdet";
    ex.write_array(case, "in", &input)?;
    let run = || {
        let plan = KroneckerEigen::product(factors.clone(), s2).map_err(std::io::Error::other)?;
        let x = plan
            .solve(MatRef::from_column_major_slice(&y, big, 1))
            .map_err(std::io::Error::other)?;
        Ok::<_, std::io::Error>((x, plan.log_det()))
    };
    let (x, logdet) = run()?;
    let mut out: Vec<f64> = x.col(0).iter().copied().collect();
    out.push(logdet);
    ex.write_array(case, "out", &out)?;
    let t = median_time(5, run);
    ex.record(OurCase {
        name: case.into(),
        n: big,
        ours_s: t,
        notes: format!(
            "K1(x)K2(x)K3 + s^2 I, three 100x100 RBF factors, plan (3 eigh) + solve + logdet; {}",
            threads()
        ),
    });
    Ok(())
}

fn toeplitz(ex: &mut Exchange) -> std::io::Result<()> {
    // matvec at n = 1e6
    let n = 1_000_000;
    let t = toeplitz_column(n);
    let x = weyl(n, 0.5);
    let mut input = t.clone();
    input.extend_from_slice(&x);
    ex.write_array("toeplitz_matvec", "in", &input)?;
    let op = Toeplitz::symmetric(&t).map_err(std::io::Error::other)?;
    let xm = MatRef::from_column_major_slice(&x, n, 1);
    let y = ops::apply(&op, xm).map_err(std::io::Error::other)?;
    ex.write_array(
        "toeplitz_matvec",
        "out",
        &y.col(0).iter().copied().collect::<Vec<_>>(),
    )?;
    let t_apply = median_time(10, || ops::apply(&op, xm));
    ex.record(OurCase {
        name: "toeplitz_matvec".into(),
        n,
        ours_s: t_apply,
        notes: format!("symmetric, cached plan and spectrum; {}", threads()),
    });
    let t_setup = median_time(10, || {
        let op = Toeplitz::symmetric(&t)?;
        ops::apply(&op, xm)
    });
    ex.record(OurCase {
        name: "toeplitz_matvec_with_setup".into(),
        n,
        ours_s: t_setup,
        notes: format!("plan + spectrum + one matvec; {}", threads()),
    });

    // solve at the largest n that O(n^2) Levinson handles in about a second
    let n = 20_000;
    let t = toeplitz_column(n);
    let b = weyl(n, 0.75);
    let mut input = t.clone();
    input.extend_from_slice(&b);
    ex.write_array("toeplitz_solve_pcg_2e4", "in", &input)?;
    ex.write_array("toeplitz_levinson_2e4", "in", &input)?;
    let op = Toeplitz::symmetric(&t).map_err(std::io::Error::other)?;
    let bm = MatRef::from_column_major_slice(&b, n, 1);
    let opts = CgOptions {
        rel_tolerance: 1e-12,
        ..Default::default()
    };
    let (xs, report) = op
        .solve_pcg(bm, None, &opts)
        .map_err(std::io::Error::other)?;
    ex.write_array(
        "toeplitz_solve_pcg_2e4",
        "out",
        &xs.col(0).iter().copied().collect::<Vec<_>>(),
    )?;
    let t_pcg = median_time(5, || op.solve_pcg(bm, None, &opts));
    ex.record(OurCase {
        name: "toeplitz_solve_pcg_2e4".into(),
        n,
        ours_s: t_pcg,
        notes: format!(
            "PCG, T. Chan preconditioner, rel tol 1e-12, {} iterations; {}",
            report.iterations,
            threads()
        ),
    });
    let xl = levinson(&t, &b).map_err(std::io::Error::other)?;
    ex.write_array("toeplitz_levinson_2e4", "out", &xl)?;
    let t_lev = median_time(3, || levinson(&t, &b));
    ex.record(OurCase {
        name: "toeplitz_levinson_2e4".into(),
        n,
        ours_s: t_lev,
        notes: "Levinson-Durbin, O(n^2), one thread".into(),
    });

    // PCG at n = 1e6, where Levinson is out of reach
    let n = 1_000_000;
    let t = toeplitz_column(n);
    let b = weyl(n, 0.125);
    let mut input = t.clone();
    input.extend_from_slice(&b);
    ex.write_array("toeplitz_solve_pcg_1e6", "in", &input)?;
    let op = Toeplitz::symmetric(&t).map_err(std::io::Error::other)?;
    let bm = MatRef::from_column_major_slice(&b, n, 1);
    let opts = CgOptions {
        rel_tolerance: 1e-10,
        ..Default::default()
    };
    let (xs, report) = op
        .solve_pcg(bm, None, &opts)
        .map_err(std::io::Error::other)?;
    ex.write_array(
        "toeplitz_solve_pcg_1e6",
        "out",
        &xs.col(0).iter().copied().collect::<Vec<_>>(),
    )?;
    let t_pcg = median_time(3, || op.solve_pcg(bm, None, &opts));
    ex.record(OurCase {
        name: "toeplitz_solve_pcg_1e6".into(),
        n,
        ours_s: t_pcg,
        notes: format!(
            "PCG, T. Chan preconditioner, rel tol 1e-10, {} iterations; {}",
            report.iterations,
            threads()
        ),
    });
    Ok(())
}
