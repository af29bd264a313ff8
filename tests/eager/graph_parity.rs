//! Eager ops against the graph's, bit for bit: the same kernels with the same dispatch must give
//! the same bits, on shapes that hit every path (rank 0, a single element, lengths that are not a
//! multiple of the 8 lanes, more than one thread's grain, every broadcast layout).

use arenagrad::prelude::*;

use super::{bits, input};

const SHAPES: &[&[usize]] = &[
    &[],
    &[1],
    &[7],
    &[33],
    &[1025],
    &[70001],
    &[3, 11],
    &[5, 7, 3],
    &[2, 0, 3],
];

/// `f` on a graph input made from `x`, the result copied out.
fn in_graph(x: &Tensor, f: impl for<'g> Fn(Var<'g>) -> Result<Var<'g>>) -> Result<Tensor> {
    Graph::new().run(|g| Ok(f(g.input(x))?.to_tensor()))
}

fn in_graph2(
    a: &Tensor,
    b: &Tensor,
    f: impl for<'g> Fn(Var<'g>, Var<'g>) -> Result<Var<'g>>,
) -> Result<Tensor> {
    Graph::new().run(|g| Ok(f(g.input(a), g.input(b))?.to_tensor()))
}

fn same(eager: Result<Tensor>, graph: Result<Tensor>, what: &str) {
    match (eager, graph) {
        (Ok(e), Ok(g)) => {
            assert_eq!(e.shape(), g.shape(), "{what}: shape");
            assert_eq!(bits(&e), bits(&g), "{what}: values differ from the graph's");
        }
        (Err(e), Err(g)) => assert_eq!(e, g, "{what}: errors differ"),
        (e, g) => panic!("{what}: eager {e:?} but graph {g:?}"),
    }
}

#[test]
fn unary_maps_match_the_graph() {
    type Map = (
        &'static str,
        fn(&Tensor) -> Tensor,
        for<'g> fn(Var<'g>) -> Var<'g>,
    );
    let maps: &[Map] = &[
        ("neg", |t| t.neg(), |v| v.neg()),
        ("exp", |t| t.exp(), |v| v.exp()),
        ("log", |t| t.log(), |v| v.log()),
        ("sqrt", |t| t.sqrt(), |v| v.sqrt()),
        ("tanh", |t| t.tanh(), |v| v.tanh()),
        ("sigmoid", |t| t.sigmoid(), |v| v.sigmoid()),
        ("relu", |t| t.relu(), |v| v.relu()),
        ("abs", |t| t.abs(), |v| v.abs()),
        ("sin", |t| t.sin(), |v| v.sin()),
        ("cos", |t| t.cos(), |v| v.cos()),
        ("powf 2", |t| t.powf(2.0), |v| v.powf(2.0)),
        ("powf 1.7", |t| t.powf(1.7), |v| v.powf(1.7)),
        ("powf -0.5", |t| t.powf(-0.5), |v| v.powf(-0.5)),
        (
            "clamp",
            |t| t.clamp(Some(-1.0), Some(0.5)),
            |v| v.clamp(Some(-1.0), Some(0.5)),
        ),
        (
            "clamp hi",
            |t| t.clamp(None, Some(0.5)),
            |v| v.clamp(None, Some(0.5)),
        ),
        ("-x operator", |t| -t, |v| -v),
    ];
    for (s, shape) in SHAPES.iter().enumerate() {
        let x = input(shape, s as u64);
        for (name, eager, graph) in maps {
            same(
                Ok(eager(&x)),
                in_graph(&x, |v| Ok(graph(v))),
                &format!("{name} {shape:?}"),
            );
        }
    }
}

#[test]
fn binary_ops_match_the_graph_with_broadcasting() {
    let pairs: &[(&[usize], &[usize])] = &[
        (&[], &[]),
        (&[1], &[1]),
        (&[7], &[7]),
        (&[33], &[33]),
        (&[1025], &[1025]),
        (&[70001], &[70001]),
        (&[3, 1], &[1, 5]),
        (&[7], &[]),
        (&[], &[33]),
        (&[1], &[1025]),
        (&[4, 33], &[33]),
        (&[4, 33], &[4, 1]),
        (&[2, 3, 5], &[3, 1]),
        (&[2, 1, 5], &[7, 1]),
        (&[2, 0, 3], &[3]),
        (&[2, 3], &[3, 2]), // an error in both
    ];
    type Op = (&'static str, fn(&Tensor, &Tensor) -> Result<Tensor>);
    type GOp = for<'g> fn(Var<'g>, Var<'g>) -> Result<Var<'g>>;
    let ops: &[(Op, GOp)] = &[
        (("add", |a, b| a.try_add(b)), |a, b| a.try_add(b)),
        (("sub", |a, b| a.try_sub(b)), |a, b| a.try_sub(b)),
        (("mul", |a, b| a.try_mul(b)), |a, b| a.try_mul(b)),
        (("div", |a, b| a.try_div(b)), |a, b| a.try_div(b)),
        (("maximum", |a, b| a.try_maximum(b)), |a, b| {
            a.try_maximum(b)
        }),
        (("minimum", |a, b| a.try_minimum(b)), |a, b| {
            a.try_minimum(b)
        }),
    ];
    for (k, (sa, sb)) in pairs.iter().enumerate() {
        let (a, b) = (input(sa, 100 + k as u64), input(sb, 200 + k as u64));
        for ((name, eager), graph) in ops {
            let what = format!("{name} {sa:?} {sb:?}");
            same(eager(&a, &b), in_graph2(&a, &b, graph), &what);
        }
    }
}

#[test]
fn operators_with_scalars_match_the_graph() {
    for shape in SHAPES {
        let x = input(shape, 7);
        same(Ok(&x + 1.5), in_graph(&x, |v| Ok(v + 1.5)), "x + 1.5");
        same(Ok(&x - 0.1), in_graph(&x, |v| Ok(v - 0.1)), "x - 0.1");
        same(Ok(3.0 * &x), in_graph(&x, |v| Ok(3.0 * v)), "3 * x");
        same(Ok(1.0 / &x), in_graph(&x, |v| Ok(1.0 / v)), "1 / x");
        same(Ok(&x * &x), in_graph(&x, |v| Ok(v * v)), "x * x");
    }
}

#[test]
fn reductions_match_the_graph_over_all_and_every_axis() {
    for (s, shape) in SHAPES
        .iter()
        .chain(&[&[4, 1025][..], &[1025, 3]])
        .enumerate()
    {
        // finite values: a NaN would make every comparison of a sum trivially NaN
        let x = Rng::seed(300 + s as u64).normal_tensor(shape, 1.0, 3.0);
        same(
            Ok(x.sum()),
            in_graph(&x, |v| Ok(v.sum())),
            &format!("sum {shape:?}"),
        );
        same(
            x.try_mean(),
            in_graph(&x, |v| v.try_mean()),
            &format!("mean {shape:?}"),
        );
        same(
            x.try_max(),
            in_graph(&x, |v| v.try_max()),
            &format!("max {shape:?}"),
        );
        let r = shape.len() as isize;
        for axis in (-r - 1)..=r.max(1) {
            for keepdim in [false, true] {
                let w = format!("{shape:?} axis {axis} keepdim {keepdim}");
                let (e, g) = (
                    x.try_sum_axis(axis, keepdim),
                    in_graph(&x, |v| v.try_sum_axis(axis, keepdim)),
                );
                same(e, g, &format!("sum {w}"));
                let (e, g) = (
                    x.try_mean_axis(axis, keepdim),
                    in_graph(&x, |v| v.try_mean_axis(axis, keepdim)),
                );
                same(e, g, &format!("mean {w}"));
                let (e, g) = (
                    x.try_max_axis(axis, keepdim),
                    in_graph(&x, |v| v.try_max_axis(axis, keepdim)),
                );
                same(e, g, &format!("max {w}"));
            }
        }
    }
}

#[test]
fn shape_ops_match_the_graph() {
    for (s, shape) in SHAPES.iter().chain(&[&[2, 3, 4, 5][..]]).enumerate() {
        let x = input(shape, 400 + s as u64);
        let r = shape.len() as isize;
        for d0 in (-r - 1)..=r.max(1) {
            for d1 in -r..r.max(1) {
                let (e, g) = (
                    x.try_transpose(d0, d1),
                    in_graph(&x, |v| v.try_transpose(d0, d1)),
                );
                same(e, g, &format!("transpose {shape:?} {d0} {d1}"));
            }
            let size = shape
                .get(d0.rem_euclid(r.max(1)) as usize)
                .copied()
                .unwrap_or(0);
            for (start, len) in [
                (0, size),
                (1, size.saturating_sub(2)),
                (size, 0),
                (size, 1),
                (usize::MAX, 2),
            ] {
                let (e, g) = (
                    x.try_narrow(d0, start, len),
                    in_graph(&x, |v| v.try_narrow(d0, start, len)),
                );
                same(e, g, &format!("narrow {shape:?} {d0} {start} {len}"));
            }
            // repeated and shuffled indices, then one past the end (an error in both)
            let valid: Vec<usize> = (0..2 * size + 1).map(|i| (i * 7) % size.max(1)).collect();
            for idx in [valid, vec![0, size]] {
                let idx = if size == 0 { vec![] } else { idx };
                let (e, g) = (
                    x.try_index_select(d0, &idx),
                    in_graph(&x, |v| v.try_index_select(d0, &idx)),
                );
                same(
                    e,
                    g,
                    &format!("index_select {shape:?} {d0} ({} indices)", idx.len()),
                );
            }
        }
        let perm: Vec<usize> = (0..shape.len()).rev().collect();
        same(
            x.try_permute(&perm),
            in_graph(&x, |v| v.try_permute(&perm)),
            "permute",
        );
        let mut wide = vec![2];
        wide.extend(shape.iter());
        same(
            x.try_broadcast_to(&wide),
            in_graph(&x, |v| v.try_broadcast_to(&wide)),
            "broadcast_to",
        );
        same(
            x.clone().reshape(&[x.numel()]),
            in_graph(&x, |v| v.try_reshape(&[x.numel()])),
            "reshape",
        );
    }
}
