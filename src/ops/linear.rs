//! The fused affine map of `nn::Linear`: `y = x · Wᵀ + b` for `x [.., in]`, `W [out, in]`,
//! `b [out]`, leading dimensions of `x` flattened into `n` rows.
//!
//! Every product is one strided GEMM call and nothing is copied or transposed in memory; the
//! bias goes into the forward product's first pass over `y` (`kernels::gemm::matmul_bias`:
//! each output tile starts from the bias, so `y` is not streamed once more for it) and is
//! summed back by the axis kernels (a GEMM with an inner or outer dimension of 1 would pay for
//! packing, and the GEMM crates allocate their packing buffers on every call):
//!
//! | quantity | computed as | views |
//! |---|---|---|
//! | y | `x · Wᵀ` (GEMM) starting from `b` in each row, bit for bit `b` broadcast then the product added | `Wᵀ` is `W` with swapped strides |
//! | dx | `dy · W` (GEMM) | row-major `dy [n, out]`, `W [out, in]` |
//! | dW | `dyᵀ · x` (GEMM) | `dyᵀ` is `dy` with swapped strides |
//! | db | the column sums of `dy` | |
//!
//! The differentiable form (`backward_graph`) is the same table in `matmul`, `transpose` and
//! `sum_axis` ops on `dy` and `x` flattened to `[n, out]` and `[n, in]`.
//!
//! Saved: nothing; backward reads `x`, `W` and `dy` in place. A fused rule also keeps this op
//! independent of the general `matmul` op (torch.matmul semantics, batching) and gives one node
//! per layer instead of three.

use crate::error::{Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::gemm::{matmul, matmul_bias, Mat};
use crate::kernels::reduce::{sum_axis, AxisLayout};
use crate::kernels::Acc;

/// `n` rows of `out_f`, as the axis kernels see them: the bias axis is the rows.
fn rows(n: usize, out_f: usize) -> AxisLayout {
    AxisLayout {
        outer: 1,
        len: n,
        inner: out_f,
    }
}

#[derive(Clone, Copy)]
struct LinearRule;

impl<'g> Rule<'g> for LinearRule {
    fn name(&self) -> &'static str {
        "linear"
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let (x, w) = (sink.input(0), sink.input(1));
        let (out_f, in_f) = (w.shape()[0], w.shape()[1]);
        let n = x.numel() / in_f;
        let dy = g.try_reshape(&[n, out_f])?;
        if sink.needs(0) {
            sink.put(0, dy.try_matmul(w)?.try_reshape(x.shape())?)?;
        }
        if sink.needs(1) {
            let x2 = x.try_reshape(&[n, in_f])?;
            sink.put(1, dy.try_transpose(0, 1)?.try_matmul(x2)?)?;
        }
        if node.inputs.len() == 3 && sink.needs(2) {
            sink.put(2, dy.try_sum_axis(0, false)?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (x, w) = (node.inputs[0], node.inputs[1]);
        let (out_f, in_f) = (w.shape[0], w.shape[1]);
        let n = x.numel() / in_f; // in_f > 0: checked in forward
        let dy = Mat::row_major(g, n, out_f);
        sink.with(0, |dx, acc| {
            matmul(dy, Mat::row_major(w.data(), out_f, in_f), dx, acc)
        });
        sink.with(1, |dw, acc| {
            matmul(dy.t(), Mat::row_major(x.data(), n, in_f), dw, acc)
        });
        if node.inputs.len() == 3 {
            sink.with(2, |db, acc| sum_axis(g, rows(n, out_f), 1.0, db, acc));
        }
    }
}

/// `x · Wᵀ + b` (`F.linear`); `in_features` (`W`'s second dimension) must be positive and
/// equal `x`'s last dimension. Errors name `op` (the layer) and the shapes.
pub(crate) fn linear<'g>(
    op: &'static str,
    x: Var<'g>,
    w: Var<'g>,
    b: Option<Var<'g>>,
) -> Result<Var<'g>> {
    let &[out_f, in_f] = w.shape() else {
        let message = format!("weight must have shape [out, in], got {:?}", w.shape());
        return Err(Error::InvalidArgument { op, message });
    };
    if let Some(b) = b {
        if b.shape() != [out_f] {
            let (lhs, rhs) = (w.shape().to_vec(), b.shape().to_vec());
            return Err(Error::ShapeMismatch { op, lhs, rhs });
        }
    }
    let Some((&last, lead)) = x
        .shape()
        .split_last()
        .filter(|(&l, _)| l == in_f && in_f > 0)
    else {
        let message = format!(
            "input of shape {:?} does not end in in_features = {in_f} (weight {:?}); pass an \
             input of shape [.., {in_f}]",
            x.shape(),
            w.shape()
        );
        return Err(Error::InvalidArgument { op, message });
    };
    let n = x.numel() / last;
    let scope = x.scope();
    // [.., out]: built in the arena, where the node keeps it anyway (no heap temporary)
    let shape = scope.alloc_copy(x.shape());
    shape[lead.len()] = out_f;
    let shape: &'g [usize] = shape;
    // both branches below write every element (a GEMM from the bias, or the product of a
    // positive inner dimension by a Write GEMM), so no zero fill
    let y = scope.alloc_out(n * out_f);
    let wt = Mat::row_major(w.data(), out_f, in_f).t();
    let xm = Mat::row_major(x.data(), n, in_f);
    let rule = LinearRule;
    Ok(match b {
        Some(b) => {
            matmul_bias(xm, wt, b.data(), y);
            scope.op_shaped(&[x, w, b], shape, y, rule)
        }
        None => {
            matmul(xm, wt, y, Acc::Write);
            scope.op_shaped(&[x, w], shape, y, rule)
        }
    })
}

impl<'g> Var<'g> {
    /// `self · weightᵀ + bias` (PyTorch's `F.linear`): `self [.., in]`, `weight [out, in]`,
    /// `bias [out]`, result `[.., out]`; one fused node (the op `nn::Linear` runs).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0], &[1, 2])?);
    ///     let w = g.leaf(Tensor::new(vec![1.0, 0.0, 1.0, 1.0], &[2, 2])?);
    ///     let b = g.leaf(Tensor::from_slice(&[0.5, -0.5]));
    ///     let y = x.try_linear(w, Some(b))?;
    ///     assert_eq!(y.to_vec(), [1.5, 2.5]);
    ///     assert!(x.try_linear(b, None).is_err()); // a weight must be [out, in]
    ///     Ok(())
    /// })?;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_linear(self, weight: Var<'g>, bias: Option<Var<'g>>) -> Result<Var<'g>> {
        linear("linear", self, weight, bias)
    }

    /// Panicking form of [`Var::try_linear`].
    #[track_caller]
    pub fn linear(self, weight: Var<'g>, bias: Option<Var<'g>>) -> Var<'g> {
        crate::error::or_panic(self.try_linear(weight, bias))
    }
}
