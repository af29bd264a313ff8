//! Graph-level benches: whole steps where framework overhead and kernels meet.
//!
//! - `mlp/784_512_512_10_b128`: one training step of an MLP 784-512-512-10 (ReLU) at batch
//!   128 with cross-entropy and Adam (lr 1e-3): `zero_grad`, forward, backward, step — the
//!   `mlp_784_512_512_10_b128_adam` workload of `examples/bench_suite.rs`. Throughput: samples.
//! - `scalar_graph/30k`: 0-d tensors, `h = tanh(h * w + x)` 10,000 times (30,000 nodes), then
//!   backward; the arena is reused across iterations. Throughput: nodes, so criterion's
//!   elements/s is nodes per second.
//!
//! Run one with `cargo bench --bench graph -- scalar_graph`.

use arenagrad::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// (name, layer sizes, batch) of the training steps.
const MLP: &[(&str, &[usize], usize)] = &[("784_512_512_10_b128", &[784, 512, 512, 10], 128)];
/// (name, node count) of the scalar graphs; three nodes per recurrence step.
const SCALAR_GRAPH: &[(&str, usize)] = &[("30k", 30_000)];

fn mlp(c: &mut Criterion) {
    let mut group = c.benchmark_group("mlp");
    group.sample_size(20);
    for &(name, sizes, batch) in MLP {
        let mut rng = Rng::seed(0);
        let mut params = ParamStore::new();
        let model = Mlp::new(&mut params, sizes, &mut rng).expect("sizes");
        let x = rng.normal_tensor(&[batch, sizes[0]], 0.0, 1.0);
        let classes = sizes[sizes.len() - 1];
        let y: Vec<usize> = (0..batch).map(|i| (i * 7) % classes).collect();
        let config = AdamConfig {
            lr: 1e-3,
            ..Default::default()
        };
        let mut opt = Adam::new(&params, config).expect("valid config");
        let mut graph = Graph::new();
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(name, |bench| {
            bench.iter(|| {
                params.zero_grad();
                graph
                    .run_with(&mut params, |g| {
                        let logits = model.forward(g, g.input(&x))?;
                        logits.cross_entropy(&y)?.backward()
                    })
                    .expect("step");
                opt.step(&mut params);
            })
        });
    }
    group.finish();
}

fn scalar_graph(c: &mut Criterion) {
    let mut group = c.benchmark_group("scalar_graph");
    group.sample_size(20);
    for &(name, nodes) in SCALAR_GRAPH {
        let mut graph = Graph::new();
        group.throughput(Throughput::Elements(nodes as u64));
        group.bench_function(name, |bench| {
            bench.iter(|| {
                graph
                    .run(|g| {
                        let (x, w) = (g.leaf(Tensor::scalar(0.5)), g.leaf(Tensor::scalar(0.9)));
                        let mut h = x;
                        for _ in 0..nodes / 3 {
                            h = (h * w + x).tanh();
                        }
                        h.backward()?;
                        Ok(w.grad().map(|t| t.item()))
                    })
                    .expect("fwd + bwd")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, mlp, scalar_graph);
criterion_main!(benches);
