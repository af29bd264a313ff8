//! `arenagrad::gradcheck` over the pooling, batch-norm, pad and flatten ops, on shapes and
//! options from a seeded generator.
//!
//! Max pooling gets distinct values 0.15 apart (150 finite-difference steps), so no window
//! has a tie and a step never changes its argmax. Everything else is smooth in its inputs
//! (batch norm on values spread over [-2, 2], so no channel has a tiny variance). Each test
//! checks an op family and reports every failing case at once.

use arenagrad::prelude::*;

#[path = "common/checker.rs"]
mod checker;
#[path = "common/xorshift.rs"]
mod xorshift;
use checker::Checker;
use xorshift::XorShift;

/// An `[N, C, H, W]` shape with small random dims, at least `min` high and wide.
fn nchw(r: &mut XorShift, min: usize) -> Vec<usize> {
    vec![
        1 + r.below(2),
        1 + r.below(3),
        min + r.below(4),
        min + r.below(4),
    ]
}

#[test]
fn max_pool2d() {
    let mut r = XorShift::new(1);
    let mut c = Checker::new();
    for k in 1..=3 {
        for (s, p, d, ceil) in [
            (1, 0, 1, false),
            (2, k / 2, 1, false),
            (2, k / 2, 1, true),
            (1, 0, 2, false),
            (3, k / 2, 1, true),
        ] {
            let shape = nchw(&mut r, 2 * k + 1);
            let o = MaxPool2dOptions::new([k, k.max(2)])
                .stride([s, 1 + s % 2])
                .padding([p, p])
                .dilation([d, 1])
                .ceil_mode(ceil);
            let name = format!("max_pool2d {o:?}");
            c.run(&name, &[r.distinct(&shape)], move |_, v| {
                v[0].try_max_pool2d(o)
            });
        }
    }
    c.finish("max_pool2d");
}

#[test]
fn avg_pool2d() {
    let mut r = XorShift::new(2);
    let mut c = Checker::new();
    for k in 1..=3 {
        for (s, ceil) in [(1, false), (2, false), (2, true), (3, true)] {
            for include in [true, false] {
                let shape = nchw(&mut r, k);
                let o = AvgPool2dOptions::new([k, 3])
                    .stride([s, 2])
                    .padding([k / 2, 1])
                    .ceil_mode(ceil)
                    .count_include_pad(include);
                let name = format!("avg_pool2d {o:?}");
                c.run(&name, &[r.tensor(&shape, -2.0, 2.0)], move |_, v| {
                    v[0].try_avg_pool2d(o)
                });
            }
        }
    }
    c.finish("avg_pool2d");
}

#[test]
fn adaptive_avg_pool2d() {
    let mut r = XorShift::new(3);
    let mut c = Checker::new();
    for out in [[1, 1], [2, 3], [3, 2], [5, 4], [1, 6]] {
        let shape = nchw(&mut r, 1);
        let x = r.tensor(&shape, -2.0, 2.0);
        c.run(
            &format!("adaptive_avg_pool2d {out:?}"),
            &[x],
            move |_, v| v[0].try_adaptive_avg_pool2d(out),
        );
    }
    c.finish("adaptive_avg_pool2d");
}

#[test]
fn batch_norm() {
    let mut r = XorShift::new(4);
    let mut c = Checker::new();
    for shape in [
        vec![4, 3],
        vec![3, 2, 5],
        vec![2, 3, 3, 2],
        vec![5, 1],
        vec![2, 2, 1, 3],
    ] {
        let ch = shape[1];
        let (mean, var) = (r.tensor(&[ch], -0.5, 0.5), r.tensor(&[ch], 0.5, 2.0));
        let (mean, var) = (mean.data().to_vec(), var.data().to_vec());
        for affine in [false, true] {
            for train in [true, false] {
                let x = r.tensor(&shape, -2.0, 2.0);
                let mut inputs = vec![x];
                if affine {
                    inputs.push(r.signed(&[ch], 0.5, 1.5));
                    inputs.push(r.tensor(&[ch], -1.0, 1.0));
                }
                let (mean, var) = (mean.clone(), var.clone());
                let name = format!("batch_norm train {train} affine {affine}");
                c.run(&name, &inputs, move |_, v| {
                    let mode = if train {
                        BatchNormMode::Train {
                            running: None,
                            momentum: 0.1,
                            eps: 1e-5,
                        }
                    } else {
                        BatchNormMode::Eval {
                            mean: &mean,
                            var: &var,
                            eps: 1e-5,
                        }
                    };
                    v[0].try_batch_norm(v.get(1).copied(), v.get(2).copied(), mode)
                });
            }
        }
    }
    c.finish("batch_norm");
}

#[test]
fn pad_and_flatten() {
    let mut r = XorShift::new(5);
    let mut c = Checker::new();
    let cases: [(&[usize], &[isize]); 6] = [
        (&[2, 3], &[1, 2]),
        (&[1, 2, 3, 3], &[1, 1, 2, 0]),
        (&[2, 3, 4], &[-1, 2, 0, -1, 1, 0]),
        (&[5], &[-2, -1]),
        (&[2, 2, 3], &[0, 0]),
        (&[3, 4], &[2, -3, -1, 1]),
    ];
    for (shape, pads) in cases {
        let x = r.tensor(shape, -2.0, 2.0);
        c.run(&format!("pad {pads:?}"), &[x], move |_, v| {
            v[0].try_pad(pads, 0.5)
        });
    }
    for (s, e) in [(0, -1), (1, -1), (1, 2), (-2, -1)] {
        let x = r.tensor(&[2, 3, 2, 2], -2.0, 2.0);
        // flatten then a nonlinearity, so the gradient is not all ones
        c.run(&format!("flatten({s}, {e})"), &[x], move |_, v| {
            Ok(v[0].try_flatten(s, e)?.tanh())
        });
    }
    c.finish("pad and flatten");
}
