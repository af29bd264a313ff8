//! Attention benches: the fused scaled dot-product attention, forward and forward + backward,
//! through the public `Var` API and through the kernel alone.
//!
//! - `attention/{shape}/fwd`: `q.try_scaled_dot_product_attention(k, v, None, causal, None)`
//!   in a graph, `q`, `k` and `v` parameters (borrowed by the graph, not copied in): the op's
//!   forward with its arena allocation.
//! - `attention/{shape}/fwd_bwd`: the same, then backward from a fixed output gradient
//!   (`Backward::gradient`, built once): `dq`, `dk` and `dv`. Gradients accumulate across
//!   iterations (no `zero_grad`), so no fill is timed.
//! - `attention/{shape}/kernel/{fwd,fwd_bwd}`: `kernels::attention::forward`, then `backward`
//!   (which adds into `dq`, `dk`, `dv`), on slices (no graph).
//!
//! Shapes `[B, H, T, E]`, self-attention (`L = S = T`, `Ev = E`): `causal_b8_h4_t256_e32`, the
//! `attention_causal_b8_h4_t256_e32` workload of `examples/bench_suite.rs`;
//! `causal_b12_h4_t64_e32`, one attention of `gpt_char_4l_128d_t64_b12_adamw` (128 wide, 4
//! heads, context 64, batch 12); `full_b8_h4_t256_e32`, the first without a mask. Throughput
//! "elements" are flops over the scores a query may attend to (`T(T+1)/2` per pair causal,
//! `T²` full): `2·(E + Ev)` each forward (`Q·Kᵀ`, `P·V`), `2·(4E + 3Ev)` forward + backward
//! (backward recomputes `Q·Kᵀ`, then `dV`, `dP`, `dQ`, `dK`), so elements/s read as FLOP/s.
//! Called from the bench's thread, outside rayon's pool, as a plain program calls them.
//!
//! Run one with `cargo bench --bench attention -- attention/causal_b12_h4_t64_e32`.

use std::hint::black_box;
use std::time::Duration;

use arenagrad::kernels::attention::{backward, forward, Dims, Mask};
use arenagrad::kernels::Acc;
use arenagrad::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../examples/common/values.rs"]
mod values;
use values::values;

/// A self-attention call on `[batch, heads, t, e]`.
struct Shape {
    name: &'static str,
    /// `[B, H, T, E]`.
    dims: [usize; 4],
    causal: bool,
}

const ATTENTION: &[Shape] = &[
    Shape {
        name: "causal_b8_h4_t256_e32",
        dims: [8, 4, 256, 32],
        causal: true,
    },
    Shape {
        name: "causal_b12_h4_t64_e32",
        dims: [12, 4, 64, 32],
        causal: true,
    },
    Shape {
        name: "full_b8_h4_t256_e32",
        dims: [8, 4, 256, 32],
        causal: false,
    },
];

impl Shape {
    fn kernel_dims(&self) -> Dims {
        let [b, h, t, e] = self.dims;
        Dims {
            pairs: b * h,
            l: t,
            s: t,
            e,
            ev: e,
        }
    }

    fn mask(&self) -> Mask<'static> {
        if self.causal {
            Mask::Causal
        } else {
            Mask::None
        }
    }

    /// Scores that take part in a softmax, over all pairs.
    fn scores(&self) -> u64 {
        let [b, h, t, _] = self.dims.map(|d| d as u64);
        b * h * if self.causal { t * (t + 1) / 2 } else { t * t }
    }
}

fn attention(c: &mut Criterion) {
    let mut group = c.benchmark_group("attention");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for shape in ATTENTION {
        let d = shape.kernel_dims();
        let (e, n, rows) = (d.e as u64, d.pairs * d.l * d.e, d.pairs * d.l);
        let (fwd_flops, fwd_bwd_flops) = (2 * 2 * e * shape.scores(), 2 * 7 * e * shape.scores());
        let (qs, ks, vs, dos) = (values(n, 1), values(n, 2), values(n, 3), values(n, 4));
        let tensor = |v: &[f32]| Tensor::new(v.to_vec(), &shape.dims).expect("shape");
        let mut params = ParamStore::new();
        let [q, k, v] = [("q", &qs), ("k", &ks), ("v", &vs)]
            .map(|(name, xs)| params.add(name, tensor(xs)).expect("name"));
        let seed = Backward::gradient(tensor(&dos));
        let mut graph = Graph::new();
        let mut run = |backward: bool| {
            graph
                .run_with(&mut params, |g| {
                    let y = g.param(q).try_scaled_dot_product_attention(
                        g.param(k),
                        g.param(v),
                        None,
                        shape.causal,
                        None,
                    )?;
                    if backward {
                        y.backward_with(&seed)?;
                    }
                    Ok(black_box(y.data()[0]))
                })
                .expect("attention")
        };
        group.throughput(Throughput::Elements(fwd_flops));
        group.bench_function(format!("{}/fwd", shape.name), |bench| {
            bench.iter(|| run(false))
        });
        group.throughput(Throughput::Elements(fwd_bwd_flops));
        group.bench_function(format!("{}/fwd_bwd", shape.name), |bench| {
            bench.iter(|| run(true))
        });

        let (mask, scale) = (shape.mask(), 1.0 / (d.e as f32).sqrt());
        let (mut out, mut lse) = (vec![0.0; n], vec![0.0; rows]);
        let (mut dq, mut dk, mut dv) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        group.throughput(Throughput::Elements(fwd_flops));
        group.bench_function(format!("{}/kernel/fwd", shape.name), |bench| {
            bench.iter(|| forward(black_box(&qs), &ks, &vs, d, mask, scale, &mut out, &mut lse))
        });
        group.throughput(Throughput::Elements(fwd_bwd_flops));
        group.bench_function(format!("{}/kernel/fwd_bwd", shape.name), |bench| {
            bench.iter(|| {
                forward(black_box(&qs), &ks, &vs, d, mask, scale, &mut out, &mut lse);
                backward(
                    &qs,
                    &ks,
                    &vs,
                    &out,
                    &lse,
                    &dos,
                    d,
                    mask,
                    scale,
                    &mut dq,
                    &mut dk,
                    &mut dv,
                    [Acc::Write; 3],
                );
            })
        });
    }
    group.finish();
}

criterion_group!(benches, attention);
criterion_main!(benches);
