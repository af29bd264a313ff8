//! Element-wise losses of a prediction and a same-shaped target: mse, l1, huber, smooth_l1 and
//! bce_with_logits. Both operands get gradients. The maths is in the [parent module](super).
//!
//! Nothing is saved: backward reads the two inputs, which live in the arena anyway.

use super::forms::{pointwise_partials, upstream as upstream_var};
use super::{reduce, upstream, Reduction};
use crate::error::{Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::loss::{pointwise_backward, pointwise_forward, Pointwise};

#[derive(Clone, Copy)]
struct PointRule {
    op: &'static str,
    kind: Pointwise,
    reduction: Reduction,
}

impl<'g> Rule<'g> for PointRule {
    fn name(&self) -> &'static str {
        self.op
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let (x, t) = (sink.input(0), sink.input(1));
        let u = upstream_var(self.reduction, g, x.shape(), x.numel())?;
        let (dx, dt) = pointwise_partials(self.kind, x, t)?;
        sink.put(0, dx.try_mul(u)?)?;
        sink.put(1, dt.try_mul(u)?)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, t) = (node.inputs[0].data(), node.inputs[1].data());
        let up = upstream(self.reduction, g, x.len());
        for wrt in 0..2 {
            sink.with(wrt, |out, acc| {
                pointwise_backward(self.kind, wrt, x, t, up, out, acc)
            });
        }
    }
}

fn pointwise<'g>(
    op: &'static str,
    kind: Pointwise,
    x: Var<'g>,
    t: Var<'g>,
    reduction: Reduction,
) -> Result<Var<'g>> {
    if x.shape() != t.shape() {
        return Err(Error::ShapeMismatch {
            op,
            lhs: x.shape().to_vec(),
            rhs: t.shape().to_vec(),
        });
    }
    let scope = x.scope();
    let per = scope.alloc(x.numel());
    pointwise_forward(kind, x.data(), t.data(), per);
    let out = reduce(scope, reduction, per, x.numel());
    let shape = match reduction {
        Reduction::None => x.shape(),
        _ => &[],
    };
    let rule = PointRule {
        op,
        kind,
        reduction,
    };
    Ok(scope.op(&[x, t], shape, out, rule))
}

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

impl<'g> Var<'g> {
    /// Mean squared error `mean((x − t)²)` (`F.mse_loss`); `target` must have `self`'s shape.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 3.0]));
    ///     let t = g.input(Tensor::from_slice(&[0.0, 1.0]));
    ///     let loss = x.mse_loss(t)?;                // (1 + 4) / 2
    ///     assert_eq!(loss.item(), 2.5);
    ///     loss.backward()?;                         // 2(x - t)/n
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 2.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn mse_loss(self, target: Var<'g>) -> Result<Var<'g>> {
        self.mse_loss_with(target, Reduction::Mean)
    }
    /// Squared error with a reduction (`F.mse_loss(x, t, reduction=..)`).
    pub fn mse_loss_with(self, target: Var<'g>, reduction: Reduction) -> Result<Var<'g>> {
        pointwise("mse_loss", Pointwise::Mse, self, target, reduction)
    }

    /// Mean absolute error `mean|x − t|` (`F.l1_loss`); the gradient at `x = t` is 0.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 3.0]));
    ///     let t = g.input(Tensor::from_slice(&[1.0, 1.0]));
    ///     let loss = x.l1_loss(t)?;
    ///     loss.backward()?;
    ///     assert_eq!((loss.item(), x.grad().unwrap().to_vec()), (1.0, vec![0.0, 0.5]));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn l1_loss(self, target: Var<'g>) -> Result<Var<'g>> {
        self.l1_loss_with(target, Reduction::Mean)
    }
    /// Absolute error with a reduction (`F.l1_loss(x, t, reduction=..)`).
    pub fn l1_loss_with(self, target: Var<'g>, reduction: Reduction) -> Result<Var<'g>> {
        pointwise("l1_loss", Pointwise::L1, self, target, reduction)
    }

    /// Huber loss (`F.huber_loss(x, t, delta=..)`): `½d²` for `|d| < δ`, else `δ(|d| − ½δ)`;
    /// `δ` must be positive.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::from_slice(&[0.5, 3.0]));
    ///     let t = g.input(Tensor::zeros(&[2])?);
    ///     // (0.125 + 1 * (3 - 0.5)) / 2
    ///     assert_eq!(x.huber_loss(t, 1.0)?.item(), 1.3125);
    ///     assert!(x.huber_loss(t, 0.0).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn huber_loss(self, target: Var<'g>, delta: f32) -> Result<Var<'g>> {
        self.huber_loss_with(target, delta, Reduction::Mean)
    }
    /// Huber loss with a reduction (`F.huber_loss(x, t, reduction=.., delta=..)`).
    pub fn huber_loss_with(
        self,
        target: Var<'g>,
        delta: f32,
        reduction: Reduction,
    ) -> Result<Var<'g>> {
        // NaN fails too, as PyTorch's TORCH_CHECK(delta > 0)
        if delta.is_nan() || delta <= 0.0 {
            let msg = format!("delta must be positive, got {delta}");
            return Err(invalid("huber_loss", msg));
        }
        pointwise(
            "huber_loss",
            Pointwise::Huber { delta },
            self,
            target,
            reduction,
        )
    }

    /// Smooth L1 loss (`F.smooth_l1_loss(x, t, beta=..)`): Huber(β)/β, i.e. `½d²/β` for `|d| <
    /// β`, else `|d| − ½β`; `β = 0` is the L1 loss, a negative `β` an error.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::from_slice(&[0.5, 3.0]));
    ///     let t = g.input(Tensor::zeros(&[2])?);
    ///     // (0.25 / 2 / 1 + (3 - 0.5)) / 2
    ///     assert_eq!(x.smooth_l1_loss(t, 1.0)?.item(), 1.3125);
    ///     assert_eq!(x.smooth_l1_loss(t, 0.0)?.item(), 1.75); // l1
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn smooth_l1_loss(self, target: Var<'g>, beta: f32) -> Result<Var<'g>> {
        self.smooth_l1_loss_with(target, beta, Reduction::Mean)
    }
    /// Smooth L1 loss with a reduction (`F.smooth_l1_loss(x, t, reduction=.., beta=..)`).
    pub fn smooth_l1_loss_with(
        self,
        target: Var<'g>,
        beta: f32,
        reduction: Reduction,
    ) -> Result<Var<'g>> {
        if beta.is_nan() || beta < 0.0 {
            let msg = format!("beta must be non-negative, got {beta}");
            return Err(invalid("smooth_l1_loss", msg));
        }
        // PyTorch switches to l1_loss at beta = 0 (the quadratic piece vanishes)
        let kind = if beta == 0.0 {
            Pointwise::L1
        } else {
            Pointwise::SmoothL1 { beta }
        };
        pointwise("smooth_l1_loss", kind, self, target, reduction)
    }

    /// Binary cross-entropy on logits (`F.binary_cross_entropy_with_logits`), in the stable
    /// form `max(x, 0) − x·t + ln(1 + e^{−|x|})`; gradients `σ(x) − t` and `−x` (targets
    /// usually in `[0, 1]`, not checked, as in PyTorch).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[0.0, 100.0]));
    ///     let t = g.input(Tensor::from_slice(&[1.0, 0.0]));
    ///     let loss = x.bce_with_logits(t)?;         // (ln 2 + 100) / 2, no overflow
    ///     assert!((loss.item() - (2f32.ln() + 100.0) / 2.0).abs() < 1e-5);
    ///     loss.backward()?;                         // (σ(x) - t) / 2
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![-0.25, 0.5]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn bce_with_logits(self, target: Var<'g>) -> Result<Var<'g>> {
        self.bce_with_logits_with(target, Reduction::Mean)
    }
    /// Binary cross-entropy on logits with a reduction.
    pub fn bce_with_logits_with(self, target: Var<'g>, reduction: Reduction) -> Result<Var<'g>> {
        let op = "binary_cross_entropy_with_logits";
        pointwise(op, Pointwise::BceWithLogits, self, target, reduction)
    }
}
