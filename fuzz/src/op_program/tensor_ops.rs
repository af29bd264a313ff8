//! Reductions, normalisations, shape ops, indexing and matmul: each runs the op's `try_` form,
//! checks any error is one the op may return, and replays a success on the reference.

use arenagrad::prelude::*;

use super::layout::axis as resolve;
use super::mirror::RT;
use super::tape::Tape;
use crate::reader::Reader;

/// Reductions and normalisations; `None` when the op rejects its input, which it may only do
/// with `BadAxis` (axis out of range), `Empty` (mean or max of nothing) or `ShapeMismatch` (a
/// layer_norm weight of the wrong length). `w` is the weight/bias candidate.
pub fn reduce<'g>(
    r: &mut Reader,
    (x, rx): (Var<'g>, &RT),
    (w, rw): (Var<'g>, &RT),
    tape: &mut Tape,
) -> Option<(Var<'g>, RT)> {
    let ax = (r.u8() % 9) as isize - 4;
    let keepdim = r.u8() & 1 == 1;
    let which = r.u8() % 8;
    let res = match which {
        0 => x.try_sum_axis(ax, keepdim),
        1 => x.try_mean(),
        2 => x.try_mean_axis(ax, keepdim),
        3 => x.try_max(),
        4 => x.try_max_axis(ax, keepdim),
        5 => x.try_softmax(ax),
        6 => x.try_log_softmax(ax),
        _ => {
            let flags = r.u8();
            let eps = [1e-5, 0.0, 1.0][flags as usize % 3];
            let weight = (flags & 4 == 4).then_some(w);
            let bias = (flags & 8 == 8).then_some(w);
            let v = x.try_layer_norm(weight, bias, eps);
            let (rw, rb) = (
                (flags & 4 == 4).then_some(rw),
                (flags & 8 == 8).then_some(rw),
            );
            return match v {
                Ok(v) => {
                    let rt = tape.layer_norm(rx, rw, rb, eps);
                    let inputs: Vec<&RT> = [Some(rx), rw, rb].into_iter().flatten().collect();
                    Some((v, tape.arith(&inputs, rt)))
                }
                Err(Error::BadAxis { .. } | Error::Empty { .. } | Error::ShapeMismatch { .. }) => {
                    None
                }
                Err(e) => panic!("layer_norm {:?}: unexpected error {e}", x.shape()),
            };
        }
    };
    let v = match res {
        Ok(v) => v,
        Err(Error::BadAxis { .. } | Error::Empty { .. } | Error::ShapeMismatch { .. }) => {
            return None
        }
        Err(e) => panic!("reduce {:?}: unexpected error {e}", x.shape()),
    };
    let out = v.shape();
    let a = || resolve(ax, x.rank(), true).expect("the op accepted the axis");
    let rt = match which {
        0 => tape.sum_axis(rx, a(), false, out),
        1 => tape.sum_axis(&rx.reshape(&[x.numel()]), 0, true, out),
        2 => tape.sum_axis(rx, a(), true, out),
        3 => tape.max_all(rx),
        4 => tape.max_axis(rx, a(), out),
        5 => tape.softmax(rx, a(), false),
        _ => tape.softmax(rx, a(), true),
    };
    Some((v, tape.arith(&[rx], rt)))
}

/// Replays an op on the reference, given the result shape arenagrad computed.
type Mirror<'a> = Box<dyn FnOnce(&mut Tape, &[usize]) -> RT + 'a>;

/// Shape ops, indexing and matmul; `None` when the op rejects its operands, with one of the
/// errors such ops may return (never a panic, never another variant).
pub fn shape_op<'g>(
    r: &mut Reader,
    (x, rx): (Var<'g>, &RT),
    (y, ry): (Var<'g>, &RT),
    tape: &mut Tape,
) -> Option<(Var<'g>, RT)> {
    let ax = (r.u8() % 9) as isize - 4;
    let n = x.numel();
    let a = |rank: usize| resolve(ax, rank, false).expect("the op accepted the axis");
    let which = r.u8() % 10;
    let res: Result<(Var<'g>, Mirror<'_>)> = match which {
        0 => x.try_matmul(y).map(|v| {
            (
                v,
                Box::new(|t: &mut Tape, out: &[usize]| t.matmul(rx, ry, out)) as _,
            )
        }),
        1 => {
            let shape = match r.u8() % 4 {
                0 => vec![n],
                1 => vec![1, n],
                2 => vec![n, 1, 1],
                _ => r.shape(),
            };
            x.try_reshape(&shape).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| rx.reshape(&shape)) as _,
                )
            })
        }
        2 => {
            let d1 = (r.u8() % 9) as isize - 4;
            x.try_transpose(ax, d1).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| rx.transpose(ax, d1)) as _,
                )
            })
        }
        3 => {
            let perm: Vec<usize> = (0..x.rank()).rev().collect();
            x.try_permute(&perm).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| rx.permute(&perm)) as _,
                )
            })
        }
        4 if x.rank() < 5 => {
            let mut shape = vec![(r.u8() % 3) as usize];
            shape.extend(x.shape().iter().map(|&d| if d == 1 { 2 } else { d }));
            x.try_broadcast_to(&shape).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, out: &[usize]| rx.broadcast_to(out)) as _,
                )
            })
        }
        4 => return None,
        5 => Var::try_concat(&[x, y], ax).map(|v| {
            let f = move |_: &mut Tape, _: &[usize]| RT::concat(&[rx, ry], a(x.rank()));
            (v, Box::new(f) as _)
        }),
        6 => {
            let (start, len) = ((r.u8() % 4) as usize, (r.u8() % 4) as usize);
            x.try_narrow(ax, start, len).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| rx.narrow(a(x.rank()), start, len))
                        as _,
                )
            })
        }
        7 => {
            let index: Vec<usize> = (0..r.u8() % 4).map(|_| (r.u8() % 4) as usize).collect();
            x.try_index_select(ax, &index).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| rx.index_select(a(x.rank()), &index))
                        as _,
                )
            })
        }
        8 => {
            let index: Vec<usize> = (0..r.u8() % 5).map(|_| (r.u8() % 4) as usize).collect();
            let shape = [index.len()];
            x.try_embedding(&index, &shape).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| rx.embedding(&index, &shape)) as _,
                )
            })
        }
        _ => {
            let index_shape = r.derived_shape(x.shape());
            let len = index_shape.iter().product();
            let index: Vec<usize> = (0..len).map(|_| (r.u8() % 4) as usize).collect();
            x.try_gather(ax, &index, &index_shape).map(|v| {
                (
                    v,
                    Box::new(move |_: &mut Tape, _: &[usize]| {
                        rx.gather(a(x.rank()), &index, &index_shape)
                    }) as _,
                )
            })
        }
    };
    match res {
        Ok((v, mirror)) => {
            let rt = mirror(tape, v.shape());
            let rt = match which {
                0 => tape.arith(&[rx, ry], rt),
                5 => tape.select(&[rx, ry], rt),
                _ => tape.select(&[rx], rt),
            };
            assert_eq!(rt.shape, v.shape(), "the reference's result shape");
            Some((v, rt))
        }
        Err(
            Error::ShapeMismatch { .. }
            | Error::MatmulMismatch { .. }
            | Error::BadAxis { .. }
            | Error::ReshapeNumel { .. }
            | Error::IndexOutOfRange { .. }
            | Error::RangeOutOfBounds { .. }
            | Error::InvalidArgument { .. },
        ) => None,
        Err(e) => panic!(
            "shape op {:?} {:?}: unexpected error {e}",
            x.shape(),
            y.shape()
        ),
    }
}
