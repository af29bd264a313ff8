//! GEMM probe: GFLOP/s of each backend of `kernels::gemm` on every product the standard
//! workloads make (the MLP 784-512-512-10 b128 step's forward and backward, the 16-32-32-1 b8
//! step's, and the 1024³ products), so the routing in `src/kernels/gemm.rs` rests on numbers.
//!
//! Layouts, for `C = A·B` with `A: m×k`, `B: k×n`, `C: m×n` row-major: `NN` both operands
//! row-major; `AT` A stored `k×m` (a transposed view, as in `dW = dyᵀ·x`); `BT` B stored `n×k`
//! (as in the forward `x·Wᵀ` and `dA = dC·Bᵀ`); `ones` the stride-0 column/row of ones the
//! linear op uses for the bias (`1ₙ·b` has k = 1, `dyᵀ·1ₙ` has n = 1).
//!
//! Each backend runs in alternating rounds (so drift of a shared machine hits all alike); the
//! output is one JSON object per line with the median and best GFLOP/s over all timed calls,
//! then a table. Run:
//!
//! ```text
//! cargo run --release --example gemm_probe -- --threads 2 [--only 128x] [--rounds 7]
//! cargo run --release --features matrixmultiply --example gemm_probe -- --threads 2   # + matrixmultiply
//! MATMUL_NUM_THREADS=2 cargo run --release --features mm-threading --example gemm_probe -- --threads 2
//! ```
//! and PyTorch's side with `python3 scripts/gemm_probe_torch.py --threads 2` (same cases).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use arenagrad::kernels::gemm::{matmul, matmul_on, route, Backend, Mat};
use arenagrad::kernels::Acc;

#[path = "common/values.rs"]
mod values;
use values::values;

/// (m, k, n, layout, where the product comes from)
const CASES: &[(usize, usize, usize, &str, &str)] = &[
    (1024, 1024, 1024, "NN", "matmul_1024 fwd"),
    (1024, 1024, 1024, "BT", "matmul_1024 dA"),
    (1024, 1024, 1024, "AT", "matmul_1024 dB"),
    (128, 784, 512, "BT", "mlp784 fwd l1"),
    (128, 512, 512, "BT", "mlp784 fwd l2"),
    (128, 512, 10, "BT", "mlp784 fwd l3"),
    (128, 512, 512, "NN", "mlp784 dx l2"),
    (128, 10, 512, "NN", "mlp784 dx l3"),
    (512, 128, 784, "AT", "mlp784 dW l1"),
    (512, 128, 512, "AT", "mlp784 dW l2"),
    (10, 128, 512, "AT", "mlp784 dW l3"),
    (128, 1, 512, "ones", "mlp784 bias fwd"),
    (512, 128, 1, "ones", "mlp784 db"),
    (8, 16, 32, "BT", "mlp16 fwd l1"),
    (8, 32, 32, "BT", "mlp16 fwd l2"),
    (8, 32, 1, "BT", "mlp16 fwd l3"),
    (8, 32, 32, "NN", "mlp16 dx l2"),
    (32, 8, 16, "AT", "mlp16 dW l1"),
    (32, 8, 32, "AT", "mlp16 dW l2"),
    (8, 1, 32, "ones", "mlp16 bias fwd"),
];

static ONE: [f32; 1] = [1.0];

/// Counts heap allocations (all threads), to report what one call of each backend allocates.
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
// SAFETY: forwards to the system allocator unchanged; the counter is a relaxed atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(p, l) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

/// The views of one case: storage as the layout says.
fn views<'a>(
    m: usize,
    k: usize,
    n: usize,
    layout: &str,
    a: &'a [f32],
    b: &'a [f32],
) -> [Mat<'a>; 2] {
    let ones = |rows, cols| Mat {
        data: &ONE[..],
        rows,
        cols,
        rs: 0,
        cs: 0,
    };
    match layout {
        "NN" => [Mat::row_major(a, m, k), Mat::row_major(b, k, n)],
        "AT" => [Mat::row_major(a, k, m).t(), Mat::row_major(b, k, n)],
        "BT" => [Mat::row_major(a, m, k), Mat::row_major(b, n, k).t()],
        // 1ₘ·b (k = 1) or dyᵀ·1ₖ (n = 1)
        "ones" if k == 1 => [ones(m, 1), Mat::row_major(b, 1, n)],
        "ones" => [Mat::row_major(a, k, m).t(), ones(k, 1)],
        _ => panic!("layout {layout}"),
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = arg(&args, "--threads").map_or(1, |s| s.parse().expect("--threads N"));
    let rounds: usize = arg(&args, "--rounds").map_or(5, |s| s.parse().expect("--rounds N"));
    let only = arg(&args, "--only").unwrap_or_default();
    arenagrad::set_num_threads(threads).expect("--threads N with N >= 1");
    probe(&args, threads, rounds, &only)
}

fn probe(args: &[String], threads: usize, rounds: usize, only: &str) {
    #[cfg(feature = "matrixmultiply")]
    let mm_label = if cfg!(feature = "mm-threading") {
        format!(
            "matrixmultiply-mt{}",
            std::env::var("MATMUL_NUM_THREADS").unwrap_or("?".into())
        )
    } else {
        "matrixmultiply".into()
    };
    let mut backends = vec![(Backend::GemmSeq, "gemm-seq"), (Backend::Packed, "packed")];
    #[cfg(feature = "matrixmultiply")]
    backends.insert(0, (Backend::Matrixmultiply, mm_label.as_str()));
    if threads > 1 {
        backends.push((Backend::PackedCols, "packed-cols"));
        backends.push((Backend::GemmSplit, "gemm-split"));
        #[cfg(feature = "matrixmultiply")]
        backends.push((Backend::MatrixmultiplyCols, "mm-cols"));
    }
    // `--case MxKxN/LAYOUT` (repeatable) probes those products instead of the table
    let custom: Vec<(usize, usize, usize, String)> = args
        .windows(2)
        .filter(|w| w[0] == "--case")
        .map(|w| {
            let (dims, layout) = w[1].split_once('/').expect("--case MxKxN/LAYOUT");
            let d: Vec<usize> = dims
                .split('x')
                .map(|v| v.parse().expect("a size"))
                .collect();
            (d[0], d[1], d[2], layout.to_string())
        })
        .collect();
    let cases: Vec<(usize, usize, usize, String, &str)> = if custom.is_empty() {
        CASES
            .iter()
            .map(|&(m, k, n, l, w)| (m, k, n, l.to_string(), w))
            .collect()
    } else {
        custom
            .into_iter()
            .map(|(m, k, n, l)| (m, k, n, l, "--case"))
            .collect()
    };
    let mut table = vec![];
    for (m, k, n, layout, what) in cases {
        let layout = layout.as_str();
        let name = format!("{m}x{k}x{n}/{layout}");
        if !only.is_empty() && !only.split(',').any(|o| name.contains(o)) {
            continue;
        }
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let [va, vb] = views(m, k, n, layout, &a, &b);
        let mut c = vec![0.0f32; m * n];
        let flops = 2.0 * (m * k * n) as f64;
        let mut impls = backends.clone();
        impls.push((route(&va, &vb), "routed"));
        // about 20 ms of work per backend and round at 50 GFLOP/s, at least 3 calls
        let reps = ((1e9 / flops) as usize).clamp(3, 20_000);
        let mut times: Vec<Vec<f64>> = vec![vec![]; impls.len()];
        let mut allocs = vec![];
        for _ in 0..rounds {
            for (t, &(be, label)) in times.iter_mut().zip(&impls) {
                let call = |c: &mut [f32]| {
                    if label == "routed" {
                        matmul(black_box(va), black_box(vb), c, Acc::Write)
                    } else {
                        matmul_on(be, black_box(va), black_box(vb), c, Acc::Write)
                    }
                };
                call(&mut c);
                let before = ALLOCS.load(Ordering::Relaxed);
                call(&mut c);
                allocs.push(ALLOCS.load(Ordering::Relaxed) - before);
                for _ in 0..reps {
                    let s = Instant::now();
                    call(&mut c);
                    t.push(s.elapsed().as_secs_f64());
                    black_box(&c);
                }
            }
        }
        let mut row = vec![];
        for (i, (t, &(be, label))) in times.iter_mut().zip(&impls).enumerate() {
            let allocs = allocs[i];
            t.sort_by(f64::total_cmp);
            let (med, best) = (flops / t[t.len() / 2] / 1e9, flops / t[0] / 1e9);
            let label = if label == "routed" {
                format!("routed({be:?})")
            } else {
                label.into()
            };
            println!(
                "{{\"shape\":\"{name}\",\"what\":\"{what}\",\"impl\":\"{label}\",\"threads\":{threads},\"gflops_median\":{med:.2},\"gflops_best\":{best:.2},\"us_median\":{:.2},\"allocs_per_call\":{allocs}}}",
                t[t.len() / 2] * 1e6
            );
            row.push(format!("{label} {med:.1}"));
        }
        table.push(format!("{name:<20} {what:<16} {}", row.join(" | ")));
    }
    println!("\n# median GFLOP/s, {threads} thread(s), {rounds} rounds");
    for line in table {
        println!("{line}");
    }
}
