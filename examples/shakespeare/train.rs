//! The recipe (nanoGPT's small character configuration) and the training loop: AdamW with
//! weight decay on the matrices and embeddings only, linear warm-up then cosine decay to a
//! tenth, gradient clipping at norm 1, no dropout.

use arenagrad::optim::ParamGroup;
use arenagrad::prelude::*;

use super::data::{random_batch, val_windows, Corpus};
use super::model::{Gpt, GptConfig};

pub struct Recipe {
    pub steps: usize,
    pub lr: f32,
    pub warmup: usize,
    pub batch: usize,
}

/// The learning rate of step `t` (0-based): linear warm-up to `lr`, then a cosine that reaches
/// `lr/10` at the last step.
pub fn lr_at(r: &Recipe, t: usize) -> f32 {
    let min = r.lr / 10.0;
    if t < r.warmup {
        return r.lr * (t + 1) as f32 / r.warmup as f32;
    }
    let span = r.steps.saturating_sub(1 + r.warmup);
    let progress = if span == 0 {
        1.0
    } else {
        (t - r.warmup) as f32 / span as f32
    };
    min + 0.5 * (r.lr - min) * (1.0 + (std::f32::consts::PI * progress).cos())
}

/// nanoGPT's initialisation: N(0, 0.02) for every weight matrix and embedding, 0.02/√(2·layers)
/// for the two projections that feed the residual stream, zero biases, unit norm gains.
pub fn init(params: &mut ParamStore, layers: usize, rng: &mut Rng) {
    let all: Vec<Param> = params.params().collect();
    for p in all {
        let name = params.name(p).to_string();
        let rank = params.shape(p).len();
        let data = params.data_mut(p);
        if name.contains("norm") || name.starts_with("ln_f") {
            data.fill(if name.ends_with("weight") { 1.0 } else { 0.0 });
        } else if rank == 1 {
            data.fill(0.0);
        } else {
            let residual = name.ends_with("out_proj.weight") || name.ends_with("linear2.weight");
            let std = if residual {
                0.02 / (2.0 * layers as f32).sqrt()
            } else {
                0.02
            };
            for v in data.iter_mut() {
                *v = std * rng.normal();
            }
        }
    }
}

/// AdamW with weight decay on the parameters of rank ≥ 2 only (nanoGPT's grouping).
pub fn optimizer(params: &ParamStore, lr: f32) -> Result<AdamW> {
    let (decay, rest): (Vec<Param>, Vec<Param>) =
        params.params().partition(|&p| params.shape(p).len() >= 2);
    let config = AdamWConfig {
        lr,
        betas: (0.9, 0.99),
        weight_decay: 0.1,
        ..Default::default()
    };
    let groups = vec![
        ParamGroup::new(decay),
        ParamGroup::new(rest).weight_decay(0.0),
    ];
    AdamW::with_groups(params, groups, config)
}

/// The mean cross-entropy over every `stride`-th validation window (all of them for 1).
pub fn val_loss(model: &Gpt, params: &ParamStore, data: &Corpus, stride: usize) -> Result<f32> {
    let block = model.config.block;
    let n = val_windows(&data.val, block).div_ceil(stride);
    let (mut sum, mut count) = (0.0f64, 0usize);
    let mut graph = Graph::new();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for first in (0..n).step_by(32) {
        let b = 32.min(n - first);
        x.clear();
        y.clear();
        for w in (first..first + b).map(|i| i * stride) {
            x.extend_from_slice(&data.val[w * block..(w + 1) * block]);
            y.extend_from_slice(&data.val[w * block + 1..(w + 1) * block + 1]);
        }
        // evaluation: a shared store, no gradient recorded
        let loss = graph.eval_with(params, |g| {
            Ok(model.forward(g, &x, b, block)?.cross_entropy(&y)?.item())
        })?;
        sum += loss as f64 * (b * block) as f64;
        count += b * block;
    }
    Ok((sum / count as f64) as f32)
}

/// `n` characters sampled after a newline, each from the softmax of the last position's
/// logits (the context cropped to the model's block).
pub fn sample(model: &Gpt, params: &ParamStore, n: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    let GptConfig { block, vocab, .. } = model.config;
    let mut ids = vec![0usize]; // id 0 is '\n', the smallest character
    let mut graph = Graph::new();
    for _ in 0..n {
        let ctx = &ids[ids.len().saturating_sub(block)..];
        let probs = graph.eval_with(params, |g| {
            let logits = model.forward(g, ctx, 1, ctx.len())?;
            let last = logits.try_narrow(0, ctx.len() - 1, 1)?;
            Ok(last.try_softmax(-1)?.to_tensor())
        })?;
        debug_assert_eq!(probs.numel(), vocab);
        ids.push(rng.multinomial(&probs, 1, true)?[0]);
    }
    Ok(ids[1..].to_vec())
}

/// The model, its store and optimizer, and the buffers a step reuses.
pub struct Trainer {
    pub model: Gpt,
    pub params: ParamStore,
    pub opt: AdamW,
    graph: Graph,
    x: Vec<usize>,
    y: Vec<usize>,
}

impl Trainer {
    pub fn new(config: GptConfig, recipe: &Recipe, rng: &mut Rng) -> Result<Trainer> {
        let mut params = ParamStore::new();
        let model = Gpt::new(&mut params, config, rng)?;
        init(&mut params, config.layers, rng);
        let opt = optimizer(&params, recipe.lr)?;
        Ok(Trainer {
            model,
            params,
            opt,
            graph: Graph::new(),
            x: Vec::new(),
            y: Vec::new(),
        })
    }

    /// One training step on a random batch; returns its loss.
    pub fn step(&mut self, data: &Corpus, recipe: &Recipe, t: usize, rng: &mut Rng) -> Result<f32> {
        let block = self.model.config.block;
        random_batch(
            &data.train,
            recipe.batch,
            block,
            rng,
            &mut self.x,
            &mut self.y,
        );
        for i in 0..self.opt.num_groups() {
            self.opt.set_group_lr(i, lr_at(recipe, t))?;
        }
        self.params.zero_grad();
        let (model, x, y) = (&self.model, &self.x, &self.y);
        let loss = self.graph.run_with(&mut self.params, |g| {
            let loss = model.forward(g, x, recipe.batch, block)?.cross_entropy(y)?;
            loss.backward()?;
            Ok(loss.item())
        })?;
        clip_grad_norm(&mut self.params, 1.0, false)?;
        self.opt.step(&mut self.params);
        Ok(loss)
    }
}
