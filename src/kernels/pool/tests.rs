//! Pooling: hand-computed windows, PyTorch's output-size rule, the plane kernels against their
//! [scalar](super::scalar) twins on odd shapes (padding, stride, dilation, ceil mode), and
//! the same bits on 1 and 2 threads.

use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::Acc;

/// Distinct values in random order (no ties), from a fixed seed.
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    let mut v: Vec<f32> = (0..n).map(|k| k as f32 * 0.25 - n as f32 * 0.1).collect();
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
    v
}

fn geometry(
    planes: usize,
    hw: [usize; 2],
    k: [usize; 2],
    s: [usize; 2],
    p: [usize; 2],
    d: [usize; 2],
    ceil: bool,
) -> Option<Pool2d> {
    let axis = |i: usize| {
        let out = Axis::output_size(hw[i], k[i], s[i], p[i], d[i], ceil);
        (out >= 1).then_some(Axis {
            input: hw[i],
            output: out as usize,
            kernel: k[i],
            stride: s[i],
            padding: p[i],
            dilation: d[i],
        })
    };
    Some(Pool2d {
        planes,
        h: axis(0)?,
        w: axis(1)?,
    })
}

/// Odd geometries: every kernel 1..=3 per axis, strides 1..=3, padding up to k/2, dilation
/// 1..=2, both ceil modes, on planes up to 7 high and 41 wide (rows of more than 8 outputs
/// take the vector path).
fn geometries() -> Vec<Pool2d> {
    let mut all = Vec::new();
    for (h, w) in [(1, 1), (5, 7), (7, 3), (6, 6), (2, 5), (3, 29), (2, 41)] {
        for k in 1..=3 {
            for s in 1..=3 {
                for p in 0..=k / 2 {
                    for d in 1..=2 {
                        for ceil in [false, true] {
                            let kk = [k, 4 - k];
                            let pp = [p, p.min(kk[1] / 2)];
                            if let Some(g) =
                                geometry(3, [h, w], kk, [s, 4 - s], pp, [d, 3 - d], ceil)
                            {
                                all.push(g);
                            }
                        }
                    }
                }
            }
        }
    }
    all
}

#[test]
fn output_size_follows_pytorch() {
    // floor((7 + 2 - 3) / 2) + 1 = 4
    assert_eq!(Axis::output_size(7, 3, 2, 1, 1, false), 4);
    // 6 with k 2, s 4: floor mode 2 windows (0, 4); ceil adds none (8 >= 6)
    assert_eq!(Axis::output_size(6, 2, 4, 0, 1, true), 2);
    // dilation 2 makes a kernel of 3 span 5
    assert_eq!(Axis::output_size(5, 3, 1, 0, 2, false), 1);
    // a kernel larger than the input: output 0 (the op rejects it)
    assert_eq!(Axis::output_size(2, 3, 1, 0, 1, false), 0);
}

#[test]
fn max_pool_by_hand_with_padding() {
    // 3x3 plane, kernel 2, stride 2, padding 1: windows see x[0,0], x[0,1..3], x[1..3,0], x[1..3,1..3]
    let x = [1.0, 5.0, 2.0, 7.0, 3.0, 4.0, 6.0, 9.0, 8.0];
    let p = geometry(1, [3, 3], [2, 2], [2, 2], [1, 1], [1, 1], false).unwrap();
    let (mut y, mut arg) = ([0.0; 4], [0; 4]);
    max_pool2d(&x, &p, &mut y, &mut arg);
    assert_eq!(y, [1.0, 5.0, 7.0, 9.0]);
    assert_eq!(arg, [0, 1, 3, 7]);
    let mut dx = [0.0; 9];
    max_pool2d_backward(&[1.0, 2.0, 3.0, 4.0], &arg, &p, &mut dx, Acc::Write);
    assert_eq!(dx, [1.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0, 4.0, 0.0]);
}

#[test]
fn avg_pool_divisors_with_ceil_mode() {
    // a row of 5, kernel 2, stride 2, ceil: the last window [4, 5) is clipped at the padded
    // input's end (no padding): divisor 1 even with count_include_pad
    let p = geometry(1, [1, 5], [1, 2], [1, 2], [0, 0], [1, 1], true).unwrap();
    assert_eq!(p.w.output, 3);
    let mut y = [0.0; 3];
    avg_pool2d(&[1.0, 2.0, 3.0, 4.0, 5.0], &p, true, &mut y);
    assert_eq!(y, [1.5, 3.5, 5.0]);
    // padding 1, kernel 3, stride 2 on 4: windows [-1, 2), [1, 4), [3, 6) -> [3, 5) clipped
    // to the padded input: divisors 3, 3, 2 with padding, 2, 3, 1 without
    let p = geometry(1, [1, 4], [1, 3], [1, 2], [0, 1], [1, 1], true).unwrap();
    assert_eq!(p.w.output, 3);
    avg_pool2d(&[1.0, 2.0, 3.0, 6.0], &p, true, &mut y);
    assert_eq!(y, [1.0, 11.0 / 3.0, 3.0]);
    avg_pool2d(&[1.0, 2.0, 3.0, 6.0], &p, false, &mut y);
    assert_eq!(y, [1.5, 11.0 / 3.0, 6.0]);
}

#[test]
fn fast_paths_match_the_scalar_twins() {
    for p in geometries() {
        let x = values(p.planes * p.in_plane(), p.out_plane() as u64 + 7);
        let n = p.planes * p.out_plane();
        let (mut y, mut arg, mut y0, mut arg0) =
            (vec![0.0; n], vec![0; n], vec![0.0; n], vec![0; n]);
        max_pool2d(&x, &p, &mut y, &mut arg);
        scalar::max_pool2d(&x, &p, &mut y0, &mut arg0);
        assert_eq!((&y, &arg), (&y0, &arg0), "max {p:?}");
        if p.h.dilation == 1 && p.w.dilation == 1 {
            for include in [false, true] {
                avg_pool2d(&x, &p, include, &mut y);
                scalar::avg_pool2d(&x, &p, include, &mut y0);
                assert_eq!(y, y0, "avg {p:?} {include}");
            }
        }
    }
    for (hw, o) in [
        ([5, 7], [3, 2]),
        ([4, 4], [1, 1]),
        ([3, 2], [5, 4]),
        ([6, 6], [4, 6]),
    ] {
        let x = values(2 * hw[0] * hw[1], 3);
        let (mut y, mut y0) = (vec![0.0; 2 * o[0] * o[1]], vec![0.0; 2 * o[0] * o[1]]);
        adaptive_avg_pool2d(&x, 2, hw, o, &mut y);
        scalar::adaptive_avg_pool2d(&x, 2, hw, o, &mut y0);
        assert_eq!(y, y0, "adaptive {hw:?} -> {o:?}");
    }
}

/// Ties, −∞ and NaN: the first maximum in the window's row-major order is kept, a NaN always
/// wins (the last one), and a window of −∞ points at its first position inside the input —
/// on every odd geometry, against the scalar twin (whose per-window loop is the definition).
#[test]
fn max_pool_ties_infinities_and_nans_match_the_scalar_twin() {
    for p in geometries() {
        let n = p.planes * p.in_plane();
        let x: Vec<f32> = values(n, p.in_plane() as u64 + 3)
            .iter()
            .map(|v| match (v * 4.0) as i64 % 7 {
                0 => f32::NEG_INFINITY,
                1 if n % 3 == 0 => f32::NAN,
                k => (k % 3) as f32,
            })
            .collect();
        let m = p.planes * p.out_plane();
        let (mut y, mut arg, mut y0, mut arg0) =
            (vec![0.0; m], vec![0; m], vec![0.0; m], vec![0; m]);
        max_pool2d(&x, &p, &mut y, &mut arg);
        scalar::max_pool2d(&x, &p, &mut y0, &mut arg0);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!((bits(&y), &arg), (bits(&y0), &arg0), "{p:?}");
    }
}

/// Backward as the transpose of the forward: `<g, pool(e_i)>` for each unit input `e_i` is
/// `dx_i` (pooling is linear given the argmax; the argmax is fixed from `x`).
#[test]
fn backward_is_the_forward_transposed() {
    for p in geometries().into_iter().step_by(7) {
        let (ip, op) = (p.in_plane(), p.out_plane());
        let g = values(p.planes * op, 11);
        if p.h.dilation == 1 && p.w.dilation == 1 {
            for include in [false, true] {
                let mut dx = vec![0.0; p.planes * ip];
                avg_pool2d_backward(&g, &p, include, &mut dx, Acc::Write);
                for i in 0..p.planes * ip {
                    let mut e = vec![0.0; p.planes * ip];
                    e[i] = 1.0;
                    let mut y = vec![0.0; p.planes * op];
                    scalar::avg_pool2d(&e, &p, include, &mut y);
                    let want: f32 = y.iter().zip(&g).map(|(a, b)| a * b).sum();
                    assert!(
                        (dx[i] - want).abs() < 1e-5,
                        "avg {p:?} {i}: {} vs {want}",
                        dx[i]
                    );
                }
            }
        }
        let x = values(p.planes * ip, 5);
        let (mut y, mut arg) = (vec![0.0; p.planes * op], vec![0; p.planes * op]);
        max_pool2d(&x, &p, &mut y, &mut arg);
        let mut dx = vec![1.0; p.planes * ip];
        max_pool2d_backward(&g, &arg, &p, &mut dx, Acc::Add);
        let mut want = vec![1.0; p.planes * ip];
        for (o, &a) in arg.iter().enumerate() {
            if a != NO_ARG {
                want[o / op * ip + a] += g[o];
            }
        }
        assert_eq!(dx, want, "max {p:?}");
    }
}

#[test]
fn dilation_window_outside_the_input_has_no_arg() {
    // a row of 2, kernel 2 with dilation 3, padding 1: the one window sees positions -1 and 2,
    // both outside the input: -inf (as PyTorch) and no gradient
    let p = geometry(1, [1, 2], [1, 2], [1, 1], [0, 1], [1, 3], false).unwrap();
    assert_eq!(p.out_plane(), 1);
    let (mut y, mut arg) = ([0.0], [0]);
    max_pool2d(&[1.0, 2.0], &p, &mut y, &mut arg);
    assert_eq!((y, arg), ([f32::NEG_INFINITY], [NO_ARG]));
    let (mut y0, mut arg0) = ([0.0], [0]);
    scalar::max_pool2d(&[1.0, 2.0], &p, &mut y0, &mut arg0);
    assert_eq!((y0, arg0), (y, arg));
    let mut dx = [5.0; 2];
    max_pool2d_backward(&[1.0], &arg, &p, &mut dx, Acc::Write);
    assert_eq!(dx, [0.0; 2]);
}

#[test]
fn nan_propagates_like_pytorch() {
    let p = geometry(1, [1, 4], [1, 4], [1, 4], [0, 0], [1, 1], false).unwrap();
    let (mut y, mut arg) = ([0.0], [0]);
    max_pool2d(&[1.0, f32::NAN, 3.0, f32::NAN], &p, &mut y, &mut arg);
    assert!(y[0].is_nan());
    assert_eq!(arg, [3]); // the last NaN, as PyTorch's `val > max || isnan(val)`
}

#[test]
fn same_bits_on_1_and_2_threads() {
    // 64 planes of 48x40: above the grain, so the 2-thread run splits
    let p = geometry(64, [48, 40], [3, 3], [2, 2], [1, 1], [1, 1], true).unwrap();
    let x = values(p.planes * p.in_plane(), 1);
    let g = values(p.planes * p.out_plane(), 2);
    let run = || {
        let n = p.planes * p.out_plane();
        let (mut y, mut arg, mut a) = (vec![0.0; n], vec![0; n], vec![0.0; n]);
        max_pool2d(&x, &p, &mut y, &mut arg);
        avg_pool2d(&x, &p, false, &mut a);
        let (mut dm, mut da) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        max_pool2d_backward(&g, &arg, &p, &mut dm, Acc::Write);
        avg_pool2d_backward(&g, &p, true, &mut da, Acc::Write);
        let mut ad = vec![0.0; 64 * 5 * 3];
        adaptive_avg_pool2d(&x, 64, [48, 40], [5, 3], &mut ad);
        (y, arg, a, dm, da, ad)
    };
    let (one, two) = on_1_and_2_threads(run);
    assert!(one == two);
}
