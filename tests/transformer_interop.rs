//! `TransformerBlock` and `MultiheadAttention` against PyTorch's `nn.TransformerEncoderLayer`
//! (pre-norm, GELU, causal) and `nn.MultiheadAttention` (cross-attention with a boolean mask):
//! the same state_dict gives the same output and the same gradients for the input and every
//! parameter (tests/data/transformer_block.safetensors, written by
//! scripts/gen_transformer_block.py).

use std::collections::BTreeMap;

use arenagrad::io::{self, LoadOptions, SafeTensorsFile};
use arenagrad::nn::{MultiheadAttention, TransformerBlock};
use arenagrad::prelude::*;
use arenagrad::Mask;

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/transformer_block.safetensors"
);

/// f32 sums of a few dozen terms: PyTorch and arenagrad agree to a few ulps of the largest
/// terms, far inside this.
const TOL: f32 = 2e-5;

fn close(what: &str, got: &[f32], want: &Tensor) {
    let want = want.data();
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= TOL + TOL * b.abs(),
            "{what}[{i}]: got {a}, want {b}"
        );
    }
}

/// The tensors whose keys start with `prefix`, the prefix dropped, without the `.grad` ones.
fn state(file: &SafeTensorsFile, prefix: &str) -> SafeTensorsFile {
    SafeTensorsFile {
        tensors: (file.tensors.iter())
            .filter(|(k, _)| k.starts_with(prefix) && !k.ends_with(".grad"))
            .map(|(k, v)| (k[prefix.len()..].to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

#[test]
fn transformer_block_matches_pytorch() -> Result<()> {
    let file = io::read(FILE)?;
    let t = |k: &str| file.get(k).unwrap_or_else(|| panic!("{k} in the file"));
    let mut params = ParamStore::new();
    let block = TransformerBlock::new(&mut params, "", 16, 4, 32, &mut Rng::seed(1))?;
    state(&file, "block.").load_into(&mut params, LoadOptions { strict: true })?;
    let (x, gy) = (t("block_x"), t("block_gy"));
    Graph::new().run_with(&mut params, |g| {
        let x = g.leaf(x);
        let y = block.forward(g, x)?;
        close("y", y.data(), t("block_y"));
        y.backward_with(&Backward::gradient(gy.clone()))?;
        close("x.grad", &x.grad().unwrap().to_vec(), t("block_x.grad"));
        Ok(())
    })?;
    for p in params.params().collect::<Vec<_>>() {
        let name = params.name(p).to_string();
        close(&name, params.grad(p), t(&format!("block.{name}.grad")));
    }
    Ok(())
}

#[test]
fn cross_attention_with_a_mask_matches_pytorch() -> Result<()> {
    let file = io::read(FILE)?;
    let t = |k: &str| file.get(k).unwrap_or_else(|| panic!("{k} in the file"));
    let mut params = ParamStore::new();
    let mha = MultiheadAttention::new(&mut params, "", 12, 3, &mut Rng::seed(1))?;
    state(&file, "mha.").load_into(&mut params, LoadOptions { strict: true })?;
    let bits = t("mha_mask").data().iter().map(|&b| b != 0.0).collect();
    let mask = Mask::new(bits, &[4, 6])?;
    Graph::new().run_with(&mut params, |g| {
        let (q, kv) = (g.leaf(t("mha_q")), g.leaf(t("mha_kv")));
        let y = mha.forward(g, q, kv, kv, Some(&mask), false)?;
        close("y", y.data(), t("mha_y"));
        y.backward_with(&Backward::gradient(t("mha_gy").clone()))?;
        close("q.grad", &q.grad().unwrap().to_vec(), t("mha_q.grad"));
        close("kv.grad", &kv.grad().unwrap().to_vec(), t("mha_kv.grad"));
        Ok(())
    })?;
    for p in params.params().collect::<Vec<_>>() {
        let name = params.name(p).to_string();
        close(&name, params.grad(p), t(&format!("mha.{name}.grad")));
    }
    Ok(())
}
