//! Small SVG plotting helpers over `plotters`, shared by the tour's stops.

use plotters::prelude::*;
use std::path::Path;

pub(crate) type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// Axis ranges and labels of one chart.
pub(crate) struct Frame<'a> {
    pub(crate) title: &'a str,
    pub(crate) x: (f64, f64),
    pub(crate) y: (f64, f64),
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
}

/// A colour from a value in `[0, 1]` (blue to red through green).
pub(crate) fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let h = (1.0 - t) * 240.0 / 360.0;
    let c = HSLColor(h, 0.85, 0.45).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// Draws layers (each a closure over the chart) in one framed chart.
pub(crate) fn chart<F>(path: &Path, size: (u32, u32), frame: &Frame<'_>, draw: F) -> PlotResult
where
    F: FnOnce(
        &mut ChartContext<
            '_,
            SVGBackend<'_>,
            Cartesian2d<
                plotters::coord::types::RangedCoordf64,
                plotters::coord::types::RangedCoordf64,
            >,
        >,
    ) -> PlotResult,
{
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(frame.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(frame.x.0..frame.x.1, frame.y.0..frame.y.1)?;
    c.configure_mesh()
        .x_desc(frame.x_label)
        .y_desc(frame.y_label)
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    draw(&mut c)?;
    c.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
