//! The standard workloads of `../shared/bench/torch_ref.py`, in arenagrad: same names, same
//! repetitions and warm-up, same JSON lines (`{"workload", "impl", "threads", "median_ms",
//! "min_ms", ...extra metrics}`), so a comparison is two commands run back to back:
//!
//! ```text
//! cargo run --release --example bench_suite -- --threads 2 [--only mlp,scalar] [--quick] [--reps N]
//! python3 torch_ref.py --threads 2 [--only mlp,scalar] [--quick]
//! ```
//!
//! `--threads N` sets the kernels' thread count (`arenagrad::set_num_threads`; default one
//! thread per core, as torch's default is) and sizes rayon's pool for `stream_triad`; `--only a,b` keeps the workloads whose name contains one of the
//! substrings; `--quick` cuts repetitions to `max(3, reps / 5)` and warm-up to
//! `max(1, warmup / 2)`, as torch_ref does; `--reps N` sets every workload's repetitions (for
//! profiling under `perf`, not for comparisons). torch_ref times Adam three ways
//! (`adam_10M_100t_{fused,foreach,loop}`); arenagrad has one (`adam_10M_100t`).
//!
//! Extra metrics on the MLP workloads, in MiB: `arena_peak_mb` (the graph arena's capacity
//! after the steps: every node and saved buffer of a step), `flat_mb` (parameters, gradients
//! and optimizer state in the flat buffers) and `peak_rss_mb` (the process's `VmHWM`, reset
//! before the workload is set up). Every line also names the SIMD level of the build.
//!
//! What is timed mirrors torch_ref. The MLP and CNN steps include `zero_grad`. Where torch_ref resets
//! gradients with `x.grad = None` between runs (free; torch then allocates fresh gradient
//! buffers inside backward), the twin here calls `ParamStore::zero_grad` untimed before each
//! run (a fill of the flat gradient buffer, after which backward *writes* the gradients) and
//! reports that fill's median separately as `zero_grad_ms`, so nothing is hidden.

#[path = "bench_suite/cnn.rs"]
mod cnn;
#[path = "bench_suite/gpt.rs"]
mod gpt;
#[path = "bench_suite/harness.rs"]
mod harness;
#[path = "bench_suite/penalty.rs"]
mod penalty;

use arenagrad::kernels::gemm::{matmul, Mat};
use arenagrad::kernels::Acc;
use arenagrad::prelude::*;
use harness::{median_ms, peak_rss_mb, reset_peak_rss, time, timeit, Metrics, MIB};
use rayon::prelude::*;

type Workload = fn(&str, usize, usize) -> Metrics;

/// (name, reps, warm-up, workload), in torch_ref's order.
const WORKLOADS: &[(&str, usize, usize, Workload)] = &[
    ("mlp_784_512_512_10_b128_adam", 30, 5, mlp),
    ("mlp_16_32_32_1_b8_sgd", 2000, 200, mlp),
    ("scalar_graph_30k", 5, 1, scalar_graph),
    ("elementwise_4M", 20, 3, graph_of_params),
    ("matmul_1024_fwd", 20, 3, matmul_fwd),
    ("matmul_1024_fwd_bwd", 10, 2, graph_of_params),
    ("adam_10M_100t", 20, 3, adam),
    ("softmax_xent_4096x1000", 20, 3, graph_of_params),
    ("stream_triad_16M", 30, 5, stream_triad),
    ("cnn_lenet_28x28_b64_adam", 20, 3, cnn::cnn),
    ("cnn_bn_32x32_b32_sgd", 10, 2, cnn::cnn),
    ("gpt_char_4l_128d_t64_b12_adamw", 20, 3, gpt::gpt),
    ("attention_causal_b8_h4_t256_e32", 20, 3, gpt::attention),
    (
        "grad_penalty_mlp_256_b64_adam",
        50,
        5,
        penalty::grad_penalty,
    ),
];

fn normal(rng: &mut Rng, shape: &[usize]) -> Tensor {
    rng.normal_tensor(shape, 0.0, 1.0)
}

fn adam_lr(params: &ParamStore, lr: f32) -> Adam {
    Adam::new(
        params,
        AdamConfig {
            lr,
            ..Default::default()
        },
    )
    .expect("valid config")
}

/// One training step as torch_ref's `mlp_step`: zero_grad, forward, loss, backward, step.
fn mlp(name: &str, reps: usize, warmup: usize) -> Metrics {
    reset_peak_rss();
    let adam = name.ends_with("adam");
    let (batch, dims): (usize, &[usize]) = if adam {
        (128, &[784, 512, 512, 10])
    } else {
        (8, &[16, 32, 32, 1])
    };
    let mut rng = Rng::seed(0);
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, dims, &mut rng).expect("sizes");
    let x = normal(&mut rng, &[batch, dims[0]]);
    let classes: Vec<usize> = (0..batch).map(|_| (rng.next_u64() % 10) as usize).collect();
    let y = normal(&mut rng, &[batch, 1]);
    let mut opt: Box<dyn Optimizer> = if adam {
        Box::new(adam_lr(&params, 1e-3))
    } else {
        let config = SgdConfig {
            lr: 1e-2,
            ..Default::default()
        };
        Box::new(Sgd::new(&params, config).expect("valid config"))
    };
    let mut graph = Graph::new();
    let mut m = time(reps, warmup, || {
        params.zero_grad();
        graph
            .run_with(&mut params, |g| {
                let out = model.forward(g, g.input(&x))?;
                let loss = if adam {
                    out.cross_entropy(&classes)?
                } else {
                    out.mse_loss(g.input(&y))?
                };
                loss.backward()
            })
            .expect("step");
        opt.step(&mut params);
    });
    let buffers = if adam { 4.0 } else { 2.0 }; // data + grad (+ Adam's m and v)
    m.push(("arena_peak_mb", graph.arena_capacity() as f64 / MIB));
    m.push(("flat_mb", buffers * 4.0 * params.num_values() as f64 / MIB));
    m.extend(peak_rss_mb().map(|v| ("peak_rss_mb", v)));
    m
}

/// 0-d tensors: `h = tanh(h * w + x)` 10,000 times (30,000 nodes), then backward; the graph
/// (its arena) is reused across runs, the leaves are made inside each run as torch_ref does.
fn scalar_graph(_: &str, reps: usize, warmup: usize) -> Metrics {
    let mut graph = Graph::new();
    let mut m = time(reps, warmup, || {
        graph
            .run(|g| {
                let (x, w) = (g.leaf(Tensor::scalar(0.5)), g.leaf(Tensor::scalar(0.9)));
                let mut h = x;
                for _ in 0..30_000 / 3 {
                    h = (h * w + x).tanh();
                }
                h.backward()
            })
            .expect("scalar graph")
    });
    m.push(("ns_per_node", median_ms(&m) * 1e6 / 30_000.0));
    m
}

/// The workloads whose operands are persistent tensors that require grad (parameters here):
/// `elementwise_4M`, `matmul_1024_fwd_bwd`, `softmax_xent_4096x1000`.
fn graph_of_params(name: &str, reps: usize, warmup: usize) -> Metrics {
    let shapes: &[&[usize]] = match name {
        "elementwise_4M" => &[&[1 << 22], &[1 << 22], &[1 << 22]],
        "matmul_1024_fwd_bwd" => &[&[1024, 1024], &[1024, 1024]],
        _ => &[&[4096, 1000]],
    };
    let mut rng = Rng::seed(0);
    let mut params = ParamStore::new();
    let p: Vec<Param> = (0..shapes.len())
        .map(|i| {
            params
                .add(&i.to_string(), normal(&mut rng, shapes[i]))
                .expect("unique")
        })
        .collect();
    let y: Vec<usize> = (0..4096)
        .map(|_| (rng.next_u64() % 1000) as usize)
        .collect();
    let fill = median_ms(&time(10, 1, || params.zero_grad()));
    let params = std::cell::RefCell::new(params);
    let mut graph = Graph::new();
    let mut m = timeit(
        reps,
        warmup,
        || params.borrow_mut().zero_grad(),
        || {
            graph
                .run_with(&mut params.borrow_mut(), |g| {
                    let v: Vec<Var> = p.iter().map(|&p| g.param(p)).collect();
                    match name {
                        "elementwise_4M" => (v[0] * v[1] + v[2]).tanh().sum().backward(),
                        "matmul_1024_fwd_bwd" => v[0].matmul(v[1]).sum().backward(),
                        _ => v[0].cross_entropy(&y)?.backward(),
                    }
                })
                .expect("forward + backward")
        },
    );
    if name.starts_with("matmul") {
        m.push((
            "gflops",
            6.0 * 1024f64.powi(3) / (median_ms(&m) * 1e-3) / 1e9,
        ));
    }
    m.push(("zero_grad_ms", fill));
    m
}

/// `a @ b` for 1024×1024 operands, no graph: the routed GEMM alone.
fn matmul_fwd(_: &str, reps: usize, warmup: usize) -> Metrics {
    let mut rng = Rng::seed(0);
    let (a, b) = (
        normal(&mut rng, &[1024, 1024]),
        normal(&mut rng, &[1024, 1024]),
    );
    let mut c = vec![0.0f32; 1024 * 1024];
    let (va, vb) = (
        Mat::row_major(a.data(), 1024, 1024),
        Mat::row_major(b.data(), 1024, 1024),
    );
    let mut m = time(reps, warmup, || matmul(va, vb, &mut c, Acc::Write));
    m.push((
        "gflops",
        2.0 * 1024f64.powi(3) / (median_ms(&m) * 1e-3) / 1e9,
    ));
    m
}

/// One Adam step over 100 parameters of 100,000 values, gradients set once.
fn adam(_: &str, reps: usize, warmup: usize) -> Metrics {
    let mut rng = Rng::seed(0);
    let mut params = ParamStore::new();
    for i in 0..100 {
        let p = params.add(&i.to_string(), Tensor::zeros(&[100_000]).expect("shape"));
        let p = p.expect("unique");
        params
            .set_grad(p, normal(&mut rng, &[100_000]).data())
            .expect("length");
    }
    let mut opt = adam_lr(&params, 1e-3);
    let mut m = time(reps, warmup, || opt.step(&mut params));
    m.push((
        "gb_per_s",
        28.0 * 10_000_000.0 / (median_ms(&m) * 1e-3) / 1e9,
    ));
    m
}

/// `a = b + 3c` over 2^24 floats: a plain loop over fixed chunks of 64K, spread by rayon.
fn stream_triad(_: &str, reps: usize, warmup: usize) -> Metrics {
    const CHUNK: usize = 1 << 16;
    let n = 1 << 24;
    let mut rng = Rng::seed(0);
    let (b, c) = (normal(&mut rng, &[n]), normal(&mut rng, &[n]));
    let mut a = vec![0.0f32; n];
    let mut m = time(reps, warmup, || {
        let bc = b.data().par_chunks(CHUNK).zip(c.data().par_chunks(CHUNK));
        a.par_chunks_mut(CHUNK).zip(bc).for_each(|(a, (b, c))| {
            for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
                *a = b + 3.0 * c;
            }
        })
    });
    m.push(("gb_per_s", 12.0 * n as f64 / (median_ms(&m) * 1e-3) / 1e9));
    m
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let quick = args.iter().any(|a| a == "--quick");
    let only: Vec<&str> =
        value("--only").map_or(vec![], |s| s.split(',').filter(|s| !s.is_empty()).collect());
    if let Some(t) = value("--threads") {
        let n: usize = t.parse().expect("--threads takes a number");
        arenagrad::set_num_threads(n).expect("--threads takes a count of at least 1");
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .expect("rayon's pool for stream_triad, built first");
    }
    let threads = arenagrad::num_threads();
    run_all(&args, threads, quick, &only)
}

fn run_all(args: &[String], threads: usize, quick: bool, only: &[&str]) {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    for &(name, reps, warmup, workload) in WORKLOADS {
        if !only.is_empty() && !only.iter().any(|o| name.contains(o)) {
            continue;
        }
        let (reps, warmup) = if quick {
            ((reps / 5).max(3), (warmup / 2).max(1))
        } else {
            (reps, warmup)
        };
        let reps = value("--reps").map_or(reps, |r| r.parse().expect("--reps takes a number"));
        println!(
            "{}",
            harness::json_line(name, threads, &workload(name, reps, warmup))
        );
    }
}
