use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::simd::testing::{same_bits, values, EDGES, LENS};

#[test]
fn scale_and_clamp_match_scalar_bit_for_bit() {
    for &n in &LENS {
        let mut x = values(n, n as u32, 3.0);
        for (k, e) in EDGES.iter().enumerate() {
            if n > 0 {
                x[(k * 3) % n] = *e;
            }
        }
        let mut y = x.clone();
        scale(&mut y, 0.37);
        let want: Vec<f32> = x.iter().map(|v| v * 0.37).collect();
        same_bits("scale", &y, &want);
        for (lo, hi) in [(-1.0, 1.0), (0.0, 0.5), (-0.0, 0.0)] {
            let mut y = x.clone();
            clamp(&mut y, lo, hi);
            let want: Vec<f32> = x.iter().map(|v| v.clamp(lo, hi)).collect();
            same_bits(&format!("clamp {lo} {hi}"), &y, &want);
        }
    }
}

#[test]
fn norms_give_the_same_bits_on_1_and_2_threads() {
    // 10 chunks and a tail: the chunk sums meet in a fixed tree whatever the threads
    let x = values(10 * CLIP.chunk + 12_345, 3, 1.0);
    let (one, two) = on_1_and_2_threads(|| (sum_squares(&x), sum_abs_pow(&x, 3.0)));
    assert_eq!(one.0.to_bits(), two.0.to_bits());
    assert_eq!(one.1.to_bits(), two.1.to_bits());
    // one chunk: exactly the lane sum
    let y = &x[..CLIP.chunk];
    assert_eq!(
        sum_squares(y).to_bits(),
        lane_sum(y, |v| (v as f64) * (v as f64)).to_bits()
    );
    let mut big = x.clone();
    let (a, b) = on_1_and_2_threads(|| {
        let mut z = big.clone();
        scale(&mut z, -1.5);
        clamp(&mut z, -0.5, 0.25);
        z
    });
    same_bits("scale+clamp 1 vs 2 threads", &a, &b);
    big.iter_mut()
        .for_each(|v| *v = (*v * -1.5).clamp(-0.5, 0.25));
    same_bits("scale+clamp vs scalar", &a, &big);
}

#[test]
fn sums_against_a_plain_loop_on_every_length() {
    for n in 0..=2 * LANES + 1 {
        let x: Vec<f32> = (0..n).map(|i| (i as f32 - 4.5) * 0.75).collect();
        let plain: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
        assert_eq!(sum_squares(&x), plain, "n = {n}"); // small exact sums: no rounding
        let l1: f64 = x.iter().map(|&v| v.abs() as f64).sum();
        assert_eq!(sum_abs_pow(&x, 1.0), l1);
        assert!((sum_abs_pow(&x, 2.0) - plain).abs() <= 1e-12 * plain);
        let m = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert_eq!(max_abs(&x), m);
    }
}

#[test]
fn accuracy_of_a_long_sum() {
    // 10⁶ copies of 0.1f32: Σ x² = 10⁶ · 0.1f32² computed exactly in f64 up to its own
    // rounding; an f32 running sum would be off in the 3rd digit
    let x = vec![0.1f32; 1_000_000];
    let exact = 1e6 * (0.1f32 as f64).powi(2);
    assert!((sum_squares(&x) - exact).abs() <= 1e-9 * exact);
}

#[test]
fn edge_values() {
    assert_eq!(sum_squares(&[3.0, -4.0]), 25.0);
    assert_eq!(
        sum_squares(&[f32::MAX, f32::MAX]).sqrt() as f32,
        f32::INFINITY
    );
    let big = sum_squares(&[1e20, 1e20]).sqrt(); // no overflow in f64
    assert!((big / (1e20f32 as f64 * 2f64.sqrt()) - 1.0).abs() < 1e-15);
    assert!(sum_squares(&[1.0, f32::NAN]).is_nan());
    assert_eq!(sum_squares(&[f32::INFINITY, 1.0]), f64::INFINITY);
    assert!(max_abs(&[1.0, f32::NAN, 5.0]).is_nan());
    assert_eq!(max_abs(&[-0.0, -3.0, f32::NEG_INFINITY]), f32::INFINITY);
    assert_eq!(max_abs(&[]), 0.0);
    let mut x = [1.0, -2.0, f32::NAN, 0.0];
    scale(&mut x, 0.5);
    assert_eq!(x[..2], [0.5, -1.0]);
    clamp(&mut x, -0.75, 0.75);
    assert_eq!((x[0], x[1], x[3]), (0.5, -0.75, 0.0));
    assert!(x[2].is_nan());
}
