//! `arenagrad::gradcheck::gradgradcheck` over the ops that move or pick values: max (over all
//! and along an axis), where/masked_fill, narrow, concat, split, chunk, stack, index_select,
//! embedding, gather, pad and flatten, on random shapes and indices from a seeded generator.
//!
//! These are linear in their input away from ties (max), so each is checked both as is (the
//! output-gradient part of the check) and squared, `op(x)·op(x)`, whose gradient
//! `2·opᵀ(op(x)·u)` runs the op's form on a value that depends on `x`, and third order, the
//! recorded gradient of `Σ op(x)³` differentiated twice more, which runs the forms of the
//! gradient ops themselves (index_add, scatter_add, keep_where, pad of a narrow, ...). Max gets distinct
//! values 0.15 apart (no tie, no argmax change within a step). Repeated indices accumulate.

use std::slice::from_ref;

use arenagrad::prelude::*;

#[path = "common/checker.rs"]
mod checker;
#[path = "common/xorshift.rs"]
mod xorshift;
use checker::Checker;
use xorshift::XorShift;

/// The gradients of `Σ y³` with respect to every input, recorded and joined: a function
/// whose gradient runs the forms of the gradient ops (third order in `op`).
fn grads_of_cube<'g>(v: &[Var<'g>], y: Var<'g>) -> Result<Var<'g>> {
    let s = y.powf(3.0).sum();
    let opts = GradOptions::new().create_graph(true).allow_unused(true);
    let g = grad(&[s], v, &opts)?;
    let flat = g
        .iter()
        .zip(v)
        .map(|(d, x)| match d {
            Some(d) => d.try_reshape(&[x.numel()]),
            None => Ok(x.detach().try_reshape(&[x.numel()])? * 0.0),
        })
        .collect::<Result<Vec<_>>>()?;
    Var::try_concat(&flat, 0)
}

/// Checks `op` on `inputs`, `op(x)²`, and third order (`grads_of_cube`).
fn run_both<F>(c: &mut Checker, name: &str, inputs: &[Tensor], op: F)
where
    F: for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>,
{
    c.run(name, inputs, |_, v| op(v));
    c.run(&format!("{name} squared"), inputs, |_, v| {
        let y = op(v)?;
        y.try_mul(y)
    });
    c.run(&format!("third order {name}"), inputs, |_, v| {
        grads_of_cube(v, op(v)?)
    });
}

#[test]
fn max_over_all_and_axes() {
    let mut c = Checker::second();
    let mut r = XorShift::new(21);
    for rank in 0..=4 {
        let shape = r.shape(rank, 4);
        let x = r.distinct(&shape);
        run_both(&mut c, "max", from_ref(&x), |v| v[0].try_max());
        for axis in 0..rank as isize {
            let ax = [axis, axis - rank as isize][r.below(2)];
            for keepdim in [false, true] {
                run_both(
                    &mut c,
                    &format!("max_axis({ax}, {keepdim})"),
                    from_ref(&x),
                    |v| v[0].try_max_axis(ax, keepdim),
                );
            }
        }
    }
    c.finish("max (second order)");
}

#[test]
fn where_and_masked_fill_broadcast() {
    let mut c = Checker::second();
    let mut r = XorShift::new(22);
    // (mask, a, b) shapes that broadcast together
    let cases: [[Vec<usize>; 3]; 5] = [
        [vec![2, 3], vec![2, 3], vec![2, 3]],
        [vec![3, 1], vec![1, 4], vec![3, 4]],
        [vec![2, 3], vec![3], vec![]],
        [vec![4], vec![2, 1], vec![1, 4]],
        [vec![1, 2, 1], vec![3, 1, 1], vec![2, 2]],
    ];
    for [ms, sa, sb] in &cases {
        let bits: Vec<bool> = (0..ms.iter().product()).map(|_| r.below(2) == 0).collect();
        let m = Mask::new(bits, ms).unwrap();
        let (a, b) = (r.tensor(sa, -2.0, 2.0), r.tensor(sb, -2.0, 2.0));
        run_both(
            &mut c,
            &format!("where {ms:?}"),
            &[a.clone(), b.clone()],
            |v| Var::try_where_cond(&m, v[0], v[1]),
        );
        run_both(&mut c, &format!("masked_fill {ms:?}"), from_ref(&a), |v| {
            v[0].try_masked_fill(&m, 0.75)
        });
        // through sin, so the routed gradient carries cos(a) and the second derivative -sin(a)
        c.run(&format!("where(sin) {ms:?}"), &[a, b], |_, v| {
            Var::try_where_cond(&m, v[0].sin(), v[1] * v[1])
        });
    }
    c.finish("where/masked_fill (second order)");
}

#[test]
fn narrow_concat_split_stack() {
    let mut c = Checker::second();
    let mut r = XorShift::new(23);
    for rank in 1..=4 {
        let shape = r.shape(rank, 4);
        let x = r.tensor(&shape, -2.0, 2.0);
        let ax = r.below(rank);
        let start = r.below(shape[ax]);
        let len = 1 + r.below(shape[ax] - start);
        run_both(
            &mut c,
            &format!("narrow({ax}, {start}, {len})"),
            from_ref(&x),
            |v| v[0].try_narrow(ax as isize, start, len),
        );
        let parts: Vec<Tensor> = (0..2 + r.below(2))
            .map(|_| {
                let mut s = shape.clone();
                s[ax] = 1 + r.below(3);
                r.tensor(&s, -2.0, 2.0)
            })
            .collect();
        let cax = [ax as isize, ax as isize - rank as isize][r.below(2)];
        run_both(&mut c, &format!("concat({cax})"), &parts, |v| {
            Var::try_concat(v, cax)
        });
        // pieces used with different weights, one of them unused when there are three
        let chunks = 1 + r.below(3);
        c.run(&format!("chunk({chunks}, {ax})"), from_ref(&x), |_, v| {
            let p = v[0].try_chunk(chunks, ax as isize)?;
            let mut y = (p[0] * p[0]).sum();
            if let Some(q) = p.get(1) {
                y = y + (q.sin() * 2.0).sum();
            }
            Ok(y)
        });
        let first = r.below(shape[ax] + 1);
        c.run(&format!("split({ax}, {first})"), from_ref(&x), |_, v| {
            let p = v[0].try_split(&[first, shape[ax] - first], ax as isize)?;
            Var::try_concat(&[p[1] * p[1], p[0].exp()], ax as isize)
        });
        let sax = r.below(rank + 2) as isize - (rank as isize + 1) * r.below(2) as isize;
        let y = r.tensor(&shape, -2.0, 2.0);
        run_both(&mut c, &format!("stack({sax})"), &[x, y], |v| {
            Var::try_stack(v, sax)
        });
    }
    c.finish("narrow/concat/split/stack (second order)");
}

#[test]
fn index_select_gather_embedding() {
    let mut c = Checker::second();
    let mut r = XorShift::new(24);
    for rank in 1..=4 {
        let shape = r.shape(rank, 4);
        let x = r.tensor(&shape, -2.0, 2.0);
        let ax = r.below(rank);
        let idx = r.indices(5, shape[ax]); // repeats accumulate
        run_both(
            &mut c,
            &format!("index_select({ax}, {idx:?})"),
            from_ref(&x),
            |v| v[0].try_index_select(ax as isize - rank as isize, &idx),
        );
        let mut ishape = shape.clone();
        ishape[ax] = 1 + r.below(4);
        let gidx = r.indices(ishape.iter().product(), shape[ax]);
        run_both(
            &mut c,
            &format!("gather({ax}) {ishape:?}"),
            from_ref(&x),
            |v| v[0].try_gather(ax as isize, &gidx, &ishape),
        );
    }
    for (vocab, dim, ishape) in [(6, 3, vec![4]), (5, 4, vec![2, 3]), (4, 2, vec![2, 2, 2])] {
        let w = r.tensor(&[vocab, dim], -1.0, 1.0);
        let ids = r.indices(ishape.iter().product(), vocab);
        run_both(&mut c, &format!("embedding {ids:?}"), &[w], |v| {
            v[0].try_embedding(&ids, &ishape)
        });
    }
    c.finish("index_select/gather/embedding (second order)");
}

#[test]
fn pad_and_crop() {
    let mut c = Checker::second();
    let mut r = XorShift::new(25);
    let cases: [(Vec<usize>, Vec<isize>); 5] = [
        (vec![2, 3], vec![1, 2]),
        (vec![2, 3], vec![1, -1, 0, 1]),
        (vec![1, 2, 3, 4], vec![-1, 2, 2, -1]),
        (vec![4], vec![0, -3]),
        (vec![2, 2, 3], vec![1, 0, -1, 1, 2, 0]),
    ];
    for (shape, pads) in &cases {
        let x = r.tensor(shape, -2.0, 2.0);
        run_both(
            &mut c,
            &format!("pad{pads:?} {shape:?}"),
            from_ref(&x),
            |v| v[0].try_pad(pads, 0.5),
        );
        run_both(&mut c, &format!("flatten {shape:?}"), &[x], |v| {
            v[0].try_flatten(0, -1)
        });
    }
    c.finish("pad/flatten (second order)");
}

#[test]
fn empty_pieces_and_indices() {
    let mut c = Checker::second();
    let mut r = XorShift::new(26);
    let x = r.tensor(&[2, 3], -2.0, 2.0);
    let empty = r.tensor(&[2, 0], -2.0, 2.0);
    run_both(&mut c, "narrow to 0", from_ref(&x), |v| {
        v[0].try_narrow(1, 1, 0)
    });
    run_both(
        &mut c,
        "concat with an empty part",
        &[empty, x.clone()],
        |v| Var::try_concat(v, 1),
    );
    c.run("split [0, 3]", from_ref(&x), |_, v| {
        let p = v[0].try_split(&[0, 3], 1)?;
        Var::try_concat(&[p[1].sin(), p[0]], 1)
    });
    run_both(&mut c, "index_select []", from_ref(&x), |v| {
        v[0].try_index_select(1, &[])
    });
    run_both(&mut c, "gather [2, 0]", from_ref(&x), |v| {
        v[0].try_gather(1, &[], &[2, 0])
    });
    run_both(&mut c, "pad cropping to 0", from_ref(&x), |v| {
        v[0].try_pad(&[-3, 0], 0.0)
    });
    c.finish("empty pieces (second order)");
}
