//! The digits training (examples/digits) split across MPI ranks: every rank holds the model,
//! trains on its shard of every minibatch, and [`Distributed::allreduce_grads`] averages the
//! gradients before the same Adam step everywhere. The global batch is unchanged, so the run
//! follows the single-process one up to float summation order.
//!
//! Run (needs `--features mpi`; as root add `--allow-run-as-root --oversubscribe`):
//!
//! ```text
//! cargo build --release --features mpi --example digits_ddp
//! mpirun -np 2 target/release/examples/digits_ddp [--save digits.safetensors]
//! ```
//!
//! Recipe (the single-process example's defaults): the UCI digits, rows whose index % 5 == 4
//! the test set (359 rows), the other 1,438 the training set, pixels / 16; `Mlp [64, 128, 10]`;
//! cross-entropy with label smoothing 0.1; Adam lr 0.01 annealed to 0 by a cosine stepped per
//! minibatch; 30 epochs of minibatches of 32 reshuffled every epoch by `Rng::seed(0)` (drawn
//! after the initialisation, so every rank shuffles alike). Rank 0 prints the test accuracy
//! per epoch and, with `--save PATH`, writes the model (safetensors, PyTorch's state_dict
//! names).

use std::io::{BufRead, BufReader};
use std::process::ExitCode;
use std::time::Instant;

use arenagrad::distributed::mpi::collective::SystemOperation;
use arenagrad::distributed::mpi::traits::*;
use arenagrad::distributed::Distributed;
use arenagrad::optim::{CosineAnnealingLr, LrScheduler};
use arenagrad::prelude::*;
use flate2::read::GzDecoder;

const PIXELS: usize = 64;
const HIDDEN: usize = 128;
const CLASSES: usize = 10;
const DATA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
const USAGE: &str = "usage: mpirun -np R digits_ddp [--epochs N (30)] [--batch-size N (32)] \
                     [--lr X (0.01)] [--label-smoothing X (0.1)] [--seed N (0)] [--save PATH] [--quiet]";

struct Config {
    epochs: usize,
    batch_size: usize,
    lr: f32,
    label_smoothing: f32,
    seed: u64,
    save: Option<String>,
    quiet: bool,
}

fn parse_args() -> std::result::Result<Config, String> {
    let mut c = Config {
        epochs: 30,
        batch_size: 32,
        lr: 1e-2,
        label_smoothing: 0.1,
        seed: 0,
        save: None,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let bad = |v: &str| format!("{flag}: cannot parse {v:?}");
        match flag.as_str() {
            "--epochs" => c.epochs = value()?.parse().map_err(|_| bad("epochs"))?,
            "--batch-size" => c.batch_size = value()?.parse().map_err(|_| bad("batch"))?,
            "--lr" => c.lr = value()?.parse().map_err(|_| bad("lr"))?,
            "--label-smoothing" => c.label_smoothing = value()?.parse().map_err(|_| bad("x"))?,
            "--seed" => c.seed = value()?.parse().map_err(|_| bad("seed"))?,
            "--save" => c.save = Some(value()?),
            "--quiet" => c.quiet = true,
            _ => return Err(format!("unknown option {flag:?}\n{USAGE}")),
        }
    }
    if c.epochs == 0 || c.batch_size == 0 {
        return Err("--epochs and --batch-size must be at least 1".into());
    }
    Ok(c)
}

/// Rows of `PIXELS` values in [0, 1] and their labels.
#[derive(Default)]
struct Split {
    x: Vec<f32>,
    y: Vec<usize>,
}

/// (train, test): the gzipped CSV, 64 pixels then the label per line; index % 5 == 4 is test.
fn load() -> std::result::Result<(Split, Split), String> {
    let file = std::fs::File::open(DATA_PATH).map_err(|e| format!("{DATA_PATH}: {e}"))?;
    let (mut train, mut test) = (Split::default(), Split::default());
    for (i, line) in BufReader::new(GzDecoder::new(file)).lines().enumerate() {
        let line = line.map_err(|e| format!("{DATA_PATH}: {e}"))?;
        let fields: Vec<f32> = (line.trim().split(',').map(str::parse))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| format!("{DATA_PATH} line {}: {e}", i + 1))?;
        let label = fields.get(PIXELS).copied().unwrap_or(-1.0);
        let digit = (0.0..CLASSES as f32).contains(&label) && label.fract() == 0.0;
        if fields.len() != PIXELS + 1 || !digit {
            return Err(format!(
                "{DATA_PATH} line {}: not 64 pixels and a digit",
                i + 1
            ));
        }
        let split = if i % 5 == 4 { &mut test } else { &mut train };
        split.x.extend(fields[..PIXELS].iter().map(|p| p / 16.0));
        split.y.push(label as usize);
    }
    Ok((train, test))
}

fn main() -> ExitCode {
    let setup =
        parse_args().and_then(|cfg| Ok((cfg, Distributed::init().map_err(|e| e.to_string())?)));
    let (cfg, mut dist) = match setup {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("digits_ddp: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Any error past this point may be this rank's alone (a file it cannot read, say): abort
    // the job rather than return, or the other ranks would wait for it in a collective.
    if let Err(e) = train(&cfg, &mut dist) {
        eprintln!("digits_ddp: rank {}: {e}", dist.rank());
        dist.abort(1);
    }
    ExitCode::SUCCESS
}

fn train(
    cfg: &Config,
    dist: &mut Distributed,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let (rank, ranks) = (dist.rank(), dist.world_size());
    let (train, test) = load()?;
    let n = train.y.len();
    let mut rng = Rng::seed(cfg.seed);
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, &[PIXELS, HIDDEN, CLASSES], &mut rng)?;
    dist.broadcast_params(&mut params)?;
    let adam = AdamConfig {
        lr: cfg.lr,
        ..Default::default()
    };
    let mut opt = Adam::new(&params, adam)?;
    let steps = cfg.epochs * n.div_ceil(cfg.batch_size);
    let cosine = CosineAnnealingLr {
        t_max: steps,
        eta_min: 0.0,
    };
    let mut sched = LrScheduler::new(&mut opt, cosine)?;
    let loss_fn = CrossEntropy {
        label_smoothing: cfg.label_smoothing,
        ..Default::default()
    };
    if rank == 0 {
        println!(
            "digits_ddp: {ranks} ranks, {n} train / {} test images, Mlp [{PIXELS}, {HIDDEN}, \
             {CLASSES}], {} epochs of global batch {} (about {} rows per rank), Adam lr {} with \
             a cosine to 0 over {steps} steps, label smoothing {}, seed {}",
            test.y.len(),
            cfg.epochs,
            cfg.batch_size,
            cfg.batch_size.div_ceil(ranks),
            cfg.lr,
            cfg.label_smoothing,
            cfg.seed
        );
    }
    let mut graph = Graph::new();
    let mut order: Vec<usize> = (0..n).collect();
    let (mut xb, mut yb) = (Vec::new(), Vec::new());
    let (mut accuracy, start) = (0.0, Instant::now());
    for epoch in 1..=cfg.epochs {
        shuffle(&mut order, &mut rng);
        let mut loss_sum = 0.0f64; // this rank's rows: Σ loss · rows
        for batch in order.chunks(cfg.batch_size) {
            // this rank's shard of the global batch; its mean loss weighted by |shard|·R/|batch|
            // so that the average over ranks is the mean over the whole batch
            let shard = &batch[rank * batch.len() / ranks..(rank + 1) * batch.len() / ranks];
            xb.clear();
            yb.clear();
            for &i in shard {
                xb.extend_from_slice(&train.x[i * PIXELS..(i + 1) * PIXELS]);
                yb.push(train.y[i]);
            }
            let weight = (shard.len() * ranks) as f32 / batch.len() as f32;
            params.zero_grad();
            if !shard.is_empty() {
                let loss = graph.run_with(&mut params, |g| {
                    let x = g.try_input_slice(&xb, &[shard.len(), PIXELS])?;
                    let loss = model.forward(g, x)?.cross_entropy_with(&yb, &loss_fn)?;
                    (loss * weight).backward()?;
                    Ok(loss.item())
                })?;
                loss_sum += loss as f64 * shard.len() as f64;
            }
            dist.allreduce_grads(&mut params)?;
            opt.step(&mut params);
            sched.step(&mut opt)?;
        }
        let mut total = 0.0f64;
        dist.world()
            .all_reduce_into(&loss_sum, &mut total, SystemOperation::sum());
        accuracy = test_accuracy(&model, &mut params, &mut graph, &test)?;
        if rank == 0 && (!cfg.quiet || epoch == cfg.epochs) {
            println!(
                "epoch {epoch:>3}/{}  train loss {:.4}  test accuracy {accuracy:.4}",
                cfg.epochs,
                total / n as f64
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    if rank == 0 {
        println!("test accuracy: {accuracy:.3}");
        println!(
            "trained in {secs:.3} s ({:.1} µs per step, test evaluation included)",
            secs * 1e6 / steps as f64
        );
        if let Some(path) = &cfg.save {
            arenagrad::io::save(path, &params)?;
            println!("model: {path}");
        }
    }
    Ok(())
}

/// The fraction of `split` classified right (ties to the lowest class, like torch.argmax).
fn test_accuracy(
    model: &Mlp,
    params: &mut ParamStore,
    graph: &mut Graph,
    split: &Split,
) -> Result<f32> {
    let right = graph.run_with(params, |g| {
        g.no_grad(|| {
            let x = g.try_input_slice(&split.x, &[split.y.len(), PIXELS])?;
            let logits = model.forward(g, x)?;
            let argmax =
                |row: &[f32]| (0..row.len()).fold(0, |b, k| if row[k] > row[b] { k } else { b });
            Ok(logits
                .data()
                .chunks(CLASSES)
                .zip(&split.y)
                .filter(|(row, &y)| argmax(row) == y)
                .count())
        })
    })?;
    Ok(right as f32 / split.y.len() as f32)
}

/// Fisher-Yates with the seeded generator, as the single-process example shuffles.
fn shuffle(v: &mut [usize], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}
