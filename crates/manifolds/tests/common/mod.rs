//! The invariant suite every manifold must pass, written once against the
//! `Manifold` trait.

#![allow(dead_code, unreachable_pub)]

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sobolev_manifolds::{Manifold, Vector};

/// Step sizes and tolerances of the suite for one manifold.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Riemannian length of the tangent vectors used to make nearby points
    /// (kept inside the injectivity radius).
    pub radius: f64,
    /// Relative tolerance of identities (exp after log, isometry, ...).
    pub tol: f64,
    /// Whether the retraction is expected to agree with exp to second order.
    pub second_order_retraction: bool,
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / (1.0 + a.abs().max(b.abs()))
}

/// A random tangent at `p` rescaled to Riemannian length `len`.
pub fn tangent_of_len<M: Manifold>(
    m: &M,
    p: &M::Point,
    len: f64,
    rng: &mut ChaCha8Rng,
) -> M::Tangent {
    let mut v = m.random_tangent(p, rng).unwrap();
    let n = m.norm(p, &v).unwrap();
    v.scale(len / n);
    v
}

/// Runs every invariant for one seed; panics with a message on failure.
pub fn check_all<M: Manifold>(m: &M, seed: u64, spec: Spec) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let tol = spec.tol;
    let p = m.random_point(&mut rng);
    m.check_point(&p, 1e-9)
        .expect("random_point is on the manifold");
    let r = spec.radius * (0.05 + 0.95 * rand::Rng::random::<f64>(&mut rng));
    let v = tangent_of_len(m, &p, r, &mut rng);
    m.check_tangent(&p, &v, 1e-9)
        .expect("random_tangent is tangent");
    let q = m.exp(&p, &v).unwrap();
    m.check_point(&q, 1e-9).expect("exp lands on the manifold");

    // log inverts exp (inside the injectivity radius), and exp inverts log.
    let w = m.log(&p, &q).unwrap();
    let mut diff = w.clone();
    diff.axpy(-1.0, &v).unwrap();
    let e = m.norm(&p, &diff).unwrap();
    assert!(
        e <= tol * (1.0 + r),
        "log_p(exp_p v) != v: error {e:e}, |v| = {r}"
    );
    let q2 = m.exp(&p, &w).unwrap();
    let e = m.dist(&q, &q2).unwrap();
    assert!(e <= tol * (1.0 + r), "exp_p(log_p q) != q: dist {e:e}");

    // dist = |log| and is symmetric; d(p, p) = 0.
    let d = m.dist(&p, &q).unwrap();
    assert!(rel(d, r) <= tol, "dist {d} != |v| {r}");
    let d_qp = m.dist(&q, &p).unwrap();
    assert!(rel(d, d_qp) <= tol, "dist not symmetric: {d} vs {d_qp}");
    assert!(m.dist(&p, &p).unwrap() <= tol, "d(p, p) != 0");

    // Triangle inequality through a third nearby point.
    let u = tangent_of_len(m, &p, 0.5 * spec.radius, &mut rng);
    let s = m.exp(&p, &u).unwrap();
    let (d_ps, d_sq) = (m.dist(&p, &s).unwrap(), m.dist(&s, &q).unwrap());
    assert!(
        d <= d_ps + d_sq + tol * (1.0 + d),
        "triangle inequality fails: {d} > {d_ps} + {d_sq}"
    );

    // Parallel transport is an isometry and lands in T_q M.
    let a = m.random_tangent(&p, &mut rng).unwrap();
    let b = m.random_tangent(&p, &mut rng).unwrap();
    let pa = m.parallel_transport(&p, &q, &a).unwrap();
    let pb = m.parallel_transport(&p, &q, &b).unwrap();
    m.check_tangent(&q, &pa, 1e-8 * (1.0 + m.norm(&q, &pa).unwrap()))
        .expect("transported vector is tangent at q");
    let (ip, iq) = (m.inner(&p, &a, &b).unwrap(), m.inner(&q, &pa, &pb).unwrap());
    let scale = m.norm(&p, &a).unwrap() * m.norm(&p, &b).unwrap();
    // Indefinite or weighted metrics (Lorentz) cancel large ambient
    // coordinates, so rounding scales with the ambient norms too.
    let ambient = (pa.dot(&pa).unwrap() * pb.dot(&pb).unwrap()).sqrt();
    assert!(
        (ip - iq).abs() <= tol * (1.0 + scale + ambient),
        "transport not isometric: {ip} vs {iq}"
    );
    // Transport of the geodesic's velocity is its velocity at q: -log_q(p).
    let pv = m.parallel_transport(&p, &q, &v).unwrap();
    let mut back = m.log(&q, &p).unwrap();
    back.axpy(1.0, &pv).unwrap();
    let e = m.norm(&q, &back).unwrap();
    assert!(
        e <= tol * (1.0 + r),
        "transport of the velocity != -log_q(p): {e:e}"
    );

    // Vector transport lands in T_q M.
    let ta = m.vector_transport(&p, &q, &a).unwrap();
    m.check_tangent(&q, &ta, 1e-8 * (1.0 + m.norm(&q, &ta).unwrap()))
        .expect("vector transport is tangent at q");

    // Retraction: inverse retraction inverts it; agrees with exp to second order.
    let rq = m.retract(&p, &v).unwrap();
    m.check_point(&rq, 1e-9)
        .expect("retraction lands on the manifold");
    let iv = m.inverse_retract(&p, &rq).unwrap();
    let mut diff = iv.clone();
    diff.axpy(-1.0, &v).unwrap();
    let e = m.norm(&p, &diff).unwrap();
    assert!(
        e <= 1e3 * tol * (1.0 + r),
        "inverse_retract(retract v) != v: {e:e}"
    );
    let unit = tangent_of_len(m, &p, 1.0, &mut rng);
    let h = 1e-2;
    let mut hv = unit.clone();
    hv.scale(h);
    let e = m
        .dist(&m.retract(&p, &hv).unwrap(), &m.exp(&p, &hv).unwrap())
        .unwrap();
    let bound = if spec.second_order_retraction {
        h * h * h
    } else {
        h * h
    };
    assert!(
        e <= bound,
        "retraction vs exp at |v| = {h}: {e:e} > {bound:e}"
    );

    // Projections: idempotent, and the tangent projection is tangent.
    let pp = m.project_point(&p).unwrap();
    assert!(
        m.dist(&p, &pp).unwrap() <= tol,
        "project_point moves a point on the manifold"
    );
    let pa2 = m.project_tangent(&p, &a).unwrap();
    let mut diff = pa2.clone();
    diff.axpy(-1.0, &a).unwrap();
    assert!(
        m.norm(&p, &diff).unwrap() <= tol * (1.0 + scale),
        "project_tangent moves a tangent"
    );

    // Batched helpers agree with the single calls.
    let qs = vec![q.clone(), s.clone()];
    let logs = m.log_many(&p, &qs).unwrap();
    let mut diff = logs[0].clone();
    diff.axpy(-1.0, &w).unwrap();
    assert!(
        m.norm(&p, &diff).unwrap() <= tol * (1.0 + r),
        "log_many != log"
    );
    let ds = m.dist_many(&[p.clone(), p.clone()], &qs).unwrap();
    assert!(rel(ds[0], d) <= tol, "dist_many != dist");

    // Geodesic at t = 1/2 is the midpoint.
    let mid = m.geodesic(&p, &q, 0.5).unwrap();
    let (a1, a2) = (m.dist(&p, &mid).unwrap(), m.dist(&mid, &q).unwrap());
    assert!(
        rel(a1, 0.5 * d) <= tol && rel(a2, 0.5 * d) <= tol,
        "geodesic midpoint off: {a1}, {a2}, {d}"
    );
}
