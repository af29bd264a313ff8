//! A long run: 10,000 training steps of a small MLP (forward, cross-entropy, backward,
//! gradient clipping, Adam, a checkpoint to bytes every 1,000 steps) must not grow. Resident
//! memory (`VmRSS` from `/proc/self/status`) at step 10,000 is within 1 MB of step 100, and the
//! graph arena's capacity is the same at both (it stops growing once the first steps have
//! sized it). A counting allocator checks the same exactly: the heap bytes in use at step
//! 10,000 are those of step 100 (a leak of a few bytes a step would hide in the RSS margin).
//!
//! Alone in its test binary, so no other test allocates meanwhile. About a second in release;
//! run it with `cargo test --release --test long_run -- --nocapture` to see the figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

use arenagrad::prelude::*;

/// The system allocator, counting the bytes currently allocated: an exact leak check next to
/// the resident-memory one.
struct Live;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Live {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Live = Live;

/// Resident memory in KiB, or `None` where `/proc` does not exist.
fn vm_rss_kib() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn long_run_memory_stays_flat() {
    const STEPS: usize = 10_000;
    let mut rng = Rng::seed(7);
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, &[16, 64, 64, 4], &mut rng).unwrap();
    let mut opt = Adam::new(
        &params,
        AdamConfig {
            lr: 1e-3,
            ..Default::default()
        },
    )
    .unwrap();
    let x = rng.normal_tensor(&[32, 16], 0.0, 1.0);
    let y: Vec<usize> = (0..32).map(|i| (i * 7) % 4).collect();
    // start every helper thread of the team and let each run a job now: a helper that
    // starts late (a loaded machine) would otherwise make its thread-local allocations after
    // step 100 and read as ~10 KB of growth
    arenagrad::kernels::par::team::broadcast(&|_| ());
    let mut graph = Graph::new();
    let (mut at_100, mut first_loss, mut last_loss) = (None, 0.0, 0.0);
    let mut trace = vec![];
    for step in 1..=STEPS {
        params.zero_grad();
        let loss = graph
            .run_with(&mut params, |g| {
                let loss = model.forward(g, g.input(&x))?.cross_entropy(&y)?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        clip_grad_norm(&mut params, 1.0, false).unwrap();
        opt.step(&mut params);
        if step % 1000 == 0 {
            let bytes = arenagrad::io::checkpoint_to_bytes(&params, &opt, step as u64).unwrap();
            assert!(bytes.len() > params.num_values() * 4);
            trace.push((step, vm_rss_kib().unwrap_or(0)));
        }
        if step == 1 {
            first_loss = loss;
        }
        last_loss = loss;
        if step == 100 {
            at_100 = Some((vm_rss_kib(), graph.arena_capacity(), LIVE.load(Relaxed)));
        }
    }
    let (rss_100, arena_100, live_100) = at_100.unwrap();
    let (rss_end, arena_end, live_end) = (vm_rss_kib(), graph.arena_capacity(), LIVE.load(Relaxed));
    eprintln!(
        "long run: {STEPS} steps, loss {first_loss:.4} -> {last_loss:.4}; VmRSS {rss_100:?} KiB at \
         step 100, {rss_end:?} KiB at step {STEPS}; arena capacity {arena_100} B at step 100, \
         {arena_end} B at step {STEPS}; heap in use {live_100} B at step 100, {live_end} B at \
         step {STEPS}; VmRSS every 1000 steps {trace:?}"
    );
    assert!(last_loss < 0.5 * first_loss, "the model trained");
    assert_eq!(arena_end, arena_100, "the arena kept growing after warm-up");
    // the trace vector is the only allocation that lives on (10 entries, one growth)
    assert!(
        live_end - live_100 <= 1024,
        "heap in use grew: {live_100} -> {live_end} B"
    );
    if let (Some(a), Some(b)) = (rss_100, rss_end) {
        assert!(
            b.abs_diff(a) <= 1024,
            "VmRSS moved by more than 1 MB: {a} -> {b} KiB"
        );
    }
}
