//! The fuzz targets as bounded property tests: each target's `check` on a few hundred inputs of
//! seeded random bytes, so `cargo test` (and CI) runs every generator and property of `fuzz/`
//! deterministically, in seconds. A failure prints the case's seed and bytes; turn it into a
//! named test in `tests/fuzz_regressions.rs`.
//!
//! The fuzz crate's modules are compiled into this test through `#[path]`, under the names they
//! have in the fuzz crate, so this file and the fuzz targets run the same code without the main
//! crate depending on libFuzzer (a dev-dependency on `fuzz/` would build libFuzzer's C++ for
//! every `cargo test`). Random bytes reach deep into every target because each decoder reads
//! any byte string as a valid input.
//!
//! Replaying one input (a crash file from `fuzz/artifacts/`), with each step printed:
//! `FUZZ_TRACE=1 FUZZ_REPLAY=shapes:path/to/crash cargo test --test fuzz_props replay -- --nocapture`.

#[path = "../fuzz/src/npy.rs"]
#[allow(dead_code)]
mod npy;
#[path = "../fuzz/src/op_program/mod.rs"]
#[allow(dead_code)]
mod op_program;
#[path = "../fuzz/src/optim/mod.rs"]
#[allow(dead_code)]
mod optim;
#[path = "../fuzz/src/reader.rs"]
#[allow(dead_code)]
mod reader;
#[path = "../fuzz/src/safetensors/mod.rs"]
#[allow(dead_code)]
mod safetensors;
#[path = "../fuzz/src/shapes/mod.rs"]
#[allow(dead_code)]
mod shapes;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The system allocator, recording the largest single request of each thread.
struct Largest;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // a const-initialised thread-local without destructor: no allocation, usable in here
    let _ = LARGEST.try_with(|m| m.set(m.get().max(size)));
}

// SAFETY: forwards every call to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Largest = Largest;

/// SplitMix64: a tiny, seedable generator for the inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Runs `check` on `cases` random inputs of up to `max_len` bytes, from a fixed seed per
/// target; on a failure, reports the case and its bytes.
fn property(target: &str, cases: u64, max_len: usize, check: fn(&[u8])) {
    let seed = target
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    for case in 0..cases {
        let mut rng = SplitMix(seed ^ case.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let len = (rng.next() % (max_len as u64 + 1)) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            panic!("{target}: case {case} failed; input ({len} bytes): {data:?}");
        }
    }
}

#[test]
fn shapes_property() {
    property("shapes", 400, 256, shapes::check);
}

#[test]
fn op_program_property() {
    property("op_program", 1000, 1024, op_program::check);
    use op_program::grads::{COMPARED, NONZERO, SKIPPED};
    use std::sync::atomic::Ordering::Relaxed;
    let (done, nonzero, skipped) = (
        COMPARED.load(Relaxed),
        NONZERO.load(Relaxed),
        SKIPPED.load(Relaxed),
    );
    eprintln!(
        "op_program: {done} gradient elements compared with the reference ({nonzero} non-zero), \
         {skipped} skipped as not smooth there"
    );
    assert!(
        nonzero > 1000,
        "the reference compared too little: {nonzero} of {done}"
    );
    // the CNN and sequence-model instructions: every op kind ran, and its outputs were compared
    use op_program::forward::{FWD_COMPARED, KINDS, RAN, REJECTED};
    let ran: Vec<u64> = RAN.iter().map(|n| n.load(Relaxed)).collect();
    let (fwd, rejected) = (FWD_COMPARED.load(Relaxed), REJECTED.load(Relaxed));
    let counts: Vec<String> = KINDS
        .iter()
        .zip(&ran)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    eprintln!(
        "op_program: ran {}; {rejected} calls rejected by both; {fwd} outputs compared",
        counts.join(", ")
    );
    assert!(
        ran.iter().all(|&n| n >= 20) && rejected >= 20 && fwd > 5000,
        "the CNN or sequence-model instructions ran too little"
    );
    // attention: each form of its arguments ran (and some calls were rejected)
    use op_program::forward::{ATTN_CASES, ATTN_RAN};
    let cases: Vec<u64> = ATTN_RAN.iter().map(|n| n.load(Relaxed)).collect();
    let named: Vec<String> = ATTN_CASES
        .iter()
        .zip(&cases)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    eprintln!("op_program: attention calls: {}", named.join(", "));
    assert!(
        cases.iter().all(|&n| n >= 10),
        "scaled_dot_product_attention covered too little"
    );
}

#[test]
fn optim_property() {
    property("optim", 300, 512, optim::check);
}

/// The loader never allocates from an unchecked length: no single allocation exceeds 16 times
/// the file (f32 conversion doubles F16 data; parsed shapes take 8 bytes a dim) plus 64 KiB (the
/// store, optimizer and checkpoint the target builds itself).
fn safetensors_bounded(data: &[u8]) {
    LARGEST.with(|m| m.set(0));
    safetensors::check(data);
    let largest = LARGEST.with(|m| m.get());
    assert!(
        largest <= 16 * data.len() + (64 << 10),
        "{largest} bytes in one allocation"
    );
}

#[test]
fn safetensors_property() {
    property("safetensors_load", 400, 1024, safetensors_bounded);
}

/// The `.npy` readers allocate at most the file's size again (f32 values from `<f4`/`<f8`,
/// labels from `<i8`), the header's dims (8 bytes per at-least-one-byte dim) and the write-back
/// copy the target makes: 16 times the input plus 64 KiB bounds every single allocation.
fn npy_bounded(data: &[u8]) {
    LARGEST.with(|m| m.set(0));
    npy::check(data);
    let largest = LARGEST.with(|m| m.get());
    assert!(
        largest <= 16 * data.len() + (64 << 10),
        "{largest} bytes in one allocation"
    );
}

#[test]
fn npy_property() {
    property("npy_load", 1000, 512, npy_bounded);
}

/// Inputs on which the reference itself was wrong (a fuzz finding that was not arenagrad's
/// bug), kept so it stays right. (Re-encoded when the instruction byte went from `% 14` to
/// `% 16` for the CNN instructions: each instruction byte reduced `% 14`, the same programs.)
#[test]
fn op_program_reference_cases() {
    // max of a tensor holding NaN: the reference's max node had edges only to elements equal
    // to the max (none, NaN != NaN), so the NaN upstream did not taint the leaf
    op_program::check(&[
        66, 126, 0, 198, 66, 126, 14, 0, 0, 0, 4, 123, 94, 47, 5, 255, 94, 64, 10, 94, 94, 161, 94,
        94, 10, 94, 94, 94, 94, 94, 10, 94, 78, 42, 255, 51, 7, 58, 0, 245, 13, 250, 10, 182, 0,
        51, 251,
    ]);
    // backward from an empty [3, 0, 0] = scalar + [3, 0, 0]: arenagrad gives the scalar a zero
    // gradient and passes it on (0 · ∞ = NaN at an infinite local derivative upstream, as
    // PyTorch does); the reference's empty output had no nodes to reach it (now `RT::hidden`)
    op_program::check(&[
        255, 0, 0, 0, 251, 6, 187, 0, 251, 3, 251, 6, 187, 0, 243, 0, 0, 0, 0, 255, 251, 0, 0, 6,
        27, 41, 27, 13, 27, 27, 13, 27, 27, 13, 27, 27, 13, 63, 255, 255, 126, 9, 255, 61, 34, 255,
        3, 255, 10, 255, 255, 255, 255, 37, 7, 255, 255, 126, 10, 37, 63, 255, 255, 27, 13, 27, 27,
        13, 27, 27, 13, 27, 27, 13, 27, 27, 13, 27, 27, 13, 27, 125,
    ]);
    // a chain through saturated tanh (y = 0.9999999): f32's 1 − y² is good to an absolute 1e-7
    // only, 5% relative here; the tape's magnitude now allows 1e-6 per unit of adjoint
    op_program::check(&[
        43, 159, 221, 39, 63, 65, 28, 215, 206, 72, 23, 68, 40, 118, 8, 0, 37, 94, 136, 211, 3, 36,
        7, 248, 246, 93, 11, 102, 96, 193, 124, 8, 12, 180, 212, 3, 105, 0, 144, 79, 5, 202, 201,
        4, 230, 229, 1, 199, 224, 34, 43, 173, 8, 25, 207, 13, 2, 22, 250, 234, 184, 156, 13, 165,
        108, 4, 160, 190, 15, 10, 86, 58, 52, 177, 59, 9, 6, 78, 126, 10, 115, 205, 28, 52, 183,
        131, 5, 226, 178, 0, 248, 218, 7, 84, 231, 24, 4, 53, 181, 11, 119, 73, 71, 71, 3, 100, 11,
        222, 122, 26, 162, 66, 0, 215, 35, 177, 187, 28, 139, 240, 56, 142, 211, 245, 49, 62, 8,
        79, 66, 1, 3, 86, 3, 19, 8, 108, 44, 165, 2, 92, 3, 237, 152, 33, 78, 30, 228, 108, 237,
        218, 151, 155, 18, 187, 242, 137, 146, 252, 120, 147, 21, 8, 19, 64, 158, 6, 100, 32, 149,
        8, 106, 14, 142, 178, 160, 188, 132, 80, 61, 85, 237, 161, 204, 30, 69, 214, 213, 234, 121,
        228, 141, 121, 183, 243, 143, 100, 30, 157, 254, 234, 112, 160, 21, 194, 246, 86, 211, 62,
        89, 157, 195, 69, 146, 100, 81, 9, 248, 252, 124, 250, 118, 245, 254, 37, 199, 6, 128, 152,
        27, 227, 255, 244, 52, 211, 209, 233, 115, 46, 249, 180, 156, 163, 19, 242, 254, 196, 165,
        155, 101, 234, 43, 12, 29, 80, 221, 218, 81, 184, 152, 70, 207, 56, 220, 115, 103, 157,
        189, 59, 188, 233, 107, 105, 176, 15, 29, 156, 71, 183, 146, 133, 208, 199, 147, 251, 121,
        70, 178, 55,
    ]);
    // batch norm in evaluation with variance 1e-40 (rstd 1e20) and x equal to the mean: f32's
    // x·α + β (PyTorch's formula) gives 0 where the definition gives the bias 2.125, and a
    // division by it later NaN; the reference now treats such a channel as badly conditioned,
    // as it does in training (fuzz op_program crash-c96a8eb1)
    op_program::check(&[
        0, 203, 203, 203, 203, 203, 10, 0, 203, 203, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 109, 3, 3, 0, 0,
        0, 255, 171, 171, 193, 193, 17, 0, 193, 193, 17, 0, 0, 255, 86, 85, 193, 193, 193, 17, 0,
        0, 255, 86, 85, 193, 193, 3, 3, 3, 3, 17, 3, 3, 61, 203, 203, 203, 203, 203, 203, 203, 203,
        203, 203, 0, 39, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 203, 203, 203, 203, 203, 203, 203, 203,
        203, 0, 39, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    ]);
}

/// Runs one file through one target: `FUZZ_REPLAY=target:path` (does nothing without it).
#[test]
fn replay() {
    let Ok(spec) = std::env::var("FUZZ_REPLAY") else {
        return;
    };
    let (target, path) = spec.split_once(':').expect("FUZZ_REPLAY=target:path");
    let data = std::fs::read(path).expect("a readable input file");
    match target {
        "op_program" => op_program::check(&data),
        "optim" => optim::check(&data),
        "safetensors_load" => safetensors_bounded(&data),
        "npy_load" => npy_bounded(&data),
        "shapes" => shapes::check(&data),
        _ => panic!("unknown target {target}"),
    }
}
