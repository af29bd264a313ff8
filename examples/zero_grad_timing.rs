//! Does a per-parameter "unset" flag that lets backward's first contribution *write* the flat
//! gradient buffer (skipping the `zero_grad` fill) beat one fill plus adds? Measured on the
//! gradient work of an MLP's backward (the weight gradients `dW = dYᵀ·X` through the GEMM with
//! `beta = 0` or `1`, bias gradients as column sums), for two store sizes:
//!
//! - "fill + add":   `zero_grad` fills the buffer, every gradient GEMM adds (`Acc::Add`);
//! - "write first":  no fill, every first contribution writes (`Acc::Write`);
//! - "fill + write first": the fill, then first contributions write (what arenagrad does).
//!
//! Also times a whole training step (forward, backward, SGD) of the small MLP for scale.
//! Run: `cargo run --release --example zero_grad_timing`.

use std::time::Instant;

use arenagrad::kernels::gemm::{matmul, Mat};
use arenagrad::kernels::Acc;
use arenagrad::nn::Linear;
use arenagrad::optim::{Sgd, SgdConfig};
use arenagrad::prelude::*;

const BATCH: usize = 64;

/// Median and minimum of `reps` timings of `f`, in microseconds.
fn time(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[reps / 2], t[0])
}

fn bench(widths: &[usize], reps: usize) {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(0);
    let layers: Vec<Linear> = widths
        .windows(2)
        .enumerate()
        .map(|(i, w)| Linear::new(&mut params, &i.to_string(), w[0], w[1], &mut rng).unwrap())
        .collect();
    let acts: Vec<Tensor> = widths
        .iter()
        .map(|&w| rng.normal_tensor(&[BATCH, w], 0.0, 1.0))
        .collect();
    let n = params.num_values();
    let grads = |params: &mut ParamStore, acc: Acc| {
        let offsets: Vec<(usize, usize)> = layers
            .iter()
            .map(|l| (params.offset(l.weight), params.offset(l.bias.unwrap())))
            .collect();
        let g = params.flat_grad_mut();
        for (i, (l, &(ow, ob))) in layers.iter().zip(&offsets).enumerate() {
            let (x, dy) = (acts[i].data(), acts[i + 1].data());
            let (fi, fo) = (l.in_features, l.out_features);
            let dw = &mut g[ow..ow + fo * fi];
            matmul(
                Mat::row_major(dy, BATCH, fo).t(),
                Mat::row_major(x, BATCH, fi),
                dw,
                acc,
            );
            let db = &mut g[ob..ob + fo];
            for (k, d) in db.iter_mut().enumerate() {
                let s: f32 = (0..BATCH).map(|r| dy[r * fo + k]).sum();
                acc.put(d, s);
            }
        }
    };
    let fill = time(reps, || params.zero_grad());
    let add = time(reps, || {
        params.zero_grad();
        grads(&mut params, Acc::Add)
    });
    let write = time(reps, || grads(&mut params, Acc::Write));
    let fill_write = time(reps, || {
        params.zero_grad();
        grads(&mut params, Acc::Write)
    });
    println!(
        "MLP {widths:?}: {n} params ({:.1} MB of gradients), batch {BATCH}",
        n as f64 * 4e-6
    );
    println!(
        "  zero_grad fill alone        median {:>9.1} us   min {:>9.1} us",
        fill.0, fill.1
    );
    println!(
        "  fill + add  (gradient work) median {:>9.1} us   min {:>9.1} us",
        add.0, add.1
    );
    println!(
        "  write first (gradient work) median {:>9.1} us   min {:>9.1} us",
        write.0, write.1
    );
    println!(
        "  fill + write first          median {:>9.1} us   min {:>9.1} us",
        fill_write.0, fill_write.1
    );
    if widths.len() <= 4 {
        let mut opt = Sgd::new(
            &params,
            SgdConfig {
                lr: 0.01,
                ..Default::default()
            },
        )
        .unwrap();
        let x = rng.normal_tensor(&[BATCH, widths[0]], 0.0, 1.0);
        let y: Vec<usize> = (0..BATCH).map(|i| i % widths[widths.len() - 1]).collect();
        let mut graph = Graph::new();
        let step = time(reps, || {
            params.zero_grad();
            graph
                .run_with(&mut params, |g| {
                    let mut h = g.input(&x);
                    for (i, l) in layers.iter().enumerate() {
                        h = l.forward(g, h)?;
                        if i + 1 < layers.len() {
                            h = h.relu();
                        }
                    }
                    h.cross_entropy(&y)?.backward()
                })
                .unwrap();
            opt.step(&mut params);
        });
        println!(
            "  whole training step         median {:>9.1} us   min {:>9.1} us",
            step.0, step.1
        );
    }
}

fn main() {
    bench(&[784, 512, 512, 10], 60);
    bench(&[784, 2048, 2048, 2048, 10], 12);
}
