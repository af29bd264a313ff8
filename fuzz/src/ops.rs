//! One instruction of a program per function: each reads its operands' details from the stream,
//! runs the op through its `try_` form and checks that any error is one the op may return.

use arenagrad::prelude::*;

use crate::reader::Reader;

/// What a run observed, as bits, so two runs can be compared exactly.
pub type Trace = Vec<u32>;

pub fn record(trace: &mut Trace, values: &[f32]) {
    trace.push(values.len() as u32);
    trace.extend(values.iter().map(|v| v.to_bits()));
}

pub fn record_err(trace: &mut Trace, r: &Result<()>) {
    trace.push(match r {
        Ok(()) => 0,
        Err(Error::NoGradFn { .. }) => 1,
        Err(Error::GradShape { .. }) => 2,
        Err(Error::NonScalarBackward { .. }) => 3,
        Err(Error::GraphFreed { .. }) => 4,
        Err(e) => panic!("backward: unexpected error {e}"),
    });
}

pub fn unary<'g>(r: &mut Reader, x: Var<'g>) -> Var<'g> {
    match r.u8() % 16 {
        0 => x.neg(),
        1 => x.exp(),
        2 => x.log(),
        3 => x.sqrt(),
        4 => x.tanh(),
        5 => x.sigmoid(),
        6 => x.relu(),
        7 => x.gelu(),
        8 => x.gelu_tanh(),
        9 => x.abs(),
        10 => x.sin(),
        11 => x.cos(),
        12 => x.softplus(r.f32(), r.f32()),
        13 => {
            let lo = (r.u8() & 1 == 1).then(|| r.f32());
            let hi = (r.u8() & 1 == 1).then(|| r.f32());
            x.clamp(lo, hi)
        }
        14 => x.powf([0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -0.5, 2.5][r.u8() as usize % 8]),
        _ => x.sum(),
    }
}

/// `Ok(None)` when the shapes do not broadcast (the error is checked to name the op).
pub fn binary<'g>(r: &mut Reader, a: Var<'g>, b: Var<'g>) -> Option<Var<'g>> {
    let (res, name) = match r.u8() % 6 {
        0 => (a.try_add(b), "add"),
        1 => (a.try_sub(b), "sub"),
        2 => (a.try_mul(b), "mul"),
        3 => (a.try_div(b), "div"),
        4 => (a.try_maximum(b), "maximum"),
        _ => (a.try_minimum(b), "minimum"),
    };
    match res {
        Ok(v) => Some(v),
        Err(Error::ShapeMismatch { op, .. }) if op == name => None,
        Err(e) => panic!("{name}{:?}{:?}: unexpected error {e}", a.shape(), b.shape()),
    }
}

/// Reductions and normalisations; `None` when the op rejects its input, which it may only do
/// with `BadAxis` (axis out of range), `Empty` (mean or max of nothing) or `ShapeMismatch` (a
/// layer_norm weight of the wrong length).
pub fn reduce<'g>(r: &mut Reader, x: Var<'g>, w: Var<'g>) -> Option<Var<'g>> {
    let axis = (r.u8() % 9) as isize - 4;
    let keepdim = r.u8() & 1 == 1;
    let res = match r.u8() % 8 {
        0 => x.try_sum_axis(axis, keepdim),
        1 => x.try_mean(),
        2 => x.try_mean_axis(axis, keepdim),
        3 => x.try_max(),
        4 => x.try_max_axis(axis, keepdim),
        5 => x.try_softmax(axis),
        6 => x.try_log_softmax(axis),
        _ => {
            let which = r.u8();
            let eps = [1e-5, 0.0, 1.0][which as usize % 3];
            let weight = (which & 4 == 4).then_some(w);
            let bias = (which & 8 == 8).then_some(w);
            x.try_layer_norm(weight, bias, eps)
        }
    };
    match res {
        Ok(v) => Some(v),
        Err(Error::BadAxis { .. } | Error::Empty { .. } | Error::ShapeMismatch { .. }) => None,
        Err(e) => panic!("reduce {:?}: unexpected error {e}", x.shape()),
    }
}

/// Shape ops, indexing and matmul; `None` when the op rejects its operands, with one of the
/// errors such ops may return (never a panic, never another variant).
pub fn shape_op<'g>(r: &mut Reader, x: Var<'g>, y: Var<'g>) -> Option<Var<'g>> {
    let axis = (r.u8() % 9) as isize - 4;
    let n = x.numel();
    let res = match r.u8() % 10 {
        0 => x.try_matmul(y),
        1 => {
            let shape = match r.u8() % 4 {
                0 => vec![n],
                1 => vec![1, n],
                2 => vec![n, 1, 1],
                _ => r.shape(),
            };
            x.try_reshape(&shape)
        }
        2 => x.try_transpose(axis, (r.u8() % 9) as isize - 4),
        3 => x.try_permute(&(0..x.rank()).rev().collect::<Vec<_>>()),
        4 if x.rank() < 5 => {
            let mut shape = vec![(r.u8() % 3) as usize];
            shape.extend(x.shape().iter().map(|&d| if d == 1 { 2 } else { d }));
            x.try_broadcast_to(&shape)
        }
        4 => return None,
        5 => Var::try_concat(&[x, y], axis),
        6 => x.try_narrow(axis, (r.u8() % 4) as usize, (r.u8() % 4) as usize),
        7 => {
            let index: Vec<usize> = (0..r.u8() % 4).map(|_| (r.u8() % 4) as usize).collect();
            x.try_index_select(axis, &index)
        }
        8 => {
            let index: Vec<usize> = (0..r.u8() % 5).map(|_| (r.u8() % 4) as usize).collect();
            x.try_embedding(&index, &[index.len()])
        }
        _ => {
            let index_shape = r.derived_shape(x.shape());
            let len = index_shape.iter().product();
            let index: Vec<usize> = (0..len).map(|_| (r.u8() % 4) as usize).collect();
            x.try_gather(axis, &index, &index_shape)
        }
    };
    match res {
        Ok(v) => Some(v),
        Err(
            Error::ShapeMismatch { .. }
            | Error::MatmulMismatch { .. }
            | Error::BadAxis { .. }
            | Error::ReshapeNumel { .. }
            | Error::IndexOutOfRange { .. }
            | Error::InvalidArgument { .. },
        ) => None,
        Err(e) => panic!(
            "shape op {:?} {:?}: unexpected error {e}",
            x.shape(),
            y.shape()
        ),
    }
}

/// `f32 (op) x` or `x (op) f32`: operators, which cannot fail with a 0-d operand.
pub fn with_scalar<'g>(r: &mut Reader, x: Var<'g>) -> Var<'g> {
    let c = r.f32();
    match r.u8() % 8 {
        0 => x + c,
        1 => x - c,
        2 => x * c,
        3 => x / c,
        4 => c + x,
        5 => c - x,
        6 => c * x,
        _ => c / x,
    }
}

pub fn backward(r: &mut Reader, v: Var<'_>, trace: &mut Trace) {
    let mode = r.u8();
    let (retain, explicit, wrong_shape, again) =
        (mode & 1 == 1, mode & 2 == 2, mode & 4 == 4, mode & 8 == 8);
    let mut opts = if retain {
        Backward::retain_graph()
    } else {
        Backward::default()
    };
    if explicit {
        let mut shape = v.shape().to_vec();
        if wrong_shape {
            shape.push(2);
        }
        opts = opts.with_gradient(r.tensor(&shape));
    }
    let res = v.backward_with(&opts);
    if !v.requires_grad() {
        assert!(matches!(res, Err(Error::NoGradFn { .. })), "{res:?}");
    } else if explicit && wrong_shape {
        assert!(matches!(res, Err(Error::GradShape { .. })), "{res:?}");
    } else if !explicit && v.numel() != 1 {
        assert!(
            matches!(res, Err(Error::NonScalarBackward { .. })),
            "{res:?}"
        );
    } else {
        // an earlier backward without retain_graph may have released part of this graph
        assert!(
            matches!(res, Ok(()) | Err(Error::GraphFreed { .. })),
            "{res:?}"
        );
    }
    record_err(trace, &res);
    if res.is_ok() && again {
        let res2 = v.backward_with(&opts);
        if retain || v.is_leaf() {
            assert!(res2.is_ok(), "second backward after retain_graph: {res2:?}");
        } else {
            assert!(matches!(res2, Err(Error::GraphFreed { .. })), "{res2:?}");
        }
        record_err(trace, &res2);
    }
}
