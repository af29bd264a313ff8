//! The team: the threads parallel kernels run on. The calling thread takes part in its own
//! kernel, and the helpers spin for a while after each kernel before they park, so the next
//! kernel of a step starts on them within a microsecond instead of waiting for a wake-up.
//!
//! A kernel hands the team `tasks` independent pieces of work ([`run`]): the caller publishes
//! the job, wakes only helpers that have parked, and then everyone, the caller included, claims
//! pieces from one atomic counter until none are left. Which thread runs a piece never changes
//! a result (each kernel fixes its pieces by the sizes alone), so claiming in any order is safe
//! for the crate's bitwise-determinism rule.
//!
//! Why not rayon: a rayon join called from a thread outside its pool (a user's `fn main`)
//! queues the job for a worker and puts the caller to sleep until it is done, and idle workers
//! park after a few dozen yields. Each parallel kernel of a training step then pays one or two
//! thread wake-ups, 20–90 µs on a 2-vCPU VM against a 5 µs kernel (`docs/perf.md`, "Threads").
//! OpenMP, which PyTorch uses, spins its workers for the same reason.
//!
//! One caller holds the team at a time: a kernel called while another thread holds it, or from
//! inside a piece, runs its pieces on its own thread (the same results, by the rule above).
//! The helpers copy the caller's flush-denormals setting for each job, so a kernel computes
//! the same bits whichever thread runs a piece.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use super::count;
use crate::kernels::denormals;

/// At most this many threads (caller included) share a kernel.
pub const MAX_THREADS: usize = 256;

/// How long an idle helper spins before it parks, in microseconds.
static SPIN_US: AtomicU64 = AtomicU64::new(1000);

/// A job's function with its lifetime erased; see the safety argument in [`run`].
#[derive(Clone, Copy)]
struct JobRef(*const (dyn Fn(usize) + Sync + 'static));
// SAFETY: the pointee is `Sync`, so calling it from several threads is sound; the pointer
// itself is only dereferenced while the job is open (see `run`).
unsafe impl Send for JobRef {}

/// The state shared by the caller that holds the team and its helpers.
struct Team {
    /// Held by the caller whose job the team runs.
    busy: AtomicBool,
    /// Bumped when a job is published; helpers wait for it to change.
    epoch: AtomicUsize,
    /// The epoch of the job that may be joined now; 0 once it is closed.
    open: AtomicUsize,
    /// Helpers inside the current job.
    active: AtomicUsize,
    /// The next piece to claim, the pieces not yet finished, and their number.
    next: AtomicUsize,
    remaining: AtomicUsize,
    tasks: AtomicUsize,
    /// Helpers `0..wanted` take part in the current job.
    wanted: AtomicUsize,
    /// The caller's flush-denormals setting.
    flush: AtomicBool,
    /// Piece `i` runs on team thread `i` (the caller is 0): [`broadcast`].
    pinned: AtomicBool,
    job: Mutex<Option<JobRef>>,
    /// The first panic a helper caught in the current job.
    panic: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    /// Handles of the helpers spawned so far, and which of them are parked (or about to).
    helpers: Mutex<Vec<Thread>>,
    sleeping: [AtomicBool; MAX_THREADS],
}

static TEAM: Team = Team {
    busy: AtomicBool::new(false),
    epoch: AtomicUsize::new(0),
    open: AtomicUsize::new(0),
    active: AtomicUsize::new(0),
    next: AtomicUsize::new(0),
    remaining: AtomicUsize::new(0),
    tasks: AtomicUsize::new(0),
    wanted: AtomicUsize::new(0),
    flush: AtomicBool::new(false),
    pinned: AtomicBool::new(false),
    job: Mutex::new(None),
    panic: Mutex::new(None),
    helpers: Mutex::new(Vec::new()),
    sleeping: [const { AtomicBool::new(false) }; MAX_THREADS],
};

/// Sets how long idle helpers spin before parking (default 1 ms, or `ARENAGRAD_SPIN_US`
/// microseconds from the environment; 0 parks at once). Shorter spins leave the cores to other
/// work between kernels, at the cost of a wake-up (tens of µs) for a kernel that comes later.
pub fn set_spin(d: Duration) {
    spin_from_env();
    SPIN_US.store(d.as_micros().min(u64::MAX as u128) as u64, SeqCst);
}

/// Reads `ARENAGRAD_SPIN_US` once, before the first helper starts or [`set_spin`] runs.
fn spin_from_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Some(us) = std::env::var("ARENAGRAD_SPIN_US")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            SPIN_US.store(us, SeqCst);
        }
    });
}

/// Runs `f(0) .. f(tasks - 1)`, each exactly once, spread over up to [`count::threads`]
/// threads, the calling thread included; returns when all have run. A panic in any piece is
/// raised again here once every piece has finished.
pub fn run(tasks: usize, f: &(dyn Fn(usize) + Sync)) {
    let threads = count::threads().min(tasks).min(MAX_THREADS);
    if !on_team(tasks, threads, false, f) {
        (0..tasks).for_each(f);
    }
}

/// Runs `f(i)` once on each thread `i` of the team ([`count::threads`] of them; the caller is
/// 0), starting the helpers that are missing: what warms up every thread's buffers. Returns
/// `false`, having run only `f(0)`, when the team is not available (held by another thread, or
/// called from inside a piece).
pub fn broadcast(f: &(dyn Fn(usize) + Sync)) -> bool {
    let threads = count::threads().min(MAX_THREADS);
    if threads <= 1 || !on_team(threads, threads, true, f) {
        f(0);
        return threads <= 1;
    }
    true
}

/// Runs the job on the team if it is free; `false` (nothing run) if it is not, or if one thread
/// is all there is.
fn on_team(tasks: usize, threads: usize, pinned: bool, f: &(dyn Fn(usize) + Sync)) -> bool {
    if threads <= 1 || count::worker_index().is_some() || TEAM.busy.swap(true, SeqCst) {
        return false;
    }
    // From here on this thread holds the team; `Close` hands it back, also on a panic.
    let close = Close;
    let helpers = spawn(threads - 1);
    TEAM.tasks.store(tasks, SeqCst);
    TEAM.next.store(0, SeqCst);
    TEAM.remaining.store(tasks, SeqCst);
    TEAM.wanted.store(threads - 1, SeqCst);
    TEAM.flush.store(denormals::flush_denormal(), SeqCst);
    TEAM.pinned.store(pinned, SeqCst);
    // SAFETY: only the lifetime is erased. Helpers dereference the pointer only between
    // joining (`active` incremented, then `open` found equal to the epoch they woke for) and
    // leaving (`active` decremented); `Close::drop` clears `open` and then waits for `active`
    // to reach 0 before this function returns or unwinds, so no helper touches `f` after it
    // is gone (all accesses are SeqCst: a helper that registers after `open` was cleared sees
    // it cleared and leaves without reading the job). A helper that woke for an earlier epoch
    // sees a different `open` and leaves too, so it joins each job at most once.
    let job: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
    *lock(&TEAM.job) = Some(JobRef(job));
    // only the holder of the team moves the epoch; 0 is never an open job's
    let epoch = TEAM.epoch.load(SeqCst).wrapping_add(1).max(1);
    TEAM.open.store(epoch, SeqCst);
    TEAM.epoch.store(epoch, SeqCst);
    for (i, h) in helpers.iter().enumerate().take(threads - 1) {
        if TEAM.sleeping[i].load(SeqCst) {
            h.unpark();
        }
    }
    drop(helpers);
    claim(f, 0);
    let mut spins = 0u32;
    while TEAM.remaining.load(SeqCst) > 0 {
        backoff(&mut spins);
    }
    drop(close);
    if let Some(p) = lock(&TEAM.panic).take() {
        resume_unwind(p);
    }
    true
}

/// Runs pieces of the open job until none are left to claim; in a pinned job, only piece
/// `me` (this thread's place in the team).
fn claim(f: &(dyn Fn(usize) + Sync), me: usize) {
    // decremented on unwind too, so the caller's wait ends
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            TEAM.remaining.fetch_sub(1, SeqCst);
        }
    }
    let tasks = TEAM.tasks.load(SeqCst);
    if TEAM.pinned.load(SeqCst) {
        if me < tasks {
            let _done = Done;
            f(me);
        }
        return;
    }
    loop {
        let i = TEAM.next.fetch_add(1, SeqCst);
        if i >= tasks {
            return;
        }
        let _done = Done;
        f(i);
    }
}

/// Closes the job and releases the team when the caller is done with it (or unwinds).
struct Close;

impl Drop for Close {
    fn drop(&mut self) {
        TEAM.open.store(0, SeqCst);
        let mut spins = 0u32;
        while TEAM.active.load(SeqCst) > 0 {
            backoff(&mut spins);
        }
        *lock(&TEAM.job) = None;
        TEAM.busy.store(false, SeqCst);
    }
}

/// Spins, then yields the core, while another thread finishes a piece.
fn backoff(spins: &mut u32) {
    *spins = spins.saturating_add(1);
    if *spins < 1 << 14 {
        std::hint::spin_loop();
    } else {
        thread::yield_now();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // the data (a pointer, a payload, handles) stays valid whatever a panic interrupted
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The helpers' handles, after spawning enough of them for `n` helpers.
fn spawn(n: usize) -> std::sync::MutexGuard<'static, Vec<Thread>> {
    spin_from_env();
    let mut helpers = lock(&TEAM.helpers);
    while helpers.len() < n {
        let index = helpers.len();
        // the epoch before the caller's job is published, so the new helper joins that job
        let seen = TEAM.epoch.load(SeqCst);
        let h = thread::Builder::new()
            .name(format!("arenagrad-{index}"))
            .spawn(move || helper(index, seen))
            .expect("arenagrad: could not spawn a kernel thread");
        helpers.push(h.thread().clone());
    }
    helpers
}

/// A helper's life: wait for a job after epoch `seen`, take part if wanted, repeat.
fn helper(index: usize, mut seen: usize) {
    count::set_worker(index + 1);
    loop {
        seen = wait_for_job(index, seen);
        if index >= TEAM.wanted.load(SeqCst) {
            continue;
        }
        TEAM.active.fetch_add(1, SeqCst);
        if TEAM.open.load(SeqCst) == seen {
            let job = *lock(&TEAM.job);
            if let Some(JobRef(f)) = job {
                let flush = TEAM.flush.load(SeqCst);
                if denormals::flush_denormal() != flush {
                    denormals::set_flush_denormal(flush);
                }
                // SAFETY: the job is open and this helper is counted in `active`, so the
                // caller is still inside `run` and `f` is alive (see `run`).
                let f = unsafe { &*f };
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| claim(f, index + 1))) {
                    lock(&TEAM.panic).get_or_insert(p);
                }
            }
        }
        TEAM.active.fetch_sub(1, SeqCst);
    }
}

/// Spins until the epoch moves past `seen` (parking once the spin time has passed); returns
/// the new epoch.
fn wait_for_job(index: usize, seen: usize) -> usize {
    let mut start = Instant::now();
    let mut spins = 0u32;
    loop {
        let e = TEAM.epoch.load(SeqCst);
        if e != seen {
            return e;
        }
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(256)
            && start.elapsed() >= Duration::from_micros(SPIN_US.load(SeqCst))
        {
            TEAM.sleeping[index].store(true, SeqCst);
            if TEAM.epoch.load(SeqCst) == seen {
                thread::park();
            }
            TEAM.sleeping[index].store(false, SeqCst);
            start = Instant::now();
        }
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests;
