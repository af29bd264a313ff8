//! Clipping against PyTorch 2.15 (`torch.nn.utils.clip_grad_norm_` / `clip_grad_value_` on
//! three parameters whose grads are set by hand; values printed with `repr`, hand-copied).

use super::*;
use crate::tensor::Tensor;

/// Grads `[3, -4, 1.5]`, `[0.25, -2]`, `[12]` in three parameters (padding between them).
fn store(grads: &[&[f32]]) -> ParamStore {
    let mut s = ParamStore::new();
    for (i, g) in grads.iter().enumerate() {
        let p = s
            .add(&format!("p{i}"), Tensor::zeros(&[g.len()]).unwrap())
            .unwrap();
        let o = s.offset(p);
        s.flat_grad_mut()[o..o + g.len()].copy_from_slice(g);
    }
    s
}
const G: [&[f32]; 3] = [&[3.0, -4.0, 1.5], &[0.25, -2.0], &[12.0]];

/// All grads, parameter after parameter (padding skipped).
fn grads(s: &ParamStore) -> Vec<f32> {
    s.params().flat_map(|p| s.grad(p).to_vec()).collect()
}
fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

#[test]
fn l2_norm_clips_as_pytorch() {
    // clip_grad_norm_(ps, 5.0) -> 13.240562438964844
    let mut s = store(&G);
    assert_eq!(
        clip_grad_norm(&mut s, 5.0, true).unwrap(),
        13.240_562_438_964_844_f64 as f32
    );
    let want = [
        1.132_882_356_643_676_8,
        -1.510_509_729_385_376,
        0.566_441_178_321_838_4,
        0.094_406_858_086_586,
        -0.755_254_864_692_688,
        4.531_529_426_574_707,
    ];
    assert_eq!(grads(&s), f32s(&want));
    assert!(
        s.flat_grad()[3..16].iter().all(|&v| v == 0.0),
        "padding stays 0"
    );
    // max_norm 100 > norm: unchanged
    let mut s = store(&G);
    assert_eq!(clip_grad_norm(&mut s, 100.0, false).unwrap(), 13.240_562);
    assert_eq!(grads(&s), [3.0, -4.0, 1.5, 0.25, -2.0, 12.0]);
}

#[test]
fn other_orders_clip_as_pytorch() {
    // norm_type=inf, max_norm 2 -> 12.0
    let mut s = store(&G);
    assert_eq!(
        clip_grad_norm_p(&mut s, 2.0, f32::INFINITY, false).unwrap(),
        12.0
    );
    let want = [
        0.499_999_970_197_677_6,
        -0.666_666_626_930_236_8,
        0.249_999_985_098_838_8,
        0.041_666_664_183_139_8,
        -0.333_333_313_465_118_4,
        1.999_999_880_790_710_4,
    ];
    assert_eq!(grads(&s), f32s(&want));
    // norm_type=1, max_norm 2 -> 22.75
    let mut s = store(&G);
    assert_eq!(clip_grad_norm_p(&mut s, 2.0, 1.0, false).unwrap(), 22.75);
    let want = [
        0.263_736_248_016_357_4,
        -0.351_648_330_688_476_56,
        0.131_868_124_008_178_7,
        0.021_978_020_668_029_785,
        -0.175_824_165_344_238_28,
        1.054_944_992_065_429_7,
    ];
    assert_eq!(grads(&s), f32s(&want));
    // norm_type=3, max_norm 2 -> 12.23248291015625, one ulp above the correctly rounded
    // 1830.390625^(1/3) = 12.2324822498.. (12.232481956.. in f32) that the f64 sum gives
    let mut s = store(&G);
    let norm = clip_grad_norm_p(&mut s, 2.0, 3.0, false).unwrap();
    assert_eq!(norm, 12.232_481_956_481_934_f64 as f32);
    let want = [
        0.490_497_261_285_781_86,
        -0.653_996_348_381_042_5,
        0.245_248_630_642_890_93,
        0.040_874_771_773_815_155,
        -0.326_998_174_190_521_24,
        1.961_989_045_143_127_4,
    ];
    for (a, b) in grads(&s).iter().zip(f32s(&want)) {
        assert!((a - b).abs() <= 2.0 * f32::EPSILON * b.abs(), "{a} vs {b}");
    }
}

#[test]
fn a_long_buffer_matches_pytorch() {
    // a = [sin(0.37 i)·0.1 for i < 1000], b = [cos(1.3 i) for i < 37] as float32;
    // clip_grad_norm_([a, b], 1.0) -> 4.889962196350098 (f64 sum: 4.889962303202272)
    let a: Vec<f32> = (0..1000)
        .map(|i| ((0.37 * i as f64).sin() * 0.1) as f32)
        .collect();
    let b: Vec<f32> = (0..37).map(|i| (1.3 * i as f64).cos() as f32).collect();
    let mut s = store(&[&a, &b]);
    assert_eq!(
        clip_grad_norm(&mut s, 1.0, true).unwrap(),
        4.889_962_196_350_098_f64 as f32
    );
    let g = grads(&s);
    let want_a = [
        0.007_395_053_748_041_391,
        0.013_789_221_644_401_55,
        0.018_317_082_896_828_65,
    ];
    assert_eq!(g[1..4], f32s(&want_a));
    assert_eq!(
        g[1000..1002],
        f32s(&[0.204_500_511_287_882_9, 0.054_703_645_408_153_534])
    );
    // norm_type=inf: max |g| = 1 (b[0] = cos 0), b becomes [0.9999990463256836, 0.2674985...]
    let mut s = store(&[&a, &b]);
    assert_eq!(
        clip_grad_norm_p(&mut s, 1.0, f32::INFINITY, true).unwrap(),
        1.0
    );
    let want_b = [0.999_999_046_325_683_6, 0.267_498_552_799_224_85];
    assert_eq!(grads(&s)[1000..1002], f32s(&want_b));
}

#[test]
fn non_finite_norms() {
    // [1, inf], [2]: norm inf, grads [0, nan], [0]
    let mut s = store(&[&[1.0, f32::INFINITY], &[2.0]]);
    assert_eq!(clip_grad_norm(&mut s, 1.0, false).unwrap(), f32::INFINITY);
    let g = grads(&s);
    assert!(g[0] == 0.0 && g[1].is_nan() && g[2] == 0.0, "{g:?}");
    // [1, nan], [2]: norm nan, every grad nan; padding stays 0
    let mut s = store(&[&[1.0, f32::NAN], &[2.0]]);
    assert!(clip_grad_norm(&mut s, 1.0, false).unwrap().is_nan());
    assert!(grads(&s).iter().all(|v| v.is_nan()));
    assert_eq!(s.flat_grad()[2..16], [0.0; 14]);
    // error_if_nonfinite: an error naming the op and the norm; grads untouched
    let mut s = store(&[&[1.0, f32::INFINITY], &[2.0]]);
    let e = clip_grad_norm(&mut s, 1.0, true).unwrap_err().to_string();
    assert!(
        e.starts_with("clip_grad_norm: the total norm of order 2 of the gradients is inf"),
        "{e}"
    );
    assert_eq!(grads(&s)[..2], [1.0, f32::INFINITY]);
    // PyTorch's f32 squares overflow here (norm inf, grads 0); the f64 sum gives the true norm
    let mut s = store(&[&[1e20, 1e20]]);
    let norm = clip_grad_norm(&mut s, 1.0, true).unwrap();
    assert_eq!(norm, (1e20f32 as f64 * 2f64.sqrt()) as f32);
    assert!(grads(&s)
        .iter()
        .all(|&v| (v - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6));
}

#[test]
fn bad_arguments_and_empty_stores() {
    let mut s = store(&G);
    for (max, p) in [
        (-1.0, 2.0),
        (f32::NAN, 2.0),
        (1.0, 0.0),
        (1.0, -1.0),
        (1.0, f32::NAN),
    ] {
        assert!(
            clip_grad_norm_p(&mut s, max, p, false).is_err(),
            "{max} {p}"
        );
    }
    assert_eq!(grads(&s), [3.0, -4.0, 1.5, 0.25, -2.0, 12.0]);
    assert_eq!(
        clip_grad_norm(&mut ParamStore::new(), 1.0, true).unwrap(),
        0.0
    );
    let mut zero = store(&[&[0.0, 0.0]]);
    assert_eq!(clip_grad_norm(&mut zero, 0.0, true).unwrap(), 0.0);
    assert_eq!(grads(&zero), [0.0, 0.0]);
}

#[test]
fn value_clipping_as_pytorch() {
    // clip_grad_value_(ps, 2.5)
    let mut s = store(&G);
    clip_grad_value(&mut s, 2.5).unwrap();
    assert_eq!(grads(&s), [2.5, -2.5, 1.5, 0.25, -2.0, 2.5]);
    // [nan, -3, inf] with 1.0 -> [nan, -1, 1]
    let mut s = store(&[&[f32::NAN, -3.0, f32::INFINITY]]);
    clip_grad_value(&mut s, 1.0).unwrap();
    let g = grads(&s);
    assert!(g[0].is_nan() && g[1..] == [-1.0, 1.0]);
    let e = clip_grad_value(&mut s, f32::NAN).unwrap_err().to_string();
    assert_eq!(e.split(':').next(), Some("clip_grad_value"));
}
