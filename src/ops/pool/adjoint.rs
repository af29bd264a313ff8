//! The pooling ops' gradients as linear maps, and their transposes, as ops.
//!
//! Each pooling is, for the argmax the forward chose (max) or always (average), a linear map
//! `P` from an input plane to an output plane, and its gradient is `dx = Pᵀ g`:
//!
//! ```text
//! max_pool2d            (P x)[k] = x[arg k]  (0 for a window with no input: NO_ARG)
//!                       (Pᵀ g)[i] = Σ_{k: arg k = i} g[k]
//! avg_pool2d            (P x)[k] = Σ_{i in window k} x[i] / divisor k
//! adaptive_avg_pool2d   the same with the adaptive windows and their sizes
//! ```
//!
//! with `Pᵀ g` spreading `g[k] / divisor k` over window `k` for the averages. `Pᵀ` is linear,
//! so its vector-Jacobian product is `P h` and that of `P` is `Pᵀ h`: the node `Adjoint`
//! (`Pᵀ`) and the node `Apply` (`P` with the argmax fixed, a gather for max pooling) are
//! each other's backward, fused or recorded, and pooling gradients can be differentiated to
//! any order. The argmax carries no gradient, so max pooling's second derivative in `x` is
//! zero away from ties, as in PyTorch.

use super::{pool, AdaptiveAvgPool, AvgPool, Pool2d};
use crate::error::Result;
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::pool::NO_ARG;
use crate::kernels::Acc;

/// One pooling's linear map `P`.
#[derive(Clone, Copy)]
pub(super) enum Linear<'g> {
    /// Max pooling with the forward's argmax (flat in-plane index per output).
    Max { p: Pool2d, arg: &'g [usize] },
    /// Average pooling.
    Avg(AvgPool),
    /// Adaptive average pooling.
    Adaptive(AdaptiveAvgPool),
}

impl Linear<'_> {
    /// `y = P x`, written.
    fn apply(&self, x: &[f32], y: &mut [f32]) {
        match *self {
            Linear::Max { p, arg } => {
                let (ip, op) = (p.in_plane(), p.out_plane());
                for (k, (y, &a)) in y.iter_mut().zip(arg).enumerate() {
                    *y = if a == NO_ARG { 0.0 } else { x[k / op * ip + a] };
                }
            }
            Linear::Avg(r) => pool::avg_pool2d(x, &r.p, r.count_include_pad, y),
            Linear::Adaptive(r) => {
                pool::adaptive_avg_pool2d(x, r.planes, r.input, r.output, y);
            }
        }
    }
    /// `dx (acc)= Pᵀ g`.
    fn transpose(&self, g: &[f32], dx: &mut [f32], acc: Acc) {
        match *self {
            Linear::Max { p, arg } => pool::max_pool2d_backward(g, arg, &p, dx, acc),
            Linear::Avg(r) => pool::avg_pool2d_backward(g, &r.p, r.count_include_pad, dx, acc),
            Linear::Adaptive(r) => {
                pool::adaptive_avg_pool2d_backward(g, r.planes, r.input, r.output, dx, acc);
            }
        }
    }
}

/// The node `Pᵀ g`, of shape `x_shape` (the pooling's input).
pub(super) fn adjoint_op<'g>(map: Linear<'g>, g: Var<'g>, x_shape: &[usize]) -> Var<'g> {
    let scope = g.scope();
    let out = scope.alloc_out(x_shape.iter().product());
    map.transpose(g.data(), out, Acc::Write);
    scope.op(&[g], x_shape, out, Adjoint(map))
}

/// The node `P x`, of shape `y_shape` (the pooling's output).
fn apply_op<'g>(map: Linear<'g>, x: Var<'g>, y_shape: &[usize]) -> Var<'g> {
    let scope = x.scope();
    let out = scope.alloc_out(y_shape.iter().product());
    map.apply(x.data(), out);
    scope.op(&[x], y_shape, out, Apply(map))
}

/// `Pᵀ g`: input the output gradient, output of the pooling's input shape.
#[derive(Clone, Copy)]
struct Adjoint<'g>(Linear<'g>);

impl<'g> Rule<'g> for Adjoint<'g> {
    fn name(&self) -> &'static str {
        "pool_backward"
    }
    fn backward(&self, node: &Node<'g>, h: &[f32], sink: &mut Sink<'_, 'g>) {
        let dg = sink.scratch(node.inputs[0].numel());
        self.0.apply(h, dg);
        sink.put(0, dg);
        sink.recycle(dg);
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        h: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        sink.put(0, apply_op(self.0, h, node.inputs[0].shape))
    }
}

/// `P x` with the argmax fixed: input of the pooling's input shape, output of its output's.
#[derive(Clone, Copy)]
struct Apply<'g>(Linear<'g>);

impl<'g> Rule<'g> for Apply<'g> {
    fn name(&self) -> &'static str {
        "pool_linear"
    }
    fn backward(&self, _node: &Node<'g>, h: &[f32], sink: &mut Sink<'_, 'g>) {
        sink.with(0, |dx, acc| self.0.transpose(h, dx, acc));
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        h: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        sink.put(0, adjoint_op(self.0, h, node.inputs[0].shape))
    }
}
