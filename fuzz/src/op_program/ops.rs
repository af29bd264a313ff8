//! One instruction of a program per function: each reads its operands' details from the stream,
//! runs the op through its `try_` form, checks that any error is one the op may return, and
//! returns what it did, for the reference to do the same.

use arenagrad::prelude::*;

use super::mirror::{Bin, Un};
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

/// A unary op, or `None` for `sum()`.
pub fn unary<'g>(r: &mut Reader, x: Var<'g>) -> (Var<'g>, Option<Un>) {
    let u = match r.u8() % 16 {
        0 => Un::Neg,
        1 => Un::Exp,
        2 => Un::Log,
        3 => Un::Sqrt,
        4 => Un::Tanh,
        5 => Un::Sigmoid,
        6 => Un::Relu,
        7 => Un::Gelu,
        8 => Un::GeluTanh,
        9 => Un::Abs,
        10 => Un::Sin,
        11 => Un::Cos,
        12 => Un::Softplus(r.f32(), r.f32()),
        13 => {
            let lo = (r.u8() & 1 == 1).then(|| r.f32());
            let hi = (r.u8() & 1 == 1).then(|| r.f32());
            let v = x.clamp(lo, hi);
            let (lo, hi) = (lo.unwrap_or(f32::NEG_INFINITY), hi.unwrap_or(f32::INFINITY));
            return (v, Some(Un::Clamp(lo, hi)));
        }
        14 => Un::Pow([0.0, 0.5, 1.0, 2.0, 3.0, -1.0, -0.5, 2.5][r.u8() as usize % 8]),
        _ => return (x.sum(), None),
    };
    let v = match u {
        Un::Neg => x.neg(),
        Un::Exp => x.exp(),
        Un::Log => x.log(),
        Un::Sqrt => x.sqrt(),
        Un::Tanh => x.tanh(),
        Un::Sigmoid => x.sigmoid(),
        Un::Relu => x.relu(),
        Un::Gelu => x.gelu(),
        Un::GeluTanh => x.gelu_tanh(),
        Un::Abs => x.abs(),
        Un::Sin => x.sin(),
        Un::Cos => x.cos(),
        Un::Softplus(beta, threshold) => x.softplus(beta, threshold),
        Un::Pow(p) => x.powf(p),
        Un::Clamp(..) => unreachable!("handled above"),
        Un::Silu | Un::LeakyRelu(_) | Un::Elu(_) => unreachable!("seq_ops.rs draws these"),
    };
    (v, Some(u))
}

/// `None` when the shapes do not broadcast (the error is checked to name the op).
pub fn binary<'g>(r: &mut Reader, a: Var<'g>, b: Var<'g>) -> Option<(Var<'g>, Bin)> {
    let (res, op) = match r.u8() % 6 {
        0 => (a.try_add(b), Bin::Add),
        1 => (a.try_sub(b), Bin::Sub),
        2 => (a.try_mul(b), Bin::Mul),
        3 => (a.try_div(b), Bin::Div),
        4 => (a.try_maximum(b), Bin::Max),
        _ => (a.try_minimum(b), Bin::Min),
    };
    let name = ["add", "sub", "mul", "div", "maximum", "minimum"][op as usize];
    match res {
        Ok(v) => Some((v, op)),
        Err(Error::ShapeMismatch { op, .. }) if op == name => None,
        Err(e) => panic!("{name}{:?}{:?}: unexpected error {e}", a.shape(), b.shape()),
    }
}

/// `x (op) c` or, with `true`, `c (op) x`: operators, which cannot fail with a 0-d operand.
pub fn with_scalar<'g>(r: &mut Reader, x: Var<'g>) -> (Var<'g>, Bin, f32, bool) {
    let c = r.f32();
    match r.u8() % 8 {
        0 => (x + c, Bin::Add, c, false),
        1 => (x - c, Bin::Sub, c, false),
        2 => (x * c, Bin::Mul, c, false),
        3 => (x / c, Bin::Div, c, false),
        4 => (c + x, Bin::Add, c, true),
        5 => (c - x, Bin::Sub, c, true),
        6 => (c * x, Bin::Mul, c, true),
        _ => (c / x, Bin::Div, c, true),
    }
}

/// A successful backward call: its explicit output gradient, if any.
pub type Seeds = Option<Vec<f32>>;

/// Backward from `v` with random options, once or twice; checks the errors against PyTorch's
/// rules and returns the seeds of each call that succeeded.
pub fn backward(r: &mut Reader, v: Var<'_>, trace: &mut Trace) -> Vec<Seeds> {
    let mode = r.u8();
    let (retain, explicit, wrong_shape, again) =
        (mode & 1 == 1, mode & 2 == 2, mode & 4 == 4, mode & 8 == 8);
    let mut opts = if retain {
        Backward::retain_graph()
    } else {
        Backward::default()
    };
    let mut seeds = None;
    if explicit {
        let mut shape = v.shape().to_vec();
        if wrong_shape {
            shape.push(2);
        }
        let t = r.tensor(&shape);
        seeds = Some(t.to_vec());
        opts = opts.with_gradient(t);
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
    let mut done = vec![];
    if res.is_ok() {
        done.push(seeds.clone());
        if again {
            let res2 = v.backward_with(&opts);
            if retain || v.is_leaf() {
                assert!(res2.is_ok(), "second backward after retain_graph: {res2:?}");
            } else {
                assert!(matches!(res2, Err(Error::GraphFreed { .. })), "{res2:?}");
            }
            record_err(trace, &res2);
            if res2.is_ok() {
                done.push(seeds);
            }
        }
    }
    done
}
