//! The exp and the lane primitives, lane by lane against `f32`, and `exp` against `f64`.

use crate::kernels::simd::generic::hmax;
use crate::kernels::simd::{exp, f32x8, hsum, Vector, LANES};

/// Distance in units in the last place between two finite floats of the same sign.
fn ulps(a: f32, b: f32) -> u32 {
    (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
}

#[test]
fn exp_lanes_match_scalar_bit_for_bit() {
    let mut xs = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        88.72,
        88.73,
        88.8,
        89.0,
        -87.3,
        -100.0,
        -103.9,
        -104.0,
        -200.0,
        f32::MAX,
        f32::MIN,
        1e-45,
        -1e-40,
        f32::MIN_POSITIVE,
    ];
    xs.extend((0..4000).map(|i| (i as f32 - 2000.0) * 0.0537));
    while xs.len() % LANES != 0 {
        xs.push(0.5);
    }
    for c in xs.chunks_exact(LANES) {
        // the lanes in use (the level's form), against the scalar path
        let v = crate::kernels::simd::dispatch!(|V| exp(V::load(c)).to_array());
        for (k, &x) in c.iter().enumerate() {
            let (a, b) = (v[k], exp(x));
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{x}"
            );
        }
    }
}

#[test]
fn exp_within_two_ulp_of_correctly_rounded() {
    let mut worst = 0;
    let mut x = -103.0f32;
    while x < 88.7 {
        let want = (x as f64).exp() as f32;
        let got = exp(x);
        // below 2^-126 the result is subnormal: count its error in absolute units of 2^-149
        worst = worst.max(ulps(got, want));
        x += 0.000_7;
    }
    assert!(worst <= 2, "worst {worst} ulp");
    for (x, want) in [
        (f32::NEG_INFINITY, 0.0),
        (-104.0, 0.0),
        (0.0, 1.0),
        (-0.0, 1.0),
        (f32::INFINITY, f32::INFINITY),
        (89.0, f32::INFINITY),
    ] {
        assert_eq!(exp(x), want, "exp({x})");
    }
    assert!(exp(f32::NAN).is_nan());
    assert!(exp(1e-40) == 1.0 && exp(-1e-40) == 1.0);
}

#[test]
fn vector_primitives_match_scalar() {
    let a = [0.0, -0.0, 1.0, f32::NAN, -2.0, 3.0, f32::INFINITY, 1e-40];
    let b = [-0.0, 0.0, f32::NAN, 1.0, -2.0, 4.0, 5.0, -1e-40];
    let (va, vb) = (f32x8::load(&a), f32x8::load(&b));
    let bits = |v: f32| v.to_bits();
    for k in 0..LANES {
        let lane = |v: f32x8| v.as_array()[k];
        assert_eq!(bits(lane(va.nan_max(vb))), bits(a[k].nan_max(b[k])), "{k}");
        assert_eq!(bits(lane(va.max_ps(vb))), bits(a[k].max_ps(b[k])), "{k}");
        assert_eq!(bits(lane(va.min_ps(vb))), bits(a[k].min_ps(b[k])), "{k}");
        assert_eq!(bits(lane(-va)), bits(-a[k]), "{k}");
    }
    assert_eq!(
        hsum(f32x8::load(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])),
        36.0
    );
    assert_eq!(
        hmax(f32x8::load(&[1.0, 9.0, 3.0, 4.0, -5.0, 6.0, 7.0, 8.0])),
        9.0
    );
}
