//! The options of the convolution ops: PyTorch's keyword arguments with its defaults (stride
//! 1, padding 0, dilation 1, groups 1, output_padding 0), as `Copy` structs with builder
//! methods. The fields are public, so a struct literal with `..Default::default()` works too.

/// Options of [`Var::conv1d`](crate::Var::conv1d) (`F.conv1d`'s keyword arguments).
///
/// ```
/// use arenagrad::Conv1dOptions;
/// let o = Conv1dOptions::default().stride(2).padding(1);
/// assert_eq!((o.stride, o.padding, o.dilation, o.groups), (2, 1, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv1dOptions {
    /// Step between output positions (≥ 1).
    pub stride: usize,
    /// Zeros added at both ends.
    pub padding: usize,
    /// Distance between kernel taps (≥ 1).
    pub dilation: usize,
    /// Channel groups; input and output channels must be divisible by it.
    pub groups: usize,
}

impl Default for Conv1dOptions {
    fn default() -> Self {
        Conv1dOptions {
            stride: 1,
            padding: 0,
            dilation: 1,
            groups: 1,
        }
    }
}

impl Conv1dOptions {
    /// Sets the stride.
    pub fn stride(self, stride: usize) -> Self {
        Conv1dOptions { stride, ..self }
    }
    /// Sets the padding.
    pub fn padding(self, padding: usize) -> Self {
        Conv1dOptions { padding, ..self }
    }
    /// Sets the dilation.
    pub fn dilation(self, dilation: usize) -> Self {
        Conv1dOptions { dilation, ..self }
    }
    /// Sets the number of groups.
    pub fn groups(self, groups: usize) -> Self {
        Conv1dOptions { groups, ..self }
    }
}

/// Options of [`Var::conv2d`](crate::Var::conv2d) (`F.conv2d`'s keyword arguments), each
/// spatial one as `[h, w]`.
///
/// ```
/// use arenagrad::Conv2dOptions;
/// let o = Conv2dOptions { padding: [1, 1], ..Default::default() }.groups(4);
/// assert_eq!((o.stride, o.padding, o.dilation, o.groups), ([1, 1], [1, 1], [1, 1], 4));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOptions {
    /// Step between output positions (≥ 1).
    pub stride: [usize; 2],
    /// Zeros added on both sides.
    pub padding: [usize; 2],
    /// Distance between kernel taps (≥ 1).
    pub dilation: [usize; 2],
    /// Channel groups; input and output channels must be divisible by it.
    pub groups: usize,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }
    }
}

impl Conv2dOptions {
    /// Sets the stride.
    pub fn stride(self, stride: [usize; 2]) -> Self {
        Conv2dOptions { stride, ..self }
    }
    /// Sets the padding.
    pub fn padding(self, padding: [usize; 2]) -> Self {
        Conv2dOptions { padding, ..self }
    }
    /// Sets the dilation.
    pub fn dilation(self, dilation: [usize; 2]) -> Self {
        Conv2dOptions { dilation, ..self }
    }
    /// Sets the number of groups.
    pub fn groups(self, groups: usize) -> Self {
        Conv2dOptions { groups, ..self }
    }
}

/// Options of [`Var::conv_transpose2d`](crate::Var::conv_transpose2d)
/// (`F.conv_transpose2d`'s keyword arguments), each spatial one as `[h, w]`.
///
/// ```
/// use arenagrad::ConvTranspose2dOptions;
/// let o = ConvTranspose2dOptions::default().stride([2, 2]).output_padding([1, 1]);
/// assert_eq!((o.stride, o.padding, o.output_padding), ([2, 2], [0, 0], [1, 1]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvTranspose2dOptions {
    /// Stride of the convolution this is the transpose of (≥ 1).
    pub stride: [usize; 2],
    /// Padding of that convolution: `dilation·(k−1) − padding` zeros around the input.
    pub padding: [usize; 2],
    /// Extra rows and columns at the end of the output; per axis smaller than the stride or
    /// the dilation.
    pub output_padding: [usize; 2],
    /// Distance between kernel taps (≥ 1).
    pub dilation: [usize; 2],
    /// Channel groups; input and output channels must be divisible by it.
    pub groups: usize,
}

impl Default for ConvTranspose2dOptions {
    fn default() -> Self {
        ConvTranspose2dOptions {
            stride: [1, 1],
            padding: [0, 0],
            output_padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }
    }
}

impl ConvTranspose2dOptions {
    /// Sets the stride.
    pub fn stride(self, stride: [usize; 2]) -> Self {
        ConvTranspose2dOptions { stride, ..self }
    }
    /// Sets the padding.
    pub fn padding(self, padding: [usize; 2]) -> Self {
        ConvTranspose2dOptions { padding, ..self }
    }
    /// Sets the output padding.
    pub fn output_padding(self, output_padding: [usize; 2]) -> Self {
        ConvTranspose2dOptions {
            output_padding,
            ..self
        }
    }
    /// Sets the dilation.
    pub fn dilation(self, dilation: [usize; 2]) -> Self {
        ConvTranspose2dOptions { dilation, ..self }
    }
    /// Sets the number of groups.
    pub fn groups(self, groups: usize) -> Self {
        ConvTranspose2dOptions { groups, ..self }
    }
}
