//! The digits examples' command line: flags, the progress bar, the printout, the plot and the
//! saved file. Only the training loop is timed (with its per-epoch test evaluation), not
//! reading the data or drawing.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use arenagrad::nn::Module;
use arenagrad::ParamStore;
use indicatif::{ProgressBar, ProgressStyle};

use super::data::{self, DATA_PATH};
use super::plot::plot;
use super::train::{self, Config, EpochStats, Model};

/// The help text of the example `name`.
fn usage(name: &str) -> String {
    format!(
        "\
usage: cargo run --release --example {name} -- [options]
  --epochs N             passes over the training set (default 20)
  --batch-size N         minibatch size (default 32)
  --lr X                 Adam's initial learning rate, annealed to 0 by a cosine (default 0.01)
  --label-smoothing X    cross-entropy's label smoothing, in [0, 1] (default 0.1)
  --seed N               seed of the initialisation and the shuffling (default 0)
  --plot PATH            where to write the PNG plot (default {name}.png in the current directory)
  --save PATH            write the trained params and buffers as safetensors (PyTorch's state_dict keys)
  --quiet                no progress bar and no per-epoch lines
  --help                 this text"
    )
}

struct Args {
    cfg: Config,
    plot: PathBuf,
    save: Option<PathBuf>,
    quiet: bool,
}

/// The flags, or `None` for `--help`.
fn parse_args(name: &str) -> Result<Option<Args>, String> {
    let mut args = Args {
        cfg: Config {
            epochs: 20,
            batch_size: 32,
            lr: 1e-2,
            label_smoothing: 0.1,
            seed: 0,
        },
        plot: PathBuf::from(format!("{name}.png")),
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

/// Runs the example `name` (flags from the command line) and exits with status 1 on an error,
/// printed with `Display` rather than the `Debug` that returning it from `main` would print.
pub fn main<M: Module>(name: &str, model: &Model<M>) {
    if let Err(e) = run(name, model) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run<M: Module>(name: &str, model: &Model<M>) -> Result<(), Box<dyn Error>> {
    let args = match parse_args(name) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{}", usage(name));
            return Ok(());
        }
        Err(e) => return Err(format!("{e}\n{}", usage(name)).into()),
    };
    let cfg = &args.cfg;
    let data = data::load(Path::new(DATA_PATH))?;
    let steps = cfg.epochs * data.train.len().div_ceil(cfg.batch_size);
    println!(
        "digits: {} train / {} test images of 8x8 pixels; model {}",
        data.train.len(),
        data.test.len(),
        model.name
    );
    println!(
        "recipe: {} epoch{} of batch {}, Adam lr {} with a cosine to 0 over {steps} steps, \
         cross-entropy with label smoothing {}, seed {}",
        cfg.epochs,
        if cfg.epochs == 1 { "" } else { "s" },
        cfg.batch_size,
        cfg.lr,
        cfg.label_smoothing,
        cfg.seed
    );

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(steps as u64);
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
        model,
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
    print_state(&trained.params);
    println!("test accuracy: {:.3}", last.test_accuracy);
    println!("trained in {secs:.3} s");
    plot(&args.plot, &trained.history, data.test.len())?;
    println!("plot: {}", args.plot.display());
    if let Some(path) = &args.save {
        arenagrad::io::save(path, &trained.params)?;
        println!(
            "saved: {} (PyTorch: model.load_state_dict(safetensors.torch.load_file(path)))",
            path.display()
        );
    }
    Ok(())
}

/// The parameters' names and shapes, then the buffers', if any.
fn print_state(params: &ParamStore) {
    let names: Vec<String> = (params.metas().iter())
        .map(|m| format!("{} {:?}", m.name, m.shape))
        .collect();
    println!(
        "params: {} ({} values)",
        names.join(", "),
        params.num_values()
    );
    let buffers = params.buffer_metas();
    if !buffers.is_empty() {
        let names: Vec<String> = (buffers.iter())
            .map(|m| format!("{} {:?}", m.name, m.shape))
            .collect();
        println!("buffers: {}", names.join(", "));
    }
}
