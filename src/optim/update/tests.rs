use super::*;

#[test]
fn widen_recovers_the_decimal_and_lerp_matches_torch() {
    assert_eq!(widen(0.9), 0.9f64);
    assert_eq!(widen(0.999), 0.999f64);
    assert_eq!(widen(1e-8), 1e-8f64);
    assert_eq!(widen(f32::INFINITY), f64::INFINITY);
    assert_ne!(0.9f32 as f64, 0.9f64);
    // 1 - 0.9 in f64 rounds to 0.1f32, in f32 it does not
    assert_eq!((1.0 - widen(0.9)) as f32, 0.1f32);
    assert_ne!(1.0 - 0.9f32, 0.1f32);
    // lerp with a large weight goes from the end: 1 - (1 - 0.75) · (1 - 0) = 0.75
    assert_eq!(lerp(0.0f32, 1.0, 0.75), 0.75);
    assert_eq!(lerp(2.0f32, 4.0, 0.1), 2.2);
    assert!(nan_max(f32::NAN, 1.0).is_nan() && nan_max(1.0, f32::NAN).is_nan());
}

#[test]
fn the_widen_table_returns_what_formatting_gives() {
    // many values through an 8-entry table: hits, misses and collisions, each value twice
    let mut x = 1e-9f32;
    let mut values = vec![0.9, 0.999, 1e-8, 3e-4, 0.1, 0.0, -0.0, 5e-324f64 as f32];
    while x < 1e9 {
        values.push(x);
        values.push(-x * 1.7);
        x *= 1.37;
    }
    for round in 0..2 {
        for &v in &values {
            let got = super::widen(v);
            let want = super::widen_uncached(v);
            assert_eq!(got.to_bits(), want.to_bits(), "widen({v:e}), round {round}");
        }
    }
    assert!(super::widen(f32::NAN).is_nan());
}
