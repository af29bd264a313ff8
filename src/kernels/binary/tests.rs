//! Lanes against scalar twins through every layout: same shape, scalar, row and column
//! broadcasting, outer products and the general walk, on lengths 0..=17, 31, 33, 127, 129.

use super::*;
use crate::kernels::strided::for_each2;
use crate::shape::broadcast_shapes;

const OPS: [Binary; 6] = [
    Binary::Add,
    Binary::Sub,
    Binary::Mul,
    Binary::Div,
    Binary::Max,
    Binary::Min,
];
const EDGES: [f32; 12] = [
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    1e30,
    -1e-40,
    1.5,
    1.5,
    -2.0,
    3.0,
    f32::MAX,
];

fn vals(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 31 + seed * 7) % 23) as f32 / 4.0 - 2.5)
        .collect()
}

fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// The scalar reference: forward by index, partials over the full shape, summed in f64 in
/// row-major order.
fn reference(op: Binary, a: (&[f32], &[usize]), b: (&[f32], &[usize])) -> [Vec<f32>; 3] {
    let shape = broadcast_shapes("t", a.1, b.1).unwrap();
    let n: usize = shape.iter().product();
    let (sa, sb) = (
        Dims::broadcast_strides(a.1, &shape),
        Dims::broadcast_strides(b.1, &shape),
    );
    let mut y = vec![0.0; n];
    for_each2(&shape, &sa, &sb, |o, i, j| y[o] = op.eval(a.0[i], b.0[j]));
    let g = vals(n, 3);
    let mut grads = [vec![0.0f64; a.0.len()], vec![0.0f64; b.0.len()]];
    for_each2(&shape, &sa, &sb, |o, i, j| {
        grads[0][i] += op.partial(0, g[o], a.0[i], b.0[j], y[o]) as f64;
        grads[1][j] += op.partial(1, g[o], a.0[i], b.0[j], y[o]) as f64;
    });
    let [ga, gb] = grads.map(|v| v.iter().map(|&x| x as f32).collect());
    [y, ga, gb]
}

fn check(op: Binary, (a, sa): (&[f32], &[usize]), (b, sb): (&[f32], &[usize])) {
    let shape = broadcast_shapes("t", sa, sb).unwrap();
    let [want_y, want_ga, want_gb] = reference(op, (a, sa), (b, sb));
    let mut y = vec![0.0; want_y.len()];
    forward(op, (a, sa), (b, sb), &shape, &mut y);
    for (k, (u, v)) in y.iter().zip(&want_y).enumerate() {
        assert!(same(*u, *v), "{op:?} {sa:?} {sb:?} y[{k}]: {u} vs {v}");
    }
    let g = vals(y.len(), 3);
    for (which, want) in [(0, &want_ga), (1, &want_gb)] {
        let mut got = vec![0.0; want.len()];
        match plan(sa, sb, &shape) {
            Some(p) => backward(op, which, &p, (&g, a, b, &y), &mut got, Acc::Write),
            None => {
                let mut full = vec![0.0; y.len()];
                backward_general(op, which, (a, sa), (b, sb), (&g, &y, &shape), &mut full);
                let s = Dims::broadcast_strides(if which == 0 { sa } else { sb }, &shape);
                let mut acc = vec![0.0f64; got.len()];
                crate::kernels::strided::for_each1(&shape, &s, |i, o| acc[o] += full[i] as f64);
                got = acc.iter().map(|&v| v as f32).collect();
            }
        }
        for (k, (u, v)) in got.iter().zip(want.iter()).enumerate() {
            let ok = same(*u, *v) || (u - v).abs() <= 1e-6 * v.abs().max(1.0);
            assert!(ok, "{op:?} {sa:?} {sb:?} grad{which}[{k}]: {u} vs {v}");
        }
        // Add mode adds the same values
        if let Some(p) = plan(sa, sb, &shape) {
            let mut twice = got.clone();
            backward(op, which, &p, (&g, a, b, &y), &mut twice, Acc::Add);
            assert!(twice.iter().zip(&got).all(|(t, u)| same(*t, u + u)));
        }
    }
}

#[test]
fn every_layout_and_length() {
    for op in OPS {
        for n in (0..=17).chain([31, 33, 127, 129]) {
            let (x, z) = (vals(n, 1), vals(n, 2));
            let (x3, z5) = (vals(3 * n, 4), vals(5 * n, 5));
            check(op, (&x, &[n]), (&z, &[n])); // same shape
            check(op, (&x, &[n]), (&[1.25], &[])); // scalar rhs
            check(op, (&[-0.5], &[1]), (&z, &[n])); // scalar lhs
            check(op, (&x3, &[3, n]), (&z, &[n])); // row broadcast
            check(op, (&x, &[n]), (&z5, &[5, n])); // row broadcast, lhs
            check(op, (&x3, &[n, 3]), (&x, &[n, 1])); // column broadcast
            check(op, (&x, &[n, 1]), (&z, &[1, n])); // outer product
            check(op, (&x3, &[1, 3, n]), (&z5[..2 * n], &[2, 1, n])); // general walk
        }
    }
}

#[test]
fn edge_values() {
    let e = &EDGES[..];
    let r: Vec<f32> = EDGES.iter().rev().copied().collect();
    for op in OPS {
        check(op, (e, &[12]), (&r, &[12]));
        check(op, (e, &[3, 4]), (&r[..4], &[4]));
        check(op, (e, &[12]), (&[f32::NAN], &[]));
        check(op, (e, &[12]), (&[-0.0], &[]));
    }
}

#[test]
fn empty_outputs_still_write_zero_gradients() {
    // [0, 3] + [3]: the rhs gradient is a sum over no rows
    let p = plan(&[0, 3], &[3], &[0, 3]).unwrap();
    let mut gb = [7.0; 3];
    backward(
        Binary::Add,
        1,
        &p,
        (&[], &[], &[1.0, 2.0, 3.0], &[]),
        &mut gb,
        Acc::Write,
    );
    assert_eq!(gb, [0.0; 3]);
}

#[test]
fn same_shape_entry_points_match_the_planned_kernels_bitwise() {
    // lengths across the lane body, the tail, and (200_000) several parallel chunks
    for n in [0, 1, 7, 8, 17, 129, 200_000] {
        let (a, b, g) = (vals(n, 1), vals(n, 2), vals(n, 3));
        let p = plan(&[n], &[n], &[n]).unwrap();
        for op in OPS {
            let (mut y, mut want) = (vec![0.0; n], vec![0.0; n]);
            forward_same(op, &a, &b, &mut y);
            forward(op, (&a, &[n]), (&b, &[n]), &[n], &mut want);
            assert!(y.iter().zip(&want).all(|(x, w)| x.to_bits() == w.to_bits()));
        }
        for (acc_a, acc_b) in [(Acc::Write, Acc::Add), (Acc::Add, Acc::Write)] {
            let (mut ga, mut gb) = (vals(n, 4), vals(n, 5));
            let (mut wa, mut wb) = (ga.clone(), gb.clone());
            mul_backward_both((&g, &a, &b), (&mut ga, acc_a), (&mut gb, acc_b));
            backward(Binary::Mul, 0, &p, (&g, &a, &b, &g), &mut wa, acc_a);
            backward(Binary::Mul, 1, &p, (&g, &a, &b, &g), &mut wb, acc_b);
            assert_eq!((ga, gb), (wa, wb), "n = {n}");
        }
    }
}
