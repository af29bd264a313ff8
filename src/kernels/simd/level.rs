//! The lanes the kernels run on, chosen once per process at run time.
//!
//! `wide` fixes its instruction set when the crate is compiled: a dependent built with default
//! flags gets SSE2 lanes for `f32x8` (two 4-lane halves, separate multiply and add), whatever
//! the CPU. So in such a build on x86-64 the kernels carry a second form of their lane
//! functions, [`Y8`](super::avx2::Y8) on AVX2 registers with fused multiply-adds, entered
//! through one `#[target_feature(enable = "avx2,fma")]` function per kernel call
//! ([`dispatch!`](super::dispatch)). Which form runs is decided here, once: the AVX2 form when
//! the CPU has AVX2 and FMA, unless `ARENAGRAD_SIMD=baseline` asks for the build's own lanes.
//! A build that already targets AVX2 and FMA (`-C target-cpu=native` on such a machine) has
//! only its own lanes and nothing to choose.
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

/// Whether the kernels run their AVX2+FMA form (always `false` in a build with no runtime
/// choice to make).
#[inline(always)]
pub(crate) fn avx2() -> bool {
    #[cfg(runtime_avx2)]
    {
        let l = LEVEL.load(Ordering::Relaxed);
        if l != UNSET {
            return l == AVX2;
        }
        detect() == AVX2
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
    let level = match requested() {
        Request::Baseline => BASELINE,
        Request::Auto
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma") =>
        {
            AVX2
        }
        Request::Auto => BASELINE,
    };
    LEVEL.store(level, Ordering::Relaxed);
    level
}

/// What [`ENV`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// The best lanes the CPU supports (the default).
    Auto,
    /// The build's own lanes: SSE2 in a default x86-64 build.
    Baseline,
}

/// Parses [`ENV`]: unset, empty or `auto` is [`Request::Auto`]; `baseline` or `sse2` is
/// [`Request::Baseline`].
///
/// # Panics
/// On any other value: a mistyped level must not silently test the wrong kernels.
pub(crate) fn requested() -> Request {
    match std::env::var(ENV) {
        Err(_) => Request::Auto,
        Ok(v) => parse(&v).unwrap_or_else(|| {
            panic!("{ENV}={v:?} is not a SIMD level: use `auto` (the default) or `baseline` (also `sse2`: the build's own lanes)")
        }),
    }
}

fn parse(v: &str) -> Option<Request> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "auto" => Some(Request::Auto),
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
        assert_eq!(parse("avx9"), None);
    }

    #[test]
    fn the_level_follows_the_request_and_the_cpu() {
        let want = requested() == Request::Auto
            && cfg!(runtime_avx2)
            && cfg!(target_arch = "x86_64")
            && avx2_and_fma_detected();
        assert_eq!(avx2(), want);
        assert_eq!(avx2(), want, "the answer is stored");
    }

    fn avx2_and_fma_detected() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}
