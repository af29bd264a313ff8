//! Benchmark inputs shared by the examples and `benches/` (included with `#[path]`): the same
//! deterministic values everywhere, so a figure from one program compares with another's.

/// Deterministic values in [-1, 1), different per `seed` (xorshift32).
pub fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}
