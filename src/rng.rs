//! `Rng`: a seeded, dependency-free pseudo-random generator (xoshiro256**).
//!
//! State: four `u64` words, filled from the seed by splitmix64 (the seeding its authors
//! recommend: splitmix64 is a bijection of a counter, so the four words are never all zero).
//! Each `next_u64` is a handful of shifts, rotates and one multiply; the period is 2²⁵⁶ − 1.
//!
//! - `uniform()`: the top 24 bits of `next_u64` times 2⁻²⁴, so every value is an exact multiple
//!   of 2⁻²⁴ in `[0, 1)` (1.0 is never returned, unlike a rounded `u64 as f32`).
//! - `normal()`: Box–Muller in `f64`, `r = √(−2 ln u₁)`, `z₀ = r cos 2πu₂`, `z₁ = r sin 2πu₂`
//!   with `u₁ ∈ (0, 1]` (so `ln` never sees 0); `z₁` is kept for the next call, so each pair of
//!   normals costs one `ln`, one `sqrt` and one `sin_cos`.
//!
//! - `multinomial(weights, n, replacement)`: category indices (`rng/multinomial.rs`).
//!
//! The streams are arenagrad's own: a seed reproduces arenagrad runs, not PyTorch's `manual_seed`
//! streams (to match PyTorch's initial weights, copy them into the `ParamStore`).

use crate::tensor::Tensor;

/// A seeded xoshiro256** generator with uniform and normal samplers.
///
/// ```
/// use arenagrad::Rng;
/// let (mut a, mut b) = (Rng::seed(42), Rng::seed(42));
/// assert_eq!(a.next_u64(), b.next_u64());           // same seed, same stream
/// let u = a.uniform();
/// assert!((0.0..1.0).contains(&u));
/// let w = a.uniform_tensor(&[3, 2], -0.5, 0.5);
/// assert!(w.data().iter().all(|v| (-0.5..=0.5).contains(v)));
/// ```
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
    /// The second value of the last Box–Muller pair, returned by the next `normal()`.
    spare: Option<f32>,
}

/// splitmix64: advances `state` and returns a well-mixed word (used only for seeding).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn seed(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s, spare: None }
    }

    /// The next 64 random bits (xoshiro256**).
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform `f32` in `[0, 1)`, a multiple of 2⁻²⁴.
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// A standard normal `f32` (mean 0, standard deviation 1), by Box–Muller.
    ///
    /// ```
    /// use arenagrad::Rng;
    /// let mut rng = Rng::seed(0);
    /// let n = 10_000;
    /// let mean = (0..n).map(|_| rng.normal()).sum::<f32>() / n as f32;
    /// assert!(mean.abs() < 0.05);
    /// ```
    pub fn normal(&mut self) -> f32 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        const TWO_POW_M53: f64 = 1.0 / (1u64 << 53) as f64;
        // u1 in (0, 1] so that ln(u1) is finite; u2 in [0, 1)
        let u1 = ((self.next_u64() >> 11) + 1) as f64 * TWO_POW_M53;
        let u2 = (self.next_u64() >> 11) as f64 * TWO_POW_M53;
        let r = (-2.0 * u1.ln()).sqrt();
        let (sin, cos) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare = Some((r * sin) as f32);
        (r * cos) as f32
    }

    /// A tensor of `shape` with values uniform in `[lo, hi)` (`torch.empty(shape).uniform_(lo,
    /// hi)`; as in PyTorch, rounding of `lo + (hi − lo)·u` can reach `hi` itself).
    ///
    /// Panics if the shape's element count overflows `usize`.
    pub fn uniform_tensor(&mut self, shape: &[usize], lo: f32, hi: f32) -> Tensor {
        let mut t = Tensor::zeros(shape).expect("Rng::uniform_tensor: shape too large");
        for v in t.data_mut() {
            *v = lo + (hi - lo) * self.uniform();
        }
        t
    }

    /// A tensor of `shape` with normal values of the given mean and standard deviation
    /// (`torch.empty(shape).normal_(mean, std)`).
    ///
    /// ```
    /// use arenagrad::Rng;
    /// let t = Rng::seed(1).normal_tensor(&[2, 2], 5.0, 0.0);
    /// assert_eq!(t.data(), &[5.0; 4]);
    /// ```
    ///
    /// Panics if the shape's element count overflows `usize`.
    pub fn normal_tensor(&mut self, shape: &[usize], mean: f32, std: f32) -> Tensor {
        let mut t = Tensor::zeros(shape).expect("Rng::normal_tensor: shape too large");
        for v in t.data_mut() {
            *v = mean + std * self.normal();
        }
        t
    }

    /// Fills `mask` for dropout: each entry is `scale` with probability `keep`, else 0.
    pub(crate) fn fill_keep_mask(&mut self, mask: &mut [f32], keep: f32, scale: f32) {
        for m in mask {
            *m = if self.uniform() < keep { scale } else { 0.0 };
        }
    }
}

mod multinomial;

#[cfg(test)]
mod tests;
