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
pub mod fused;
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

/// The instruction set the element-wise, row-wise, loss and optimizer kernels run on in this
/// process.
///
/// A build whose target features include AVX2 and FMA (`-C target-cpu=native` on such a
/// machine) runs what it was compiled for: `"avx512"`, `"avx2+fma"`, … down to `"sse2"`. A
/// default x86-64 build (SSE2 only, as a dependency is built unless told otherwise) carries an
/// AVX2+FMA and an AVX-512 form of those kernels and runs the widest the CPU has: `"avx512"`
/// (AVX-512F with AVX2 and FMA) or `"avx2+fma"`; on an older CPU, or with
/// `ARENAGRAD_SIMD=baseline` (or `sse2`) in the environment, it runs its own lanes: `"sse2"`.
/// `ARENAGRAD_SIMD=avx2` stops at `"avx2+fma"`. The choice is made once, at the first kernel.
/// Matrix products choose their micro-kernels at run time in every build.
///
/// ```
/// let level = arenagrad::simd_level();
/// assert!(["avx512", "avx2+fma", "avx2", "sse4.1", "sse2", "neon", "scalar"].contains(&level));
/// ```
///
/// # Panics
/// When `ARENAGRAD_SIMD` holds anything but `auto`, `avx2`, `baseline` or `sse2`.
pub fn simd_level() -> &'static str {
    let _ = simd::level::requested();
    if simd::level::avx512() {
        return "avx512";
    }
    if simd::level::avx2() {
        return "avx2+fma";
    }
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
