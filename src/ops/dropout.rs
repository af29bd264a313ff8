//! Dropout: `y = x · m`, with `m = 1/(1 − p)` with probability `1 − p` and 0 otherwise, drawn
//! from a seeded [`Rng`]; `dx = dy · m`.
//!
//! The differentiable form (`backward_graph`) is `g · m` with `m` a constant: the mask does not
//! depend on `x`, so the second derivative in `x` is zero and the one in `g` is `m`.
//!
//! The mask is saved as its scale factors (one `f32` per element, an arena slice), so backward
//! is one multiply and needs neither the input nor the generator. Like `F.dropout`: identity
//! when not training or when `p = 0` (the same var is returned, no node, no random draws), all
//! zeros (and zero gradient) when `p = 1`.

use crate::error::{Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::elementwise::zip_acc;
use crate::kernels::Acc;
use crate::rng::Rng;

#[derive(Clone, Copy)]
struct DropoutRule<'g> {
    /// `1/(1 − p)` where kept, 0 where dropped.
    mask: &'g [f32],
}

impl<'g> Rule<'g> for DropoutRule<'g> {
    fn name(&self) -> &'static str {
        "dropout"
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let mask = sink.scope().try_input_slice(self.mask, node.shape)?;
        sink.put(0, g.try_mul(mask)?)
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        sink.with(0, |out, acc| zip_acc(g, self.mask, out, acc, |g, m| g * m));
    }
}

impl<'g> Var<'g> {
    /// Zeroes each element with probability `p` and scales the rest by `1/(1 − p)` when
    /// `train` is true (`F.dropout(x, p, training)`); `p` outside `[0, 1]` is an error.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut rng = Rng::seed(0);
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::ones(&[1000])?);
    ///     let y = x.dropout(0.5, &mut rng, true)?;
    ///     assert!(y.data().iter().all(|&v| v == 0.0 || v == 2.0));
    ///     y.sum().backward()?;                  // the gradient is the mask: 0 or 2
    ///     assert_eq!(x.grad().unwrap().to_vec(), y.to_vec());
    ///     let same = x.dropout(0.5, &mut rng, false)?;   // eval mode: identity
    ///     assert_eq!(same.to_vec(), x.to_vec());
    ///     assert!(x.dropout(1.5, &mut rng, true).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn dropout(self, p: f32, rng: &mut Rng, train: bool) -> Result<Var<'g>> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidArgument {
                op: "dropout",
                message: format!("probability has to be between 0 and 1, but got {p}"),
            });
        }
        if !train || p == 0.0 {
            return Ok(self);
        }
        let scope = self.scope();
        let mask = scope.alloc(self.numel());
        if p < 1.0 {
            rng.fill_keep_mask(mask, 1.0 - p, 1.0 / (1.0 - p));
        }
        let out = scope.alloc(self.numel());
        zip_acc(self.data(), mask, out, Acc::Write, |x, m| x * m);
        Ok(scope.op_shaped(&[self], self.shape(), out, DropoutRule { mask }))
    }
}

#[cfg(test)]
mod tests;
