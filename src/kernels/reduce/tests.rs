use super::*;

// x = [[[0,1],[2,3],[4,5]], [[6,7],[8,9],[10,11]]], shape [2,3,2]
fn x232() -> Vec<f32> {
    (0..12).map(|v| v as f32).collect()
}

#[test]
fn layouts() {
    let l = AxisLayout::new(&[2, 3, 4], 1);
    assert_eq!((l.outer, l.len, l.inner), (2, 3, 4));
    assert_eq!(
        AxisLayout::new(&[], 0),
        AxisLayout {
            outer: 1,
            len: 1,
            inner: 1
        }
    );
    assert_eq!(AxisLayout::new(&[5], 0).reduced(), 1);
}

#[test]
fn axis_sums_every_axis() {
    let x = x232();
    let mut o = [0.0; 6];
    // axis 0: x[0] + x[1] = [6, 8, 10, 12, 14, 16]
    sum_axis(&x, AxisLayout::new(&[2, 3, 2], 0), 1.0, &mut o, Acc::Write);
    assert_eq!(o, [6.0, 8.0, 10.0, 12.0, 14.0, 16.0]);
    let mut o = [0.0; 4];
    // axis 1: [0+2+4, 1+3+5, 6+8+10, 7+9+11] = [6, 9, 24, 27]
    sum_axis(&x, AxisLayout::new(&[2, 3, 2], 1), 1.0, &mut o, Acc::Write);
    assert_eq!(o, [6.0, 9.0, 24.0, 27.0]);
    let mut o = [1.0; 6];
    // axis 2, mean (scale 1/2), added to 1: pairs sum 1, 5, 9, 13, 17, 21
    sum_axis(&x, AxisLayout::new(&[2, 3, 2], 2), 0.5, &mut o, Acc::Add);
    assert_eq!(o, [1.5, 3.5, 5.5, 7.5, 9.5, 11.5]);
}

#[test]
fn wide_inner_spans_several_blocks() {
    // [3, 150]: column j sums j + (150 + j) + (300 + j) = 450 + 3j
    let x: Vec<f32> = (0..450).map(|v| v as f32).collect();
    let mut o = vec![0.0; 150];
    sum_axis(&x, AxisLayout::new(&[3, 150], 0), 1.0, &mut o, Acc::Write);
    assert!(o
        .iter()
        .enumerate()
        .all(|(j, &v)| v == 450.0 + 3.0 * j as f32));
    // an empty axis sums to 0
    let mut o = [7.0; 2];
    sum_axis(&[], AxisLayout::new(&[2, 0], 1), 1.0, &mut o, Acc::Write);
    assert_eq!(o, [0.0, 0.0]);
}

#[test]
fn f64_accumulation() {
    // 1e8 + 1 + 1 + ... in f32 would stay 1e8; in f64 the ones add up
    let mut x = vec![1.0f32; 101];
    x[0] = 1e8;
    assert_eq!(sum(&x), 1e8 + 100.0);
}

#[test]
fn broadcast_back_over_axis() {
    let mut out = [0.0; 6];
    // g [2,1] over axis 1 of [2,3], scale 1/3
    broadcast_axis(
        &[3.0, 6.0],
        AxisLayout::new(&[2, 3], 1),
        1.0 / 3.0,
        &mut out,
        Acc::Write,
    );
    assert_eq!(out, [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    broadcast_axis(
        &[1.0, 2.0, 3.0],
        AxisLayout::new(&[2, 3], 0),
        1.0,
        &mut out,
        Acc::Add,
    );
    assert_eq!(out, [2.0, 3.0, 4.0, 3.0, 4.0, 5.0]);
}

#[test]
fn max_all_and_ties() {
    assert_eq!(max_all(&[]), None);
    assert_eq!(max_all(&[1.0, 3.0, -2.0, 3.0]), Some(3.0));
    assert!(max_all(&[1.0, f32::NAN, 3.0]).unwrap().is_nan());
    assert!(max_all(&[f32::NAN, 3.0]).unwrap().is_nan());
    let mut out = [9.0; 4];
    // two elements tie at 3: each gets g/2
    max_all_backward(&[1.0, 3.0, -2.0, 3.0], 3.0, 4.0, &mut out, Acc::Write);
    assert_eq!(out, [0.0, 2.0, 0.0, 2.0]);
    max_all_backward(&[f32::NAN, 1.0], f32::NAN, 1.0, &mut out[..2], Acc::Add);
    assert_eq!(out[..2], [1.0, 2.0]);
}

#[test]
fn max_axis_first_argmax() {
    // [2,3] rows [1,5,5] and [-1,-3,-2]: maxima 5 (first at 1) and -1 (at 0)
    let x = [1.0, 5.0, 5.0, -1.0, -3.0, -2.0];
    let l = AxisLayout::new(&[2, 3], 1);
    let (mut v, mut a) = ([0.0; 2], [9usize; 2]);
    max_axis(&x, l, &mut v, &mut a);
    assert_eq!((v, a), ([5.0, -1.0], [1, 0]));
    // axis 0: columns (1,-1), (5,-3), (5,-2)
    let l0 = AxisLayout::new(&[2, 3], 0);
    let (mut v, mut a) = ([0.0; 3], [9usize; 3]);
    max_axis(&x, l0, &mut v, &mut a);
    assert_eq!((v, a), ([1.0, 5.0, 5.0], [0, 0, 0]));
    // NaN wins at its first position
    let (mut v, mut a) = ([0.0; 1], [9usize; 1]);
    max_axis(
        &[1.0, f32::NAN, 2.0, f32::NAN],
        AxisLayout::new(&[4], 0),
        &mut v,
        &mut a,
    );
    assert!(v[0].is_nan() && a[0] == 1);
    // backward routes g to the argmax only
    let mut out = [7.0; 6];
    max_axis_backward(&[10.0, 20.0], &[1, 0], l, &mut out, Acc::Write);
    assert_eq!(out, [0.0, 10.0, 0.0, 20.0, 0.0, 0.0]);
}

#[test]
fn broadcast_sum_back() {
    // full [2,3] summed back to [1,3] (strides [0,1]) and to [2,1] (strides [1,0])
    let full = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut cols = [0.0; 3];
    sum_to_broadcast(&full, &[2, 3], &[0, 1], &mut cols, Acc::Write);
    assert_eq!(cols, [5.0, 7.0, 9.0]);
    let mut rows = [1.0; 2];
    sum_to_broadcast(&full, &[2, 3], &[1, 0], &mut rows, Acc::Add);
    assert_eq!(rows, [7.0, 16.0]);
}

// ---- lanes against scalar twins (the sequential loops these kernels replaced) ----

const LENS: [usize; 22] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 33, 127, 129,
];

fn vals(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 * 8.0 - 4.0
        })
        .collect()
}

fn sum_twin(x: &[f32]) -> f64 {
    x.iter().map(|&v| v as f64).sum()
}

fn max_all_twin(x: &[f32]) -> Option<f32> {
    let (&first, rest) = x.split_first()?;
    Some(
        rest.iter()
            .fold(first, |m, &v| if m.is_nan() || v <= m { m } else { v }),
    )
}

fn max_axis_twin(x: &[f32], l: AxisLayout) -> (Vec<f32>, Vec<usize>) {
    let (mut out, mut arg) = (vec![0.0; l.reduced()], vec![0; l.reduced()]);
    for o in 0..l.outer {
        for i in 0..l.inner {
            let at = |k: usize| x[(o * l.len + k) * l.inner + i];
            let (mut best, mut idx) = (at(0), 0);
            for k in 1..l.len {
                if best.is_nan() {
                    break;
                }
                let v = at(k);
                if v > best || v.is_nan() {
                    (best, idx) = (v, k);
                }
            }
            (out[o * l.inner + i], arg[o * l.inner + i]) = (best, idx);
        }
    }
    (out, arg)
}

fn close(a: f32, b: f64) -> bool {
    (a as f64 - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn sums_match_twins_on_every_length_and_layout() {
    for n in LENS {
        let x = vals(n, n as u64);
        assert!(close(sum(&x), sum_twin(&x)), "sum of {n}");
        for (outer, inner) in [(1, 1), (3, 1), (1, 5), (2, 9), (2, 70)] {
            let l = AxisLayout {
                outer,
                len: n,
                inner,
            };
            let x = vals(l.numel(), 7);
            let mut got = vec![1.0; l.reduced()];
            let mut want = vec![1.0; l.reduced()];
            sum_axis(&x, l, 0.5, &mut got, Acc::Add);
            sum_axis_map(l, 0.5, &mut want, Acc::Add, |e0, s| {
                for (j, s) in s.iter_mut().enumerate() {
                    *s += x[e0 + j] as f64;
                }
            });
            assert!(
                got.iter().zip(&want).all(|(a, b)| close(*a, *b as f64)),
                "{l:?}"
            );
            // broadcast back: exact
            let g = vals(l.reduced(), 3);
            let mut got = vec![2.0; l.numel()];
            broadcast_axis(&g, l, 0.25, &mut got, Acc::Add);
            for o in 0..outer {
                for k in 0..n {
                    for i in 0..inner {
                        let e = (o * n + k) * inner + i;
                        assert_eq!(got[e], 2.0 + 0.25 * g[o * inner + i]);
                    }
                }
            }
        }
    }
}

#[test]
fn max_matches_twins_on_every_length_and_edge_values() {
    let edges = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -1e-40,
        3.0,
    ];
    for n in LENS {
        let mut x = vals(n, n as u64 + 1);
        assert_eq!(max_all(&x), max_all_twin(&x));
        for (i, e) in edges.iter().enumerate().filter(|(i, _)| *i < n) {
            x[(i * 5) % n] = *e;
        }
        assert_eq!(max_all(&x), max_all_twin(&x));
        if n > 0 {
            x[n / 2] = f32::NAN;
            assert!(max_all(&x).unwrap().is_nan());
            for (outer, inner) in [(1, 1), (4, 1), (2, 3), (1, 17)] {
                let l = AxisLayout {
                    outer,
                    len: n,
                    inner,
                };
                let mut y = vals(l.numel(), 5);
                y[l.numel() / 3] = f32::NAN;
                let (mut v, mut a) = (vec![0.0; l.reduced()], vec![9; l.reduced()]);
                max_axis(&y, l, &mut v, &mut a);
                let (tv, ta) = max_axis_twin(&y, l);
                assert_eq!(a, ta, "{l:?}");
                assert!(v.iter().zip(&tv).all(|(p, q)| p.to_bits() == q.to_bits()));
            }
            // ties share the gradient
            let m = max_all(&x[..n / 2]).unwrap_or(0.0);
            let mut out = vec![0.0; n];
            max_all_backward(&x, m, 2.0, &mut out, Acc::Write);
            let c = x.iter().filter(|&&v| v == m).count();
            for (o, &v) in out.iter().zip(&x) {
                assert_eq!(*o, if v == m { 2.0 / c as f32 } else { 0.0 });
            }
        }
    }
}

#[test]
fn bitwise_identical_on_1_and_2_threads() {
    use crate::kernels::binary::{backward, Binary};
    use crate::kernels::strided::plan;
    let n = 3 << 20; // 3M: several fixed parts, several tasks
    let x = vals(n, 11);
    let run = || {
        let mut bits = vec![sum64(&x).to_bits(), max_all(&x).unwrap().to_bits() as u64];
        for (outer, len, inner) in [
            (1, n, 1),
            (3, n / 3, 1),
            (1, n / 1024, 1024),
            (6, n / 48, 8),
        ] {
            let l = AxisLayout { outer, len, inner };
            let mut out = vec![0.0; l.reduced()];
            sum_axis(&x, l, 1.0, &mut out, Acc::Write);
            bits.extend(out.iter().map(|v| v.to_bits() as u64));
            sum_axis_map(l, 0.5, &mut out, Acc::Add, |e0, s| {
                for (j, s) in s.iter_mut().enumerate() {
                    *s += (x[e0 + j] * x[e0 + j]) as f64;
                }
            });
            bits.extend(out.iter().map(|v| v.to_bits() as u64));
        }
        // binary backward reductions: scalar, row and column operands
        let (y, g) = (vals(n, 12), vals(n, 13));
        for b_shape in [&[][..], &[1024][..], &[n / 1024, 1][..]] {
            let b = vals(b_shape.iter().product(), 14);
            let p = plan(&[n / 1024, 1024], b_shape, &[n / 1024, 1024]).unwrap();
            let mut gb = vec![0.0; b.len()];
            backward(Binary::Mul, 1, &p, (&g, &x, &b, &y), &mut gb, Acc::Write);
            bits.extend(gb.iter().map(|v| v.to_bits() as u64));
        }
        bits
    };
    let (one, two) = crate::kernels::par::on_1_and_2_threads(run);
    assert!(one == two, "results differ between 1 and 2 threads");
}
