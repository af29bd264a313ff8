//! Reductions: sum, mean and max over all elements or one axis.
//!
//! `sum`: y = Σ x, dx = dy broadcast back. (Axis forms and mean/max join in this file.)

use crate::graph::{Node, Rule, Sink, Var};
use crate::kernels::reduce::sum;

#[derive(Clone, Copy)]
struct SumAll;

impl<'g> Rule<'g> for SumAll {
    fn name(&self) -> &'static str {
        "sum"
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let g0 = g[0];
        sink.with(0, |out, acc| out.iter_mut().for_each(|o| acc.put(o, g0)));
    }
}

impl<'g> Var<'g> {
    /// The sum of all elements, a 0-d value (0 for an empty input, as PyTorch).
    pub fn sum(self) -> Var<'g> {
        let scope = self.scope();
        let out = scope.alloc(1);
        out[0] = sum(self.data());
        scope.op(&[self], &[], out, SumAll)
    }
}
