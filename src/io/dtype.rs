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
mod tests {
    use super::*;

    /// The value a binary16 pattern stands for, from the definition, in f64.
    fn f16_by_definition(bits: u16) -> f64 {
        let s = if bits >> 15 == 1 { -1.0 } else { 1.0 };
        let e = i32::from((bits >> 10) & 0x1f);
        let m = f64::from(bits & 0x3ff);
        match e {
            0 => s * m * 2f64.powi(-24),
            0x1f if m == 0.0 => s * f64::INFINITY,
            0x1f => f64::NAN,
            _ => s * 2f64.powi(e - 15) * (1.0 + m / 1024.0),
        }
    }

    #[test]
    fn f16_all_65536_patterns_match_the_definition() {
        for bits in 0..=u16::MAX {
            let (got, want) = (f16_to_f32(bits), f16_by_definition(bits));
            if want.is_nan() {
                assert!(got.is_nan(), "{bits:#06x}");
                // sign and payload kept, quiet bit set
                assert_eq!(got.to_bits() >> 31, u32::from(bits >> 15), "{bits:#06x}");
                assert_eq!(got.to_bits() & 0x1fff, 0, "{bits:#06x}");
                let payload = (got.to_bits() >> 13) & 0x3ff;
                assert_eq!(payload & 0x1ff, u32::from(bits & 0x1ff), "{bits:#06x}");
                assert!(got.to_bits() & 0x0040_0000 != 0, "{bits:#06x} quiet bit");
            } else {
                // every binary16 value is exact in f32, so the f64 comparison is exact, and
                // the sign of zero must survive too
                assert_eq!(f64::from(got), want, "{bits:#06x}");
                assert_eq!(got.is_sign_negative(), bits >> 15 == 1, "{bits:#06x}");
            }
        }
    }

    #[test]
    fn f16_edge_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0); // largest finite
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14)); // smallest normal
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24)); // smallest subnormal
        assert_eq!(f16_to_f32(0x03ff), 1023.0 * 2f32.powi(-24)); // largest subnormal
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x8000).to_bits(), 0x8000_0000); // -0.0
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
        assert_eq!(f16_to_f32(0x7e00).to_bits(), 0x7fc0_0000); // the canonical quiet NaN
        assert_eq!(f16_to_f32(0x7c01).to_bits(), 0x7fc0_2000); // signalling NaN gets quieted
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95); // 1/3 rounded to binary16
    }

    #[test]
    fn bf16_is_the_top_half_of_f32() {
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
        assert_eq!(bf16_to_f32(0xc040), -3.0);
        assert_eq!(bf16_to_f32(0x0001).to_bits(), 0x0001_0000); // subnormal
        assert_eq!(bf16_to_f32(0x8000).to_bits(), 0x8000_0000); // -0.0
        assert_eq!(bf16_to_f32(0x7f80), f32::INFINITY);
        assert_eq!(bf16_to_f32(0xff80), f32::NEG_INFINITY);
        assert!(bf16_to_f32(0x7fc1).is_nan());
        assert_eq!(bf16_to_f32(0x7f7f), f32::from_bits(0x7f7f_0000)); // largest finite
        for bits in 0..=u16::MAX {
            assert_eq!(bf16_to_f32(bits).to_bits() >> 16, u32::from(bits));
        }
    }

    #[test]
    fn decode_reads_little_endian() {
        let mut out = [0.0f32; 2];
        Float::F16.decode(&[0x00, 0x3c, 0x00, 0xc0], &mut out);
        assert_eq!(out, [1.0, -2.0]);
        Float::BF16.decode(&[0x80, 0x3f, 0x40, 0xc0], &mut out);
        assert_eq!(out, [1.0, -3.0]);
        let bytes: Vec<u8> = [0.1f64, 1e300]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        Float::F64.decode(&bytes, &mut out);
        assert_eq!(out, [0.1f32, f32::INFINITY]); // round to nearest; overflow to inf
        let bytes: Vec<u8> = [1.5f32, -0.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        Float::F32.decode(&bytes, &mut out);
        assert_eq!(out.map(f32::to_bits), [1.5f32.to_bits(), 0x8000_0000]);
        assert_eq!(Float::of(Dtype::I64), None);
        assert_eq!(Float::of(Dtype::BF16), Some(Float::BF16));
    }
}
