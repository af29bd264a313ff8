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
    ToF32::F16.decode(&[0x00, 0x3c, 0x00, 0xc0], &mut out);
    assert_eq!(out, [1.0, -2.0]);
    ToF32::BF16.decode(&[0x80, 0x3f, 0x40, 0xc0], &mut out);
    assert_eq!(out, [1.0, -3.0]);
    let bytes: Vec<u8> = [0.1f64, 1e300]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    ToF32::F64.decode(&bytes, &mut out);
    assert_eq!(out, [0.1f32, f32::INFINITY]); // round to nearest; overflow to inf
    let bytes: Vec<u8> = [1.5f32, -0.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    ToF32::F32.decode(&bytes, &mut out);
    assert_eq!(out.map(f32::to_bits), [1.5f32.to_bits(), 0x8000_0000]);
    assert_eq!(ToF32::of(Dtype::I32), None);
    assert_eq!(ToF32::of(Dtype::BF16), Some(ToF32::BF16));
    assert_eq!(ToF32::of(Dtype::I64), Some(ToF32::I64));
}

/// Whether f32 holds `v` exactly, from the format rather than a round trip: its significant
/// bits (highest set bit to lowest set bit of |v|) must fit in f32's 24-bit significand; every
/// exponent an i64 needs (up to 63) is in f32's range.
fn exact_by_definition(v: i64) -> bool {
    let m = v.unsigned_abs();
    m == 0 || 64 - m.leading_zeros() - m.trailing_zeros() <= 24
}

#[test]
fn i64_converts_only_when_exact() {
    let two24 = 1i64 << 24;
    let mut values = vec![0, 1, -1, 7, two24 - 1, two24, -two24, two24 + 1, two24 + 2];
    values.extend([
        3 << 40,
        (1 << 24 | 1) << 20,
        i64::MAX,
        i64::MIN,
        i64::MIN + 1,
    ]);
    values.extend([
        1 << 62,
        -(1 << 62) - 1,
        (two24 - 1) << 39,
        (two24 + 1) << 38,
    ]);
    // around every power of two: 2^k - 1, 2^k, 2^k + 1 and their negatives
    for k in 0..63 {
        for d in [-1, 0, 1] {
            values.extend([(1i64 << k) + d, -(1i64 << k) - d]);
        }
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64; // xorshift64: random values of every size
    for _ in 0..10_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        values.push((state as i64) >> (state % 64));
    }
    for v in values {
        let got = i64_to_f32(v);
        assert_eq!(got.is_some(), exact_by_definition(v), "{v}");
        if let Some(f) = got {
            assert_eq!(f64::from(f), v as f64, "{v}"); // v as f64 is exact whenever f32 is
        }
    }
    assert_eq!(i64_to_f32(i64::MIN), Some(-(2f32.powi(63))));
    assert_eq!(i64_to_f32(i64::MAX), None); // 2^63 - 1 rounds to 2^63
}

#[test]
fn i64_decodes_little_endian_and_reports_the_first_inexact_value() {
    let values = [5i64, -3, 1 << 24, (1 << 24) + 1, (1 << 30) + 1];
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut out = [0.0f32; 3];
    ToF32::I64.decode(&bytes[..24], &mut out);
    assert_eq!(out, [5.0, -3.0, 16_777_216.0]);
    assert_eq!(ToF32::I64.first_inexact(&bytes[..24]), None);
    assert_eq!(ToF32::I64.first_inexact(&bytes), Some((3, (1 << 24) + 1)));
    // the float dtypes convert every value by definition
    assert_eq!(ToF32::F64.first_inexact(&bytes), None);
}
