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

/// The chart type every stop draws on.
pub(crate) type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A GP posterior: the band `mean +- 2 sd` and the mean line over `xs`.
pub(crate) fn posterior(
    c: &mut Chart<'_, '_>,
    xs: &[f64],
    mean: &[f64],
    variance: &[f64],
) -> PlotResult {
    let sd: Vec<f64> = variance.iter().map(|v| v.max(0.0).sqrt()).collect();
    let upper = (0..xs.len()).map(|i| (xs[i], mean[i] + 2.0 * sd[i]));
    let lower = (0..xs.len()).rev().map(|i| (xs[i], mean[i] - 2.0 * sd[i]));
    c.draw_series(std::iter::once(Polygon::new(
        upper.chain(lower).collect::<Vec<_>>(),
        BLUE.mix(0.2),
    )))?
    .label("mean +- 2 sd")
    .legend(|(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], BLUE.mix(0.2).filled()));
    c.draw_series(LineSeries::new(
        xs.iter().copied().zip(mean.iter().copied()),
        BLUE.stroke_width(2),
    ))?
    .label("posterior mean")
    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
    Ok(())
}

/// Draws layers (each a closure over the chart) in one framed chart.
pub(crate) fn chart<F>(path: &Path, size: (u32, u32), frame: &Frame<'_>, draw: F) -> PlotResult
where
    F: FnOnce(&mut Chart<'_, '_>) -> PlotResult,
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
