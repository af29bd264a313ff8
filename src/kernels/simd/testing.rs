//! Inputs and comparisons shared by the SIMD-vs-twin tests of the row-wise, loss, optimizer
//! and clipping kernels.

/// Lengths that exercise every tail: `0..=2·8+1`, and odd sizes around 32 and 128.
pub(crate) const LENS: [usize; 22] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 127, 129,
];

/// Edge values: signed zeros, infinities, NaN, large, subnormal.
pub(crate) const EDGES: [f32; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    1e30,
    -1e30,
    88.0,
    -88.0,
    1e-40,
    -1e-40,
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
];

/// Deterministic values in `[-scale, scale)` (xorshift), different per `seed`.
pub(crate) fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(0x9e37_79b9);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            ((s >> 8) as f32 / (1u32 << 23) as f32 - 1.0) * scale
        })
        .collect()
}

/// `|got − want| <= abs + rel·|want|` element-wise (equal infinities and NaN with NaN
/// agree); returns the largest relative error seen, for calibrating bounds.
#[track_caller]
pub(crate) fn agree(what: &str, got: &[f32], want: &[f32], rel: f32, abs: f32) -> f32 {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let mut worst = 0.0f32;
    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
        if a == b || (a.is_nan() && b.is_nan()) {
            continue;
        }
        let err = (a - b).abs();
        assert!(err <= abs + rel * b.abs(), "{what}[{i}]: got {a}, want {b}");
        worst = worst.max(err / b.abs().max(f32::MIN_POSITIVE));
    }
    worst
}

/// Bit-for-bit equality (any NaN agrees with any NaN).
#[track_caller]
pub(crate) fn same_bits(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (&a, &b)) in got.iter().zip(want).enumerate() {
        let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        assert!(
            same,
            "{what}[{i}]: got {a:e} ({:#x}), want {b:e} ({:#x})",
            a.to_bits(),
            b.to_bits()
        );
    }
}
