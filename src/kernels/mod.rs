//! Slice-level kernels: everything that touches element data goes through a function here, so
//! an implementation can be swapped (SIMD, rayon) without touching the ops or the graph.
//!
//! Kernels know slices, strides and the [`Acc`] store mode; they know nothing of graphs, ops,
//! optimizers or modules (the bottom layer of `docs/ARCHITECTURE.md`). Each has a plain scalar
//! implementation, its "scalar twin", that the fast version is tested against bit for bit or
//! within a stated bound.
//!
//! What is public here is what a benchmark, an example or a user's own op can call: the
//! forward and backward kernels, the GEMM, the vector maths and the splitting helpers. The
//! scalar twins and the lane plumbing are crate-internal (test references and building blocks
//! whose signatures follow the kernels' needs), so they are not part of the API.

mod acc;
pub mod attention;
pub mod batch_norm;
pub mod binary;
pub mod conv;
pub mod denormals;
pub mod elementwise;
pub mod gemm;
pub mod layout;
pub mod loss;
pub mod pad;
pub mod par;
pub mod pool;
pub mod reduce;
pub mod rowwise;
mod scratch;
pub mod select;
pub mod simd;
pub mod special;
pub mod strided;
pub mod unary;
pub mod vmath;
mod window;

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
