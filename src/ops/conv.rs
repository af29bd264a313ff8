//! Convolutions over NCHW data with PyTorch's semantics: `conv1d`, `conv2d` and
//! `conv_transpose2d`, each one fused node (bias included) on the kernels of
//! [`kernels::conv`](crate::kernels::conv) (im2col + GEMM).
//!
//! | op | forward | dx | dW | db |
//! |---|---|---|---|---|
//! | conv | `forward` | `backward_input` | `backward_weight(x, dy)` | `backward_bias(dy)` |
//! | conv_transpose | `backward_input` (+ bias) | `forward(dy)` | `backward_weight(dy, x)` | `backward_bias(dy)` |
//!
//! A transposed convolution is the input gradient of the convolution whose input has the
//! transposed convolution's output shape, so both ops share one geometry ([`Conv`]) and the
//! same four kernels with the roles swapped. Saved: nothing; backward reads the inputs in
//! place and recomputes the im2col matrix.
//!
//! Differentiable forms (`graph.rs`): the gradients as the three bilinear maps `F` (conv),
//! `I` (input gradient, a conv_transpose) and `W` (weight gradient, a correlation) of the
//! same geometry, ops whose own gradients are again those maps, so convolutions can be
//! differentiated to any order.
//!
//! Options are small `Copy` structs with PyTorch's defaults (`Default`) and builder methods:
//! [`Conv1dOptions`], [`Conv2dOptions`], [`ConvTranspose2dOptions`].

use crate::error::Result;
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::conv::{backward_bias, backward_input, backward_weight, forward, Conv};
use crate::kernels::Acc;

mod check;
mod graph;
mod options;
#[cfg(test)]
mod tests;
mod transpose;

use check::Spatial;
pub use options::{Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions};

#[derive(Clone, Copy)]
struct ConvRule {
    op: &'static str,
    geom: Conv,
}

impl<'g> Rule<'g> for ConvRule {
    fn name(&self) -> &'static str {
        self.op
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (c, x, w) = (&self.geom, node.inputs[0].data(), node.inputs[1].data());
        sink.with(0, |dx, acc| backward_input(c, w, g, dx, acc));
        sink.with(1, |dw, acc| backward_weight(c, x, g, dw, acc));
        if node.inputs.len() == 3 {
            let o = c.out_channels;
            sink.with(2, |db, acc| backward_bias(g, c.batch, o, db, acc));
        }
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        graph::conv_form(self, node, g, sink)
    }
}

/// Runs the convolution `geom` (already checked) on `x`, `w`, `b`; `shape` is the output's.
fn conv<'g>(
    op: &'static str,
    geom: Conv,
    shape: &[usize],
    x: Var<'g>,
    w: Var<'g>,
    b: Option<Var<'g>>,
) -> Var<'g> {
    let scope = x.scope();
    let y = scope.alloc_out(geom.lens()[2]);
    forward(
        &geom,
        x.data(),
        w.data(),
        b.map(|b| b.data()),
        y,
        Acc::Write,
    );
    let rule = ConvRule { op, geom };
    match b {
        Some(b) => scope.op(&[x, w, b], shape, y, rule),
        None => scope.op(&[x, w], shape, y, rule),
    }
}

impl<'g> Var<'g> {
    /// PyTorch's `F.conv1d`: `self [N, C, L]`, `weight [O, C/groups, K]`, `bias [O]`, result
    /// `[N, O, (L + 2p − d·(K−1) − 1)/s + 1]`. Errors (never panics) on a shape or argument
    /// PyTorch rejects, naming the shapes.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[1, 1, 4])?);
    ///     let w = g.leaf(Tensor::new(vec![1.0, -1.0], &[1, 1, 2])?);
    ///     let y = x.try_conv1d(w, None, Conv1dOptions::default().padding(1))?;
    ///     assert_eq!(y.shape(), [1, 1, 5]);
    ///     assert_eq!(y.to_vec(), [-1.0, -1.0, -1.0, -1.0, 4.0]);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_conv1d(
        self,
        weight: Var<'g>,
        bias: Option<Var<'g>>,
        opts: Conv1dOptions,
    ) -> Result<Var<'g>> {
        let op = "conv1d";
        let sp = Spatial {
            stride: [1, opts.stride],
            padding: [0, opts.padding],
            dilation: [1, opts.dilation],
            groups: opts.groups,
        };
        let geom = check::conv(
            op,
            1,
            self.shape(),
            weight.shape(),
            bias.map(|b| b.shape()),
            &sp,
        )?;
        let shape = [geom.batch, geom.out_channels, geom.out_size[1]];
        Ok(conv(op, geom, &shape, self, weight, bias))
    }

    /// Panicking form of [`Var::try_conv1d`].
    #[track_caller]
    pub fn conv1d(self, weight: Var<'g>, bias: Option<Var<'g>>, opts: Conv1dOptions) -> Var<'g> {
        crate::error::or_panic(self.try_conv1d(weight, bias, opts))
    }

    /// PyTorch's `F.conv2d`: `self [N, C, H, W]`, `weight [O, C/groups, kh, kw]`,
    /// `bias [O]`, result `[N, O, OH, OW]` with `OH = (H + 2p − d·(kh−1) − 1)/s + 1` (and so
    /// `OW`). Errors (never panics) on a shape or argument PyTorch rejects, naming the shapes.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::ones(&[2, 4, 8, 8])?);
    ///     let w = g.leaf(Tensor::ones(&[6, 2, 3, 3])?); // 4 input channels in 2 groups
    ///     let b = g.leaf(Tensor::zeros(&[6])?);
    ///     let opts = Conv2dOptions::default().stride([2, 2]).padding([1, 1]).groups(2);
    ///     let y = x.try_conv2d(w, Some(b), opts)?;
    ///     assert_eq!(y.shape(), [2, 6, 4, 4]);
    ///     assert_eq!(y.to_vec()[5], 18.0); // an inner position: 2 channels × 9 taps
    ///     y.sum().backward()?;
    ///     assert_eq!(b.grad().unwrap().to_vec(), [32.0; 6]); // 2 images × 16 positions
    ///     // the weight wants in_channels / groups = 2 input channels: 4 without groups is wrong
    ///     assert!(x.try_conv2d(w, None, Conv2dOptions::default()).is_err());
    ///     Ok(())
    /// })?;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_conv2d(
        self,
        weight: Var<'g>,
        bias: Option<Var<'g>>,
        opts: Conv2dOptions,
    ) -> Result<Var<'g>> {
        let op = "conv2d";
        let sp = Spatial {
            stride: opts.stride,
            padding: opts.padding,
            dilation: opts.dilation,
            groups: opts.groups,
        };
        let geom = check::conv(
            op,
            2,
            self.shape(),
            weight.shape(),
            bias.map(|b| b.shape()),
            &sp,
        )?;
        let [oh, ow] = geom.out_size;
        let shape = [geom.batch, geom.out_channels, oh, ow];
        Ok(conv(op, geom, &shape, self, weight, bias))
    }

    /// Panicking form of [`Var::try_conv2d`].
    #[track_caller]
    pub fn conv2d(self, weight: Var<'g>, bias: Option<Var<'g>>, opts: Conv2dOptions) -> Var<'g> {
        crate::error::or_panic(self.try_conv2d(weight, bias, opts))
    }
}
