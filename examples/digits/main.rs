//! Trains a small MLP on the UCI handwritten digits (8x8 images) end to end: progress bar,
//! test accuracy per epoch, the training time, and a PNG plot of the curves.
//!
//! Run: `cargo run --release --example digits` (options: `-- --help`).
//!
//! The recipe and data are in `train.rs`; this file parses the flags, shows the progress and
//! draws the plot. Only the training loop is timed (with its per-epoch test evaluation), not
//! reading the data or drawing. `scripts/digits_torch.py` runs the same recipe in PyTorch.

mod train;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use plotters::style::register_font;

use train::{Config, EpochStats, CLASSES, HIDDEN, PIXELS};

const USAGE: &str = "\
usage: cargo run --release --example digits -- [options]
  --epochs N             passes over the training set (default 20)
  --batch-size N         minibatch size (default 32)
  --lr X                 Adam's initial learning rate, annealed to 0 by a cosine (default 0.01)
  --label-smoothing X    cross-entropy's label smoothing, in [0, 1] (default 0.1)
  --seed N               seed of the initialisation and the shuffling (default 0)
  --plot PATH            where to write the PNG plot (default digits.png in the current directory)
  --save PATH            write the trained params as safetensors (PyTorch's state_dict keys)
  --quiet                no progress bar and no per-epoch lines
  --help                 this text";

/// DejaVu Sans, subset to ASCII (see assets/README.md): plotters' `ab_glyph` text rendering
/// draws with it, so the plot needs no system fonts or fontconfig.
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

struct Args {
    cfg: Config,
    plot: PathBuf,
    save: Option<PathBuf>,
    quiet: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        cfg: Config {
            epochs: 20,
            batch_size: 32,
            lr: 1e-2,
            label_smoothing: 0.1,
            seed: 0,
        },
        plot: PathBuf::from("digits.png"),
        save: None,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        fn num<T: std::str::FromStr>(flag: &str, v: String) -> Result<T, String> {
            v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
        }
        match flag.as_str() {
            "--epochs" => args.cfg.epochs = num(&flag, value()?)?,
            "--batch-size" => args.cfg.batch_size = num(&flag, value()?)?,
            "--lr" => args.cfg.lr = num(&flag, value()?)?,
            "--label-smoothing" => args.cfg.label_smoothing = num(&flag, value()?)?,
            "--seed" => args.cfg.seed = num(&flag, value()?)?,
            "--plot" => args.plot = PathBuf::from(value()?),
            "--save" => args.save = Some(PathBuf::from(value()?)),
            "--quiet" => args.quiet = true,
            "--help" | "-h" => return Ok(None),
            _ => return Err(format!("unknown option {flag:?}")),
        }
    }
    if args.cfg.epochs == 0 || args.cfg.batch_size == 0 {
        return Err("--epochs and --batch-size must be at least 1".into());
    }
    Ok(Some(args))
}

fn main() {
    // Display, not the Debug that returning the error from main would print
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return Ok(());
        }
        Err(e) => return Err(format!("{e}\n{USAGE}").into()),
    };
    let cfg = &args.cfg;
    let data = train::load(Path::new(train::DATA_PATH))?;
    let steps_per_epoch = data.train.len().div_ceil(cfg.batch_size);
    println!(
        "digits: {} train / {} test images of 8x8 pixels; model Mlp [{PIXELS}, {HIDDEN}, {CLASSES}]",
        data.train.len(),
        data.test.len()
    );
    println!(
        "recipe: {} epoch{} of batch {}, Adam lr {} with a cosine to 0 over {} steps, \
         cross-entropy with label smoothing {}, seed {}",
        cfg.epochs,
        if cfg.epochs == 1 { "" } else { "s" },
        cfg.batch_size,
        cfg.lr,
        cfg.epochs * steps_per_epoch,
        cfg.label_smoothing,
        cfg.seed
    );

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new((cfg.epochs * steps_per_epoch) as u64);
        bar.set_style(ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos:>5}/{len} steps  {msg}",
        )?);
        bar
    };
    let epochs = cfg.epochs;
    let start = Instant::now();
    let trained = train::train(
        cfg,
        &data,
        |epoch, loss| {
            bar.set_message(format!("epoch {epoch}/{epochs}  loss {loss:.4}"));
            bar.inc(1);
        },
        |s: &EpochStats| {
            if !args.quiet {
                // suspend, not bar.println: println prints nothing when the bar is hidden
                // (stderr not a terminal), and the per-epoch lines belong on stdout anyway
                bar.suspend(|| {
                    println!(
                        "epoch {:>3}/{epochs}  train loss {:.4}  test accuracy {:.4}",
                        s.epoch, s.train_loss, s.test_accuracy
                    )
                });
            }
        },
    )?;
    let secs = start.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let last = trained.history.last().expect("at least one epoch");
    let names: Vec<String> = (trained.params.metas().iter())
        .map(|m| format!("{} {:?}", m.name, m.shape))
        .collect();
    println!(
        "params: {} ({} values)",
        names.join(", "),
        trained.params.num_values()
    );
    println!("test accuracy: {:.3}", last.test_accuracy);
    println!("trained in {secs:.3} s");
    plot(&args.plot, &trained.history, data.test.len())?;
    println!("plot: {}", args.plot.display());
    if let Some(path) = &args.save {
        arenagrad::io::save(path, &trained.params)?;
        println!(
            "saved: {} (load with safetensors.torch.load_file)",
            path.display()
        );
    }
    Ok(())
}

/// Two panels: the train loss per epoch and the test accuracy per epoch.
fn plot(path: &Path, history: &[EpochStats], n_test: usize) -> Result<(), Box<dyn Error>> {
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
