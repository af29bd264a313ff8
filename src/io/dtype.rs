//! Little-endian element decoding: F32 as is, F64, F16, BF16 and I64 converted to `f32`.
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
//! - I64 (PyTorch's `int64`, the dtype of batch norm's `num_batches_tracked`) converts only
//!   when exact: an integer is an f32 when its significant bits (highest set to lowest set)
//!   fit in 24, so every `|v| <= 2^24` and e.g. `3 * 2^40`, but not `2^24 + 1`. A value that
//!   would round is refused ([`ToF32::first_inexact`], checked before anything is decoded)
//!   rather than silently changed: a counter that comes back different is a wrong state.
//!
//! Written by hand rather than with the `half` crate: two short functions, tested here on all
//! 65,536 patterns against the defining formula, and in `tests/interop.rs` against PyTorch's
//! `.float()` (edge values committed; all 65,536 F16 and BF16 patterns with
//! `scripts/gen_dtype_file.py --exhaustive`: bit-identical except NaN payloads, see there).

use safetensors::Dtype;

/// The dtypes arenagrad reads, each with its conversion to `f32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToF32 {
    F32,
    F64,
    F16,
    BF16,
    I64,
}

impl ToF32 {
    /// `Some` for the dtypes that convert to f32, `None` for the others.
    pub(crate) fn of(dtype: Dtype) -> Option<ToF32> {
        match dtype {
            Dtype::F32 => Some(ToF32::F32),
            Dtype::F64 => Some(ToF32::F64),
            Dtype::F16 => Some(ToF32::F16),
            Dtype::BF16 => Some(ToF32::BF16),
            Dtype::I64 => Some(ToF32::I64),
            _ => None,
        }
    }

    /// The first element of `bytes` that would not convert exactly, as (index, value): only
    /// an I64 can have one (the float dtypes round or widen by definition).
    pub(crate) fn first_inexact(self, bytes: &[u8]) -> Option<(usize, i64)> {
        if self != ToF32::I64 {
            return None;
        }
        let values = bytes
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(b.try_into().expect("chunks_exact yields 8 bytes")));
        values.enumerate().find(|&(_, v)| i64_to_f32(v).is_none())
    }

    /// Decodes little-endian `bytes` (whose length the header validation already tied to the
    /// shape) into `out`, one value per element. An I64 element that is not exact in f32
    /// (which [`first_inexact`](Self::first_inexact) finds first) becomes the nearest f32.
    pub(crate) fn decode(self, bytes: &[u8], out: &mut [f32]) {
        match self {
            ToF32::F32 => decode_with(bytes, out, f32::from_le_bytes),
            ToF32::F64 => decode_with(bytes, out, |b| f64::from_le_bytes(b) as f32),
            ToF32::F16 => decode_with(bytes, out, |b| f16_to_f32(u16::from_le_bytes(b))),
            ToF32::BF16 => decode_with(bytes, out, |b| bf16_to_f32(u16::from_le_bytes(b))),
            ToF32::I64 => decode_with(bytes, out, |b| i64::from_le_bytes(b) as f32),
        }
    }
}

/// `v` as an f32 if that is exact, else `None`: the round trip through f32 must give `v` back
/// (compared in i128, since `2^63 as i64` would saturate to `i64::MAX` and look exact).
pub(crate) fn i64_to_f32(v: i64) -> Option<f32> {
    let f = v as f32;
    (f as i128 == i128::from(v)).then_some(f)
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
