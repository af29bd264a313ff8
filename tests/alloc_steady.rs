//! After warm-up, a full training step makes zero heap allocations: `params.zero_grad()`, the
//! forward pass of an `Mlp` into a loss, `backward`, and the optimizer step. A counting global
//! allocator watches every thread (rayon workers included) while a step runs.
//!
//! The warm-up steps let the arena settle: the first run of a graph spills over several bump
//! chunks, `Graph::run` then replaces them by one chunk of the total size, and every later run
//! of the same graph fits in it. The test also checks that the arena stops growing.
//!
//! Matrix products run on the packed GEMM driver (`src/kernels/gemm/packed.rs`), whose packing
//! buffers are kept per thread: each thread allocates its buffer on its first product, during
//! warm-up. The `gemm` crate only keeps the shapes where it allocates nothing (see the routing
//! in `src/kernels/gemm.rs`). Run with `RAYON_NUM_THREADS=1` and `=2`: this model's kernels all
//! stay below the parallel grain sizes, so rayon is not entered. A product that is split over
//! rayon from a thread outside the pool pushes a job onto rayon's injector queue, which
//! allocates a new block every 63 jobs; a training loop run inside `pool.install` avoids that.
//!
//! To find an allocation, run with `ARENAGRAD_ALLOC_TRACE=1`: each allocation inside a
//! measured step prints its size and a backtrace (to stderr; add `-- --nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use arenagrad::nn::Mlp;
use arenagrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use arenagrad::{Graph, ParamStore, Rng, Tensor};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
/// Counting is on only while a measured step runs.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static TRACE: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Whether this thread's allocations count: the test's thread and rayon's workers.
    static WATCHED: Cell<bool> = const { Cell::new(false) };
    /// Set while this thread prints a backtrace, whose own allocations are not counted.
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

fn record(size: usize) {
    if !ACTIVE.load(Ordering::Relaxed) || !WATCHED.with(Cell::get) {
        return;
    }
    if IN_TRACE.with(|t| t.replace(true)) {
        return;
    }
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    if TRACE.load(Ordering::Relaxed) {
        let bt = std::backtrace::Backtrace::force_capture();
        eprintln!("allocation of {size} bytes:\n{bt}");
    }
    IN_TRACE.with(|t| t.set(false));
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The tests count process-wide, so they run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Watches every thread of rayon's global pool (built here, before anything else uses it,
/// with a start handler that marks its workers); `count` watches its calling thread.
fn watch_rayon() {
    static POOL: Once = Once::new();
    POOL.call_once(|| {
        rayon::ThreadPoolBuilder::new()
            .start_handler(|_| WATCHED.with(|w| w.set(true)))
            .build_global()
            .expect("the global pool is built once, before any use");
        // Each worker allocates once for itself when it first looks for work (crossbeam's
        // epoch handle): let that happen now, not while a step is counted.
        for _ in 0..2 {
            rayon::broadcast(|_| ());
        }
    });
}

/// Heap allocations made by `f`, on the watched threads.
fn count(f: impl FnOnce()) -> usize {
    TRACE.store(
        std::env::var_os("ARENAGRAD_ALLOC_TRACE").is_some(),
        Ordering::Relaxed,
    );
    // Only while `f` runs: a test thread that has finished sends its result to the harness,
    // which allocates, while another test may be counting.
    WATCHED.with(|w| w.set(true));
    let before = ALLOCS.load(Ordering::Relaxed);
    ACTIVE.store(true, Ordering::SeqCst);
    f();
    ACTIVE.store(false, Ordering::SeqCst);
    WATCHED.with(|w| w.set(false));
    ALLOCS.load(Ordering::Relaxed) - before
}

/// Runs `step` a few times to warm up, then a few more under the counter: each of those must
/// make no heap allocation and leave the arena's size unchanged. Returns the losses.
fn assert_steady(graph: &mut Graph, mut step: impl FnMut(&mut Graph) -> f32) -> Vec<f32> {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    watch_rayon();
    let mut losses = Vec::with_capacity(8);
    for _ in 0..3 {
        losses.push(step(graph));
    }
    let arena = graph.arena_capacity();
    for i in 0..5 {
        let mut l = 0.0;
        let n = count(|| l = step(graph));
        assert_eq!(
            n, 0,
            "steady step {i} made {n} heap allocations (ARENAGRAD_ALLOC_TRACE=1 shows where)"
        );
        assert_eq!(
            graph.arena_capacity(),
            arena,
            "the arena grew after warm-up"
        );
        losses.push(l);
    }
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(
        losses[7] < losses[0],
        "training lowers the loss: {losses:?}"
    );
    losses
}

#[derive(Clone, Copy, PartialEq)]
enum Loss {
    CrossEntropy,
    Mse,
}

/// A full MLP step: zero_grad, `Mlp::forward`, the loss, backward, the optimizer step.
fn mlp_steps(loss: Loss, mut opt: impl FnMut(&ParamStore) -> Box<dyn Optimizer>) {
    let (sizes, batch) = ([48, 64, 32, 10], 16);
    let mut rng = Rng::seed(7);
    let mut params = ParamStore::new();
    let mlp = Mlp::new(&mut params, &sizes, &mut rng).unwrap();
    let mut opt = opt(&params);
    let x = rng.normal_tensor(&[batch, sizes[0]], 0.0, 1.0);
    let target = rng.normal_tensor(&[batch, sizes[3]], 0.0, 1.0);
    let classes: Vec<usize> = (0..batch).map(|i| (i * 7) % sizes[3]).collect();
    assert_steady(&mut Graph::new(), |graph| {
        params.zero_grad();
        let l = graph
            .run_with(&mut params, |g| {
                let logits = mlp.forward(g, g.input(&x))?;
                let loss = match loss {
                    Loss::CrossEntropy => logits.cross_entropy(&classes)?,
                    Loss::Mse => logits.mse_loss(g.input(&target))?,
                };
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        opt.step(&mut params);
        l
    });
}

fn adam(p: &ParamStore) -> Box<dyn Optimizer> {
    let config = AdamConfig {
        lr: 1e-2,
        ..Default::default()
    };
    Box::new(Adam::new(p, config).unwrap())
}

fn sgd(p: &ParamStore) -> Box<dyn Optimizer> {
    let config = SgdConfig {
        lr: 0.05,
        momentum: 0.9,
        ..Default::default()
    };
    Box::new(Sgd::new(p, config).unwrap())
}

#[test]
fn mlp_cross_entropy_adam_step_allocates_nothing() {
    mlp_steps(Loss::CrossEntropy, adam);
}

#[test]
fn mlp_mse_sgd_step_allocates_nothing() {
    mlp_steps(Loss::Mse, sgd);
}

/// The same step on a model of 0-d parameters, `ŷ = tanh(w·x + b)` over a few samples with
/// squared error and an mse term, which needs no GEMM: every graph-side cost of a step
/// (parameters, ops, the tape, backward with its gradient pool, zero_grad, Adam) is counted.
#[test]
fn scalar_model_step_allocates_nothing() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::scalar(0.1)).unwrap();
    let b = params.add("b", Tensor::scalar(0.0)).unwrap();
    let mut opt = adam(&params);
    let data = [(-1.0f32, -0.5f32), (0.5, 0.3), (2.0, 0.9), (1.0, 0.6)];
    let y_last = Tensor::scalar(data[3].1);
    assert_steady(&mut Graph::new(), |graph| {
        params.zero_grad();
        let l = graph
            .run_with(&mut params, |g| {
                let (w, b) = (g.param(w), g.param(b));
                let predict = |x: f32| (w * x + b).tanh();
                let mut loss = g.scalar(0.0);
                for &(x, y) in &data[..3] {
                    loss = loss + (predict(x) - y).powf(2.0);
                }
                loss = loss + predict(data[3].0).mse_loss(g.input(&y_last))?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        opt.step(&mut params);
        l
    });
}
