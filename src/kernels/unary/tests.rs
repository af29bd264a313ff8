//! Every unary op's lanes against its scalar twin, forward and backward (both store modes),
//! on lengths 0..=17, 31, 33, 127, 129 and on edge values; the in-place and splat backwards
//! against the plain one.

use super::*;

const OPS: &[(Unary, u32)] = &[
    // (op, ulps allowed against the twin; 0 = bitwise, ±0 and NaN payloads aside)
    (Unary::Neg, 0),
    (Unary::Exp, 2),
    (Unary::Log, 2),
    (Unary::Sqrt, 0),
    (Unary::Tanh, 3),
    (Unary::Sigmoid, 3),
    (Unary::Relu, 0),
    (Unary::GeluErf, 4),
    (Unary::GeluTanh, 6),
    (
        Unary::Softplus {
            beta: 1.0,
            threshold: 20.0,
        },
        4,
    ),
    (
        Unary::Softplus {
            beta: 2.5,
            threshold: 3.0,
        },
        4,
    ),
    (Unary::Abs, 0),
    (Unary::Sin, 1),
    (Unary::Cos, 1),
    (Unary::Clamp { lo: -1.0, hi: 0.5 }, 0),
    (
        Unary::Clamp {
            lo: f32::NEG_INFINITY,
            hi: 2.0,
        },
        0,
    ),
    (Unary::Pow(2.0), 0),
    (Unary::Pow(3.0), 0),
    (Unary::Pow(0.5), 0),
    (Unary::Pow(-0.5), 0),
    (Unary::Pow(-1.0), 0),
    (Unary::Pow(-2.0), 0),
    (Unary::Pow(0.0), 0),
    (Unary::Pow(1.0), 0),
    (Unary::Pow(1.7), 0),
    (Unary::Silu, 4),
    (Unary::LeakyRelu { slope: 0.01 }, 0),
    (Unary::LeakyRelu { slope: -1.5 }, 0),
    (Unary::Elu { alpha: 1.0 }, 3),
    (Unary::Elu { alpha: 0.3 }, 4),
];

const EDGES: &[f32] = &[
    0.0,
    -0.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    1e30,
    -1e30,
    1e-40,
    -1e-40,
    88.8,
    -104.0,
    1.0,
    -1.0,
    0.5,
    1e7,
    -3.3,
    20.0,
];

fn ulps(a: f32, b: f32) -> f64 {
    let w = b.abs();
    let ulp = f32::from_bits(w.to_bits().max(1) + 1) - w;
    ((a as f64 - b as f64).abs() / ulp as f64).max(0.0)
}

/// Within `tol` ulps of `b`, or, for the inexact ops (`tol > 0`), within `tol` ulps of 1 in
/// absolute terms: derivatives like gelu's `½(1+t) + ½x(1−t²)u'` cancel terms of order 1
/// near their zeros, where one ulp of `t` is many ulps of the small result.
fn close(a: f32, b: f32, tol: u32) -> bool {
    let abs_ok = tol > 0 && ((a - b).abs() as f64) <= tol as f64 * f32::EPSILON as f64;
    (a.is_nan() && b.is_nan())
        || a == b
        || (a.is_finite() && b.is_finite() && (ulps(a, b) <= tol as f64 || abs_ok))
}

/// Values spread over [-6, 6] with some edge values mixed in.
fn inputs(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            if (i + seed) % 7 == 3 {
                EDGES[(i + seed) % EDGES.len()]
            } else {
                ((i * 37 + seed * 11) % 97) as f32 / 8.0 - 6.0
            }
        })
        .collect()
}

fn check(op: Unary, tol: u32, x: &[f32]) {
    let n = x.len();
    let mut y = vec![0.0; n];
    forward(op, x, &mut y);
    for (k, (&xi, &yi)) in x.iter().zip(&y).enumerate() {
        let want = op.eval(xi);
        assert!(
            close(yi, want, tol),
            "{op:?} x[{k}]={xi:e}: {yi:e} vs {want:e}"
        );
    }
    let g: Vec<f32> = (0..n).map(|i| 0.5 + (i % 5) as f32 * 0.25).collect();
    let mut dx = vec![0.0; n];
    backward(op, x, &y, &g, &mut dx, Acc::Write);
    let mut dx2 = vec![1.0; n];
    backward(op, x, &y, &g, &mut dx2, Acc::Add);
    for k in 0..n {
        let want = op.grad(x[k], y[k], g[k]);
        assert!(
            close(dx[k], want, tol),
            "{op:?}' x[{k}]={:e}: {:e} vs {want:e}",
            x[k],
            dx[k]
        );
        assert!(close(dx2[k], 1.0 + dx[k], 0), "{op:?}' accumulates");
    }
    // the in-place and broadcast-scalar forms run the same lanes
    let mut io = g.clone();
    backward_in_place(op, x, &y, &mut io);
    let (gs, mut ds, mut dd) = (vec![0.75; n], vec![0.0; n], vec![0.0; n]);
    backward(op, x, &y, &gs, &mut dd, Acc::Write);
    backward_splat(op, x, &y, 0.75, &mut ds, Acc::Write);
    for k in 0..n {
        assert!(close(io[k], dx[k], 0), "{op:?}' in place, x[{k}]");
        assert!(close(ds[k], dd[k], 0), "{op:?}' of a splat, x[{k}]");
    }
}

#[test]
fn lanes_match_twins_on_every_length() {
    for &(op, tol) in OPS {
        for n in (0..=17).chain([31, 33, 127, 129]) {
            check(op, tol, &inputs(n, n));
        }
    }
}

#[test]
fn lanes_match_twins_on_edge_values() {
    for &(op, tol) in OPS {
        check(op, tol, EDGES);
    }
}

#[test]
fn parallel_split_matches_sequential() {
    // long enough for rayon; every element computed by the same lanes wherever it falls
    let x = inputs(3 * MATH_GRAIN + 5, 1);
    for &(op, _) in OPS {
        let mut y = vec![0.0; x.len()];
        forward(op, &x, &mut y);
        let mut y1 = vec![0.0; 13];
        forward(op, &x[x.len() - 13..], &mut y1);
        assert!(y[x.len() - 13..]
            .iter()
            .zip(&y1)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

#[test]
fn pytorch_special_exponents() {
    // torch.pow(x, 0.5) is sqrt: sqrt(-0) = -0, where powf(-0, 0.5) = +0
    assert!(powf(-0.0, 0.5).is_sign_negative());
    assert_eq!(powf(4.0, -0.5), 0.5);
    assert_eq!(powf(f32::NAN, 0.0), 1.0);
    assert_eq!(powf(3.0, 3.0), 27.0);
}

/// Each op's lanes and gradient lanes in 16 lanes against 8, bit for bit (NaN payloads
/// aside): what lets the builds with AVX-512 run the unary kernels 16 wide with the 8-lane
/// form's results.
#[test]
fn sixteen_lanes_match_eight() {
    use crate::kernels::simd::Lanes;
    use wide::{f32x16, f32x8};
    let mut x = inputs(256, 3);
    x.extend_from_slice(EDGES);
    x.resize(x.len().next_multiple_of(16), 0.5);
    let (y, g) = (inputs(x.len(), 4), inputs(x.len(), 5));
    let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    for &(op, _) in OPS {
        for k in (0..x.len()).step_by(16) {
            let v16 = |s: &[f32]| f32x16::from_fn(|l| s[k + l]);
            let (f16, d16) = (
                op.lanes(v16(&x)).to_array(),
                op.grad_lanes(v16(&x), v16(&y), v16(&g)).to_array(),
            );
            for h in 0..2 {
                let v8 = |s: &[f32]| f32x8::from_fn(|l| s[k + 8 * h + l]);
                let (f8, d8) = (
                    op.lanes(v8(&x)).to_array(),
                    op.grad_lanes(v8(&x), v8(&y), v8(&g)).to_array(),
                );
                for l in 0..8 {
                    let i = k + 8 * h + l;
                    assert!(same(f8[l], f16[8 * h + l]), "{op:?} at {}", x[i]);
                    assert!(same(d8[l], d16[8 * h + l]), "{op:?}' at {}", x[i]);
                }
            }
        }
    }
}
