//! Little-endian element decoding: F32 as is, F64, F16 and BF16 converted to `f32`.
//!
//! - BF16 is the top half of an f32: `bits32 = bits16 << 16`, exact for every pattern (NaN
//!   payloads included).
//! - F16 (IEEE binary16: 1 sign, 5 exponent bits biased by 15, 10 mantissa bits) widens
//!   exactly: a normal `(-1)^s 2^(e-15) (1 + m/2^10)` re-biases its exponent (`e + 112`) and
//!   shifts its mantissa left by 13; a subnormal `(-1)^s m 2^-24` is normal in f32 and is
//!   computed as `m as f32 * 2^-24` (both factors exact, so is the product); ±inf stays ±inf;
//!   a NaN keeps its sign and payload and gets the quiet bit, as x86's `vcvtph2ps`, PyTorch
//!   and the `half` crate do.
//! - F64 rounds to nearest-even (`as f32`, PyTorch's `.float()`); beyond f32's range it
//!   becomes ±inf.
//!
//! Written by hand rather than with the `half` crate: two short functions, tested here on all
//! 65,536 patterns against the defining formula, and in `tests/interop.rs` against PyTorch's
//! `.float()` (edge values committed; all 65,536 F16 and BF16 patterns with
//! `scripts/gen_dtype_file.py --exhaustive`: bit-identical except NaN payloads, see there).

use safetensors::Dtype;

/// The float dtypes arenagrad reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Float {
    F32,
    F64,
    F16,
    BF16,
}

impl Float {
    /// `Some` for the dtypes that convert to f32, `None` for the others.
    pub(crate) fn of(dtype: Dtype) -> Option<Float> {
        match dtype {
            Dtype::F32 => Some(Float::F32),
            Dtype::F64 => Some(Float::F64),
            Dtype::F16 => Some(Float::F16),
            Dtype::BF16 => Some(Float::BF16),
            _ => None,
        }
    }

    /// Decodes little-endian `bytes` (whose length the header validation already tied to the
    /// shape) into `out`, one value per element.
    pub(crate) fn decode(self, bytes: &[u8], out: &mut [f32]) {
        match self {
            Float::F32 => decode_with(bytes, out, f32::from_le_bytes),
            Float::F64 => decode_with(bytes, out, |b| f64::from_le_bytes(b) as f32),
            Float::F16 => decode_with(bytes, out, |b| f16_to_f32(u16::from_le_bytes(b))),
            Float::BF16 => decode_with(bytes, out, |b| bf16_to_f32(u16::from_le_bytes(b))),
        }
    }
}

fn decode_with<const N: usize>(bytes: &[u8], out: &mut [f32], f: impl Fn([u8; N]) -> f32) {
    debug_assert_eq!(bytes.len(), out.len() * N);
    for (o, b) in out.iter_mut().zip(bytes.chunks_exact(N)) {
        *o = f(b.try_into().expect("chunks_exact yields N bytes"));
    }
}

/// bfloat16 bits to f32: the f32 whose top 16 bits they are.
pub(crate) fn bf16_to_f32(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

/// IEEE binary16 bits to f32, exactly (see the module doc).
pub(crate) fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exp = u32::from((bits >> 10) & 0x1f);
    let man = u32::from(bits & 0x3ff);
    match exp {
        0 => {
            // ±0 and subnormals: m * 2^-24, exact in f32
            let mag = man as f32 * (1.0 / 16_777_216.0);
            f32::from_bits(sign | mag.to_bits())
        }
        0x1f if man == 0 => f32::from_bits(sign | 0x7f80_0000),
        0x1f => f32::from_bits(sign | 0x7fc0_0000 | (man << 13)),
        _ => f32::from_bits(sign | ((exp + 112) << 23) | (man << 13)),
    }
}

#[cfg(test)]
mod tests;
