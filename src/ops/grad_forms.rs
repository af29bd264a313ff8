//! Building blocks of the differentiable backward forms (`Rule::backward_graph`).
//!
//! A differentiable form writes an op's vector-Jacobian product with the library's own ops,
//! so that recording it gives gradients that can be differentiated again. Three pieces recur:
//! reducing a broadcast gradient back to an operand's shape (`sum_to`, whose own backward is a
//! broadcast), constant factors read off the forward values (masks such as relu's `[x > 0]`,
//! whose derivative is zero almost everywhere, as in PyTorch), and `Φ(x)` for the exact GELU,
//! a small op whose derivative `φ(x) = e^{−x²/2}/√(2π)` is written in ops again.

use crate::error::Result;
use crate::graph::{GradSink, Node, Rule, Sink, Var};

/// `g` summed over the axes along which `shape` was broadcast to `g`'s shape (NumPy rules:
/// leading axes `shape` lacks, and axes where `shape` has 1): the gradient of an operand of a
/// broadcasting op.
pub(crate) fn sum_to<'g>(g: Var<'g>, shape: &[usize]) -> Result<Var<'g>> {
    let mut g = g;
    while g.rank() > shape.len() {
        g = g.try_sum_axis(0, false)?;
    }
    for (axis, (&want, &have)) in shape.iter().zip(g.shape()).enumerate() {
        if want == 1 && have != 1 {
            g = g.try_sum_axis(axis as isize, true)?;
        }
    }
    Ok(g)
}

/// A constant of `x`'s shape with `f(x_i)` in element `i`.
pub(crate) fn map_const<'g>(x: Var<'g>, f: impl Fn(f32) -> f32) -> Var<'g> {
    let data = x.data();
    x.scope().const_from_fn(x.shape(), |i| f(data[i]))
}

/// `Φ(x)`, the standard normal CDF, as an op (the exact GELU's derivative is `Φ(x) + x·φ(x)`).
pub(crate) fn normal_cdf(x: Var<'_>) -> Var<'_> {
    let scope = x.scope();
    let out = scope.alloc_out(x.numel());
    for (o, &v) in out.iter_mut().zip(x.data()) {
        *o = crate::kernels::special::normal_cdf(v);
    }
    scope.op_shaped(&[x], x.shape(), out, NormalCdf)
}

/// `φ(x) = e^{−x²/2}/√(2π)`, in ops.
pub(crate) fn normal_pdf(x: Var<'_>) -> Var<'_> {
    (x * x * -0.5).exp() * FRAC_1_SQRT_2PI
}

const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

#[derive(Clone, Copy)]
struct NormalCdf;

impl<'g> Rule<'g> for NormalCdf {
    fn name(&self) -> &'static str {
        "normal_cdf"
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let x = node.inputs[0].data();
        sink.with(0, |out, acc| {
            for ((o, &x), &g) in out.iter_mut().zip(x).zip(g) {
                acc.put(o, g * (-0.5 * x * x).exp() * FRAC_1_SQRT_2PI);
            }
        });
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let x = sink.input(0);
        sink.put(0, g * normal_pdf(x))
    }
}
