//! A tiny seeded generator of shapes and test values for the gradient checks (independent of
//! arenagrad's `Rng`, so a bug there cannot hide one in an op). Include it with
//! `#[path = "common/xorshift.rs"] mod xorshift;`.
#![allow(dead_code)] // each test file uses a part of it

use arenagrad::Tensor;

/// xorshift64*: a tiny seeded generator for shapes and values (independent of arenagrad's Rng).
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `lo..hi`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Dimensions 1..=max_dim, rank `rank`.
    pub fn shape(&mut self, rank: usize, max_dim: usize) -> Vec<usize> {
        (0..rank).map(|_| 1 + self.below(max_dim)).collect()
    }
    /// Values in `lo..hi` at least 0.05 from every point of `kinks`.
    pub fn tensor_away(&mut self, shape: &[usize], lo: f32, hi: f32, kinks: &[f32]) -> Tensor {
        let n = shape.iter().product();
        let data = (0..n)
            .map(|_| loop {
                let v = self.uniform(lo, hi);
                if kinks.iter().all(|k| (v - k).abs() >= 0.05) {
                    break v;
                }
            })
            .collect();
        Tensor::new(data, shape).unwrap()
    }
    pub fn tensor(&mut self, shape: &[usize], lo: f32, hi: f32) -> Tensor {
        self.tensor_away(shape, lo, hi, &[])
    }
    /// Magnitudes in `lo..hi` with random signs (denominators).
    pub fn signed(&mut self, shape: &[usize], lo: f32, hi: f32) -> Tensor {
        let mut t = self.tensor(shape, lo, hi);
        for v in t.data_mut() {
            if self.below(2) == 0 {
                *v = -*v;
            }
        }
        t
    }
    /// Distinct values 0.15 apart in random order (no ties for max, winner well clear).
    pub fn distinct(&mut self, shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        let mut v: Vec<f32> = (0..n).map(|k| 0.15 * k as f32 - 0.075 * n as f32).collect();
        for i in (1..n).rev() {
            v.swap(i, self.below(i + 1));
        }
        Tensor::new(v, shape).unwrap()
    }
    /// Values on the grid `0.1 * k + offset` for integer `k` in -15..15.
    pub fn grid(&mut self, shape: &[usize], offset: f32) -> Tensor {
        let n = shape.iter().product();
        let data = (0..n)
            .map(|_| 0.1 * (self.below(30) as f32 - 15.0) + offset)
            .collect();
        Tensor::new(data, shape).unwrap()
    }
    pub fn indices(&mut self, n: usize, below: usize) -> Vec<usize> {
        (0..n).map(|_| self.below(below)).collect()
    }
}
