//! The select kernels against a direct per-element reference on broadcast layouts.

use super::*;
use crate::shape::Dims;

/// The index of element `i` of `shape` in an operand of shape `of` broadcast to it.
fn offset(i: usize, shape: &[usize], of: &[usize]) -> usize {
    let s = Dims::broadcast_strides(of, shape);
    let mut rest = i;
    let mut o = 0;
    for d in (0..shape.len()).rev() {
        o += (rest % shape[d]) * s[d];
        rest /= shape[d];
    }
    o
}

/// `(out, mask, a, b)` shapes.
type Case<'a> = (&'a [usize], &'a [usize], &'a [usize], &'a [usize]);

#[test]
fn select_matches_the_definition_on_broadcasts() {
    let cases: &[Case<'_>] = &[
        (&[2, 3], &[2, 3], &[2, 3], &[2, 3]),
        (&[3, 4], &[3, 4], &[3, 1], &[1, 4]),
        (&[2, 3, 3], &[3, 3], &[2, 3, 3], &[]),
        (&[4, 2], &[4, 1], &[2], &[4, 2]),
        (&[], &[], &[], &[]),
        (&[2, 0, 3], &[1, 3], &[2, 0, 3], &[3]),
    ];
    for &(shape, ms, sa, sb) in cases {
        let n: usize = shape.iter().product();
        let numel = |s: &[usize]| s.iter().product::<usize>();
        let mask: Vec<bool> = (0..numel(ms)).map(|i| (i * 7 + 3) % 5 < 2).collect();
        let a: Vec<f32> = (0..numel(sa)).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..numel(sb)).map(|i| -(i as f32) - 0.5).collect();
        let mut m = vec![false; n];
        expand_mask(&mask, &Dims::broadcast_strides(ms, shape), shape, &mut m);
        let mut out = vec![0.0; n];
        let (stra, strb) = (
            Dims::broadcast_strides(sa, shape),
            Dims::broadcast_strides(sb, shape),
        );
        select(&m, &a, &stra, &b, &strb, shape, &mut out);
        for i in 0..n {
            let mi = mask[offset(i, shape, ms)];
            assert_eq!(m[i], mi, "{shape:?}: mask[{i}]");
            let want = if mi {
                a[offset(i, shape, sa)]
            } else {
                b[offset(i, shape, sb)]
            };
            assert_eq!(out[i], want, "{shape:?}: out[{i}]");
        }
        let g: Vec<f32> = (0..n).map(|i| 1.0 + i as f32).collect();
        let (mut da, mut db) = (vec![7.0; n], vec![7.0; n]);
        select_backward(&m, &g, true, &mut da, Acc::Write);
        select_backward(&m, &g, false, &mut db, Acc::Add);
        for i in 0..n {
            assert_eq!(da[i], if m[i] { g[i] } else { 0.0 });
            assert_eq!(db[i], 7.0 + if m[i] { 0.0 } else { g[i] });
        }
    }
}
