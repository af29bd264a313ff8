//! A fingerprint of a [`ParamStore`]'s layout, to check that several processes (or a file and a
//! process) hold the same model before exchanging flat buffers.
//!
//! It is FNV-1a (64-bit) over, per parameter in registration order: the name's byte length and
//! bytes, the rank and every dimension, the offset; then the flat buffer length. Every number
//! is fed as 8 little-endian bytes, so the hash is the same on every platform and Rust version
//! (std's `DefaultHasher` promises neither), and length prefixes keep `("ab", "c")` apart from
//! `("a", "bc")`. Values are not hashed: only where things are.

use super::ParamStore;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(FNV_PRIME);
        }
    }
    fn num(&mut self, n: usize) {
        self.bytes(&(n as u64).to_le_bytes());
    }
}

impl ParamStore {
    /// A 64-bit fingerprint of the layout: names, shapes and offsets in registration order, and
    /// the flat buffer length (not the values). Two stores with the same layout hash the same on
    /// any machine; a different name, shape, order or parameter count changes it.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let build = |hidden| -> arenagrad::Result<ParamStore> {
    ///     let mut params = ParamStore::new();
    ///     Mlp::new(&mut params, &[4, hidden, 2], &mut Rng::seed(hidden as u64))?;
    ///     Ok(params)
    /// };
    /// assert_eq!(build(8)?.layout_hash(), build(8)?.layout_hash()); // values don't count
    /// assert_ne!(build(8)?.layout_hash(), build(9)?.layout_hash());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn layout_hash(&self) -> u64 {
        let mut h = Fnv(FNV_OFFSET);
        h.num(self.metas.len());
        for m in &self.metas {
            h.num(m.name.len());
            h.bytes(m.name.as_bytes());
            h.num(m.shape.len());
            m.shape.iter().for_each(|&d| h.num(d));
            h.num(m.offset);
        }
        h.num(self.flat_data().len());
        h.0
    }

    /// The store's identity (handles carry it), for code that remembers stores it has seen.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

#[cfg(test)]
mod tests;
