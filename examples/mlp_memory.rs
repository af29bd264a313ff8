//! Memory of one training step of the MLP 784-512-512-10 at batch 128 with Adam: the arena's
//! size and use against the bytes the step cannot do without (parameters, their gradients,
//! Adam's two moments, and the activations backward must read).
//!
//! `cargo run --release --example mlp_memory` prints one line per quantity, in MiB.

use arenagrad::prelude::*;

const SIZES: [usize; 4] = [784, 512, 512, 10];
const BATCH: usize = 128;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> Result<()> {
    let mut rng = Rng::seed(0);
    let mut params = ParamStore::new();
    let mlp = Mlp::new(&mut params, &SIZES, &mut rng)?;
    let mut adam = Adam::new(&params, AdamConfig::default())?;
    let x = rng.normal_tensor(&[BATCH, SIZES[0]], 0.0, 1.0);
    let classes: Vec<usize> = (0..BATCH).map(|i| i % SIZES[3]).collect();
    let mut graph = Graph::new();
    let mut used = (0, 0);
    for _ in 0..3 {
        params.zero_grad();
        used = graph.run_with(&mut params, |g| {
            let loss = mlp.forward(g, g.input(&x))?.cross_entropy(&classes)?;
            let forward = g.arena_used();
            loss.backward()?;
            Ok((forward, g.arena_used()))
        })?;
        adam.step(&mut params);
    }
    let f32s = std::mem::size_of::<f32>();
    let flat = std::mem::size_of_val(params.flat_data());
    // params, grads, Adam's m and v: four buffers of the flat layout
    let state = 4 * flat;
    // what backward must read: the input (for dW of layer 1), each hidden layer's ReLU output
    // (its mask, and the next layer's dW) and the logits (cross-entropy's softmax)
    let hidden: usize = SIZES[1..SIZES.len() - 1].iter().sum();
    let saved = BATCH * (SIZES[0] + hidden + SIZES[3]) * f32s;
    let held = graph.arena_capacity();
    println!(
        "flat buffers (params + grads + Adam m, v): {:.2} MiB",
        mib(state)
    );
    println!(
        "backward must save (x, ReLU outputs, logits): {:.2} MiB",
        mib(saved)
    );
    println!("arena used after forward: {:.2} MiB", mib(used.0));
    println!("arena used after backward (peak): {:.2} MiB", mib(used.1));
    println!("arena held (Graph::arena_capacity): {:.2} MiB", mib(held));
    println!(
        "high-water (flat + arena held) / (flat + saved): {:.3}; with the arena's peak use: {:.3}",
        (state + held) as f64 / (state + saved) as f64,
        (state + used.1) as f64 / (state + saved) as f64
    );
    Ok(())
}
