//! The digits examples' PNG plot: the train loss and the test accuracy per epoch, side by
//! side, drawn with an embedded font (no system fonts or fontconfig needed).

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::register_font;

use super::train::EpochStats;

/// DejaVu Sans, subset to ASCII (see assets/README.md): plotters' `ab_glyph` text rendering
/// draws with it, so the plot needs no system fonts or fontconfig.
const FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans-subset.ttf");

/// Two panels: the train loss per epoch and the test accuracy per epoch.
pub fn plot(path: &Path, history: &[EpochStats], n_test: usize) -> Result<(), Box<dyn Error>> {
    register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "the embedded font does not parse")?;
    let root = BitMapBackend::new(path, (1000, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(500);
    let last_epoch = history.len().max(2) as u32;
    let epoch_of = |s: &EpochStats| s.epoch as u32;
    let font = |size| ("sans-serif", size).into_font();

    let top = history.iter().map(|s| s.train_loss).fold(0.0, f32::max);
    let mut chart = ChartBuilder::on(&left)
        .caption("train loss", font(22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(1..last_epoch, 0f32..(top * 1.05).max(1e-3))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("mean cross-entropy (smoothed labels)")
        .y_label_formatter(&|v| format!("{v:.1}"))
        .label_style(font(14))
        .axis_desc_style(font(16))
        .light_line_style(WHITE)
        .draw()?;
    let points = || history.iter().map(|s| (epoch_of(s), s.train_loss));
    chart.draw_series(LineSeries::new(points(), BLUE.stroke_width(2)))?;
    chart.draw_series(points().map(|p| Circle::new(p, 3, BLUE.filled())))?;

    let low = history
        .iter()
        .map(|s| s.test_accuracy as f64)
        .fold(1.0, f64::min);
    let floor = ((low - 0.005) * 50.0).floor() / 50.0; // a multiple of 0.02 below the lowest
    let mut chart = ChartBuilder::on(&right)
        .caption("test accuracy", font(22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(1..last_epoch, floor.max(0.0)..1.0)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(format!("fraction of the {n_test} test images right"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .label_style(font(14))
        .axis_desc_style(font(16))
        .light_line_style(WHITE)
        .draw()?;
    let points = || {
        history
            .iter()
            .map(|s| (epoch_of(s), s.test_accuracy as f64))
    };
    chart.draw_series(LineSeries::new(points(), RED.stroke_width(2)))?;
    chart.draw_series(points().map(|p| Circle::new(p, 3, RED.filled())))?;
    root.present()?;
    Ok(())
}
