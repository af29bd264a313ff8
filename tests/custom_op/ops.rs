//! The custom ops the tests apply.

use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, SavedVars, TensorRef};
use arenagrad::prelude::*;

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

/// `x·σ(x)` with both backwards; saves `σ(x)`.
pub struct FusedSilu;

impl CustomOp for FusedSilu {
    fn name(&self) -> &'static str {
        "fused_silu"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let x = inputs[0];
        let s = out.save_with(x.data.len(), |s| {
            s.iter_mut().zip(x.data).for_each(|(s, &v)| *s = sigmoid(v))
        });
        out.output_with(x.shape, |y| {
            for ((y, &v), &s) in y.iter_mut().zip(x.data).zip(s) {
                *y = v * s;
            }
        })
    }
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        let (x, s) = (saved.input(0).data, saved.saved(0));
        if let Some(dx) = grads.get(0) {
            for (i, dx) in dx.iter_mut().enumerate() {
                *dx = grad[i] * s[i] * (1.0 + x[i] * (1.0 - s[i]));
            }
        }
    }
    fn backward_graph<'g>(
        &self,
        saved: &SavedVars<'g>,
        grad: Var<'g>,
    ) -> Result<Vec<Option<Var<'g>>>> {
        let x = saved.input(0);
        let s = x.sigmoid();
        Ok(vec![Some(grad * (s * (x * (1.0 - s) + 1.0)))])
    }
}

/// `σ(x)` whose differentiable backward reads only the output.
pub struct CustomSigmoid;

impl CustomOp for CustomSigmoid {
    fn name(&self) -> &'static str {
        "custom_sigmoid"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let x = inputs[0];
        out.output_with(x.shape, |y| {
            y.iter_mut().zip(x.data).for_each(|(y, &v)| *y = sigmoid(v))
        })
    }
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        let y = saved.output().data;
        if let Some(dx) = grads.get(0) {
            for (i, dx) in dx.iter_mut().enumerate() {
                *dx = grad[i] * y[i] * (1.0 - y[i]);
            }
        }
    }
    fn backward_graph<'g>(
        &self,
        saved: &SavedVars<'g>,
        grad: Var<'g>,
    ) -> Result<Vec<Option<Var<'g>>>> {
        let y = saved.output();
        Ok(vec![Some(grad * (y * (1.0 - y)))])
    }
}

/// [`FusedSilu`] whose differentiable backward applies another custom op, [`CustomSigmoid`].
pub struct NestedSilu;

impl CustomOp for NestedSilu {
    fn name(&self) -> &'static str {
        "nested_silu"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        FusedSilu.forward(inputs, out)
    }
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        FusedSilu.backward(saved, grad, grads)
    }
    fn backward_graph<'g>(
        &self,
        saved: &SavedVars<'g>,
        grad: Var<'g>,
    ) -> Result<Vec<Option<Var<'g>>>> {
        let x = saved.input(0);
        let s = x.custom(CustomSigmoid)?;
        Ok(vec![Some(grad * (s * (x * (1.0 - s) + 1.0)))])
    }
}

/// `x·y` for two inputs of one shape, plain backward only; nothing saved.
pub struct PlainMul;

impl CustomOp for PlainMul {
    fn name(&self) -> &'static str {
        "plain_mul"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let (x, y) = (inputs[0], inputs[1]);
        if x.shape != y.shape {
            return Err(Error::ShapeMismatch {
                op: "plain_mul",
                lhs: x.shape.to_vec(),
                rhs: y.shape.to_vec(),
            });
        }
        let prod: Vec<f32> = x.data.iter().zip(y.data).map(|(a, b)| a * b).collect();
        out.output(x.shape, &prod)
    }
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        for (i, other) in [(0, 1), (1, 0)] {
            let o = saved.input(other).data;
            if let Some(d) = grads.get(i) {
                d.iter_mut()
                    .zip(o)
                    .zip(grad)
                    .for_each(|((d, o), g)| *d = o * g);
            }
        }
    }
}

/// [`PlainMul`] with a differentiable backward too, which gives no gradient to an input that
/// needs none.
pub struct DiffMul;

impl CustomOp for DiffMul {
    fn name(&self) -> &'static str {
        "diff_mul"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        PlainMul.forward(inputs, out)
    }
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        PlainMul.backward(saved, grad, grads)
    }
    fn backward_graph<'g>(
        &self,
        saved: &SavedVars<'g>,
        grad: Var<'g>,
    ) -> Result<Vec<Option<Var<'g>>>> {
        let (x, y) = (saved.input(0), saved.input(1));
        Ok(vec![
            saved.needs(0).then(|| grad * y),
            saved.needs(1).then(|| grad * x),
        ])
    }
}

/// `x`, from inputs `(x, y)`: backward never asks for `y`'s buffer (PyTorch's `None`).
pub struct First;

impl CustomOp for First {
    fn name(&self) -> &'static str {
        "first"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        out.output(inputs[0].shape, inputs[0].data)
    }
    fn backward(&self, _: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        assert!(grads.needs(1));
        if let Some(d) = grads.get(0) {
            d.copy_from_slice(grad);
        }
    }
}

/// What a broken differentiable backward returns.
#[derive(Clone, Copy)]
pub enum Broken {
    /// Two gradients for the one input.
    Count,
    /// A gradient of shape `[1]` for an input of another shape.
    Shape,
}

/// `2x` whose plain backward is right and whose differentiable one is `Broken`.
pub struct Double(pub Broken);

impl CustomOp for Double {
    fn name(&self) -> &'static str {
        "double"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let x = inputs[0];
        out.output_with(x.shape, |y| {
            y.iter_mut().zip(x.data).for_each(|(y, v)| *y = 2.0 * v)
        })
    }
    fn backward(&self, _: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        if let Some(d) = grads.get(0) {
            d.iter_mut().zip(grad).for_each(|(d, g)| *d = 2.0 * g);
        }
    }
    fn backward_graph<'g>(&self, _: &SavedVars<'g>, grad: Var<'g>) -> Result<Vec<Option<Var<'g>>>> {
        Ok(match self.0 {
            Broken::Count => vec![Some(grad * 2.0), None],
            Broken::Shape => vec![Some((grad * 2.0).sum().reshape(&[1]))],
        })
    }
}
