//! A GPT-style character model (nanoGPT's shape): token and position embeddings, pre-norm
//! causal transformer blocks, a final layer norm and a linear head that is either its own
//! parameter or the token embedding itself (weight tying: one parameter used twice, its two
//! gradients summed by backward).

use arenagrad::nn::{Embedding, LayerNorm, Linear, Module, TransformerBlock};
use arenagrad::prelude::*;

/// The model's sizes.
#[derive(Clone, Copy, Debug)]
pub struct GptConfig {
    pub vocab: usize,
    pub block: usize,
    pub d: usize,
    pub heads: usize,
    pub layers: usize,
    /// Logits through the token embedding (`x · tokᵀ`) instead of a head of its own.
    pub tied: bool,
}

#[derive(Debug)]
pub struct Gpt {
    pub config: GptConfig,
    pub tok: Embedding,
    pub pos: Embedding,
    pub blocks: Vec<TransformerBlock>,
    pub ln_f: LayerNorm,
    /// `None` when tied.
    pub head: Option<Linear>,
    /// `0..block`, built once: `forward` passes its first `T` as the position ids, so a
    /// training step allocates nothing on the heap.
    pub positions: Vec<usize>,
}

impl Gpt {
    /// Registers `tok.weight`, `pos.weight`, `blocks.{i}.…`, `ln_f.…` and (untied) `head.weight`.
    pub fn new(p: &mut ParamStore, config: GptConfig, rng: &mut Rng) -> Result<Gpt> {
        let GptConfig {
            vocab,
            block,
            d,
            heads,
            layers,
            tied,
        } = config;
        let tok = Embedding::new(p, "tok", vocab, d, rng)?;
        let pos = Embedding::new(p, "pos", block, d, rng)?;
        let blocks = (0..layers)
            .map(|i| TransformerBlock::new(p, &format!("blocks.{i}"), d, heads, 4 * d, rng))
            .collect::<Result<Vec<_>>>()?;
        let ln_f = LayerNorm::new(p, "ln_f", d, 1e-5)?;
        let head = if tied {
            None
        } else {
            Some(Linear::new_no_bias(p, "head", d, vocab, rng)?)
        };
        Ok(Gpt {
            config,
            tok,
            pos,
            blocks,
            ln_f,
            head,
            positions: (0..block).collect(),
        })
    }

    /// Logits `[B·T, vocab]` for the token ids `idx` (`B` rows of `T ≤ block` ids).
    pub fn forward<'g>(
        &self,
        g: &'g Scope<'g>,
        idx: &[usize],
        b: usize,
        t: usize,
    ) -> Result<Var<'g>> {
        let d = self.config.d;
        let x = self.tok.forward(g, idx, &[b, t])?;
        let positions = self
            .positions
            .get(..t)
            .ok_or_else(|| Error::InvalidArgument {
                op: "Gpt::forward",
                message: format!(
                    "context {t} longer than the block size {}",
                    self.config.block
                ),
            })?;
        let mut x = x.try_add(self.pos.forward(g, positions, &[t])?)?;
        for block in &self.blocks {
            x = block.forward(g, x)?;
        }
        let x = self.ln_f.forward(g, x)?.try_reshape(&[b * t, d])?;
        match self.head {
            Some(head) => head.forward(g, x),
            None => x.try_linear(g.try_param(self.tok.weight)?, None),
        }
    }
}
