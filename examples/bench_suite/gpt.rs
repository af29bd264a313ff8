//! The sequence-model workloads of torch_ref.py: a character GPT training step and causal
//! attention forward + backward.

use arenagrad::prelude::*;

#[path = "../common/gpt.rs"]
mod model;
use model::{Gpt, GptConfig};

use super::harness::{peak_rss_mb, reset_peak_rss, time, Metrics, MIB};

/// `gpt_char_4l_128d_t64_b12_adamw`: nanoGPT's small char model (vocab 65, context 64, 4
/// pre-norm blocks of 4 heads, 128 wide, exact GELU, head without bias, untied), batch 12,
/// AdamW lr 1e-3, weight decay 0.1; one step = zero_grad, forward, cross-entropy, backward,
/// step.
pub fn gpt(_name: &str, reps: usize, warmup: usize) -> Metrics {
    reset_peak_rss();
    let (batch, block, vocab) = (12, 64, 65);
    let config = GptConfig {
        vocab,
        block,
        d: 128,
        heads: 4,
        layers: 4,
        tied: false,
    };
    let mut rng = Rng::seed(0);
    let mut p = ParamStore::new();
    let model = Gpt::new(&mut p, config, &mut rng).expect("sizes");
    let config = AdamWConfig {
        lr: 1e-3,
        weight_decay: 0.1,
        ..Default::default()
    };
    let mut opt = AdamW::new(&p, config).expect("valid config");
    let idx: Vec<usize> = (0..batch * block)
        .map(|_| (rng.next_u64() % vocab as u64) as usize)
        .collect();
    let tgt: Vec<usize> = (0..batch * block)
        .map(|_| (rng.next_u64() % vocab as u64) as usize)
        .collect();
    let mut graph = Graph::new();
    let mut m = time(reps, warmup, || {
        p.zero_grad();
        graph
            .run_with(&mut p, |g| {
                model
                    .forward(g, &idx, batch, block)?
                    .cross_entropy(&tgt)?
                    .backward()
            })
            .expect("step");
        opt.step(&mut p);
    });
    m.push(("arena_peak_mb", graph.arena_capacity() as f64 / MIB));
    m.extend(peak_rss_mb().map(|v| ("peak_rss_mb", v)));
    m
}

/// `attention_causal_b8_h4_t256_e32`: `sdpa(q, k, v, is_causal).sum()` backward to q, k, v of
/// `[8, 4, 256, 32]`.
pub fn attention(_name: &str, reps: usize, warmup: usize) -> Metrics {
    let shape = [8, 4, 256, 32];
    let mut rng = Rng::seed(0);
    let [q, k, v] = [0; 3].map(|_| rng.normal_tensor(&shape, 0.0, 1.0));
    let mut graph = Graph::new();
    let mut m = time(reps, warmup, || {
        graph
            .run(|g| {
                let (q, k, v) = (g.leaf(&q), g.leaf(&k), g.leaf(&v));
                q.try_scaled_dot_product_attention(k, v, None, true, None)?
                    .sum()
                    .backward()
            })
            .expect("step");
    });
    m.push(("arena_peak_mb", graph.arena_capacity() as f64 / MIB));
    m
}
