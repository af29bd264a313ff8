//! Kernel benches: one group per workload family, shapes in `const` tables.
//!
//! - `elementwise/tanh/{size}`: `tanh(a * b + c).sum()` forward and backward through the graph,
//!   to `a`, `b` and `c` (the `elementwise_4M` workload of `examples/bench_suite.rs`, without the
//!   JSON). The three operands are parameters of a `ParamStore`, so the graph borrows them instead
//!   of copying them in: what is timed is the ops and backward, not input copies. Gradients are
//!   not zeroed between iterations (they just accumulate), so no extra fill is timed either.
//!   Throughput: elements per operand.
//! - `matmul/{n}`: `C = A · B` for square row-major `n × n` operands through
//!   `kernels::gemm::matmul`, no graph. Throughput "elements" are the `2n³` flops, so criterion's
//!   elements per second read as FLOP/s.
//!
//! Run one with `cargo bench --bench kernels -- matmul/256`. These numbers are for comparing
//! kernel versions on one machine in one sitting; comparisons with PyTorch live in
//! `examples/bench_suite.rs`.

use std::hint::black_box;

use arenagrad::graph::Acc;
use arenagrad::kernels::gemm::{matmul, Mat};
use arenagrad::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// (name, element count) of the element-wise workloads.
const ELEMENTWISE: &[(&str, usize)] = &[("4M", 1 << 22)];
/// Side lengths of the square matrix products.
const MATMUL: &[usize] = &[256];

/// Deterministic values in [-1, 1), different per `seed`.
fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
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

fn gemm(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    for &n in MATMUL {
        let (a, b) = (values(n * n, 1), values(n * n, 2));
        let mut out = vec![0.0f32; n * n];
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        group.bench_function(n.to_string(), |bench| {
            bench.iter(|| {
                matmul(
                    Mat::row_major(black_box(&a), n, n),
                    Mat::row_major(black_box(&b), n, n),
                    &mut out,
                    Acc::Write,
                );
                black_box(&out);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, elementwise, gemm);
criterion_main!(benches);
