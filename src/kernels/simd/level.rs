//! The lanes the kernels run on, chosen once per process at run time.
//!
//! `wide` fixes its instruction set when the crate is compiled: a dependent built with default
//! flags gets SSE2 lanes for `f32x8` (two 4-lane halves, separate multiply and add), whatever
//! the CPU. So in such a build on x86-64 the kernels carry a second form of their lane
//! functions, [`Y8`](super::avx2::Y8) on AVX2 registers with fused multiply-adds, entered
//! through one `#[target_feature(enable = "avx2,fma")]` function per kernel call
//! ([`dispatch!`](super::dispatch)), and the width-generic lane functions
//! ([`dispatch_wide!`](super::dispatch_wide)) a third form, [`Z16`](super::avx512::Z16) on
//! AVX-512 registers. Which form runs is decided here, once: the widest the CPU has (AVX-512F
//! with AVX2 and FMA, then AVX2 with FMA), unless `ARENAGRAD_SIMD` asks for a lower one
//! (`avx2`, or `baseline` for the build's own lanes). A build that already targets AVX2 and
//! FMA (`-C target-cpu=native` on such a machine) has only its own lanes and nothing to choose.
//!
//! The two forms round differently where a multiply-add is involved (once or twice), so every
//! scalar path that must agree with the lanes bit for bit — tails, one-element paths, the
//! scalar twins — asks [`fused`] which rounding is in use ([`fma`](super::fma)).

#[cfg(runtime_avx2)]
use std::sync::atomic::{AtomicU8, Ordering};

/// The environment variable that can force the build's own lanes.
pub(crate) const ENV: &str = "ARENAGRAD_SIMD";

#[cfg(runtime_avx2)]
static LEVEL: AtomicU8 = AtomicU8::new(UNSET);
#[cfg(runtime_avx2)]
const UNSET: u8 = 0;
#[cfg(runtime_avx2)]
const BASELINE: u8 = 1;
#[cfg(runtime_avx2)]
const AVX2: u8 = 2;
#[cfg(runtime_avx2)]
const AVX512: u8 = 3;

/// The level chosen at run time (detected on the first call).
#[cfg(runtime_avx2)]
#[inline(always)]
fn level() -> u8 {
    match LEVEL.load(Ordering::Relaxed) {
        UNSET => detect(),
        l => l,
    }
}

/// Whether the kernels run their AVX2+FMA form: the 8-lane code always at the AVX2 and the
/// AVX-512 levels (always `false` in a build with no runtime choice to make).
#[inline(always)]
pub(crate) fn avx2() -> bool {
    #[cfg(runtime_avx2)]
    {
        level() >= AVX2
    }
    #[cfg(not(runtime_avx2))]
    {
        false
    }
}

/// Whether the width-generic kernels run their AVX-512 form (always `false` in a build with
/// no runtime choice to make).
#[inline(always)]
pub(crate) fn avx512() -> bool {
    #[cfg(runtime_avx2)]
    {
        level() == AVX512
    }
    #[cfg(not(runtime_avx2))]
    {
        false
    }
}

/// Whether the build's own lanes (`wide`'s `f32x8`) round `a·b + c` once.
pub(crate) const BUILD_FUSED: bool = cfg!(any(
    target_feature = "fma",
    all(target_arch = "aarch64", target_feature = "neon")
));

/// Whether the lanes in use round `a·b + c` once.
#[inline(always)]
pub(crate) fn fused() -> bool {
    BUILD_FUSED || avx2()
}

/// Reads [`ENV`] and the CPU's features once; later calls see the stored answer.
#[cfg(runtime_avx2)]
#[cold]
fn detect() -> u8 {
    let avx2 =
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    let avx512 = avx2 && std::arch::is_x86_feature_detected!("avx512f");
    let level = match requested() {
        Request::Baseline => BASELINE,
        Request::Auto if avx512 => AVX512,
        Request::Auto | Request::Avx2 if avx2 => AVX2,
        Request::Auto | Request::Avx2 => BASELINE,
    };
    LEVEL.store(level, Ordering::Relaxed);
    level
}

/// What [`ENV`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// The best lanes the CPU supports (the default).
    Auto,
    /// The AVX2+FMA lanes at most (the build's own where the CPU lacks them).
    Avx2,
    /// The build's own lanes: SSE2 in a default x86-64 build.
    Baseline,
}

/// Parses [`ENV`]: unset, empty or `auto` is [`Request::Auto`]; `avx2` is [`Request::Avx2`];
/// `baseline` or `sse2` is [`Request::Baseline`].
///
/// # Panics
/// On any other value: a mistyped level must not silently test the wrong kernels.
pub(crate) fn requested() -> Request {
    match std::env::var(ENV) {
        Err(_) => Request::Auto,
        Ok(v) => parse(&v).unwrap_or_else(|| {
            panic!("{ENV}={v:?} is not a SIMD level: use `auto` (the default), `avx2` (AVX2+FMA at most) or `baseline` (also `sse2`: the build's own lanes)")
        }),
    }
}

fn parse(v: &str) -> Option<Request> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "auto" => Some(Request::Auto),
        "avx2" => Some(Request::Avx2),
        "baseline" | "sse2" => Some(Request::Baseline),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_values_only() {
        assert_eq!(parse("auto"), Some(Request::Auto));
        assert_eq!(parse(""), Some(Request::Auto));
        assert_eq!(parse(" Baseline "), Some(Request::Baseline));
        assert_eq!(parse("sse2"), Some(Request::Baseline));
        assert_eq!(parse("AVX2"), Some(Request::Avx2));
        assert_eq!(parse("avx9"), None);
    }

    #[test]
    fn the_level_follows_the_request_and_the_cpu() {
        let runtime = cfg!(runtime_avx2) && cfg!(target_arch = "x86_64");
        let want = runtime && requested() != Request::Baseline && detected("avx2");
        assert_eq!(avx2(), want);
        assert_eq!(avx2(), want, "the answer is stored");
        let want = runtime && requested() == Request::Auto && detected("avx512f");
        assert_eq!(avx512(), want);
    }

    /// Whether the CPU has AVX2 and FMA, and `extra` if it is `avx512f`.
    fn detected(extra: &str) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
                && (extra != "avx512f" || std::arch::is_x86_feature_detected!("avx512f"))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = extra;
            false
        }
    }
}
