//! The geometry of one convolution: sizes, stride, padding, dilation, groups, and the sizes
//! derived from them. A 1-d convolution is a 2-d one of height 1 (kernel height 1, stride and
//! dilation 1, no padding along the height).

/// Sizes and hyper-parameters of a convolution over NCHW data, `[h, w]` per spatial axis.
///
/// `out_size` is explicit: [`Conv::new`] computes it with PyTorch's formula
/// `(H + 2p − d·(k−1) − 1) / s + 1`; a transposed convolution sets it to its own input's size,
/// which may be smaller (`output_padding` rows that no tap reaches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv {
    /// Images `N` (may be 0).
    pub batch: usize,
    /// Input channels `C`.
    pub in_channels: usize,
    /// Output channels `O`.
    pub out_channels: usize,
    /// Groups `G`: input channels `g·C/G ..` feed output channels `g·O/G ..` only.
    pub groups: usize,
    /// Input height and width.
    pub in_size: [usize; 2],
    /// Output height and width.
    pub out_size: [usize; 2],
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Stride per axis (≥ 1).
    pub stride: [usize; 2],
    /// Zero padding on both sides, per axis.
    pub padding: [usize; 2],
    /// Distance between kernel taps per axis (≥ 1).
    pub dilation: [usize; 2],
}

impl Conv {
    /// A 2-d convolution with PyTorch's output size, or `None` when an argument is out of
    /// range: a zero stride, dilation, groups or kernel size, channels not divisible by
    /// `groups`, a kernel larger than the padded input (output size < 1), or sizes that
    /// overflow.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch: usize,
        in_channels: usize,
        out_channels: usize,
        in_size: [usize; 2],
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        groups: usize,
    ) -> Option<Conv> {
        let axis = |a: usize| out_len(in_size[a], kernel[a], stride[a], padding[a], dilation[a]);
        let c = Conv {
            batch,
            in_channels,
            out_channels,
            groups,
            in_size,
            out_size: [axis(0)?, axis(1)?],
            kernel,
            stride,
            padding,
            dilation,
        };
        c.is_valid().then_some(c)
    }

    /// A 1-d convolution of length `len` with kernel size `k` (height 1).
    #[allow(clippy::too_many_arguments)]
    pub fn new_1d(
        batch: usize,
        in_channels: usize,
        out_channels: usize,
        len: usize,
        k: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
        groups: usize,
    ) -> Option<Conv> {
        let (one, zero) = (1, 0);
        Conv::new(
            batch,
            in_channels,
            out_channels,
            [one, len],
            [one, k],
            [one, stride],
            [zero, padding],
            [one, dilation],
            groups,
        )
    }

    /// Whether the kernels accept this geometry: positive stride, dilation, kernel and groups,
    /// channels divisible by groups, and every buffer size (the im2col scratch included)
    /// representable.
    pub fn is_valid(&self) -> bool {
        let pos = |a: [usize; 2]| a[0] > 0 && a[1] > 0;
        let sizes = [
            [
                self.batch,
                self.in_channels,
                self.in_size[0],
                self.in_size[1],
            ],
            [
                self.batch,
                self.out_channels,
                self.out_size[0],
                self.out_size[1],
            ],
            [
                self.out_channels,
                self.in_per_group(),
                self.kernel[0],
                self.kernel[1],
            ],
            [
                self.in_per_group(),
                self.kernel[0],
                self.kernel[1],
                self.out_plane(),
            ],
        ];
        // the last output position's first tap starts inside the padded input, and its last
        // tap's offset fits (bounds the index arithmetic of im2col)
        let reach = |a: usize| {
            let padded = self.in_size[a].saturating_add(self.padding[a].saturating_mul(2));
            let span = self.kernel[a]
                .checked_sub(1)
                .and_then(|k| k.checked_mul(self.dilation[a]));
            let first = self.out_size[a]
                .saturating_sub(1)
                .checked_mul(self.stride[a]);
            matches!((first, span), (Some(f), Some(s)) if f < padded && f.checked_add(s).is_some())
        };
        pos(self.stride)
            && pos(self.dilation)
            && reach(0)
            && reach(1)
            && pos(self.kernel)
            && self.groups > 0
            && self.in_channels.is_multiple_of(self.groups)
            && self.out_channels.is_multiple_of(self.groups)
            && sizes.iter().all(|s| {
                s.iter()
                    .try_fold(1usize, |a, &d| a.checked_mul(d))
                    .is_some_and(|n| n <= isize::MAX as usize / 4)
            })
    }

    /// `C / G`.
    pub fn in_per_group(&self) -> usize {
        self.in_channels / self.groups.max(1)
    }
    /// `O / G`.
    pub fn out_per_group(&self) -> usize {
        self.out_channels / self.groups.max(1)
    }
    /// `H · W`.
    pub fn in_plane(&self) -> usize {
        self.in_size[0] * self.in_size[1]
    }
    /// `OH · OW`.
    pub fn out_plane(&self) -> usize {
        self.out_size[0] * self.out_size[1]
    }
    /// Rows of a group's im2col matrix: `C/G · kh · kw` (the GEMM depth).
    pub fn col_rows(&self) -> usize {
        self.in_per_group() * self.kernel[0] * self.kernel[1]
    }
    /// Elements of `x`, `w` and `y`.
    pub fn lens(&self) -> [usize; 3] {
        [
            self.batch * self.in_channels * self.in_plane(),
            self.out_channels * self.col_rows(),
            self.batch * self.out_channels * self.out_plane(),
        ]
    }
    /// Multiply-adds of one forward pass.
    pub fn macs(&self) -> usize {
        self.lens()[2].saturating_mul(self.col_rows())
    }
    /// A 1×1 kernel with stride 1 and no padding over an output of the input's size: the
    /// image is its own im2col matrix.
    pub(super) fn is_pointwise(&self) -> bool {
        self.kernel == [1, 1]
            && self.stride == [1, 1]
            && self.padding == [0, 0]
            && self.out_size == self.in_size
    }

    /// Panics unless the geometry is valid and the buffers have its lengths.
    pub(super) fn assert_lengths(&self, x: usize, w: usize, y: usize) {
        assert!(self.is_valid(), "conv: invalid geometry {self:?}");
        assert_eq!([x, w, y], self.lens(), "conv: buffer lengths for {self:?}");
    }
}

/// PyTorch's output length `(len + 2p − d·(k−1) − 1) / s + 1`, `None` when below 1 or on
/// overflow or a zero stride.
pub fn out_len(len: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
    let padded = p.checked_mul(2)?.checked_add(len)?;
    let span = d.checked_mul(k.checked_sub(1)?)?.checked_add(1)?;
    let room = padded.checked_sub(span)?;
    room.checked_div(s).map(|q| q + 1)
}
