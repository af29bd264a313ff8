//! Trains a character-level GPT on nine Shakespeare plays (`data/shakespeare.txt.gz`):
//! nanoGPT's small CPU configuration (4 pre-norm causal blocks of 4 heads, 128 wide, context
//! 64, batch 12, no dropout, head tied to the token embedding) with AdamW, warm-up and cosine
//! decay. Prints the train and validation loss as it goes, draws them to a PNG, reports
//! `trained in X s`, the full validation loss, and 300 characters sampled from a fixed seed.
//!
//! Run: `cargo run --release --example shakespeare` (options: `-- --help`).
//!
//! `--save PATH` writes the weights as safetensors with the state_dict keys of
//! `scripts/shakespeare_torch.py`, which trains the same model in PyTorch and with
//! `--load PATH` evaluates this example's file to the same validation loss.

use std::path::{Path, PathBuf};
use std::time::Instant;

use arenagrad::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};

mod data;
#[path = "../common/gpt.rs"]
mod model;
mod plot;
mod train;

use data::Corpus;
use model::GptConfig;
use train::{Recipe, Trainer};

const USAGE: &str = "\
usage: cargo run --release --example shakespeare -- [options]
  --steps N        training steps (default 4500)
  --lr X           peak learning rate (default 2e-3), warm-up then cosine to a tenth
  --warmup N       warm-up steps (default 100)
  --eval-every N   steps between validation estimates (default 250)
  --seed N         seed of the initialisation, the batches and the sample (default 0)
  --plot PATH      where to write the PNG plot (default shakespeare.png)
  --save PATH      write the trained weights as safetensors
  --quiet          no progress bar
  --help           this text";

/// Each validation estimate during training reads every 4th window (the final loss all).
const ESTIMATE_STRIDE: usize = 4;

fn main() {
    if let Err(e) = run() {
        eprintln!("shakespeare: {e}");
        std::process::exit(1);
    }
}

fn run() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut recipe = Recipe {
        steps: 4500,
        lr: 2e-3,
        warmup: 100,
        batch: 12,
    };
    let (mut eval_every, mut seed) = (250usize, 0u64);
    let (mut plot_path, mut save, mut quiet) = (PathBuf::from("shakespeare.png"), None, false);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--steps" => recipe.steps = value()?.parse()?,
            "--lr" => recipe.lr = value()?.parse()?,
            "--warmup" => recipe.warmup = value()?.parse()?,
            "--eval-every" => eval_every = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--plot" => plot_path = PathBuf::from(value()?),
            "--save" => save = Some(PathBuf::from(value()?)),
            "--quiet" => quiet = true,
            "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}").into()),
        }
    }
    if recipe.steps == 0 || eval_every == 0 {
        return Err("--steps and --eval-every must be positive".into());
    }
    let data = Corpus::load(Path::new(data::DATA_PATH))?;
    let config = GptConfig {
        vocab: data.vocab.len(),
        block: 64,
        d: 128,
        heads: 4,
        layers: 4,
        tied: true,
    };
    println!(
        "{} training / {} validation characters, vocabulary {}, {} steps",
        data.train.len(),
        data.val.len(),
        data.vocab.len(),
        recipe.steps
    );
    let start = Instant::now();
    let mut rng = Rng::seed(seed);
    let mut t = Trainer::new(config, &recipe, &mut rng)?;
    println!("{} parameters", t.params.num_values());
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(recipe.steps as u64);
        bar.set_style(ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos:>5}/{len} steps  {msg}",
        )?);
        bar
    };
    let (mut points, mut sum, mut n) = (Vec::new(), 0.0f64, 0usize);
    for step in 0..recipe.steps {
        let loss = t.step(&data, &recipe, step, &mut rng)?;
        sum += loss as f64;
        n += 1;
        bar.inc(1);
        if (step + 1) % eval_every == 0 || step + 1 == recipe.steps {
            let val = train::val_loss(&t.model, &t.params, &data, ESTIMATE_STRIDE)?;
            let train_loss = (sum / n as f64) as f32;
            let line = format!(
                "step {:>5}: train {train_loss:.4}, val (estimate) {val:.4}",
                step + 1
            );
            if quiet {
                println!("{line}");
            } else {
                bar.println(line);
            }
            bar.set_message(format!("val {val:.3}"));
            points.push((step + 1, train_loss, val));
            (sum, n) = (0.0, 0);
        }
    }
    bar.finish_and_clear();
    let trained = start.elapsed().as_secs_f64();
    let val = train::val_loss(&t.model, &t.params, &data, 1)?;
    let ids = train::sample(&t.model, &t.params, 300, &mut Rng::seed(seed))?;
    let total = start.elapsed().as_secs_f64();
    println!(
        "trained in {trained:.1} s ({:.1} ms per step, estimates included)",
        1e3 * trained / recipe.steps as f64
    );
    println!(
        "validation loss {val:.4} (all {} windows)",
        data::val_windows(&data.val, 64)
    );
    println!(
        "--- 300 characters sampled with seed {} ---\n{}\n---",
        seed,
        data.decode(&ids)
    );
    println!("total {total:.1} s (training, evaluation and sampling)");
    plot::plot(&plot_path, &points)?;
    println!("plot: {}", plot_path.display());
    if let Some(path) = save {
        arenagrad::io::save(&path, &t.params)?;
        println!("saved: {}", path.display());
    }
    Ok(())
}
