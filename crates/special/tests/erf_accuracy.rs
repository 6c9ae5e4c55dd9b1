//! The error-function family, the normal distribution and Owen's T against
//! 50-digit mpmath references (`xtask/refdata/gamma_erf.py`), with measured
//! max/mean relative errors per region (in units of `f64::EPSILON`) held to
//! the figures in the functions' docs.

mod common;

use common::{Stats, read_table, rel_error};
use sobolev_special as sp;

#[test]
fn error_family_matches_mpmath() {
    let mut stats = Stats::default();
    for row in read_table("erf.csv") {
        let [a, b, _] = row.args;
        let computed = match row.func.as_str() {
            "erf" => sp::erf(a),
            "erfc" => sp::erfc(a),
            "erfcx" => sp::erfcx(a),
            "erfinv" => sp::erfinv(a),
            "erfcinv" => sp::erfcinv(a),
            "ndtr" => sp::ndtr(a),
            "log_ndtr" => sp::log_ndtr(a),
            "ndtri" => sp::ndtri(a),
            "ndtri_log" => sp::ndtri_log(a),
            "owens_t" => sp::owens_t(a, b),
            other => panic!("unknown function {other}"),
        };
        let err = rel_error(computed, row.hi, row.lo);
        stats.add(
            &row.func,
            &row.region,
            err,
            format!("args ({a:e}, {b:e}): got {computed:e}, exact {:e}", row.hi),
        );
    }
    // (max, mean) in eps; the measured figures are in the functions' docs.
    stats.check(|_, _| (3.0, 1.0));
}
