//! 2-d pooling of NCHW input: `max_pool2d`, `avg_pool2d`, `adaptive_avg_pool2d`.
//!
//! | op | y | dx | saved |
//! |---|---|---|---|
//! | max_pool2d | max over each window (padding = −∞) | g at each window's argmax | argmax per output |
//! | avg_pool2d | Σ over the clipped window / divisor | g / divisor over the window | nothing |
//! | adaptive_avg_pool2d | mean over `⌊i·H/oh⌋ .. ⌈(i+1)·H/oh⌉` × the same for columns | g / size over the window | nothing |
//!
//! The window, output-size and divisor rules are PyTorch's, spelled out in
//! [`kernels::pool`](crate::kernels::pool). Input must be 4-d `[N, C, H, W]` with `C, H, W > 0`
//! (an unbatched `[C, H, W]` input is reshaped to `[1, C, H, W]` by the caller: accepting it
//! here would make a batch of one image and one image of `N` channels look alike). Max pooling
//! saves its argmax indices in the arena, since ties and NaN decide which element wins and only
//! the forward knows; the averages recompute their windows in backward.
//!
//! Differentiable forms (`adjoint.rs`): each pooling is a linear map `P` (for max pooling, at
//! the saved argmax), its gradient `Pᵀ g` is an op whose own gradient is `P` again (a gather
//! at the argmax, or the average pooling itself), so the gradients can be differentiated to
//! any order.

use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::pool::{self, Axis, Pool2d};

/// Options of [`Var::try_max_pool2d`], PyTorch's `F.max_pool2d` arguments: `stride` defaults
/// to the kernel size, `padding` to 0, `dilation` to 1, `ceil_mode` to false.
///
/// ```
/// use arenagrad::MaxPool2dOptions;
/// let o = MaxPool2dOptions::new([3, 3]).stride([2, 2]).padding([1, 1]).ceil_mode(true);
/// assert_eq!((o.kernel_size, o.stride, o.dilation), ([3, 3], Some([2, 2]), [1, 1]));
/// assert_eq!(MaxPool2dOptions::square(2).kernel_size, [2, 2]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2dOptions {
    /// `[kh, kw]`, each `>= 1`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]`, each `>= 1`; `None` means the kernel size.
    pub stride: Option<[usize; 2]>,
    /// Implicit −∞ padding on both sides, at most half the kernel (`p <= k / 2`).
    pub padding: [usize; 2],
    /// Spacing between kernel positions, each `>= 1`.
    pub dilation: [usize; 2],
    /// Round the output size up (the last window must still start inside the input or the
    /// left padding).
    pub ceil_mode: bool,
}

impl MaxPool2dOptions {
    /// A `[kh, kw]` kernel with PyTorch's defaults for the rest.
    pub fn new(kernel_size: [usize; 2]) -> Self {
        MaxPool2dOptions {
            kernel_size,
            stride: None,
            padding: [0, 0],
            dilation: [1, 1],
            ceil_mode: false,
        }
    }
    /// A `k × k` kernel with PyTorch's defaults for the rest.
    pub fn square(k: usize) -> Self {
        Self::new([k, k])
    }
    /// With this stride.
    pub fn stride(self, stride: [usize; 2]) -> Self {
        MaxPool2dOptions {
            stride: Some(stride),
            ..self
        }
    }
    /// With this padding.
    pub fn padding(self, padding: [usize; 2]) -> Self {
        MaxPool2dOptions { padding, ..self }
    }
    /// With this dilation.
    pub fn dilation(self, dilation: [usize; 2]) -> Self {
        MaxPool2dOptions { dilation, ..self }
    }
    /// With this rounding of the output size.
    pub fn ceil_mode(self, ceil_mode: bool) -> Self {
        MaxPool2dOptions { ceil_mode, ..self }
    }
}

/// Options of [`Var::try_avg_pool2d`], PyTorch's `F.avg_pool2d` arguments: `stride` defaults
/// to the kernel size, `padding` to 0, `ceil_mode` to false, `count_include_pad` to true.
///
/// ```
/// use arenagrad::AvgPool2dOptions;
/// let o = AvgPool2dOptions::new([3, 3]).stride([2, 2]).padding([1, 1]).count_include_pad(false);
/// assert!(!o.count_include_pad && !o.ceil_mode);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool2dOptions {
    /// `[kh, kw]`, each `>= 1`.
    pub kernel_size: [usize; 2],
    /// `[sh, sw]`, each `>= 1`; `None` means the kernel size.
    pub stride: Option<[usize; 2]>,
    /// Implicit zero padding on both sides, at most half the kernel (`p <= k / 2`).
    pub padding: [usize; 2],
    /// Round the output size up (see [`MaxPool2dOptions::ceil_mode`]).
    pub ceil_mode: bool,
    /// Divide by the window clipped to the padded input (true) or by the number of input
    /// elements in it (false).
    pub count_include_pad: bool,
}

impl AvgPool2dOptions {
    /// A `[kh, kw]` kernel with PyTorch's defaults for the rest.
    pub fn new(kernel_size: [usize; 2]) -> Self {
        AvgPool2dOptions {
            kernel_size,
            stride: None,
            padding: [0, 0],
            ceil_mode: false,
            count_include_pad: true,
        }
    }
    /// A `k × k` kernel with PyTorch's defaults for the rest.
    pub fn square(k: usize) -> Self {
        Self::new([k, k])
    }
    /// With this stride.
    pub fn stride(self, stride: [usize; 2]) -> Self {
        AvgPool2dOptions {
            stride: Some(stride),
            ..self
        }
    }
    /// With this padding.
    pub fn padding(self, padding: [usize; 2]) -> Self {
        AvgPool2dOptions { padding, ..self }
    }
    /// With this rounding of the output size.
    pub fn ceil_mode(self, ceil_mode: bool) -> Self {
        AvgPool2dOptions { ceil_mode, ..self }
    }
    /// With this divisor rule.
    pub fn count_include_pad(self, count_include_pad: bool) -> Self {
        AvgPool2dOptions {
            count_include_pad,
            ..self
        }
    }
}

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

/// `[N, C, H, W]` with `C, H, W > 0`, or an error naming `op`.
fn nchw(op: &'static str, shape: &[usize]) -> Result<[usize; 4]> {
    match *shape {
        [n, c, h, w] if c > 0 && h > 0 && w > 0 => Ok([n, c, h, w]),
        [_, _, _, _] => Err(invalid(
            op,
            format!("input of shape {shape:?} has an empty C, H or W dim; pass C, H, W > 0"),
        )),
        _ => Err(invalid(
            op,
            format!(
                "expected a 4-d [N, C, H, W] input but got shape {shape:?} (rank {}); reshape an \
                 unbatched [C, H, W] input to [1, C, H, W]",
                shape.len()
            ),
        )),
    }
}

/// The validated geometry of a pooling op, PyTorch's checks in PyTorch's order.
fn geometry(
    op: &'static str,
    shape: &[usize],
    kernel: [usize; 2],
    stride: Option<[usize; 2]>,
    padding: [usize; 2],
    dilation: [usize; 2],
    ceil_mode: bool,
) -> Result<Pool2d> {
    let [n, c, h, w] = nchw(op, shape)?;
    let stride = stride.unwrap_or(kernel);
    for (what, v) in [
        ("kernel_size", kernel),
        ("stride", stride),
        ("dilation", dilation),
    ] {
        if v.contains(&0) {
            return Err(invalid(
                op,
                format!("{what} {v:?} must be positive; pass values >= 1"),
            ));
        }
    }
    if padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2 {
        return Err(invalid(
            op,
            format!(
                "padding {padding:?} must be at most half the kernel size {kernel:?}; lower the \
                 padding or enlarge the kernel"
            ),
        ));
    }
    let axis = |i: usize, input: usize| {
        let out = Axis::output_size(
            input,
            kernel[i],
            stride[i],
            padding[i],
            dilation[i],
            ceil_mode,
        );
        (
            out,
            Axis {
                input,
                output: out.max(0) as usize,
                kernel: kernel[i],
                stride: stride[i],
                padding: padding[i],
                dilation: dilation[i],
            },
        )
    };
    let ((oh, ha), (ow, wa)) = (axis(0, h), axis(1, w));
    if oh < 1 || ow < 1 {
        return Err(invalid(
            op,
            format!(
                "input {shape:?} is too small for kernel {kernel:?} (stride {stride:?}, padding \
                 {padding:?}, dilation {dilation:?}): the output would be {oh}x{ow}; use a \
                 smaller kernel, more padding or a larger input"
            ),
        ));
    }
    Ok(Pool2d {
        planes: n * c,
        h: ha,
        w: wa,
    })
}

fn out_shape(shape: &[usize], p: &Pool2d) -> [usize; 4] {
    [shape[0], shape[1], p.h.output, p.w.output]
}

#[derive(Clone, Copy)]
struct MaxPool<'g> {
    p: Pool2d,
    arg: &'g [usize],
}

impl<'g> Rule<'g> for MaxPool<'g> {
    fn name(&self) -> &'static str {
        "max_pool2d"
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        sink.with(0, |out, acc| {
            pool::max_pool2d_backward(g, self.arg, &self.p, out, acc)
        });
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let map = adjoint::Linear::Max {
            p: self.p,
            arg: self.arg,
        };
        sink.put(0, adjoint::adjoint_op(map, g, node.inputs[0].shape))
    }
}

#[derive(Clone, Copy)]
struct AvgPool {
    p: Pool2d,
    count_include_pad: bool,
}

impl<'g> Rule<'g> for AvgPool {
    fn name(&self) -> &'static str {
        "avg_pool2d"
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (p, inc) = (&self.p, self.count_include_pad);
        sink.with(0, |out, acc| pool::avg_pool2d_backward(g, p, inc, out, acc));
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let map = adjoint::Linear::Avg(*self);
        sink.put(0, adjoint::adjoint_op(map, g, node.inputs[0].shape))
    }
}

#[derive(Clone, Copy)]
struct AdaptiveAvgPool {
    planes: usize,
    input: [usize; 2],
    output: [usize; 2],
}

impl<'g> Rule<'g> for AdaptiveAvgPool {
    fn name(&self) -> &'static str {
        "adaptive_avg_pool2d"
    }
    fn backward(&self, _node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let (n, i, o) = (self.planes, self.input, self.output);
        sink.with(0, |out, acc| {
            pool::adaptive_avg_pool2d_backward(g, n, i, o, out, acc)
        });
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let map = adjoint::Linear::Adaptive(*self);
        sink.put(0, adjoint::adjoint_op(map, g, node.inputs[0].shape))
    }
}

impl<'g> Var<'g> {
    /// 2-d max pooling of `[N, C, H, W]` input (`F.max_pool2d`); the gradient goes to each
    /// window's maximum. Errors ([`Error::InvalidArgument`]): input not 4-d or with an empty
    /// `C`, `H` or `W`; a zero kernel, stride or dilation; padding over half the kernel; an
    /// output smaller than 1×1.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 5.0, 2.0, 3.0, 4.0, 0.0, 8.0, 7.0, 6.0], &[1, 1, 3, 3])?);
    ///     let y = x.try_max_pool2d(MaxPool2dOptions::square(2).stride([1, 1]))?;
    ///     assert_eq!((y.shape(), y.to_vec()), (&[1, 1, 2, 2][..], vec![5.0, 5.0, 8.0, 7.0]));
    ///     y.sum().backward()?;                      // 5 wins two windows
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    ///     assert!(x.try_max_pool2d(MaxPool2dOptions::square(4)).is_err()); // output 0x0
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_max_pool2d(self, o: MaxPool2dOptions) -> Result<Var<'g>> {
        let (op, shape) = ("max_pool2d", self.shape());
        let p = geometry(
            op,
            shape,
            o.kernel_size,
            o.stride,
            o.padding,
            o.dilation,
            o.ceil_mode,
        )?;
        let scope = self.scope();
        let n = p.planes * p.out_plane();
        let (out, arg) = (scope.alloc_out(n), scope.alloc_fill(n, 0usize));
        pool::max_pool2d(self.data(), &p, out, arg);
        Ok(scope.op(&[self], &out_shape(shape, &p), out, MaxPool { p, arg }))
    }

    /// Panicking form of [`Var::try_max_pool2d`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new((0..16).map(|v| v as f32).collect(), &[1, 1, 4, 4])?);
    ///     assert_eq!(x.max_pool2d(MaxPool2dOptions::square(2)).to_vec(), vec![5.0, 7.0, 13.0, 15.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn max_pool2d(self, options: MaxPool2dOptions) -> Var<'g> {
        or_panic(self.try_max_pool2d(options))
    }

    /// 2-d average pooling of `[N, C, H, W]` input (`F.avg_pool2d`), with PyTorch's divisor
    /// rules for padding, `ceil_mode` and `count_include_pad`. Errors as
    /// [`Var::try_max_pool2d`]'s.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[1, 1, 1, 4])?);
    ///     let o = AvgPool2dOptions::new([1, 2]).padding([0, 1]);
    ///     // windows [pad, 1], [2, 3], [4, pad]
    ///     assert_eq!(x.try_avg_pool2d(o)?.to_vec(), vec![0.5, 2.5, 2.0]);
    ///     let y = x.try_avg_pool2d(o.count_include_pad(false))?;
    ///     assert_eq!(y.to_vec(), vec![1.0, 2.5, 4.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 0.5, 0.5, 1.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_avg_pool2d(self, o: AvgPool2dOptions) -> Result<Var<'g>> {
        let (op, shape) = ("avg_pool2d", self.shape());
        let p = geometry(
            op,
            shape,
            o.kernel_size,
            o.stride,
            o.padding,
            [1, 1],
            o.ceil_mode,
        )?;
        let scope = self.scope();
        let out = scope.alloc_out(p.planes * p.out_plane());
        let count_include_pad = o.count_include_pad;
        pool::avg_pool2d(self.data(), &p, count_include_pad, out);
        let rule = AvgPool {
            p,
            count_include_pad,
        };
        Ok(scope.op(&[self], &out_shape(shape, &p), out, rule))
    }

    /// Panicking form of [`Var::try_avg_pool2d`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new((0..16).map(|v| v as f32).collect(), &[1, 1, 4, 4])?);
    ///     assert_eq!(x.avg_pool2d(AvgPool2dOptions::square(2)).to_vec(), vec![2.5, 4.5, 10.5, 12.5]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn avg_pool2d(self, options: AvgPool2dOptions) -> Var<'g> {
        or_panic(self.try_avg_pool2d(options))
    }

    /// Adaptive average pooling of `[N, C, H, W]` input to `[N, C, oh, ow]`
    /// (`F.adaptive_avg_pool2d`): output `i` averages rows `⌊i·H/oh⌋ .. ⌈(i+1)·H/oh⌉`, likewise
    /// for columns. Errors ([`Error::InvalidArgument`]): input not 4-d or with an empty `C`,
    /// `H` or `W`; an output size of 0.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0], &[1, 1, 1, 5])?);
    ///     let y = x.try_adaptive_avg_pool2d([1, 3])?;    // windows 0..2, 1..4, 3..5
    ///     assert_eq!(y.to_vec(), vec![1.5, 3.0, 4.5]);
    ///     assert!(x.try_adaptive_avg_pool2d([0, 1]).is_err());
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_adaptive_avg_pool2d(self, output_size: [usize; 2]) -> Result<Var<'g>> {
        let op = "adaptive_avg_pool2d";
        let [n, c, h, w] = nchw(op, self.shape())?;
        if output_size.contains(&0) {
            return Err(invalid(
                op,
                format!("output_size {output_size:?} must be positive; pass sizes >= 1"),
            ));
        }
        let (scope, [oh, ow]) = (self.scope(), output_size);
        let out = scope.alloc_out(n * c * oh * ow);
        pool::adaptive_avg_pool2d(self.data(), n * c, [h, w], output_size, out);
        let rule = AdaptiveAvgPool {
            planes: n * c,
            input: [h, w],
            output: output_size,
        };
        Ok(scope.op(&[self], &[n, c, oh, ow], out, rule))
    }

    /// Panicking form of [`Var::try_adaptive_avg_pool2d`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![1.0, 2.0, 3.0, 6.0], &[1, 1, 2, 2])?);
    ///     assert_eq!(x.adaptive_avg_pool2d([1, 1]).to_vec(), vec![3.0]); // global average
    ///     Ok(())
    /// }).unwrap();
    /// ```
    #[track_caller]
    pub fn adaptive_avg_pool2d(self, output_size: [usize; 2]) -> Var<'g> {
        or_panic(self.try_adaptive_avg_pool2d(output_size))
    }
}

mod adjoint;
#[cfg(test)]
mod tests;
