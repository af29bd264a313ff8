//! Indices without gradients: `argmax` (over everything or along an axis) and `topk`, on
//! `Tensor` here and on `Var` (`ops/indices.rs`, through the same functions).
//!
//! `argmax` returns the first maximum, a NaN counting as the maximum (the first NaN wins),
//! as `torch.argmax`; `topk` returns the `k` largest values along an axis, largest first, with
//! their indices (ties by the lower index, where PyTorch's order is unspecified; see
//! [`kernels::reduce::topk`](crate::kernels::reduce::topk)). Indices come as `Vec<usize>` in
//! row-major order, ready for `gather`, `index_select` or `embedding`.

use crate::error::{Error, Result};
use crate::kernels::reduce::{max_axis, topk as topk_kernel, AxisLayout};
use crate::shape::{normalize_axis, Dims};
use crate::tensor::Tensor;

/// `axis` of `shape` as a layout; a 0-d shape accepts 0 and -1 (one element), as PyTorch.
fn layout(op: &'static str, shape: &[usize], axis: isize) -> Result<(AxisLayout, usize)> {
    if shape.is_empty() && (axis == 0 || axis == -1) {
        return Ok((AxisLayout::new(shape, 0), 0));
    }
    let a = normalize_axis(op, axis, shape)?;
    Ok((AxisLayout::new(shape, a), a))
}

/// The flat index of the first maximum of `data` (of `shape`).
pub(crate) fn argmax_all(data: &[f32], shape: &[usize]) -> Result<usize> {
    argmax_axis(data, &[data.len()], 0, false)
        .map_err(|_| Error::Empty {
            op: "argmax",
            shape: shape.to_vec(),
        })
        .map(|i| i[0])
}

/// The index of the first maximum along `axis` for every other position, row-major over the
/// shape without `axis` (kept as 1 with `keepdim`, which changes no order).
pub(crate) fn argmax_axis(
    data: &[f32],
    shape: &[usize],
    axis: isize,
    _keepdim: bool,
) -> Result<Vec<usize>> {
    let (l, _) = layout("argmax", shape, axis)?;
    if l.len == 0 {
        return Err(Error::Empty {
            op: "argmax",
            shape: shape.to_vec(),
        });
    }
    let (mut values, mut arg) = (vec![0.0; l.reduced()], vec![0; l.reduced()]);
    max_axis(data, l, &mut values, &mut arg);
    Ok(arg)
}

/// The `k` largest values along `axis` (shape: `shape` with the axis' size `k`) and their
/// indices.
pub(crate) fn topk(
    data: &[f32],
    shape: &[usize],
    k: usize,
    axis: isize,
) -> Result<(Tensor, Vec<usize>)> {
    let (l, a) = layout("topk", shape, axis)?;
    if k > l.len {
        return Err(Error::InvalidArgument {
            op: "topk",
            message: format!(
                "k = {k} is out of range for dim {a} of size {} (shape {shape:?}); pass k <= \
                 the dim's size",
                l.len
            ),
        });
    }
    let mut out_shape = Dims::from_slice(shape);
    if !shape.is_empty() {
        out_shape[a] = k;
    }
    let n = l.outer * k * l.inner;
    let (mut values, mut indices) = (vec![0.0; n], vec![0; n]);
    topk_kernel(data, l, k, &mut values, &mut indices);
    Ok((Tensor::new(values, &out_shape)?, indices))
}

impl Tensor {
    /// The flat (row-major) index of the largest element, the first one on ties, a NaN counting
    /// as the largest (`torch.argmax(x)`); [`Error::Empty`] for an empty tensor.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::new(vec![1.0, 5.0, 5.0, 7.0, 7.0, 2.0], &[2, 3]).unwrap();
    /// assert_eq!(t.try_argmax().unwrap(), 3);
    /// assert!(Tensor::zeros(&[0]).unwrap().try_argmax().is_err());
    /// ```
    pub fn try_argmax(&self) -> Result<usize> {
        argmax_all(self.data(), self.shape())
    }
    /// Panicking form of [`Tensor::try_argmax`].
    #[track_caller]
    pub fn argmax(&self) -> usize {
        crate::error::or_panic(self.try_argmax())
    }

    /// The index along `axis` of the first maximum, for every other position (`torch.argmax(x,
    /// dim, keepdim)`), row-major over the shape without `axis` (or with it as 1 under
    /// `keepdim`: the same order). [`Error::BadAxis`] outside `-rank..rank`, [`Error::Empty`]
    /// for an axis of length 0.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::new(vec![1.0, 5.0, 5.0, 7.0, 7.0, 2.0], &[2, 3]).unwrap();
    /// assert_eq!(t.try_argmax_axis(1, false).unwrap(), vec![1, 0]);
    /// assert_eq!(t.try_argmax_axis(0, true).unwrap(), vec![1, 1, 0]);
    /// ```
    pub fn try_argmax_axis(&self, axis: isize, keepdim: bool) -> Result<Vec<usize>> {
        argmax_axis(self.data(), self.shape(), axis, keepdim)
    }
    /// Panicking form of [`Tensor::try_argmax_axis`].
    #[track_caller]
    pub fn argmax_axis(&self, axis: isize, keepdim: bool) -> Vec<usize> {
        crate::error::or_panic(self.try_argmax_axis(axis, keepdim))
    }

    /// The `k` largest values along `axis`, largest first, and their indices
    /// (`torch.topk(x, k, dim)` with `largest=True, sorted=True`): the values have this shape
    /// with the axis' size `k`, the indices the same shape, row-major. Tied values come in index
    /// order (PyTorch's order among ties is unspecified). `k` past the dim's size is
    /// [`Error::InvalidArgument`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::new(vec![1.0, 5.0, 2.0, 7.0, 0.0, 9.0], &[2, 3]).unwrap();
    /// let (v, i) = t.try_topk(2, -1).unwrap();
    /// assert_eq!((v.shape(), v.data(), &i[..]), (&[2, 2][..], &[5.0, 2.0, 9.0, 7.0][..], &[1, 2, 2, 0][..]));
    /// assert!(t.try_topk(4, -1).is_err());
    /// ```
    pub fn try_topk(&self, k: usize, axis: isize) -> Result<(Tensor, Vec<usize>)> {
        topk(self.data(), self.shape(), k, axis)
    }
    /// Panicking form of [`Tensor::try_topk`].
    #[track_caller]
    pub fn topk(&self, k: usize, axis: isize) -> (Tensor, Vec<usize>) {
        crate::error::or_panic(self.try_topk(k, axis))
    }
}

#[cfg(test)]
mod tests;
