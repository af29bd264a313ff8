//! How much slower is an Adam step when its state is full of subnormal numbers?
//!
//! Times `optim::adam::kernel::adam` (the fused update every `Adam::step` runs) over 1M parameters
//! in three cases: normal values; moments `m`, `v` full of subnormals (what a long run with
//! vanishing gradients leaves, e.g. `v ≈ 1e-40`); subnormal gradients with normal moments.
//! Each timed step starts from the same buffers (copied in untimed), and the median of 31 steps
//! is reported. With `--flush` (x86-64) the steps run with FTZ/DAZ set on this thread, through
//! `kernels::denormals::set_flush_denormal`, as `torch.set_flush_denormal(True)` does.
//!
//! ```text
//! cargo run --release --example subnormal_adam [-- --flush]
//! ```

use std::time::Instant;

use arenagrad::kernels::denormals::set_flush_denormal;
use arenagrad::optim::adam::kernel::adam;
use arenagrad::optim::AdamConfig;

const N: usize = 1 << 20;
const REPS: usize = 31;

/// Median time (µs) of one Adam step from `p`, `g`, `m`, `v`.
fn time(p: &[f32], g: &[f32], m: &[f32], v: &[f32]) -> f64 {
    let config = AdamConfig::default();
    let (mut p2, mut m2, mut v2) = (p.to_vec(), m.to_vec(), v.to_vec());
    let mut times: Vec<f64> = (0..REPS)
        .map(|_| {
            p2.copy_from_slice(p);
            m2.copy_from_slice(m);
            v2.copy_from_slice(v);
            let t = Instant::now();
            adam(&mut p2, g, &mut m2, &mut v2, &mut [], &config, 1000);
            std::hint::black_box(&p2);
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[REPS / 2]
}

fn main() {
    let flush = std::env::args().any(|a| a == "--flush");
    if flush {
        let supported = set_flush_denormal(true);
        println!("FTZ/DAZ on this thread: {supported}");
    }
    let ramp = |scale: f32| {
        (0..N)
            .map(|i| scale * (1.0 + (i % 97) as f32 / 97.0))
            .collect::<Vec<f32>>()
    };
    let p = ramp(0.5);
    let normal = time(&p, &ramp(1e-3), &ramp(1e-4), &ramp(1e-7));
    // subnormal moments (below f32::MIN_POSITIVE ≈ 1.2e-38), normal gradients
    let sub_state = time(&p, &ramp(1e-3), &ramp(1e-39), &ramp(1e-40));
    // vanishing gradients: subnormal g and m, v that underflows
    let sub_all = time(&p, &ramp(1e-39), &ramp(1e-39), &ramp(1e-41));
    println!("Adam step over {N} parameters, median of {REPS} (µs):");
    println!("  normal state and gradients   {normal:9.0}");
    println!(
        "  subnormal m and v            {sub_state:9.0}  ({:.1}x)",
        sub_state / normal
    );
    println!(
        "  subnormal g, m and v         {sub_all:9.0}  ({:.1}x)",
        sub_all / normal
    );
}
