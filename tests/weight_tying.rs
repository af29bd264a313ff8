//! Weight tying: one parameter used twice in a graph (a GPT's token embedding as its output
//! head) gets the sum of its two gradients, the same as two untied copies' gradients added.

use arenagrad::nn::{Embedding, Linear};
use arenagrad::prelude::*;

/// logits = head(embed(ids)) for `ids` of 3 tokens; returns the gradients of a fixed weighting
/// of the logits for `(embedding weight, head weight)` (equal params when `tied`).
fn grads(tied: bool) -> Result<(Vec<f32>, Vec<f32>)> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(3);
    let emb = Embedding::new(&mut params, "tok", 5, 4, &mut rng)?;
    let head = if tied {
        None
    } else {
        let h = Linear::new_no_bias(&mut params, "head", 4, 5, &mut rng)?;
        let w = params.data(emb.weight).to_vec();
        params.data_mut(h.weight).copy_from_slice(&w); // same values, separate parameter
        Some(h)
    };
    let weights = Tensor::new((0..15).map(|i| (i as f32 * 0.37).sin()).collect(), &[3, 5])?;
    params.zero_grad();
    Graph::new().run_with(&mut params, |g| {
        let x = emb.forward(g, &[1, 4, 1], &[3])?;
        let logits = match head {
            Some(h) => h.forward(g, x)?,
            None => x.try_linear(g.param(emb.weight), None)?,
        };
        logits.try_mul(g.input(&weights))?.sum().backward()
    })?;
    let e = params.grad(emb.weight).to_vec();
    let h = head.map_or(e.clone(), |h| params.grad(h.weight).to_vec());
    Ok((e, h))
}

#[test]
fn a_tied_parameter_gets_both_gradients_summed() -> Result<()> {
    let (tied, _) = grads(true)?;
    let (emb, head) = grads(false)?;
    for (i, t) in tied.iter().enumerate() {
        let want = emb[i] + head[i];
        assert!(
            (t - want).abs() <= 1e-6 * (1.0 + want.abs()),
            "[{i}]: {t} vs {want}"
        );
    }
    // both paths contributed: rows never looked up (0, 2, 3) still get the head's gradient
    assert!(tied[..4].iter().any(|&v| v != 0.0));
    Ok(())
}
