//! The digits recipe as a training loop over any model, without the terminal and plotting
//! parts, so the tests can train exactly what the examples train.
//!
//! Recipe: cross-entropy with label smoothing, Adam, cosine annealing of the lr to 0 stepped
//! once per minibatch, minibatches reshuffled every epoch by a seeded [`Rng`] (drawn after the
//! model's initialisation, from the same generator, by arenagrad's [`DataLoader`]). The model is in training mode for the
//! steps and in evaluation mode (PyTorch's `model.eval()`: batch norm uses its running
//! statistics) for the test accuracy after every epoch.
//!
//! Why label smoothing: on this split plain cross-entropy plateaus around 96.7-97.2% test
//! accuracy for the MLP whatever the epochs (20-50), lr (1e-3-1e-2) or batch size (16-64), in
//! arenagrad and PyTorch alike: the net grows over-confident on the training set. Smoothing 0.1
//! lifts the MLP's default recipe to 97.8-98.9% over seeds 0-15 (mean 98.4%) at no cost in time.

use arenagrad::data::DataLoader;
use arenagrad::nn::Module;
use arenagrad::optim::{CosineAnnealingLr, LrScheduler};
use arenagrad::prelude::*;

use super::data::{Digits, Split};

/// What an example trains: its model, and how the model sees an image.
pub struct Model<M> {
    /// How the printout names the model, e.g. `Mlp [64, 128, 10]`.
    pub name: &'static str,
    /// One image's dimensions as the model takes it (`PIXELS` values in all): `[64]` for an
    /// MLP, `[1, 8, 8]` (channels, height, width) for a convolutional net.
    pub image: &'static [usize],
    /// Registers the model's parameters and buffers in the store, initialised from the
    /// generator (PyTorch's state_dict names).
    pub build: fn(&mut ParamStore, &mut Rng) -> Result<M>,
}

/// Training options (the examples' command-line flags).
#[derive(Clone, Debug)]
pub struct Config {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f32,
    /// Cross-entropy's label smoothing (PyTorch's `label_smoothing`).
    pub label_smoothing: f32,
    pub seed: u64,
}

/// What one epoch gave.
#[derive(Clone, Copy, Debug)]
pub struct EpochStats {
    /// 1-based.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's training examples (as they were trained on).
    pub train_loss: f32,
    pub test_accuracy: f32,
}

/// The trained model, its parameters and buffers (the state_dict) and the per-epoch history.
pub struct Trained<M> {
    pub model: M,
    pub params: ParamStore,
    pub history: Vec<EpochStats>,
}

/// Trains `cfg`'s recipe on `data`. `on_step(epoch, running_loss)` is called after every
/// minibatch (running_loss: the epoch's mean so far) and `on_epoch` after every epoch.
pub fn train<M: Module>(
    cfg: &Config,
    data: &Digits,
    model: &Model<M>,
    mut on_step: impl FnMut(usize, f32),
    mut on_epoch: impl FnMut(&EpochStats),
) -> Result<Trained<M>> {
    let n = data.train.len();
    if cfg.epochs == 0 || cfg.batch_size == 0 || n == 0 {
        return Err(Error::InvalidArgument {
            op: "digits::train",
            message: "epochs, batch size and the training set must be non-empty".into(),
        });
    }
    let mut rng = Rng::seed(cfg.seed);
    let mut params = ParamStore::new();
    let net = (model.build)(&mut params, &mut rng)?;
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
    let mut graph = Graph::new();
    // the generator's remaining stream shuffles the minibatches
    let mut loader = DataLoader::new(&data.train, cfg.batch_size)?.shuffle(rng);
    // the loader's rows are [batch, PIXELS]; the model sees [batch, image...]
    let mut shape: Vec<usize> = [&[0][..], model.image].concat();
    let mut history = Vec::with_capacity(cfg.epochs);
    for epoch in 1..=cfg.epochs {
        let (mut loss_sum, mut seen) = (0.0f64, 0);
        while let Some(batch) = loader.next_batch() {
            shape[0] = batch.len();
            params.zero_grad();
            let loss = graph.run_with(&mut params, |g| {
                let x = g.try_input_slice(batch.features(), &shape)?;
                let loss = net
                    .forward(g, x)?
                    .cross_entropy_with(batch.targets(), &loss_fn)?;
                loss.backward()?;
                Ok(loss.item())
            })?;
            opt.step(&mut params);
            sched.step(&mut opt)?;
            loss_sum += loss as f64 * batch.len() as f64;
            seen += batch.len();
            on_step(epoch, (loss_sum / seen as f64) as f32);
        }
        let test_accuracy = accuracy(&net, model.image, &params, &mut graph, &data.test)?;
        let stats = EpochStats {
            epoch,
            train_loss: (loss_sum / n as f64) as f32,
            test_accuracy,
        };
        on_epoch(&stats);
        history.push(stats);
    }
    Ok(Trained {
        model: net,
        params,
        history,
    })
}

/// The fraction of `split` that `model` classifies right, in evaluation mode
/// ([`Graph::eval_with`]: `model.eval()` and `torch.no_grad()`); ties go to the lowest class,
/// as `torch.argmax` does.
pub fn accuracy<M: Module>(
    model: &M,
    image: &[usize],
    params: &ParamStore,
    graph: &mut Graph,
    split: &Split,
) -> Result<f32> {
    if split.is_empty() {
        return Ok(0.0);
    }
    let shape = [&[split.len()][..], image].concat();
    // `eval_with`: the store borrowed shared, batch norm on its running statistics, no tape
    let predicted = graph.eval_with(params, |g| {
        let x = g.try_input_slice(split.features().data(), &shape)?;
        model.forward(g, x)?.try_argmax_axis(1, false)
    })?;
    let correct = predicted
        .iter()
        .zip(split.targets())
        .filter(|(p, y)| p == y)
        .count();
    Ok(correct as f32 / split.len() as f32)
}
