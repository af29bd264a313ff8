//! `arenagrad::gradcheck::gradgradcheck` over the element-wise, binary, reduction and shape
//! ops: second derivatives (the recorded backward, differentiated again) with respect to the
//! inputs and to the output gradient, on random shapes from a seeded generator.
//!
//! Inputs keep clear of kinks as in `gradcheck_ops.rs` (by at least 0.05, 50 steps). Linear
//! ops (shape ops, sums) have a gradient that does not depend on their input, so each is also
//! checked squared, `op(x)·op(x)`, whose gradient `2·opᵀ(op(x)·u)` runs the op's form on a
//! value that depends on `x`. Unary ops, mul and div are also checked third order: the
//! recorded gradient of `Σ y`, differentiated twice more, runs the forms of the ops the forms
//! are written with. Each test checks an op family and reports every failure at once.

use std::slice::from_ref;

use arenagrad::prelude::*;

#[path = "common/checker.rs"]
mod checker;
#[path = "common/xorshift.rs"]
mod xorshift;
use checker::Checker;
use xorshift::XorShift;

/// The gradients of `Σ y` with respect to every input, recorded and joined: differentiated
/// twice more by gradgradcheck, a third-order check of `y`'s ops.
fn grads_of_sum<'g>(v: &[Var<'g>], y: Var<'g>) -> Result<Var<'g>> {
    let opts = GradOptions::new().create_graph(true);
    let g = grad(&[y.sum()], v, &opts)?;
    let flat = g
        .iter()
        .zip(v)
        .map(|(d, x)| d.expect("every input is used").try_reshape(&[x.numel()]))
        .collect::<Result<Vec<_>>>()?;
    Var::try_concat(&flat, 0)
}

/// Checks `op` on `inputs`, and `op(x)²` (a gradient that depends on the input).
fn run_both<F>(c: &mut Checker, name: &str, inputs: &[Tensor], op: F)
where
    F: for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>,
{
    c.run(name, inputs, |_, v| op(v));
    c.run(&format!("{name} squared"), inputs, |_, v| {
        let y = op(v)?;
        y.try_mul(y)
    });
}

#[test]
fn binary_ops_broadcast() {
    let mut c = Checker::second();
    let mut r = XorShift::new(11);
    let pairs: [(Vec<usize>, Vec<usize>); 6] = [
        (vec![2, 3], vec![2, 3]),
        (vec![2, 1, 3], vec![4, 1]),
        (vec![3, 1], vec![1, 4]),
        (vec![], vec![2, 3]),
        (vec![4], vec![]),
        (vec![1], vec![3, 1]),
    ];
    for (sa, sb) in &pairs {
        let (a, b) = (r.tensor(sa, -2.0, 2.0), r.tensor(sb, -2.0, 2.0));
        let den = r.signed(sb, 0.5, 2.0);
        run_both(&mut c, "add", &[a.clone(), b.clone()], |v| {
            v[0].try_add(v[1])
        });
        run_both(&mut c, "sub", &[a.clone(), b.clone()], |v| {
            v[0].try_sub(v[1])
        });
        c.run("mul", &[a.clone(), b.clone()], |_, v| v[0].try_mul(v[1]));
        c.run("div", &[a.clone(), den.clone()], |_, v| v[0].try_div(v[1]));
        // scalar operands: a 0-d constant on the other side
        c.run("scalar ops", from_ref(&a), |_, v| {
            Ok((2.0 - v[0] * 1.5) / 3.0 + (v[0] + 0.5) * v[0] - 1.0 / (v[0] * v[0] + 1.0))
        });
        c.run("third order mul", &[a.clone(), b.clone()], |_, v| {
            grads_of_sum(v, v[0].try_mul(v[1])?.powf(2.0))
        });
        c.run("third order div", &[a.clone(), den], |_, v| {
            grads_of_sum(v, v[0].try_div(v[1])?)
        });
        // operands on two interleaved grids 0.1 apart: never tied
        let (ga, gb) = (r.grid(sa, 0.0), r.grid(sb, 0.05));
        run_both(&mut c, "maximum", &[ga.clone(), gb.clone()], |v| {
            v[0].try_maximum(v[1])
        });
        run_both(&mut c, "minimum", &[ga, gb], |v| v[0].try_minimum(v[1]));
    }
    c.finish("binary (second order)");
}

type Unary = for<'g> fn(Var<'g>) -> Var<'g>;

#[test]
fn unary_ops_away_from_kinks() {
    // (name, op, low, high, kinks)
    let ops: &[(&str, Unary, f32, f32, &[f32])] = &[
        ("neg", |x| x.neg(), -2.0, 2.0, &[]),
        ("exp", |x| x.exp(), -2.0, 2.0, &[]),
        ("log", |x| x.log(), 0.3, 3.0, &[]),
        ("sqrt", |x| x.sqrt(), 0.3, 3.0, &[]),
        ("tanh", |x| x.tanh(), -2.0, 2.0, &[]),
        ("sigmoid", |x| x.sigmoid(), -3.0, 3.0, &[]),
        ("relu", |x| x.relu(), -2.0, 2.0, &[0.0]),
        ("gelu", |x| x.gelu(), -3.0, 3.0, &[]),
        ("gelu_tanh", |x| x.gelu_tanh(), -3.0, 3.0, &[]),
        ("softplus(1, 20)", |x| x.softplus(1.0, 20.0), -3.0, 3.0, &[]),
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
        (
            "leaky_relu(0.01)",
            |x| x.leaky_relu(0.01),
            -2.0,
            2.0,
            &[0.0],
        ),
        ("powf(2)", |x| x.powf(2.0), -2.0, 2.0, &[]),
        ("powf(3)", |x| x.powf(3.0), -2.0, 2.0, &[]),
        ("powf(0)", |x| x.powf(0.0), -2.0, 2.0, &[0.0]),
        ("powf(-1)", |x| x.powf(-1.0), 0.5, 2.0, &[]),
        ("powf(0.5)", |x| x.powf(0.5), 0.3, 3.0, &[]),
        ("powf(-1.5)", |x| x.powf(-1.5), 0.5, 3.0, &[]),
        ("powf(2.5)", |x| x.powf(2.5), 0.3, 2.0, &[]),
        ("silu", |x| x.silu(), -4.0, 4.0, &[]),
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
    let mut c = Checker::second();
    let mut r = XorShift::new(12);
    for &(name, op, lo, hi, kinks) in ops {
        for rank in [0, 1, 2, 3] {
            let shape = r.shape(rank, 4);
            let x = r.tensor_away(&shape, lo, hi, kinks);
            c.run(name, from_ref(&x), |_, v| Ok(op(v[0])));
        }
        // through a product, so the form's output-side factor (y in exp, tanh, ...) is used
        let x = r.tensor_away(&[2, 3], lo, hi, kinks);
        c.run(&format!("{name} * x"), from_ref(&x), |_, v| {
            Ok(op(v[0]) * v[0])
        });
        // times x, so the gradient of a piecewise-linear op is no constant
        c.run(&format!("third order {name} * x"), &[x], |_, v| {
            grads_of_sum(v, op(v[0]) * v[0])
        });
    }
    c.finish("unary (second order)");
}

#[test]
fn reductions_over_all_and_axes() {
    let mut c = Checker::second();
    let mut r = XorShift::new(13);
    for rank in 0..=3 {
        let shape = r.shape(rank, 4);
        let x = r.tensor(&shape, -1.0, 1.0);
        run_both(&mut c, "sum", from_ref(&x), |v| Ok(v[0].sum()));
        run_both(&mut c, "mean", from_ref(&x), |v| v[0].try_mean());
        for axis in 0..rank as isize {
            let ax = [axis, axis - rank as isize][r.below(2)];
            for keepdim in [false, true] {
                let name = format!("(axis {ax}, keepdim {keepdim})");
                run_both(&mut c, &format!("sum_axis{name}"), from_ref(&x), |v| {
                    v[0].try_sum_axis(ax, keepdim)
                });
                run_both(&mut c, &format!("mean_axis{name}"), from_ref(&x), |v| {
                    v[0].try_mean_axis(ax, keepdim)
                });
            }
        }
    }
    c.finish("reductions (second order)");
}

#[test]
fn reshape_permute_broadcast() {
    let mut c = Checker::second();
    let mut r = XorShift::new(14);
    for rank in 1..=4 {
        let shape = r.shape(rank, 4);
        let n: usize = shape.iter().product();
        let x = r.tensor(&shape, -2.0, 2.0);
        run_both(&mut c, "reshape", from_ref(&x), |v| {
            v[0].try_reshape(&[1, n, 1])
        });
        let (d0, d1) = (
            r.below(rank) as isize,
            r.below(rank) as isize - rank as isize,
        );
        run_both(
            &mut c,
            &format!("transpose({d0}, {d1})"),
            from_ref(&x),
            |v| v[0].try_transpose(d0, d1),
        );
        let mut perm: Vec<usize> = (0..rank).collect();
        for i in (1..rank).rev() {
            perm.swap(i, r.below(i + 1));
        }
        run_both(&mut c, &format!("permute{perm:?}"), from_ref(&x), |v| {
            v[0].try_permute(&perm)
        });
        let mut small = shape.clone();
        small[r.below(rank)] = 1;
        let bt = r.tensor(&small, -2.0, 2.0);
        let to: Vec<usize> = std::iter::once(3).chain(shape.iter().copied()).collect();
        run_both(&mut c, &format!("broadcast_to{to:?}"), &[bt], |v| {
            v[0].try_broadcast_to(&to)
        });
    }
    c.finish("reshape/permute/broadcast (second order)");
}
