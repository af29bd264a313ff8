//! `conv_transpose2d`: the transpose (input gradient) of the convolution whose input has this
//! op's output shape. Its argument checks, its backward rule and the method.

use super::check::{bias_shape, common, divisible, invalid, Spatial};
use super::ConvTranspose2dOptions;
use crate::error::{Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::conv::{backward_bias, backward_input, backward_weight, forward, Conv};
use crate::kernels::Acc;

/// The geometry of `conv_transpose2d` as the convolution it is the transpose of: input
/// `x [N, C_in, H, W]`, weight `w [C_in, C_out/groups, kh, kw]`, bias `[C_out]`; the result
/// `[N, C_out, OH, OW]` is that convolution's input (`in_size`), `x` its output.
fn conv_transpose(
    op: &'static str,
    x: &[usize],
    w: &[usize],
    b: Option<&[usize]>,
    sp: &Spatial,
    output_padding: [usize; 2],
) -> Result<Conv> {
    let ([n, c, h, wd], [wc, og, kh, kw]) = common(op, 2, x, w, sp)?;
    divisible(op, "input channels", c, sp.groups, x, w)?;
    if wc != c {
        let message = format!(
            "weight of size {w:?} expects the input to have {wc} channels (its first dimension), \
             but the input {x:?} has {c}; the weight of a transposed convolution is \
             [in_channels, out_channels / groups, kh, kw]"
        );
        return Err(invalid(op, message));
    }
    let out_c = og * sp.groups;
    bias_shape(op, b, out_c, w)?;
    let op_bad =
        (0..2).any(|a| output_padding[a] >= sp.stride[a] && output_padding[a] >= sp.dilation[a]);
    if op_bad {
        let message = format!(
            "output_padding {output_padding:?} must be smaller than either stride {:?} or \
             dilation {:?} (per axis); lower output_padding",
            sp.stride, sp.dilation
        );
        return Err(invalid(op, message));
    }
    // OH = (H − 1)·s − 2p + d·(k − 1) + output_padding + 1, in i128: no overflow, sign kept
    let axis = |a: usize| {
        let i = |v: usize| v as i128;
        (i([h, wd][a]) - 1) * i(sp.stride[a]) - 2 * i(sp.padding[a])
            + i(sp.dilation[a]) * (i([kh, kw][a]) - 1)
            + i(output_padding[a])
            + 1
    };
    let (oh, ow) = (axis(0), axis(1));
    if oh < 1 || ow < 1 {
        let message = format!(
            "the output size ({oh} x {ow}) of input {x:?} and weight {w:?} (stride {:?}, padding \
             {:?}, dilation {:?}, output_padding {output_padding:?}) is below 1; lower the padding",
            sp.stride, sp.padding, sp.dilation
        );
        return Err(invalid(op, message));
    }
    let size = |v: i128| usize::try_from(v).unwrap_or(usize::MAX);
    let geom = Conv {
        batch: n,
        in_channels: out_c,
        out_channels: c,
        groups: sp.groups,
        in_size: [size(oh), size(ow)],
        out_size: [h, wd],
        kernel: [kh, kw],
        stride: sp.stride,
        padding: sp.padding,
        dilation: sp.dilation,
    };
    if !geom.is_valid() {
        let shape = vec![n, out_c, size(oh), size(ow)];
        return Err(Error::SizeOverflow { op, shape });
    }
    Ok(geom)
}

/// The transpose of the convolution `geom`: input `x` is `geom`'s output, the result its input.
#[derive(Clone, Copy)]
pub(super) struct ConvTransposeRule {
    op: &'static str,
    pub(super) geom: Conv,
}

impl<'g> Rule<'g> for ConvTransposeRule {
    fn name(&self) -> &'static str {
        self.op
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (c, x, w) = (&self.geom, node.inputs[0].data(), node.inputs[1].data());
        sink.with(0, |dx, acc| forward(c, g, w, None, dx, acc));
        sink.with(1, |dw, acc| backward_weight(c, g, x, dw, acc));
        if node.inputs.len() == 3 {
            let o = c.in_channels;
            sink.with(2, |db, acc| backward_bias(g, c.batch, o, db, acc));
        }
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        super::graph::conv_transpose_form(self, node, g, sink)
    }
}

impl<'g> Var<'g> {
    /// PyTorch's `F.conv_transpose2d`: `self [N, C_in, H, W]`,
    /// `weight [C_in, C_out/groups, kh, kw]`, `bias [C_out]`, result `[N, C_out, OH, OW]` with
    /// `OH = (H − 1)·s − 2p + d·(kh − 1) + output_padding + 1` (and so `OW`): the gradient of
    /// `conv2d` with respect to its input. Errors (never panics) on a shape or argument
    /// PyTorch rejects, naming the shapes.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::ones(&[1, 4, 4, 4])?);
    ///     let w = g.leaf(Tensor::ones(&[4, 3, 3, 3])?);
    ///     let opts = ConvTranspose2dOptions::default()
    ///         .stride([2, 2])
    ///         .padding([1, 1])
    ///         .output_padding([1, 1]);
    ///     let y = x.try_conv_transpose2d(w, None, opts)?;
    ///     assert_eq!(y.shape(), [1, 3, 8, 8]); // upsampled 2×
    ///     Ok(())
    /// })?;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_conv_transpose2d(
        self,
        weight: Var<'g>,
        bias: Option<Var<'g>>,
        opts: ConvTranspose2dOptions,
    ) -> Result<Var<'g>> {
        let op = "conv_transpose2d";
        let sp = Spatial {
            stride: opts.stride,
            padding: opts.padding,
            dilation: opts.dilation,
            groups: opts.groups,
        };
        let b_shape = bias.map(|b| b.shape());
        let geom = conv_transpose(
            op,
            self.shape(),
            weight.shape(),
            b_shape,
            &sp,
            opts.output_padding,
        )?;
        let [oh, ow] = geom.in_size;
        let shape = [geom.batch, geom.in_channels, oh, ow];
        let scope = self.scope();
        let y = scope.alloc_out(geom.lens()[0]);
        if let Some(b) = bias {
            let plane = oh * ow;
            for (row, &v) in y.chunks_exact_mut(plane).zip(b.data().iter().cycle()) {
                row.fill(v);
            }
            backward_input(&geom, weight.data(), self.data(), y, Acc::Add);
        } else {
            backward_input(&geom, weight.data(), self.data(), y, Acc::Write);
        }
        let rule = ConvTransposeRule { op, geom };
        Ok(match bias {
            Some(b) => scope.op(&[self, weight, b], &shape, y, rule),
            None => scope.op(&[self, weight], &shape, y, rule),
        })
    }

    /// Panicking form of [`Var::try_conv_transpose2d`].
    #[track_caller]
    pub fn conv_transpose2d(
        self,
        weight: Var<'g>,
        bias: Option<Var<'g>>,
        opts: ConvTranspose2dOptions,
    ) -> Var<'g> {
        crate::error::or_panic(self.try_conv_transpose2d(weight, bias, opts))
    }
}
