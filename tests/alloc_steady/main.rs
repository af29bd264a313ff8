//! After warm-up, a full training step makes zero heap allocations: `params.zero_grad()`, the
//! forward pass into a loss, `backward`, and the optimizer step. A counting global allocator
//! watches the test's thread and the team's helper threads while a step runs. The models: an MLP with
//! Adam and with SGD, a model of scalars (`mlp.rs`), and two CNNs (`cnn.rs`): LeNet with Adam,
//! and conv + batch norm in training mode (running statistics updated through the store's
//! buffers) + pooling with SGD momentum; and a character GPT with AdamW (`transformer.rs`):
//! causal transformer blocks through the fused attention kernel.
//!
//! The warm-up steps let the arena settle: the first run of a graph spills over several bump
//! chunks, `Graph::run` then replaces them by one chunk of the total size, and every later run
//! of the same graph fits in it. The test also checks that the arena stops growing.
//!
//! Matrix products run on the packed GEMM driver (`src/kernels/gemm/packed.rs`), whose packing
//! buffers are kept per thread, as are the convolutions' im2col buffers: each thread allocates
//! its buffers on its first product, during warm-up. The `gemm` crate only keeps the shapes
//! where it allocates nothing (see the routing in `src/kernels/gemm.rs`).
//!
//! Run with `ARENAGRAD_NUM_THREADS=1` and `=2` (CI runs the default, one thread per core). The
//! kernels that split hand their pieces to the team (`src/kernels/par/team.rs`), which
//! allocates nothing per kernel: the training loops run from the test's own thread, as plain
//! `fn main` code does.
//!
//! To find an allocation, run with `ARENAGRAD_ALLOC_TRACE=1`: each allocation inside a
//! measured step prints its size and a backtrace (to stderr; add `-- --nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use arenagrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use arenagrad::{Graph, ParamStore};

mod cnn;
mod mlp;
mod transformer;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
/// Counting is on only while a measured step runs.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static TRACE: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Whether this thread's allocations count: the test's thread (the team's helpers always
    /// count).
    static WATCHED: Cell<bool> = const { Cell::new(false) };
    /// Set while this thread prints a backtrace, whose own allocations are not counted.
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

fn record(size: usize) {
    let watched =
        WATCHED.with(Cell::get) || arenagrad::kernels::par::count::worker_index().is_some();
    if !ACTIVE.load(Ordering::Relaxed) || !watched {
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

/// Runs a test's body alone, after starting the team's helper threads (their start-up
/// allocations happen here, not while a step is counted).
fn serial<R>(body: impl FnOnce() -> R) -> R {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    static TEAM: Once = Once::new();
    TEAM.call_once(|| {
        arenagrad::kernels::par::team::broadcast(&|_| ());
    });
    body()
}

/// Heap allocations made by `f`, on the watched threads.
fn count(f: impl FnOnce()) -> usize {
    TRACE.store(
        std::env::var_os("ARENAGRAD_ALLOC_TRACE").is_some(),
        Ordering::Relaxed,
    );
    // Only while `f` runs (a rayon worker stays watched): a test thread that has finished
    // sends its result to the harness, which allocates, while another test may be counting.
    let watched = WATCHED.with(|w| w.replace(true));
    let before = ALLOCS.load(Ordering::Relaxed);
    ACTIVE.store(true, Ordering::SeqCst);
    f();
    ACTIVE.store(false, Ordering::SeqCst);
    WATCHED.with(|w| w.set(watched));
    ALLOCS.load(Ordering::Relaxed) - before
}

/// Runs `step` a few times to warm up, then a few more under the counter: each of those must
/// make no heap allocation and leave the arena's size unchanged. Returns the losses. Call it
/// inside [`serial`].
fn assert_steady(graph: &mut Graph, mut step: impl FnMut(&mut Graph) -> f32) -> Vec<f32> {
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

fn adam(p: &ParamStore, lr: f32) -> Box<dyn Optimizer> {
    let config = AdamConfig {
        lr,
        ..Default::default()
    };
    Box::new(Adam::new(p, config).unwrap())
}

fn sgd(p: &ParamStore, lr: f32, weight_decay: f32) -> Box<dyn Optimizer> {
    let config = SgdConfig {
        lr,
        momentum: 0.9,
        weight_decay,
        ..Default::default()
    };
    Box::new(Sgd::new(p, config).unwrap())
}
