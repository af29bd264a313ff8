//! The differentiable forms of the convolutions: their gradients as three bilinear ops on one
//! geometry, each of whose gradients is again one of the three.
//!
//! For a convolution geometry `c` (groups, stride, padding and dilation included), write
//!
//! ```text
//! F(x, w)  = conv(x, w)                  the forward, y-shaped        (kernel `forward`)
//! I(w, gy) = Σ over taps of w·gy          x-shaped, = conv_transpose  (`backward_input`)
//! W(x, gy) = correlation of x with gy    w-shaped                     (`backward_weight`)
//! ```
//!
//! all bilinear, with one identity `⟨gy, F(x, w)⟩ = ⟨x, I(w, gy)⟩ = ⟨w, W(x, gy)⟩` (each is
//! the same sum `Σ gy[n,o,p]·x[n,c,p·s−pad+k·d]·w[o,c,k]` with one factor left out). So the
//! vector-Jacobian products of each, for an output gradient `h`, are the other two:
//!
//! ```text
//! F(x, w):   dx = I(w, h)    dw = W(x, h)
//! I(w, gy):  dw = W(h, gy)   dgy = F(h, w)
//! W(x, gy):  dx = I(h, gy)   dgy = F(x, h)
//! ```
//!
//! conv is `F` (+ bias), conv_transpose is `I` (+ bias) with its input in the `gy` role; a
//! bias `b[o]` broadcast over the batch and positions gets `Σ_{n,p} g[n,o,p]`, in ops. The
//! three close under differentiation, so convolution gradients can be taken to any order.

use super::transpose::ConvTransposeRule;
use super::ConvRule;
use crate::error::Result;
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::conv::{backward_input, backward_weight, forward, Conv};
use crate::kernels::Acc;

/// Which of the three bilinear maps a [`ConvPart`] node computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `F(x, w)`: inputs `x`, `w`.
    Forward,
    /// `I(w, gy)`: inputs `w`, `gy`.
    Input,
    /// `W(x, gy)`: inputs `x`, `gy`.
    Weight,
}

#[derive(Clone, Copy)]
struct ConvPart {
    part: Part,
    geom: Conv,
}

/// The node `part(a, b)` of geometry `geom`, of output shape `shape`.
fn part<'g>(part: Part, geom: Conv, a: Var<'g>, b: Var<'g>, shape: &[usize]) -> Var<'g> {
    let scope = a.scope();
    let out = scope.alloc_out(shape.iter().product());
    let (c, a_data, b_data) = (&geom, a.data(), b.data());
    match part {
        Part::Forward => forward(c, a_data, b_data, None, out, Acc::Write),
        Part::Input => backward_input(c, a_data, b_data, out, Acc::Write),
        Part::Weight => backward_weight(c, a_data, b_data, out, Acc::Write),
    }
    scope.op(&[a, b], shape, out, ConvPart { part, geom })
}

impl<'g> Rule<'g> for ConvPart {
    fn name(&self) -> &'static str {
        match self.part {
            Part::Forward => "conv",
            Part::Input => "conv_backward_input",
            Part::Weight => "conv_backward_weight",
        }
    }
    fn backward(&self, node: &Node<'g>, h: &[f32], sink: &mut Sink<'_, 'g>) {
        let (c, a, b) = (&self.geom, node.inputs[0].data(), node.inputs[1].data());
        match self.part {
            Part::Forward => {
                sink.with(0, |dx, acc| backward_input(c, b, h, dx, acc));
                sink.with(1, |dw, acc| backward_weight(c, a, h, dw, acc));
            }
            Part::Input => {
                sink.with(0, |dw, acc| backward_weight(c, h, b, dw, acc));
                sink.with(1, |dgy, acc| forward(c, h, a, None, dgy, acc));
            }
            Part::Weight => {
                sink.with(0, |dx, acc| backward_input(c, h, b, dx, acc));
                sink.with(1, |dgy, acc| forward(c, a, h, None, dgy, acc));
            }
        }
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        h: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let (a, b, c) = (sink.input(0), sink.input(1), self.geom);
        let (sa, sb) = (node.inputs[0].shape, node.inputs[1].shape);
        let (da, db) = match self.part {
            Part::Forward => ((Part::Input, b, h), (Part::Weight, a, h)),
            Part::Input => ((Part::Weight, h, b), (Part::Forward, h, a)),
            Part::Weight => ((Part::Input, h, b), (Part::Forward, a, h)),
        };
        if sink.needs(0) {
            sink.put(0, part(da.0, c, da.1, da.2, sa))?;
        }
        if sink.needs(1) {
            sink.put(1, part(db.0, c, db.1, db.2, sb))?;
        }
        Ok(())
    }
}

/// `Σ_{n,p} g[n, o, p]` for a `[N, O, ...]` gradient: the bias gradient, in ops.
fn bias_grad<'g>(g: Var<'g>) -> Result<Var<'g>> {
    let s = g.shape();
    let rest = s[2..].iter().product();
    g.try_reshape(&[s[0], s[1], rest])?
        .try_sum_axis(2, false)?
        .try_sum_axis(0, false)
}

/// The three-input (or two) conv-family rule's form: `dx`, `dw` from the two parts given, and
/// the bias gradient.
fn put_all<'g>(
    node: &'g Node<'g>,
    g: Var<'g>,
    sink: &mut GradSink<'_, 'g>,
    geom: Conv,
    [px, pw]: [Part; 2],
) -> Result<()> {
    let (x, w) = (sink.input(0), sink.input(1));
    let (sx, sw) = (node.inputs[0].shape, node.inputs[1].shape);
    if sink.needs(0) {
        let dx = match px {
            Part::Input => part(px, geom, w, g, sx),
            _ => part(px, geom, g, w, sx),
        };
        sink.put(0, dx)?;
    }
    if sink.needs(1) {
        let dw = match px {
            Part::Input => part(pw, geom, x, g, sw),
            _ => part(pw, geom, g, x, sw),
        };
        sink.put(1, dw)?;
    }
    if node.inputs.len() == 3 && sink.needs(2) {
        sink.put(2, bias_grad(g)?)?;
    }
    Ok(())
}

/// conv: `dx = I(w, g)`, `dw = W(x, g)`.
pub(super) fn conv_form<'g>(
    rule: &ConvRule,
    node: &'g Node<'g>,
    g: Var<'g>,
    sink: &mut GradSink<'_, 'g>,
) -> Result<()> {
    put_all(node, g, sink, rule.geom, [Part::Input, Part::Weight])
}

/// conv_transpose (`y = I(w, x)`): `dx = F(g, w)`, `dw = W(g, x)`.
pub(super) fn conv_transpose_form<'g>(
    rule: &ConvTransposeRule,
    node: &'g Node<'g>,
    g: Var<'g>,
    sink: &mut GradSink<'_, 'g>,
) -> Result<()> {
    put_all(node, g, sink, rule.geom, [Part::Forward, Part::Weight])
}
