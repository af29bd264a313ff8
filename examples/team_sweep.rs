//! Where splitting an element-wise kernel over two threads starts to pay, with the kernels'
//! team (`kernels::par::team`): one call on `n` elements on the calling thread against the
//! same call cut in two pieces, back to back (the helper spinning between calls, as between
//! the kernels of a training step). Medians of 2,000 calls; `docs/perf.md` ("Grain sizes")
//! records a run.
//!
//! Run: `cargo run --release --example team_sweep` (on an otherwise idle machine).

use std::time::Instant;

use arenagrad::kernels::binary::{self, Binary};
use arenagrad::kernels::par::{for_chunks, Par};
use arenagrad::kernels::reduce::AxisLayout;
use arenagrad::kernels::rowwise::{softmax_with, ROWS};
use arenagrad::kernels::unary::{self, Unary};
use arenagrad::optim::adam::kernel::adam_with;
use arenagrad::optim::update::UPDATES;
use arenagrad::optim::AdamConfig;
use arenagrad::with_num_threads;

/// Median time of `f` in microseconds over `reps` calls.
fn median_us(reps: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..reps / 10 {
        f();
    }
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn main() {
    arenagrad::set_num_threads(2).unwrap();
    println!("| elements | add seq | add split | tanh seq | tanh split |");
    println!("|---|---|---|---|---|");
    for n in [2048usize, 4096, 8192, 16384, 32768, 65536, 131072] {
        let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut out = vec![0.0f32; n];
        let half = (n / 2).next_multiple_of(8);
        let mut row = vec![n.to_string()];
        let add = |o0: usize, o: &mut [f32]| {
            let (x, y) = (&a[o0..o0 + o.len()], &b[o0..o0 + o.len()]);
            binary::forward_same(Binary::Add, x, y, o)
        };
        let tanh = |o0: usize, o: &mut [f32]| unary::forward(Unary::Tanh, &a[o0..o0 + o.len()], o);
        for f in [&add as &(dyn Fn(usize, &mut [f32]) + Sync), &tanh] {
            let seq = with_num_threads(1, || median_us(2000, || for_chunks(&mut out, half, f)));
            let split = median_us(2000, || for_chunks(&mut out, half, f));
            row.push(format!("{:.2} µs", seq.unwrap()));
            row.push(format!("{split:.2} µs"));
        }
        println!("| {} |", row.join(" | "));
    }
    println!("\n| elements | softmax seq | softmax split | adam seq | adam split |");
    println!("|---|---|---|---|---|");
    for n in [8192usize, 16384, 32768, 65536, 131072, 262144] {
        let mut row = vec![n.to_string()];
        let rows = n / 1000;
        let x: Vec<f32> = (0..rows * 1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut y = vec![0.0f32; x.len()];
        let l = AxisLayout::new(&[rows, 1000], 1);
        for par in [
            Par::SEQ,
            Par {
                chunk: ROWS.chunk,
                grain: 0,
            },
        ] {
            let t = median_us(2000, || softmax_with(par, &x, l, &mut y));
            row.push(format!("{t:.2} µs"));
        }
        let g: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
        let (mut p, mut m, mut v) = (g.clone(), vec![0.0; n], vec![0.0; n]);
        let adam = AdamConfig::default();
        for par in [
            Par::SEQ,
            Par {
                chunk: UPDATES.chunk,
                grain: 0,
            },
        ] {
            let t = median_us(2000, || {
                adam_with(par, &mut p, &g, &mut m, &mut v, &mut [], &adam, 3)
            });
            row.push(format!("{t:.2} µs"));
        }
        println!("| {} |", row.join(" | "));
    }
}
