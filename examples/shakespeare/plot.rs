//! The example's PNG plot: training loss (mean over each evaluation interval) and the
//! validation estimate against the step, drawn with the embedded font.

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::register_font;

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

/// `(step, train loss, val loss)` per evaluation.
pub fn plot(path: &Path, points: &[(usize, f32, f32)]) -> Result<(), Box<dyn Error>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the embedded font does not parse")?;
    let root = BitMapBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let font = |size| ("sans-serif", size).into_font();
    let last = points.last().map_or(1, |p| p.0).max(1) as u32;
    let top = points
        .iter()
        .map(|p| p.1.max(p.2))
        .fold(0.0, f32::max)
        .max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption("character GPT on Shakespeare", font(22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0..last, 1.0f32..top * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("cross-entropy (nats per character)")
        .label_style(font(14))
        .axis_desc_style(font(16))
        .draw()?;
    let series = [(1, "train", BLUE), (2, "validation", RED)];
    for (col, name, color) in series {
        let pts = points
            .iter()
            .map(|p| (p.0 as u32, if col == 1 { p.1 } else { p.2 }));
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .label_font(font(14))
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
