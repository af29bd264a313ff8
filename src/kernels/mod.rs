//! Slice-level kernels: everything that touches element data goes through a function here, so
//! an implementation can be swapped (SIMD, rayon) without touching the ops or the graph.
//!
//! Kernels know slices, strides and the [`Acc`] store mode; they know nothing
//! of graphs. Each has a plain scalar implementation that serves as the reference ("scalar
//! twin") for faster versions.

mod acc;
pub mod binary;
pub mod clip;
pub mod conv;
pub mod denormals;
pub mod elementwise;
pub mod gemm;
pub mod layout;
pub mod loss;
pub mod optim;
pub mod par;
pub mod reduce;
pub mod rowwise;
pub(crate) mod rowwise_simd;
pub mod simd;
pub mod special;
pub mod strided;
pub mod unary;
pub mod vmath;

pub use acc::Acc;

/// The SIMD instruction set this build of the crate compiles its kernels for (`wide` picks
/// it at compile time from the target features).
///
/// ```
/// let level = arenagrad::simd_level();
/// assert!(["avx512", "avx2+fma", "avx2", "sse4.1", "sse2", "neon", "scalar"].contains(&level));
/// ```
pub fn simd_level() -> &'static str {
    if cfg!(target_feature = "avx512f") {
        "avx512"
    } else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
        "avx2+fma"
    } else if cfg!(target_feature = "avx2") {
        "avx2"
    } else if cfg!(target_feature = "sse4.1") {
        "sse4.1"
    } else if cfg!(target_feature = "sse2") {
        "sse2"
    } else if cfg!(target_feature = "neon") {
        "neon"
    } else {
        "scalar"
    }
}
