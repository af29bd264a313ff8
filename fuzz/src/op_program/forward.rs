//! Forward values of the convolution, pooling, batch-norm and sequence-model instructions
//! (attention included), checked against an
//! `f64` evaluation of the op's definition on arenagrad's own inputs (not on the tape's values,
//! which differ from them by the program's earlier roundings); and counters of what those
//! instructions ran, which `tests/fuzz_props.rs` prints and checks.
//!
//! The tape compares gradients only; a forward value reaches them only through a later
//! non-linear op. These ops are linear in each input (or pick one), so a wrong output could
//! pass unseen: each output is compared here, element by element.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Relative tolerance of one op's output on exact inputs, against its no-cancellation
/// magnitude (`|b| + Σ|x·w|` for a convolution): `f32` rounding of a sum of `n` terms stays
/// below `n · 6e-8` of it, and these ops sum at most ~40 terms here.
pub const FWD_RTOL: f64 = 1e-5;
/// Absolute tolerance (the inputs are multiples of 1/32 or edge values).
const FWD_ATOL: f64 = 1e-9;
/// Magnitudes beyond this (or not finite) are not compared: `f32` products may overflow where
/// `f64` ones do not.
const FWD_BIG: f64 = 1e30;

/// The instructions' op kinds, in the order of [`RAN`].
pub const KINDS: [&str; 18] = [
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "batch_norm (train)",
    "batch_norm (eval)",
    // the sequence-model instructions (`seq_ops.rs`), from `SEQ` on
    "silu",
    "leaky_relu",
    "elu",
    "logsumexp",
    "var",
    "where",
    "masked_fill",
    "stack",
    "split",
    "scaled_dot_product_attention",
];

/// The first of the sequence-model kinds in [`KINDS`].
pub const SEQ: usize = 8;

/// Successful calls of each kind.
pub static RAN: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];
/// Calls that arenagrad and the reference both rejected.
pub static REJECTED: AtomicU64 = AtomicU64::new(0);
/// Output elements (and running statistics) compared with the `f64` evaluation.
pub static FWD_COMPARED: AtomicU64 = AtomicU64::new(0);

/// What the attention calls covered (`seq_attn.rs`), in the order of [`ATTN_CASES`].
#[derive(Clone, Copy)]
pub enum AttnCase {
    NoMask,
    Causal,
    Mask,
    FullyMaskedRow,
    Scale,
    Rectangular,
    Rank4,
    SelfAttention,
    Rejected,
}

/// The names of the [`AttnCase`]s.
pub const ATTN_CASES: [&str; 9] = [
    "no mask",
    "is_causal",
    "boolean mask",
    "a fully masked row",
    "explicit scale",
    "L != S and E != Ev",
    "rank 4 with several pairs",
    "k = q",
    "rejected",
];

/// Attention calls of each [`AttnCase`].
pub static ATTN_RAN: [AtomicU64; 9] = [const { AtomicU64::new(0) }; 9];

/// Counts an attention call of case `c`.
pub fn attn_case(c: AttnCase) {
    ATTN_RAN[c as usize].fetch_add(1, Relaxed);
}

/// Counts a successful call of `KINDS[kind]`.
pub fn ran(kind: usize) {
    RAN[kind].fetch_add(1, Relaxed);
}

/// Counts a call both sides rejected.
pub fn rejected() {
    REJECTED.fetch_add(1, Relaxed);
}

/// Compares `got` with `want = (value, magnitude)` element by element, where the magnitude is
/// finite and below [`FWD_BIG`].
#[track_caller]
pub fn compare(what: &str, got: &[f32], want: &[(f64, f64)]) {
    assert_eq!(got.len(), want.len(), "{what}: output length");
    for (k, (&g, &(v, mag))) in got.iter().zip(want).enumerate() {
        if mag.is_nan() || mag > FWD_BIG {
            continue;
        }
        FWD_COMPARED.fetch_add(1, Relaxed);
        let tol = FWD_RTOL * mag + FWD_ATOL;
        assert!(
            (g as f64 - v).abs() <= tol,
            "{what}[{k}]: arenagrad {g:e}, reference {v:e} ± {tol:e}"
        );
    }
}

/// Compares `got` with `want` exactly (NaN equal to NaN): a maximum involves no rounding.
#[track_caller]
pub fn compare_exact(what: &str, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: output length");
    for (k, (&g, &v)) in got.iter().zip(want).enumerate() {
        FWD_COMPARED.fetch_add(1, Relaxed);
        assert!(
            g as f64 == v || (g.is_nan() && v.is_nan()),
            "{what}[{k}]: arenagrad {g:e}, reference {v:e}"
        );
    }
}
