//! Convolution benches: `conv2d` forward, and forward + backward, on the layers the CNN
//! workloads of `examples/bench_suite.rs` spend their time in, through the public `Var` API
//! and through the kernels alone.
//!
//! - `conv2d/{layer}/fwd`: `x.try_conv2d(w, b, ..)` in a graph, `x`, `w` and `b` parameters
//!   (borrowed by the graph, not copied in): the op's forward with its arena allocation.
//! - `conv2d/{layer}/fwd_bwd`: the same, then backward from a fixed output gradient
//!   (`Backward::gradient`, built once): `dx`, `dW` and `db`. Gradients accumulate across
//!   iterations (no `zero_grad`), so no fill is timed.
//! - `conv2d/{layer}/kernel/{fwd,dx,dw}`: `kernels::conv::forward`, `backward_input` and
//!   `backward_weight` alone on slices (im2col / col2im and the GEMMs, no graph).
//!
//! Layers: `lenet_conv2_b64`, the second convolution of `cnn_lenet_28x28_b64_adam` (input
//! 64×16×14×14, 32 out, 5×5, padding 2, bias); `3x3_32to32_32x32_b32`, the middle convolution
//! of `cnn_bn_32x32_b32_sgd` (input 32×32×32×32, 32 out, 3×3, padding 1, no bias). Throughput
//! "elements" are flops (`2·macs` per pass, three passes for `fwd_bwd`), so criterion's
//! elements/s read as FLOP/s. Called from the bench's thread, outside rayon's pool, as a plain
//! program calls them.
//!
//! Run one with `cargo bench --bench conv -- conv2d/lenet_conv2_b64`.

use std::hint::black_box;

use arenagrad::kernels::conv::{backward_input, backward_weight, forward, Conv};
use arenagrad::kernels::Acc;
use arenagrad::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../examples/common/values.rs"]
mod values;
use values::values;

/// A 2-d convolution layer with a square kernel, stride 1 and one group.
struct Layer {
    name: &'static str,
    /// `[N, C, H, W]`.
    input: [usize; 4],
    out_channels: usize,
    kernel: usize,
    padding: usize,
    bias: bool,
}

const CONV2D: &[Layer] = &[
    Layer {
        name: "lenet_conv2_b64",
        input: [64, 16, 14, 14],
        out_channels: 32,
        kernel: 5,
        padding: 2,
        bias: true,
    },
    Layer {
        name: "3x3_32to32_32x32_b32",
        input: [32, 32, 32, 32],
        out_channels: 32,
        kernel: 3,
        padding: 1,
        bias: false,
    },
];

impl Layer {
    fn geometry(&self) -> Conv {
        let ([n, c, h, w], (k, p)) = (self.input, (self.kernel, self.padding));
        let (o, one) = (self.out_channels, [1, 1]);
        Conv::new(n, c, o, [h, w], [k, k], one, [p, p], one, 1).expect("a valid layer")
    }
}

fn conv2d(c: &mut Criterion) {
    let mut group = c.benchmark_group("conv2d");
    group.sample_size(10);
    for layer in CONV2D {
        let geom = layer.geometry();
        let ([x_len, w_len, y_len], flops) = (geom.lens(), 2 * geom.macs() as u64);
        let (o, k) = (layer.out_channels, layer.kernel);
        let (xs, ws, bs, dys) = (
            values(x_len, 1),
            values(w_len, 2),
            values(o, 3),
            values(y_len, 4),
        );
        let y_shape = [geom.batch, o, geom.out_size[0], geom.out_size[1]];
        let tensor = |v: &[f32], shape: &[usize]| Tensor::new(v.to_vec(), shape).expect("shape");
        let mut params = ParamStore::new();
        let x = params.add("x", tensor(&xs, &layer.input)).expect("name");
        let w = params
            .add("w", tensor(&ws, &[o, layer.input[1], k, k]))
            .expect("name");
        let b = layer
            .bias
            .then(|| params.add("b", tensor(&bs, &[o])).expect("name"));
        let options = Conv2dOptions::default().padding([layer.padding; 2]);
        let seed = Backward::gradient(tensor(&dys, &y_shape));
        let mut graph = Graph::new();
        let mut run = |backward: bool| {
            graph
                .run_with(&mut params, |g| {
                    let b = b.map(|b| g.param(b));
                    let y = g.param(x).try_conv2d(g.param(w), b, options)?;
                    if backward {
                        y.backward_with(&seed)?;
                    }
                    Ok(black_box(y.data()[0]))
                })
                .expect("conv2d")
        };
        group.throughput(Throughput::Elements(flops));
        group.bench_function(format!("{}/fwd", layer.name), |bench| {
            bench.iter(|| run(false))
        });
        group.throughput(Throughput::Elements(3 * flops));
        group.bench_function(format!("{}/fwd_bwd", layer.name), |bench| {
            bench.iter(|| run(true))
        });

        let bias = layer.bias.then_some(&bs[..]);
        let (mut y, mut dx, mut dw) = (vec![0.0; y_len], vec![0.0; x_len], vec![0.0; w_len]);
        group.throughput(Throughput::Elements(flops));
        group.bench_function(format!("{}/kernel/fwd", layer.name), |bench| {
            bench.iter(|| forward(&geom, black_box(&xs), &ws, bias, &mut y, Acc::Write))
        });
        group.bench_function(format!("{}/kernel/dx", layer.name), |bench| {
            bench.iter(|| backward_input(&geom, &ws, black_box(&dys), &mut dx, Acc::Write))
        });
        group.bench_function(format!("{}/kernel/dw", layer.name), |bench| {
            bench.iter(|| backward_weight(&geom, black_box(&xs), &dys, &mut dw, Acc::Write))
        });
    }
    group.finish();
}

criterion_group!(benches, conv2d);
criterion_main!(benches);
