//! criterion benches of the row-wise, loss and optimizer kernels (the `simd-row` work of issue 4),
//! named as the workloads of `/work/shared/bench/torch_ref.py` where one exists:
//!
//! - `xent/4096x1000/fwd_bwd`: `F.cross_entropy(logits, y).backward()` through the graph, the
//!   logits a parameter of a `ParamStore` (borrowed by the graph, not copied in): PyTorch's
//!   `softmax_xent_4096x1000`. `xent/4096x1000/kernels`: the forward and backward kernels
//!   alone (no graph, no `zero_grad` fill, the gradient written into a reused buffer).
//! - `softmax/4096x1000/{fwd,bwd}`, `layer_norm/4096x1024/{fwd,bwd_x}`: the kernels alone.
//! - `adam/10M_100t`: one Adam step over 100 parameters of 100,000 values (PyTorch's
//!   `adam_10M_100t_*`); throughput in bytes (28 per value: g read, p/m/v read and written).
//! - `triad/16M`: STREAM triad `a = b + 3c` on 2^24 floats with rayon over fixed chunks of 64K,
//!   the bandwidth the Adam step is held to; 12 bytes per element as STREAM counts them.
//! - `clip/10M`: the global L2 norm's `Σ x²` over 10M values.
//!
//! An example rather than a `benches/` target so it needs no `Cargo.toml` entry. Run:
//! `cargo run --release --example rowwise_bench -- [FILTER]` (criterion's options apply, e.g.
//! `--sample-size 40`).

use std::hint::black_box;
use std::time::Duration;

use arenagrad::kernels::loss::{
    cross_entropy_backward, cross_entropy_fused, cross_entropy_rows, Upstream, Xent, STATS,
};
use arenagrad::kernels::reduce::AxisLayout;
use arenagrad::kernels::rowwise::{layer_norm, layer_norm_backward_x, softmax, softmax_backward};
use arenagrad::kernels::Acc;
use arenagrad::optim::clip::kernel::sum_squares;
use arenagrad::optim::{Adam, AdamConfig};
use arenagrad::prelude::*;
use criterion::{Criterion, Throughput};
use rayon::prelude::*;

#[path = "common/values.rs"]
mod values;
use values::values;

fn xent(c: &mut Criterion) {
    let (n, k) = (4096, 1000);
    let mut params = ParamStore::new();
    let logits: Vec<f32> = values(n * k, 1).iter().map(|v| 3.0 * v).collect();
    let x = params
        .add("x", Tensor::new(logits, &[n, k]).unwrap())
        .unwrap();
    let targets: Vec<usize> = (0..n).map(|i| (i * 7919) % k).collect();
    let mut graph = Graph::new();
    let mut group = c.benchmark_group("xent");
    group.throughput(Throughput::Elements((n * k) as u64));
    group.bench_function("4096x1000/fwd_bwd", |b| {
        b.iter(|| {
            params.zero_grad();
            graph
                .run_with(&mut params, |g| {
                    let loss = g.param(x).cross_entropy(&targets)?;
                    loss.backward()?;
                    Ok(loss.item())
                })
                .unwrap()
        })
    });
    // the kernels alone: forward, then backward writing a preallocated buffer; and the two
    // in one pass
    let logits = values(n * k, 1);
    let (mut stats, mut loss) = (vec![0.0; STATS * n], vec![0.0; n]);
    let mut grad = vec![0.0; n * k];
    let p = Xent {
        logits: &logits,
        c: k,
        targets: &targets,
        ignore: None,
        eps: 0.0,
    };
    let up = Upstream::All(1.0 / n as f32);
    group.bench_function("4096x1000/kernels", |b| {
        b.iter(|| {
            cross_entropy_rows(black_box(p), &mut stats, &mut loss);
            cross_entropy_backward(p, &stats, up, &mut grad, Acc::Write);
        })
    });
    group.bench_function("4096x1000/fused", |b| {
        b.iter(|| {
            cross_entropy_fused(
                black_box(p),
                up,
                &mut stats,
                &mut loss,
                &mut grad,
                Acc::Write,
            )
        })
    });
    group.finish();
}

fn rowwise(c: &mut Criterion) {
    let (n, k) = (4096, 1000);
    let x = values(n * k, 2);
    let gy = values(n * k, 3);
    let l = AxisLayout::new(&[n, k], 1);
    let mut y = vec![0.0; n * k];
    let mut dx = vec![0.0; n * k];
    let mut group = c.benchmark_group("softmax");
    group.throughput(Throughput::Elements((n * k) as u64));
    group.bench_function("4096x1000/fwd", |b| {
        b.iter(|| softmax(black_box(&x), l, &mut y))
    });
    group.bench_function("4096x1000/bwd", |b| {
        b.iter(|| softmax_backward(black_box(&y), &gy, l, &mut dx, Acc::Write))
    });
    group.finish();

    let d = 1024;
    let x = values(n * d, 4);
    let g = values(n * d, 5);
    let (w, bias) = (values(d, 6), values(d, 7));
    let (mut y, mut dx) = (vec![0.0; n * d], vec![0.0; n * d]);
    let (mut mean, mut rstd) = (vec![0.0; n], vec![0.0; n]);
    let mut group = c.benchmark_group("layer_norm");
    group.throughput(Throughput::Elements((n * d) as u64));
    group.bench_function("4096x1024/fwd", |b| {
        b.iter(|| {
            let (w, bias) = (Some(&w[..]), Some(&bias[..]));
            layer_norm(
                black_box(&x),
                d,
                w,
                bias,
                1e-5,
                &mut y,
                &mut mean,
                &mut rstd,
            )
        })
    });
    group.bench_function("4096x1024/bwd_x", |b| {
        b.iter(|| {
            let w = Some(&w[..]);
            layer_norm_backward_x(black_box(&x), &g, w, &mean, &rstd, d, &mut dx, Acc::Write)
        })
    });
    group.finish();
}

fn adam(c: &mut Criterion) {
    let (total, tensors) = (10_000_000, 100);
    let per = total / tensors;
    let mut params = ParamStore::new();
    let ps: Vec<Param> = (0..tensors)
        .map(|i| {
            params
                .add(&format!("p{i}"), Tensor::zeros(&[per]).unwrap())
                .unwrap()
        })
        .collect();
    for (i, &p) in ps.iter().enumerate() {
        params.set_grad(p, &values(per, 10 + i as u32)).unwrap();
    }
    let mut opt = Adam::new(&params, AdamConfig::default()).unwrap();
    let mut group = c.benchmark_group("adam");
    group.throughput(Throughput::Bytes(28 * total as u64));
    group.bench_function("10M_100t", |b| b.iter(|| opt.step(&mut params)));
    group.finish();
}

/// Elements per rayon task of the triad (fixed, as in the kernels).
const TRIAD_CHUNK: usize = 1 << 16;

fn triad(c: &mut Criterion) {
    let n = 1 << 24;
    let (bv, cv) = (values(n, 8), values(n, 9));
    let mut a = vec![0.0f32; n];
    let mut group = c.benchmark_group("triad");
    group.throughput(Throughput::Bytes(12 * n as u64));
    group.bench_function("16M", |bench| {
        bench.iter(|| {
            a.par_chunks_mut(TRIAD_CHUNK)
                .zip(bv.par_chunks(TRIAD_CHUNK))
                .zip(cv.par_chunks(TRIAD_CHUNK))
                .for_each(|((a, b), c)| {
                    for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
                        *a = b + 3.0 * c;
                    }
                })
        })
    });
    group.finish();

    let x = values(10_000_000, 11);
    let mut group = c.benchmark_group("clip");
    group.throughput(Throughput::Bytes(4 * x.len() as u64));
    group.bench_function("10M", |b| b.iter(|| sum_squares(black_box(&x))));
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    xent(&mut c);
    rowwise(&mut c);
    adam(&mut c);
    triad(&mut c);
    c.final_summary();
}
