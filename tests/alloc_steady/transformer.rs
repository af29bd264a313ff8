//! Steady steps of the character GPT of `examples/bench_suite/gpt.rs` (the model of
//! `examples/common/gpt.rs`, the same step: zero_grad, forward, cross-entropy, backward, AdamW),
//! on a smaller configuration: 2 pre-norm causal blocks of 4 heads, 64 wide, context 32,
//! batch 4. Every op kind of the workload runs: embeddings, layer norm, the fused projection
//! cut into q, k and v, head permutes, causal attention, GELU, residual adds, the untied head
//! and cross-entropy. At 2 threads the attention kernel splits its 16 (batch, head) pairs over
//! the team's threads.
//!
//! Also: the arena of an attention forward + backward grows linearly in the sequence length,
//! since the node saves the per-row log-sum-exp and never the `[L, S]` probabilities.

use arenagrad::optim::{AdamW, AdamWConfig};
use arenagrad::{Graph, ParamStore, Rng};

use super::{assert_steady, serial};

#[path = "../../examples/common/gpt.rs"]
mod gpt;
use gpt::{Gpt, GptConfig};

/// `gpt_char_4l_128d_t64_b12_adamw` scaled down (2 layers, 64 wide, context 32, batch 4; the
/// same vocabulary, head count, untied head and AdamW lr 1e-3, weight decay 0.1).
#[test]
fn gpt_adamw_step_allocates_nothing() {
    serial(|| {
        let (batch, block, vocab) = (4, 32, 65);
        let config = GptConfig {
            vocab,
            block,
            d: 64,
            heads: 4,
            layers: 2,
            tied: false,
        };
        let mut rng = Rng::seed(0);
        let mut p = ParamStore::new();
        let model = Gpt::new(&mut p, config, &mut rng).unwrap();
        let config = AdamWConfig {
            lr: 1e-3,
            weight_decay: 0.1,
            ..Default::default()
        };
        let mut opt = AdamW::new(&p, config).unwrap();
        let mut ids = |_| (rng.next_u64() % vocab as u64) as usize;
        let idx: Vec<usize> = (0..batch * block).map(&mut ids).collect();
        let tgt: Vec<usize> = (0..batch * block).map(&mut ids).collect();
        assert_steady(&mut Graph::new(), |graph| {
            p.zero_grad();
            let l = graph
                .run_with(&mut p, |g| {
                    let loss = model.forward(g, &idx, batch, block)?.cross_entropy(&tgt)?;
                    loss.backward()?;
                    Ok(loss.item())
                })
                .unwrap();
            opt.step(&mut p);
            l
        });
    });
}

/// Arena bytes in use after a causal attention forward + backward (`sdpa(q, k, v).sum()`
/// backward to `q`, `k` and `v`) on `[1, 4, t, 32]`, measured on a graph's second run, when
/// the arena is one chunk and `arena_used` is exact.
fn attention_arena(t: usize) -> usize {
    let shape = [1, 4, t, 32];
    let mut rng = Rng::seed(t as u64);
    let [q, k, v] = [0; 3].map(|_| rng.normal_tensor(&shape, 0.0, 1.0));
    let mut graph = Graph::new();
    let mut used = 0;
    for _ in 0..2 {
        used = graph
            .run(|g| {
                let (q, k, v) = (g.leaf(&q), g.leaf(&k), g.leaf(&v));
                let y = q.try_scaled_dot_product_attention(k, v, None, true, None)?;
                y.sum().backward()?;
                assert!(q.grad().is_some() && k.grad().is_some() && v.grad().is_some());
                Ok(g.arena_used())
            })
            .unwrap();
    }
    used
}

/// 4× the sequence length takes about 4× the arena (q, k, v, the output, their gradients and
/// the log-sum-exp are all `O(T)`); saving the `[T, T]` probabilities would take about 16×
/// (at T = 1024 they alone would be 16 MiB against about 4.5 MiB of the rest).
#[test]
fn attention_arena_grows_linearly_in_sequence_length() {
    let (short, long) = serial(|| (attention_arena(256), attention_arena(1024)));
    let ratio = long as f64 / short as f64;
    assert!(
        ratio < 6.0,
        "arena {short} bytes at T = 256, {long} at T = 1024: ratio {ratio:.2}, not linear"
    );
    // at least the output and the gradients of q, k and v, 1·4·1024·32 floats each
    assert!(long >= 4 * 4 * 1024 * 32 * 4, "{long}");
}
