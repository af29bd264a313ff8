//! criterion sweep behind the rayon constants `kernels::rowwise::ROWS`, `optim::update::UPDATES`
//! and `optim::clip::kernel::CLIP` (docs/perf.md records its medians):
//!
//! - `grain/{rows,adam,clip}/{n}/{seq,split}`: one call on `n` elements on the calling thread
//!   (`seq`) or cut into rayon tasks of the family's `chunk` (`split`). The grain is the
//!   smallest `n` where `split` wins clearly.
//! - `chunk/{rows,adam}/{chunk}`: a large call (softmax of `[4096, 1000]`; Adam over 100
//!   parameters of 100,000 values, as `adam_10M_100t`) with tasks of `chunk` elements.
//!
//! Run: `cargo run --release --example grain_sweep -- --bench [FILTER]`.

use std::hint::black_box;
use std::time::Duration;

use arenagrad::kernels::par::Par;
use arenagrad::kernels::reduce::AxisLayout;
use arenagrad::kernels::rowwise::{softmax_with, ROWS};
use arenagrad::optim::adam::kernel::adam_with;
use arenagrad::optim::clip::kernel::{sum_squares_with_grain, CLIP};
use arenagrad::optim::update::UPDATES;
use arenagrad::optim::AdamConfig;
use criterion::{BenchmarkId, Criterion, Throughput};

#[path = "common/values.rs"]
mod values;
use values::values;

/// Adam's defaults, at step 3.
const ADAM: AdamConfig = AdamConfig {
    lr: 1e-3,
    betas: (0.9, 0.999),
    eps: 1e-8,
    weight_decay: 0.0,
    amsgrad: false,
    maximize: false,
    decoupled_weight_decay: false,
};
const STEP: u64 = 3;

/// Sequential, or split into the kernel family's tasks (its `chunk`, grain 0).
fn modes(family: Par) -> [(&'static str, Par); 2] {
    let split = Par {
        chunk: family.chunk,
        grain: 0,
    };
    [("seq", Par::SEQ), ("split", split)]
}

/// Element counts of the grain sweep.
const SIZES: [usize; 7] = [
    16 << 10,
    32 << 10,
    64 << 10,
    128 << 10,
    256 << 10,
    512 << 10,
    1 << 20,
];

fn grain(c: &mut Criterion) {
    let mut group = c.benchmark_group("grain");
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        // rows of 1000 (the chunk is rounded to whole rows)
        let rows = n / 1000;
        if rows >= 2 {
            let x = values(rows * 1000, 1);
            let mut y = vec![0.0; x.len()];
            let l = AxisLayout::new(&[rows, 1000], 1);
            for (name, par) in modes(ROWS) {
                group.bench_function(BenchmarkId::new(format!("rows/{name}"), n), |b| {
                    b.iter(|| softmax_with(par, black_box(&x), l, &mut y))
                });
            }
        }
        let g = values(n, 2);
        let (mut p, mut m, mut v) = (values(n, 3), vec![0.0; n], vec![0.0; n]);
        for (name, par) in modes(UPDATES) {
            group.bench_function(BenchmarkId::new(format!("adam/{name}"), n), |b| {
                b.iter(|| {
                    let g = black_box(&g);
                    adam_with(par, &mut p, g, &mut m, &mut v, &mut [], &ADAM, STEP)
                })
            });
        }
        for (name, par) in modes(CLIP) {
            group.bench_function(BenchmarkId::new(format!("clip/{name}"), n), |b| {
                b.iter(|| sum_squares_with_grain(black_box(&g), par.grain))
            });
        }
    }
    group.finish();
}

fn chunk(c: &mut Criterion) {
    let mut group = c.benchmark_group("chunk");
    let (rows, cols) = (4096, 1000);
    let x = values(rows * cols, 1);
    let mut y = vec![0.0; x.len()];
    let l = AxisLayout::new(&[rows, cols], 1);
    group.throughput(Throughput::Elements(x.len() as u64));
    for chunk in [
        2 << 10,
        4 << 10,
        8 << 10,
        16 << 10,
        32 << 10,
        128 << 10,
        512 << 10,
    ] {
        let par = Par { chunk, grain: 0 };
        group.bench_function(BenchmarkId::new("rows", chunk), |b| {
            b.iter(|| softmax_with(par, black_box(&x), l, &mut y))
        });
    }
    let (tensors, per) = (100, 100_000);
    let g = values(tensors * per, 2);
    let (mut p, mut m, mut v) = (vec![0.0; g.len()], vec![0.0; g.len()], vec![0.0; g.len()]);
    group.throughput(Throughput::Bytes(28 * g.len() as u64));
    for chunk in [
        2 << 10,
        4 << 10,
        8 << 10,
        16 << 10,
        32 << 10,
        64 << 10,
        1 << 30,
    ] {
        let par = Par { chunk, grain: 0 };
        group.bench_function(BenchmarkId::new("adam", chunk), |b| {
            b.iter(|| {
                let bufs = p
                    .chunks_mut(per)
                    .zip(m.chunks_mut(per))
                    .zip(v.chunks_mut(per));
                for (((p, m), v), g) in bufs.zip(g.chunks(per)) {
                    adam_with(par, p, g, m, v, &mut [], &ADAM, STEP);
                }
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    grain(&mut c);
    chunk(&mut c);
    c.final_summary();
}
