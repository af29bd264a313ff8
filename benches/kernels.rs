//! Kernel benches: one group per workload family, shapes in `const` tables, names
//! `family/shape[/variant]`. They compare kernel versions on one machine in one sitting; the
//! end-to-end comparisons with PyTorch live in `examples/bench_suite.rs`.
//!
//! - `matmul/{m}x{k}x{n}/{layout}`: `C = A·B` through `kernels::gemm::matmul` (the routed
//!   backend), no graph, for every product of the MLP 784-512-512-10 b128 step and the 1024³
//!   workloads. Layouts as in `examples/gemm_probe.rs`: `NN`, `AT` (A stored transposed, the
//!   weight gradient `dyᵀ·x`), `BT` (B stored transposed, the forward `x·Wᵀ`). Throughput
//!   "elements" are the `2mkn` flops, so criterion's elements/s read as FLOP/s.
//! - `elementwise/tanh/4M`: `tanh(a * b + c).sum()` forward and backward to `a`, `b`, `c`, which
//!   are parameters (borrowed by the graph, not copied in). Gradients are not zeroed between
//!   iterations (they accumulate), so no fill is timed. Throughput: elements per operand.
//! - `adam/10M`: one Adam step over 100 parameters of 100,000 values. Throughput: 28 bytes per
//!   parameter value (torch_ref's accounting: read p, g, m, v, write p, m, v).
//! - `softmax_xent/4096x1000`: cross-entropy forward and backward to the logits. Throughput:
//!   logits.
//!
//! Run one with `cargo bench --bench kernels -- matmul/128x784x512`.

use std::hint::black_box;

use arenagrad::kernels::gemm::{matmul, Mat};
use arenagrad::kernels::Acc;
use arenagrad::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../examples/common/values.rs"]
mod values;
use values::values;

/// (m, k, n, layout) of the products.
const MATMUL: &[(usize, usize, usize, &str)] = &[
    (128, 784, 512, "BT"),
    (128, 512, 512, "BT"),
    (128, 512, 10, "BT"),
    (128, 512, 512, "NN"),
    (128, 10, 512, "NN"),
    (512, 128, 784, "AT"),
    (512, 128, 512, "AT"),
    (10, 128, 512, "AT"),
    (1024, 1024, 1024, "NN"),
    (1024, 1024, 1024, "AT"),
    (1024, 1024, 1024, "BT"),
];
/// (name, element count) of the element-wise workloads.
const ELEMENTWISE: &[(&str, usize)] = &[("4M", 1 << 22)];
/// (name, parameter count, values per parameter) of the Adam steps.
const ADAM: &[(&str, usize, usize)] = &[("10M", 100, 100_000)];
/// (rows, classes) of the cross-entropy workloads.
const SOFTMAX_XENT: &[(usize, usize)] = &[(4096, 1000)];

fn gemm(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    group.sample_size(20);
    for &(m, k, n, layout) in MATMUL {
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let (va, vb) = match layout {
            "NN" => (Mat::row_major(&a, m, k), Mat::row_major(&b, k, n)),
            "AT" => (Mat::row_major(&a, k, m).t(), Mat::row_major(&b, k, n)),
            _ => (Mat::row_major(&a, m, k), Mat::row_major(&b, n, k).t()),
        };
        let mut out = vec![0.0f32; m * n];
        group.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        group.bench_function(format!("{m}x{k}x{n}/{layout}"), |bench| {
            bench.iter(|| {
                matmul(black_box(va), black_box(vb), &mut out, Acc::Write);
                black_box(&out);
            })
        });
    }
    group.finish();
}

fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise");
    group.sample_size(10);
    for &(name, n) in ELEMENTWISE {
        let mut params = ParamStore::new();
        let [a, b, bias] = [1, 2, 3].map(|seed| {
            let t = Tensor::new(values(n, seed), &[n]).expect("length n");
            params.add(&format!("p{seed}"), t).expect("unique names")
        });
        let mut graph = Graph::new();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("tanh/{name}"), |bench| {
            bench.iter(|| {
                graph
                    .run_with(&mut params, |g| {
                        let y = (g.param(a) * g.param(b) + g.param(bias)).tanh().sum();
                        y.backward()?;
                        Ok(y.item())
                    })
                    .expect("fwd + bwd")
            })
        });
    }
    group.finish();
}

fn adam(c: &mut Criterion) {
    let mut group = c.benchmark_group("adam");
    group.sample_size(10);
    for &(name, count, per) in ADAM {
        let mut params = ParamStore::new();
        for i in 0..count {
            let p = params.add(&i.to_string(), Tensor::zeros(&[per]).expect("shape"));
            let p = p.expect("unique names");
            params.set_grad(p, &values(per, i as u32)).expect("length");
        }
        let config = AdamConfig {
            lr: 1e-3,
            ..Default::default()
        };
        let mut opt = Adam::new(&params, config).expect("valid config");
        group.throughput(Throughput::Bytes(28 * (count * per) as u64));
        group.bench_function(name, |bench| bench.iter(|| opt.step(&mut params)));
    }
    group.finish();
}

fn softmax_xent(c: &mut Criterion) {
    let mut group = c.benchmark_group("softmax_xent");
    group.sample_size(10);
    for &(rows, classes) in SOFTMAX_XENT {
        let mut params = ParamStore::new();
        let logits = Tensor::new(values(rows * classes, 1), &[rows, classes]).expect("shape");
        let logits = params.add("logits", logits).expect("name");
        let y: Vec<usize> = (0..rows).map(|i| (i * 7919) % classes).collect();
        let mut graph = Graph::new();
        group.throughput(Throughput::Elements((rows * classes) as u64));
        group.bench_function(format!("{rows}x{classes}"), |bench| {
            bench.iter(|| {
                graph
                    .run_with(&mut params, |g| {
                        g.param(logits).cross_entropy(&y)?.backward()
                    })
                    .expect("fwd + bwd")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, gemm, elementwise, adam, softmax_xent);
criterion_main!(benches);
