//! Binary element-wise ops with NumPy broadcasting: add sub mul div maximum minimum.
//!
//! Forward: `y = f(a, b)` over the broadcast shape. Backward, per input, the partial
//! derivative times `grad_out`, then summed back to the input's shape
//! ([`Sink::put_reduced`](crate::graph::Sink)):
//!
//! | op | ∂y/∂a | ∂y/∂b | saved |
//! |---|---|---|---|
//! | add | 1 | 1 | nothing |
//! | sub | 1 | −1 | nothing |
//! | mul | b | a | the inputs (already in the arena) |
//! | div | 1/b | −y/b | b and the output |
//! | maximum | [a>b] (½ on ties) | [b>a] (½ on ties) | the inputs |
//! | minimum | [a<b] (½ on ties) | [b<a] (½ on ties) | the inputs |
//!
//! Nothing is copied for backward: the inputs' and the output's values are arena slices that
//! stay alive for the whole scope.
//!
//! The loops are [`kernels::binary`](crate::kernels::binary): f32x8 lanes with fast paths for
//! same-shape, scalar, row (`[N, C] op [C]`) and column (`[N, C] op [N, 1]`) operands, whose
//! gradients are reduced inside the kernel (in `f64`) instead of through a broadcast-shape
//! buffer; other broadcasts take a strided walk and [`Sink::put_reduced`].

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::grad_forms::sum_to;
use crate::error::{or_panic, Result};
use crate::graph::{fuses, Elem, GradSink, Node, Rule, Sink, Var};
use crate::kernels::binary::{
    backward, backward_general, forward, forward_one, forward_same, mul_backward_both,
    Binary as Bin,
};
use crate::kernels::strided::{plan, Plan, Role};
use crate::shape::{same, Dims};

fn name(op: Bin) -> &'static str {
    match op {
        Bin::Add => "add",
        Bin::Sub => "sub",
        Bin::Mul => "mul",
        Bin::Div => "div",
        Bin::Max => "maximum",
        Bin::Min => "minimum",
    }
}

#[derive(Clone, Copy)]
struct BinaryRule(Bin);

impl<'g> Rule<'g> for BinaryRule {
    fn name(&self) -> &'static str {
        name(self.0)
    }
    fn backward_splat(&self, node: &Node<'g>, g: f32, sink: &mut Sink<'_, 'g>) -> bool {
        splat_backward(self.0, node, g, sink)
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let (a, b) = (sink.input(0), sink.input(1));
        let scope = sink.scope();
        // the winner of max/min takes the gradient; a tie gives it to neither (as the fused rule)
        let wins = |first: bool| -> Result<Var<'g>> {
            let (wa, wb) = scope.no_grad(|| -> Result<_> {
                Ok((
                    a.try_broadcast_to(node.shape)?,
                    b.try_broadcast_to(node.shape)?,
                ))
            })?;
            let (da, db) = (wa.data(), wb.data());
            let max = matches!(self.0, Bin::Max);
            Ok(scope.const_from_fn(node.shape, |i| {
                let (x, y) = if first {
                    (da[i], db[i])
                } else {
                    (db[i], da[i])
                };
                f32::from(if max { x > y } else { x < y })
            }))
        };
        for which in 0..2 {
            if !sink.needs(which) {
                continue;
            }
            let d = match (self.0, which) {
                (Bin::Add, _) | (Bin::Sub, 0) => g,
                (Bin::Sub, _) => -g,
                (Bin::Mul, 0) => g * b,
                (Bin::Mul, _) => g * a,
                (Bin::Div, 0) => g / b,
                (Bin::Div, _) => -(g * a) / (b * b),
                (Bin::Max | Bin::Min, w) => g * wins(w == 0)?,
            };
            let shape = if which == 0 { a.shape() } else { b.shape() };
            sink.put(which, sum_to(d, shape)?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (a, b, op) = (node.inputs[0], node.inputs[1], self.0);
        // values the partials do not read: `g` stands in for a full-size one (same length),
        // so a pending fused value stays pending; broadcast operands are read as they are
        let (reads_ab, reads_y) = op.grad_reads();
        let y = if reads_y { node.data() } else { g };
        if same(a.shape, b.shape) {
            let (av, bv) = if reads_ab {
                (a.data(), b.data())
            } else {
                (g, g)
            };
            return same_shape_backward(op, (g, av, bv, y), sink);
        }
        let val = |x: &Node<'g>| {
            if reads_ab || x.numel() != g.len() {
                x.data()
            } else {
                g
            }
        };
        let (a_vals, b_vals) = (val(a), val(b));
        let p = plan(a.shape, b.shape, node.shape);
        for which in 0..2 {
            if !sink.needs(which) {
                continue;
            }
            match &p {
                // the common layouts reduce inside the kernel: no broadcast-shape buffer
                Some(p) => sink.with(which, |out, acc| {
                    backward(op, which, p, (g, a_vals, b_vals, y), out, acc)
                }),
                None => {
                    let full = sink.scratch(g.len());
                    let (a, b) = ((a_vals, a.shape), (b_vals, b.shape));
                    backward_general(op, which, a, b, (g, y, node.shape), full);
                    sink.put_reduced(which, full, node.shape);
                    sink.recycle(full);
                }
            }
        }
    }
}

/// The backward of `add` and `sub` of same-shape operands for a `grad_out` that is one value
/// `g` everywhere: their gradients are `g` and `±g` everywhere, passed on as such.
fn splat_backward(op: Bin, node: &Node<'_>, g: f32, sink: &mut Sink<'_, '_>) -> bool {
    let sign = match op {
        Bin::Add => 1.0,
        Bin::Sub => -1.0,
        _ => return false,
    };
    if !same(node.inputs[0].shape, node.inputs[1].shape) {
        return false;
    }
    sink.splat(0, g);
    sink.splat(1, sign * g);
    true
}

/// The backward of same-shape operands (every op of a scalar graph, most element-wise
/// chains): no plan; `add`'s gradient passes through to one input without a copy, and `mul`'s
/// two gradients are computed in one pass.
fn same_shape_backward(op: Bin, (g, a, b, y): Rows4<'_>, sink: &mut Sink<'_, '_>) {
    match op {
        Bin::Add => {
            // one of the two (the first that can) takes over `g`'s buffer, the other copies it
            for which in 0..2 {
                if sink.needs(which) {
                    sink.pass_through(which, g);
                }
            }
        }
        Bin::Mul if sink.pairable() => sink.with2(|ga, gb| mul_backward_both((g, a, b), ga, gb)),
        _ => {
            let p = Plan {
                outer: 1,
                inner: g.len(),
                a: Role::Full,
                b: Role::Full,
            };
            for which in 0..2 {
                if which == 0 && op == Bin::Sub && sink.needs(0) {
                    sink.pass_through(0, g);
                } else if sink.needs(which) {
                    sink.with(which, |out, acc| {
                        backward(op, which, &p, (g, a, b, y), out, acc)
                    });
                }
            }
        }
    }
}

/// `(g, a, b, y)`: the output gradient, the operands and the output.
type Rows4<'a> = (&'a [f32], &'a [f32], &'a [f32], &'a [f32]);

/// Inlined into each operator, so `op` is a constant there: two 0-d operands (scalar graphs)
/// take the op's own lanes inline; everything else goes to [`binary_general`].
#[inline(always)]
fn binary_op<'g>(op: Bin, a: Var<'g>, b: Var<'g>) -> Result<Var<'g>> {
    // values as they are: a pending operand is never one element
    if let ([], [], Some(&[x]), Some(&[y])) =
        (a.shape(), b.shape(), a.node().values(), b.node().values())
    {
        {
            let scope = a.scope();
            let out = scope.alloc_out(1);
            out[0] = forward_one(op, x, y);
            return Ok(scope.op_shaped(&[a, b], a.shape(), out, BinaryRule(op)));
        }
    }
    binary_general(op, a, b)
}

fn binary_general<'g>(op: Bin, a: Var<'g>, b: Var<'g>) -> Result<Var<'g>> {
    let scope = a.scope();
    if same(a.shape(), b.shape()) {
        if fuses(a.numel()) {
            return Ok(scope.fused(Elem::Binary(op), &[a, b], a.shape(), BinaryRule(op)));
        }
        // no broadcast plan, and the node shares `a`'s shape instead of copying it
        let out = scope.alloc_out(a.numel());
        forward_same(op, a.data(), b.data(), out);
        return Ok(scope.op_shaped(&[a, b], a.shape(), out, BinaryRule(op)));
    }
    let shape = Dims::broadcast(name(op), a.shape(), b.shape())?;
    // one operand and a one-element value broadcast over it (`x * 2.0`)
    for (full, one) in [(a, b), (b, a)] {
        if one.numel() == 1 && fuses(full.numel()) && same(&shape, full.shape()) {
            let rule = BinaryRule(op);
            return Ok(scope.fused(Elem::Binary(op), &[a, b], full.shape(), rule));
        }
    }
    let out = scope.alloc_out(shape.iter().product());
    forward(
        op,
        (a.data(), a.shape()),
        (b.data(), b.shape()),
        &shape,
        out,
    );
    Ok(scope.op(&[a, b], &shape, out, BinaryRule(op)))
}

impl<'g> Var<'g> {
    /// `self + rhs` with broadcasting.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let a = g.input(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let b = g.input(Tensor::from_slice(&[10.0, 20.0]));
    ///     assert_eq!(a.try_add(b)?.to_vec(), vec![11.0, 22.0, 13.0, 24.0]);
    ///     assert!(a.try_add(g.input(Tensor::zeros(&[3])?)).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_add(self, rhs: Var<'g>) -> Result<Var<'g>> {
        binary_op(Bin::Add, self, rhs)
    }
    /// `self - rhs` with broadcasting.
    pub fn try_sub(self, rhs: Var<'g>) -> Result<Var<'g>> {
        binary_op(Bin::Sub, self, rhs)
    }
    /// `self * rhs` (element-wise) with broadcasting.
    pub fn try_mul(self, rhs: Var<'g>) -> Result<Var<'g>> {
        binary_op(Bin::Mul, self, rhs)
    }
    /// `self / rhs` with broadcasting.
    pub fn try_div(self, rhs: Var<'g>) -> Result<Var<'g>> {
        binary_op(Bin::Div, self, rhs)
    }
    /// Element-wise maximum with broadcasting (`torch.maximum`); on ties the gradient is
    /// split evenly, as in PyTorch.
    pub fn try_maximum(self, rhs: Var<'g>) -> Result<Var<'g>> {
        binary_op(Bin::Max, self, rhs)
    }
    /// Panicking form of [`Var::try_maximum`].
    #[track_caller]
    pub fn maximum(self, rhs: Var<'g>) -> Var<'g> {
        or_panic(self.try_maximum(rhs))
    }
    /// Element-wise minimum with broadcasting (`torch.minimum`).
    pub fn try_minimum(self, rhs: Var<'g>) -> Result<Var<'g>> {
        binary_op(Bin::Min, self, rhs)
    }
    /// Panicking form of [`Var::try_minimum`].
    #[track_caller]
    pub fn minimum(self, rhs: Var<'g>) -> Var<'g> {
        or_panic(self.try_minimum(rhs))
    }
}

macro_rules! operator {
    ($trait:ident, $method:ident, $bin:expr) => {
        impl<'g> $trait<Var<'g>> for Var<'g> {
            type Output = Var<'g>;
            #[track_caller]
            fn $method(self, rhs: Var<'g>) -> Var<'g> {
                or_panic(binary_op($bin, self, rhs))
            }
        }
        impl<'g> $trait<f32> for Var<'g> {
            type Output = Var<'g>;
            #[track_caller]
            fn $method(self, rhs: f32) -> Var<'g> {
                let rhs = self.scope().scalar(rhs);
                or_panic(binary_op($bin, self, rhs))
            }
        }
        impl<'g> $trait<Var<'g>> for f32 {
            type Output = Var<'g>;
            #[track_caller]
            fn $method(self, rhs: Var<'g>) -> Var<'g> {
                let lhs = rhs.scope().scalar(self);
                or_panic(binary_op($bin, lhs, rhs))
            }
        }
    };
}

operator!(Add, add, Bin::Add);
operator!(Sub, sub, Bin::Sub);
operator!(Mul, mul, Bin::Mul);
operator!(Div, div, Bin::Div);

impl<'g> Neg for Var<'g> {
    type Output = Var<'g>;
    fn neg(self) -> Var<'g> {
        self.neg()
    }
}

#[cfg(test)]
mod tests;
