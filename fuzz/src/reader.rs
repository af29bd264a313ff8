//! The fuzz input as an endless byte stream, and the values and shapes decoded from it.
//! Shared by every target: missing bytes read as 0, so every input decodes to something.

use arenagrad::prelude::*;

/// The input as an endless byte stream (zeros after the end).
pub struct Reader<'a> {
    data: &'a [u8],
    /// Bytes read so far (may run past the end).
    pub pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `data` from its start.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
    /// A value: mostly small multiples of 1/32 in [-3.9, 4], sometimes an edge value.
    pub fn f32(&mut self) -> f32 {
        match self.u8() {
            250 => f32::NAN,
            251 => f32::INFINITY,
            252 => f32::NEG_INFINITY,
            253 => -0.0,
            254 => 1e30,
            255 => 1e-40, // subnormal
            b => (b as f32 - 125.0) / 32.0,
        }
    }
    /// A fresh shape: rank 0..=3, each dimension 0..=3.
    pub fn shape(&mut self) -> Vec<usize> {
        let rank = self.u8() % 4;
        (0..rank).map(|_| (self.u8() % 4) as usize).collect()
    }
    /// A shape that broadcasts with `base`: some leading dimensions dropped, some set to 1.
    pub fn derived_shape(&mut self, base: &[usize]) -> Vec<usize> {
        let drop = (self.u8() as usize % 4).min(base.len());
        let ones = self.u8();
        base[drop..]
            .iter()
            .enumerate()
            .map(|(i, &d)| if ones >> i & 1 == 1 { 1 } else { d })
            .collect()
    }
    pub fn tensor(&mut self, shape: &[usize]) -> Tensor {
        let n = shape.iter().product();
        let data = (0..n).map(|_| self.f32()).collect();
        Tensor::new(data, shape).expect("data of the shape's size")
    }
    pub fn pick<'g>(&mut self, pool: &[Var<'g>]) -> Var<'g> {
        pool[self.u8() as usize % pool.len()]
    }
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    /// Little-endian, from the next `N` bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.u8())
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.bytes())
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.bytes())
    }
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }
    /// Any `f32` at all, from 4 raw bytes (every NaN payload, subnormal and infinity).
    pub fn f32_bits(&mut self) -> f32 {
        f32::from_bits(self.u32())
    }
    /// An index below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        self.u16() as usize % n
    }
    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }
}

/// Whether `FUZZ_TRACE` is set: targets then print each step to stderr (for replaying a
/// crash: `FUZZ_TRACE=1 FUZZ_REPLAY=shapes:path cargo test --test fuzz_props replay -- --nocapture`).
pub fn tracing() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some())
}
