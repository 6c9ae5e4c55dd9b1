//! Our half of `cargo xtask peers <area>`: runs the cases of one area,
//! writing inputs, outputs and timings for `benches/peers/<area>.py`.
//!
//! Usage: `peers <area> <exchange-dir>`.

use sobolev_benches::{AREAS, Exchange};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(area), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: peers <area> <exchange-dir>");
        std::process::exit(2);
    };
    let Some((_, run)) = AREAS.iter().find(|(name, _)| *name == area) else {
        let known: Vec<&str> = AREAS.iter().map(|(name, _)| *name).collect();
        eprintln!("no peer cases for area `{area}`; known areas: {known:?}");
        std::process::exit(2);
    };
    let result = Exchange::new(&dir).and_then(|mut ex| {
        run(&mut ex)?;
        ex.finish()
    });
    if let Err(e) = result {
        eprintln!("peers {area}: {e}");
        std::process::exit(1);
    }
}
