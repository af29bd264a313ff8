//! `arenagrad::gradcheck` over every op of the API, on random shapes from a seeded generator.
//!
//! Inputs keep clear of kinks by at least 0.05 (50 finite-difference steps): relu/abs away from
//! 0, clamp away from its bounds, maximum/minimum never tied (operands on two interleaved grids
//! 0.1 apart), max over all elements or an axis on distinct values 0.15 apart, l1/huber/
//! smooth-l1 differences away from 0 and ±delta; log, sqrt and non-integer powers get positive
//! inputs, div a denominator of size >= 0.5. Each test checks a whole op family and reports
//! every failing op at once.

use std::slice::from_ref;

use arenagrad::loss::{CrossEntropy, Reduction};
use arenagrad::prelude::*;
use arenagrad::rng::Rng;

#[path = "common/checker.rs"]
mod checker;
#[path = "common/xorshift.rs"]
mod xorshift;
use checker::Checker;
use xorshift::XorShift;

/// A shape of rank 0..=4 and one that broadcasts with it (some dims set to 1, leading dims
/// dropped), in random order.
fn broadcast_pair(r: &mut XorShift) -> (Vec<usize>, Vec<usize>) {
    let rank = r.below(5);
    let a = r.shape(rank, 4);
    let drop = r.below(a.len() + 1);
    let b: Vec<usize> = a[drop..]
        .iter()
        .map(|&d| if r.below(3) == 0 { 1 } else { d })
        .collect();
    if r.below(2) == 0 {
        (a, b)
    } else {
        (b, a)
    }
}

#[test]
fn binary_ops_broadcast() {
    let mut c = Checker::new();
    let mut r = XorShift::new(1);
    let mut pairs: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![2, 3], vec![2, 3]),
        (vec![2, 1, 3], vec![4, 1]),
        (vec![3, 1], vec![1, 4]),
        (vec![], vec![2, 3]),
        (vec![4], vec![]),
        (vec![], vec![]),
        (vec![1], vec![3, 1]),
    ];
    pairs.extend((0..8).map(|_| broadcast_pair(&mut r)));
    for (sa, sb) in &pairs {
        let (a, b) = (r.tensor(sa, -2.0, 2.0), r.tensor(sb, -2.0, 2.0));
        let den = r.signed(sb, 0.5, 2.0);
        c.run("add", &[a.clone(), b.clone()], |_, v| v[0].try_add(v[1]));
        c.run("sub", &[a.clone(), b.clone()], |_, v| v[0].try_sub(v[1]));
        c.run("mul", &[a.clone(), b.clone()], |_, v| v[0].try_mul(v[1]));
        c.run("div", &[a.clone(), den], |_, v| v[0].try_div(v[1]));
        // two grids 0.05 apart: never tied
        let (ga, gb) = (r.grid(sa, 0.05), r.grid(sb, 0.0));
        c.run("maximum", &[ga.clone(), gb.clone()], |_, v| {
            v[0].try_maximum(v[1])
        });
        c.run("minimum", &[ga, gb], |_, v| v[0].try_minimum(v[1]));
    }
    let x = r.signed(&[2, 3], 0.5, 2.0);
    c.run("var + f32", from_ref(&x), |_, v| Ok(v[0] + 2.5));
    c.run("f32 - var", from_ref(&x), |_, v| Ok(2.5 - v[0]));
    c.run("var * f32", from_ref(&x), |_, v| Ok(v[0] * -3.0));
    c.run("f32 / var", from_ref(&x), |_, v| Ok(1.5 / v[0]));
    c.run("-var", &[x], |_, v| Ok(-v[0]));
    c.finish("binary");
}

type Unary = for<'g> fn(Var<'g>) -> Var<'g>;

#[test]
fn unary_ops_away_from_kinks() {
    // (name, op, low, high, kinks)
    let ops: &[(&str, Unary, f32, f32, &[f32])] = &[
        ("neg", |x| x.neg(), -2.0, 2.0, &[]),
        ("exp", |x| x.exp(), -2.0, 2.0, &[]),
        ("log", |x| x.log(), 0.2, 3.0, &[]),
        ("sqrt", |x| x.sqrt(), 0.2, 3.0, &[]),
        ("tanh", |x| x.tanh(), -2.0, 2.0, &[]),
        ("sigmoid", |x| x.sigmoid(), -3.0, 3.0, &[]),
        ("relu", |x| x.relu(), -2.0, 2.0, &[0.0]),
        ("gelu", |x| x.gelu(), -3.0, 3.0, &[]),
        ("gelu_tanh", |x| x.gelu_tanh(), -3.0, 3.0, &[]),
        ("softplus(1, 20)", |x| x.softplus(1.0, 20.0), -3.0, 3.0, &[]),
        // beta x = threshold at x = 0.5: torch switches to x there (a jump), keep clear
        (
            "softplus(2, 1)",
            |x| x.softplus(2.0, 1.0),
            -2.0,
            2.0,
            &[0.5],
        ),
        ("abs", |x| x.abs(), -2.0, 2.0, &[0.0]),
        ("sin", |x| x.sin(), -3.0, 3.0, &[]),
        ("cos", |x| x.cos(), -3.0, 3.0, &[]),
        (
            "clamp(-0.5, 0.5)",
            |x| x.clamp(Some(-0.5), Some(0.5)),
            -1.0,
            1.0,
            &[-0.5, 0.5],
        ),
        (
            "clamp(None, 0.3)",
            |x| x.clamp(None, Some(0.3)),
            -1.0,
            1.0,
            &[0.3],
        ),
        (
            "clamp(-0.2, None)",
            |x| x.clamp(Some(-0.2), None),
            -1.0,
            1.0,
            &[-0.2],
        ),
        ("powf(2)", |x| x.powf(2.0), -2.0, 2.0, &[]),
        ("powf(3)", |x| x.powf(3.0), -2.0, 2.0, &[]),
        ("powf(0)", |x| x.powf(0.0), -2.0, 2.0, &[0.0]),
        ("powf(-1)", |x| x.powf(-1.0), 0.5, 2.0, &[]),
        ("powf(0.5)", |x| x.powf(0.5), 0.2, 3.0, &[]),
        ("powf(-1.5)", |x| x.powf(-1.5), 0.5, 3.0, &[]),
        ("powf(2.5)", |x| x.powf(2.5), 0.2, 2.0, &[]),
        ("silu", |x| x.silu(), -4.0, 4.0, &[]),
        (
            "leaky_relu(0.01)",
            |x| x.leaky_relu(0.01),
            -2.0,
            2.0,
            &[0.0],
        ),
        (
            "leaky_relu(-0.7)",
            |x| x.leaky_relu(-0.7),
            -2.0,
            2.0,
            &[0.0],
        ),
        ("elu(1)", |x| x.elu(1.0), -3.0, 2.0, &[0.0]),
        ("elu(0.4)", |x| x.elu(0.4), -3.0, 2.0, &[0.0]),
    ];
    let mut c = Checker::new();
    let mut r = XorShift::new(2);
    for &(name, op, lo, hi, kinks) in ops {
        for rank in [0, 1, 2, 3] {
            let shape = r.shape(rank, 4);
            let x = r.tensor_away(&shape, lo, hi, kinks);
            c.run(name, &[x], |_, v| Ok(op(v[0])));
        }
    }
    c.finish("unary");
}

#[test]
fn reductions_over_all_and_axes() {
    let mut c = Checker::new();
    let mut r = XorShift::new(3);
    for rank in 0..=4 {
        let shape = r.shape(rank, 4);
        let x = r.tensor(&shape, -1.0, 1.0);
        c.run("sum", from_ref(&x), |_, v| Ok(v[0].sum()));
        c.run("mean", from_ref(&x), |_, v| v[0].try_mean());
        c.run("max", &[r.distinct(&shape)], |_, v| v[0].try_max());
        for axis in 0..rank as isize {
            // every axis, once as given and once counted from the end
            let ax = [axis, axis - rank as isize][r.below(2)];
            for keepdim in [false, true] {
                let name = format!("(axis {ax}, keepdim {keepdim})");
                c.run(&format!("sum_axis{name}"), from_ref(&x), |_, v| {
                    v[0].try_sum_axis(ax, keepdim)
                });
                c.run(&format!("mean_axis{name}"), from_ref(&x), |_, v| {
                    v[0].try_mean_axis(ax, keepdim)
                });
                c.run(&format!("max_axis{name}"), &[r.distinct(&shape)], |_, v| {
                    v[0].try_max_axis(ax, keepdim)
                });
                c.run(&format!("logsumexp{name}"), from_ref(&x), |_, v| {
                    v[0].try_logsumexp(ax, keepdim)
                });
                c.run(&format!("var(correction 0){name}"), from_ref(&x), |_, v| {
                    v[0].try_var(ax, 0, keepdim)
                });
                if shape[ax.rem_euclid(rank as isize) as usize] > 1 {
                    c.run(&format!("var(correction 1){name}"), from_ref(&x), |_, v| {
                        v[0].try_var(ax, 1, keepdim)
                    });
                }
            }
        }
    }
    c.finish("reductions");
}

#[test]
fn softmax_log_softmax_layer_norm_rms_norm() {
    let mut c = Checker::new();
    let mut r = XorShift::new(4);
    for rank in 1..=3 {
        let shape = r.shape(rank, 5);
        let x = r.tensor(&shape, -2.0, 2.0);
        for ax in [-1, 0, rank as isize / 2] {
            c.run(&format!("softmax({ax})"), from_ref(&x), |_, v| {
                v[0].try_softmax(ax)
            });
            c.run(&format!("log_softmax({ax})"), from_ref(&x), |_, v| {
                v[0].try_log_softmax(ax)
            });
        }
        // layer_norm over the last dim D >= 2 (D = 1 normalises to exactly 0)
        let mut shape = shape;
        *shape.last_mut().unwrap() = 2 + r.below(5);
        let d = shape[rank - 1];
        let (x, w, b) = (
            r.tensor(&shape, -2.0, 2.0),
            r.tensor(&[d], 0.5, 1.5),
            r.tensor(&[d], -1.0, 1.0),
        );
        c.run("layer_norm(w, b)", &[x.clone(), w.clone(), b], |_, v| {
            v[0].try_layer_norm(Some(v[1]), Some(v[2]), 1e-5)
        });
        c.run("layer_norm(w)", &[x.clone(), w], |_, v| {
            v[0].try_layer_norm(Some(v[1]), None, 1e-5)
        });
        c.run("layer_norm()", from_ref(&x), |_, v| {
            v[0].try_layer_norm(None, None, 1e-3)
        });
        let w = r.tensor(&[d], 0.5, 1.5);
        c.run("rms_norm(w)", &[x.clone(), w], |_, v| {
            v[0].try_rms_norm(&[d], Some(v[1]), Some(1e-5))
        });
        c.run("rms_norm()", &[x], |_, v| {
            v[0].try_rms_norm(&[d], None, None)
        });
    }
    c.finish("softmax/norm");
}

#[test]
fn shape_ops() {
    let mut c = Checker::new();
    let mut r = XorShift::new(5);
    for rank in 1..=4 {
        let shape = r.shape(rank, 4);
        let n: usize = shape.iter().product();
        let x = r.tensor(&shape, -2.0, 2.0);
        c.run("reshape", from_ref(&x), |_, v| v[0].try_reshape(&[n]));
        c.run("reshape [1, n, 1]", from_ref(&x), |_, v| {
            v[0].try_reshape(&[1, n, 1])
        });
        let (d0, d1) = (
            r.below(rank) as isize,
            r.below(rank) as isize - rank as isize,
        );
        c.run(&format!("transpose({d0}, {d1})"), from_ref(&x), |_, v| {
            v[0].try_transpose(d0, d1)
        });
        let mut perm: Vec<usize> = (0..rank).collect();
        for i in (1..rank).rev() {
            perm.swap(i, r.below(i + 1));
        }
        c.run(&format!("permute{perm:?}"), from_ref(&x), |_, v| {
            v[0].try_permute(&perm)
        });
        let mut small = shape.clone();
        small[r.below(rank)] = 1;
        let bt = r.tensor(&small, -2.0, 2.0);
        let to: Vec<usize> = std::iter::once(3).chain(shape.iter().copied()).collect();
        c.run(&format!("broadcast_to{to:?}"), &[bt], |_, v| {
            v[0].try_broadcast_to(&to)
        });
        let ax = r.below(rank);
        let (start, len) = (r.below(shape[ax]), 1);
        let len = len + r.below(shape[ax] - start);
        c.run(
            &format!("narrow({ax}, {start}, {len})"),
            from_ref(&x),
            |_, v| v[0].try_narrow(ax as isize, start, len),
        );
        let idx = r.indices(5, shape[ax]); // repeats accumulate
        c.run(
            &format!("index_select({ax}, {idx:?})"),
            from_ref(&x),
            |_, v| v[0].try_index_select(ax as isize - rank as isize, &idx),
        );
        let mut ishape = shape.clone();
        ishape[ax] = 1 + r.below(4);
        let gidx = r.indices(ishape.iter().product(), shape[ax]);
        c.run(&format!("gather({ax})"), from_ref(&x), |_, v| {
            v[0].try_gather(ax as isize, &gidx, &ishape)
        });
        // concat 2-3 parts along ax, differing only there
        let parts: Vec<Tensor> = (0..2 + r.below(2))
            .map(|_| {
                let mut s = shape.clone();
                s[ax] = 1 + r.below(3);
                r.tensor(&s, -2.0, 2.0)
            })
            .collect();
        let cax = [ax as isize, ax as isize - rank as isize][r.below(2)];
        c.run(&format!("concat({cax})"), &parts, |_, v| {
            Var::try_concat(v, cax)
        });
    }
    let s = Tensor::scalar(0.7);
    c.run("reshape [] -> [1, 1]", from_ref(&s), |_, v| {
        v[0].try_reshape(&[1, 1])
    });
    c.run("broadcast_to [] -> [2, 3]", &[s], |_, v| {
        v[0].try_broadcast_to(&[2, 3])
    });
    for (vocab, dim, ishape) in [
        (6, 3, vec![4]),
        (5, 4, vec![2, 3]),
        (3, 2, vec![1]),
        (4, 5, vec![2, 2, 2]),
    ] {
        let w = r.tensor(&[vocab, dim], -1.0, 1.0);
        let ids = r.indices(ishape.iter().product(), vocab);
        c.run(&format!("embedding {ids:?}"), &[w], |_, v| {
            v[0].try_embedding(&ids, &ishape)
        });
    }
    c.finish("shape");
}

#[test]
fn matmul_all_ranks() {
    let mut c = Checker::new();
    let mut r = XorShift::new(6);
    for _ in 0..2 {
        let (m, k, n, b) = (
            1 + r.below(4),
            1 + r.below(5),
            1 + r.below(4),
            1 + r.below(3),
        );
        let cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
            (vec![m, k], vec![k, n]),
            (vec![b, m, k], vec![b, k, n]),
            (vec![2, 1, m, k], vec![b, k, n]), // batch dims broadcast
            (vec![b, m, k], vec![k, n]),       // N-D x 2-D
            (vec![m, k], vec![b, k, n]),       // 2-D x N-D
            (vec![k], vec![k]),                // 1-D . 1-D -> 0-d
            (vec![k], vec![k, n]),
            (vec![m, k], vec![k]),
            (vec![k], vec![b, k, n]),
            (vec![b, m, k], vec![k]),
        ];
        for (sa, sb) in cases {
            let (a, bt) = (r.tensor(&sa, -1.0, 1.0), r.tensor(&sb, -1.0, 1.0));
            c.run("matmul", &[a, bt], |_, v| v[0].try_matmul(v[1]));
        }
    }
    c.finish("matmul");
}

const NAMES: [&str; 3] = ["mean", "sum", "none"];

/// A fresh `Reduction` per use (so the test needs neither `Copy` nor `Debug` of it).
fn reduction(k: usize) -> Reduction {
    match k {
        0 => Reduction::Mean,
        1 => Reduction::Sum,
        _ => Reduction::None,
    }
}

#[test]
fn losses() {
    let mut c = Checker::new();
    let mut r = XorShift::new(7);
    for _ in 0..3 {
        let (n, classes) = (1 + r.below(5), 2 + r.below(4));
        let logits = r.tensor(&[n, classes], -2.0, 2.0);
        let t = r.indices(n, classes);
        // ignore_index: the class of row 0 if some row keeps another class (a mean over no rows
        // is NaN, as in torch), else a class no row has
        let ig = Some(if t.iter().any(|&c| c != t[0]) {
            t[0]
        } else {
            (t[0] + 1) % classes
        });
        c.run("cross_entropy", from_ref(&logits), |_, v| {
            v[0].cross_entropy(&t)
        });
        for (k, label_smoothing, ignore_index) in
            [(0, 0.1, None), (1, 0.0, None), (2, 0.2, None), (0, 0.0, ig)]
        {
            let name = format!(
                "cross_entropy_with({}, smoothing {label_smoothing}, ignore {ignore_index:?})",
                NAMES[k]
            );
            c.run(&name, from_ref(&logits), |_, v| {
                let cfg = CrossEntropy {
                    reduction: reduction(k),
                    label_smoothing,
                    ignore_index,
                };
                v[0].cross_entropy_with(&t, &cfg)
            });
        }
        c.run("nll_loss", from_ref(&logits), |_, v| v[0].nll_loss(&t));
        for (k, ignore) in [(1, None), (2, None), (0, ig)] {
            c.run(
                &format!("nll_loss_with({}, {ignore:?})", NAMES[k]),
                from_ref(&logits),
                |_, v| v[0].nll_loss_with(&t, reduction(k), ignore),
            );
        }
        let rank = r.below(4);
        let shape = r.shape(rank, 4);
        let (p, q) = (r.tensor(&shape, -2.0, 2.0), r.tensor(&shape, -2.0, 2.0));
        // pred - target away from 0 and from +-1 (l1's kink, huber/smooth-l1's switch points)
        let diff = r.tensor_away(&shape, -2.0, 2.0, &[-1.0, -0.5, 0.0, 0.5, 1.0]);
        let q2: Vec<f32> = p
            .data()
            .iter()
            .zip(diff.data())
            .map(|(a, d)| a - d)
            .collect();
        let q2 = Tensor::new(q2, &shape).unwrap();
        let prob = r.tensor(&shape, 0.0, 1.0);
        for (k, name) in NAMES.iter().enumerate() {
            let tag = format!("({name})");
            c.run(
                &format!("mse_loss_with{tag}"),
                &[p.clone(), q.clone()],
                |_, v| v[0].mse_loss_with(v[1], reduction(k)),
            );
            c.run(
                &format!("l1_loss_with{tag}"),
                &[p.clone(), q2.clone()],
                |_, v| v[0].l1_loss_with(v[1], reduction(k)),
            );
            c.run(
                &format!("huber_loss_with(1){tag}"),
                &[p.clone(), q2.clone()],
                |_, v| v[0].huber_loss_with(v[1], 1.0, reduction(k)),
            );
            c.run(
                &format!("bce_with_logits_with{tag}"),
                &[p.clone(), prob.clone()],
                |_, v| v[0].bce_with_logits_with(v[1], reduction(k)),
            );
        }
        c.run("mse_loss", &[p.clone(), q], |_, v| v[0].mse_loss(v[1]));
        c.run("l1_loss", &[p.clone(), q2.clone()], |_, v| {
            v[0].l1_loss(v[1])
        });
        c.run("huber_loss(0.5)", &[p.clone(), q2.clone()], |_, v| {
            v[0].huber_loss(v[1], 0.5)
        });
        c.run("smooth_l1_loss(0.5)", &[p.clone(), q2], |_, v| {
            v[0].smooth_l1_loss(v[1], 0.5)
        });
        c.run("bce_with_logits", &[p, prob], |_, v| {
            v[0].bce_with_logits(v[1])
        });
    }
    c.finish("losses");
}

#[test]
fn dropout_with_a_fixed_mask() {
    let mut c = Checker::new();
    let mut r = XorShift::new(8);
    let x = r.tensor(&[4, 5], -2.0, 2.0);
    // re-seeded inside f: every evaluation draws the same mask
    for (p, train) in [(0.3, true), (0.0, true), (0.5, false)] {
        c.run(
            &format!("dropout({p}, train {train})"),
            from_ref(&x),
            |_, v| v[0].dropout(p, &mut Rng::seed(5), train),
        );
    }
    c.finish("dropout");
}
