//! Flushing subnormal numbers to zero (opt-in): PyTorch's `torch.set_flush_denormal`.
//!
//! A float below `f32::MIN_POSITIVE` (≈ 1.2e-38) is subnormal. x86 cores handle an SSE/AVX
//! operation with a subnormal input or result in microcode, tens to hundreds of cycles instead
//! of one, and optimizer state drifts into that range on long runs with vanishing gradients
//! (`v ≈ g²` of a gradient near 1e-20 is subnormal). Measured with `examples/subnormal_adam.rs`
//! (1M parameters, release, AVX-512 Sapphire Rapids under KVM; figures in the README): an Adam
//! step over subnormal moments is many times slower than over normal values, and as fast again
//! with flushing.
//!
//! Flushing sets two bits of the thread's MXCSR register: FTZ (flush results to zero) and DAZ
//! (read subnormal inputs as zero). It changes results — a subnormal becomes ±0 — which is why
//! it is off unless asked for, as in PyTorch. MXCSR is per thread: call
//! [`set_flush_denormal`] on every thread that runs kernels, and build rayon pools with
//! [`flush_denormals_in_pool`] so their workers start with it:
//!
//! ```
//! use arenagrad::kernels::denormals::{flush_denormals_in_pool, set_flush_denormal};
//! let supported = set_flush_denormal(true);              // this thread
//! let pool = flush_denormals_in_pool(rayon::ThreadPoolBuilder::new().num_threads(2))
//!     .build()
//!     .unwrap();                                         // or .build_global() at start-up
//! pool.install(|| assert_eq!(arenagrad::kernels::denormals::flush_denormal(), supported));
//! // x86-64: 1e-39 (subnormal) * 1.0 is now 0
//! if supported {
//!     assert_eq!(std::hint::black_box(1e-39f32) * std::hint::black_box(1.0f32), 0.0);
//! }
//! set_flush_denormal(false);
//! ```
//!
//! Only x86-64 is supported; elsewhere the functions do nothing and return `false`.
//!
//! # Soundness
//!
//! Rust (like LLVM, and C++ for that matter) assumes the default floating-point environment,
//! which is why the MXCSR intrinsics `_mm_setcsr`/`_mm_getcsr` are deprecated
//! (rust-lang/stdarch#781). With FTZ/DAZ set, what changes is the value of operations on
//! subnormal numbers: an operation the compiler folded at compile time keeps the IEEE result,
//! the same operation at run time gives 0. No memory safety depends on that, so the effect is
//! confined to which of those two values a computation sees, the trade every user of
//! `torch.set_flush_denormal` makes. The rounding mode and exception masks are never touched.

/// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6).
#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

#[cfg(target_arch = "x86_64")]
fn mxcsr() -> u32 {
    let mut csr = 0u32;
    // SAFETY: `stmxcsr` stores the 4-byte MXCSR at the address given, a live, aligned `u32`
    // local; it touches nothing else (no stack, no flags).
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags));
    }
    csr
}

#[cfg(target_arch = "x86_64")]
fn set_mxcsr(csr: u32) {
    // SAFETY: `ldmxcsr` loads MXCSR from a live `u32`. The value is the register's own with
    // only FTZ/DAZ changed (never a reserved bit, so no #GP); the language-level caveat of
    // changing the FP environment is discussed in the module docs.
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly, preserves_flags));
    }
}

/// Turns flushing of subnormals to zero (FTZ and DAZ) on or off for the calling thread, like
/// `torch.set_flush_denormal`; returns whether the platform supports it (x86-64).
///
/// ```
/// use arenagrad::kernels::denormals::{flush_denormal, set_flush_denormal};
/// if set_flush_denormal(true) {
///     assert!(flush_denormal());
/// }
/// set_flush_denormal(false);
/// assert!(!flush_denormal());
/// ```
pub fn set_flush_denormal(on: bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let csr = mxcsr();
        set_mxcsr(if on { csr | FTZ_DAZ } else { csr & !FTZ_DAZ });
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = on;
        false
    }
}

/// Whether the calling thread flushes subnormals to zero (both FTZ and DAZ set).
///
/// ```
/// assert!(!arenagrad::kernels::denormals::flush_denormal()); // off by default
/// ```
pub fn flush_denormal() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        mxcsr() & FTZ_DAZ == FTZ_DAZ
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `builder` with a start handler that turns flushing on in each worker thread (see the module
/// docs for an example); apply it to the global pool with `.build_global()` before any kernel
/// runs.
pub fn flush_denormals_in_pool(builder: rayon::ThreadPoolBuilder) -> rayon::ThreadPoolBuilder {
    builder.start_handler(|_| {
        set_flush_denormal(true);
    })
}

#[cfg(test)]
mod tests;
