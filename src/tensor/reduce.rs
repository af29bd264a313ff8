//! Eager reductions on `Tensor`: sum, mean, max and min over everything (a 0-d result) or
//! along one axis (`keepdim` keeps it as size 1), PyTorch's `x.sum()`, `x.sum(dim, keepdim)`,
//! `x.amax(dim, keepdim)` and so on.
//!
//! The kernels are the graph's ([`kernels::reduce`](crate::kernels::reduce)): sums in `f64`
//! at thread-independent boundaries, max NaN-propagating, so each result has the bits of
//! `Var::sum`, `Var::try_mean_axis`, `Var::try_max_axis` and the rest. `min` has no kernel of
//! its own: `min(x) = −max(−x)`, exact since negation is (a NaN stays a NaN).
//!
//! Axes: negative ones count from the end, a 0-d tensor accepts 0 and −1 (as PyTorch);
//! [`Error::BadAxis`] otherwise. An empty sum is 0; an empty mean, max or min is
//! [`Error::Empty`] (PyTorch gives NaN for the mean and raises for max/min).

use crate::error::{or_panic, Error, Result};
use crate::kernels::reduce::{max_all, max_axis, sum, sum64, sum_axis, AxisLayout};
use crate::kernels::unary::Unary;
use crate::kernels::Acc;
use crate::shape::{normalize_axis, Dims};
use crate::tensor::Tensor;

use super::arith::unary;

/// Resolves `axis` of `shape` for a reduction named `op`: the `[outer, len, inner]` layout and
/// the output shape (the axis dropped, or kept as 1 with `keepdim`). Shared with the graph's
/// reductions (`ops/reduce.rs`), so both read an axis the same way.
pub(crate) fn reduce_axis(
    op: &'static str,
    shape: &[usize],
    axis: isize,
    keepdim: bool,
) -> Result<(AxisLayout, Dims)> {
    if shape.is_empty() && (axis == 0 || axis == -1) {
        return Ok((AxisLayout::new(shape, 0), Dims::zeros(0)));
    }
    let a = normalize_axis(op, axis, shape)?;
    // the output shape on the stack (no heap allocation per op for ranks up to 8)
    let mut out = Dims::zeros(shape.len() - usize::from(!keepdim));
    let kept = shape.iter().enumerate().filter(|&(i, _)| keepdim || i != a);
    for (o, (i, &d)) in out.iter_mut().zip(kept) {
        *o = if i == a { 1 } else { d };
    }
    Ok((AxisLayout::new(shape, a), out))
}

fn empty(op: &'static str, x: &Tensor) -> Error {
    Error::Empty {
        op,
        shape: x.shape().to_vec(),
    }
}

/// The sum (or mean) along `axis`, as the graph's `axis_op`.
fn sum_along(x: &Tensor, op: &'static str, axis: isize, keepdim: bool) -> Result<Tensor> {
    let (l, shape) = reduce_axis(op, x.shape(), axis, keepdim)?;
    let mean = op == "mean";
    if mean && l.len == 0 {
        return Err(empty(op, x));
    }
    let scale = if mean { 1.0 / l.len as f64 } else { 1.0 };
    let mut out = vec![0.0; l.reduced()];
    sum_axis(x.data(), l, scale, &mut out, Acc::Write);
    Tensor::new(out, &shape)
}

/// The maximum along `axis`, as the graph's `try_max_axis` (the argmax is dropped).
fn max_along(x: &Tensor, op: &'static str, axis: isize, keepdim: bool) -> Result<Tensor> {
    let (l, shape) = reduce_axis(op, x.shape(), axis, keepdim)?;
    if l.len == 0 {
        return Err(empty(op, x));
    }
    let (mut out, mut arg) = (vec![0.0; l.reduced()], vec![0; l.reduced()]);
    max_axis(x.data(), l, &mut out, &mut arg);
    Tensor::new(out, &shape)
}

impl Tensor {
    /// The sum of all elements, a 0-d tensor (0 for an empty one), as `torch.sum(x)`.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 2.0, 3.5]).sum().item(), 6.5);
    /// assert_eq!(Tensor::zeros(&[0, 3])?.sum().item(), 0.0);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn sum(&self) -> Tensor {
        Tensor::scalar(sum(self.data()))
    }
    /// The sum along `axis` (`torch.sum(x, dim, keepdim)`); [`Error::BadAxis`] outside
    /// `-rank..rank`.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(x.try_sum_axis(0, false)?.to_vec(), vec![5.0, 7.0, 9.0]);
    /// assert_eq!(x.try_sum_axis(-1, true)?.shape(), &[2, 1]);
    /// assert!(x.try_sum_axis(2, false).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_sum_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        sum_along(self, "sum", axis, keepdim)
    }
    /// Panicking form of [`Tensor::try_sum_axis`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    /// assert_eq!(x.sum_axis(1, false).to_vec(), vec![3.0, 7.0]);
    /// ```
    #[track_caller]
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        or_panic(self.try_sum_axis(axis, keepdim))
    }
    /// The mean of all elements, a 0-d tensor; [`Error::Empty`] for an empty tensor.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 2.0]).try_mean()?.item(), 1.5);
    /// assert!(Tensor::zeros(&[0])?.try_mean().is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_mean(&self) -> Result<Tensor> {
        let n = self.numel();
        if n == 0 {
            return Err(empty("mean", self));
        }
        Ok(Tensor::scalar((sum64(self.data()) / n as f64) as f32))
    }
    /// Panicking form of [`Tensor::try_mean`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 2.0, 6.0, 7.0]).mean().item(), 4.0);
    /// ```
    #[track_caller]
    pub fn mean(&self) -> Tensor {
        or_panic(self.try_mean())
    }
    /// The mean along `axis` (`torch.mean(x, dim, keepdim)`); [`Error::BadAxis`], and
    /// [`Error::Empty`] for an axis of length 0.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(x.try_mean_axis(1, true)?.to_vec(), vec![2.0, 5.0]);
    /// assert!(Tensor::zeros(&[2, 0])?.try_mean_axis(1, false).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_mean_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        sum_along(self, "mean", axis, keepdim)
    }
    /// Panicking form of [`Tensor::try_mean_axis`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    /// assert_eq!(x.mean_axis(0, false).to_vec(), vec![2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        or_panic(self.try_mean_axis(axis, keepdim))
    }
    /// The largest element, a 0-d tensor, NaN if any is (`torch.max(x)`); [`Error::Empty`]
    /// for an empty tensor.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 5.0, 2.0]).try_max()?.item(), 5.0);
    /// assert!(Tensor::zeros(&[0])?.try_max().is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_max(&self) -> Result<Tensor> {
        let m = max_all(self.data()).ok_or_else(|| empty("max", self))?;
        Ok(Tensor::scalar(m))
    }
    /// Panicking form of [`Tensor::try_max`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[-3.0, -1.0]).max().item(), -1.0);
    /// ```
    #[track_caller]
    pub fn max(&self) -> Tensor {
        or_panic(self.try_max())
    }
    /// The maximum along `axis` (the values of `torch.max(x, dim, keepdim)`; the indices are
    /// [`Tensor::try_argmax_axis`]); [`Error::BadAxis`], [`Error::Empty`] for an axis of
    /// length 0.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 5.0, 2.0, 4.0], &[2, 2])?;
    /// assert_eq!(x.try_max_axis(0, true)?.to_vec(), vec![2.0, 5.0]);
    /// assert!(Tensor::zeros(&[0, 2])?.try_max_axis(0, false).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_max_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        max_along(self, "max", axis, keepdim)
    }
    /// Panicking form of [`Tensor::try_max_axis`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 5.0, 5.0, 4.0], &[2, 2]).unwrap();
    /// assert_eq!(x.max_axis(-1, false).to_vec(), vec![5.0, 5.0]);
    /// ```
    #[track_caller]
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        or_panic(self.try_max_axis(axis, keepdim))
    }
    /// The smallest element, a 0-d tensor, NaN if any is (`torch.min(x)`); [`Error::Empty`]
    /// for an empty tensor.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, -5.0, 2.0]).try_min()?.item(), -5.0);
    /// assert!(Tensor::zeros(&[0])?.try_min().is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_min(&self) -> Result<Tensor> {
        let m = max_all(unary(self, Unary::Neg).data()).ok_or_else(|| empty("min", self))?;
        Ok(Tensor::scalar(-m))
    }
    /// Panicking form of [`Tensor::try_min`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[3.0, 1.0]).min().item(), 1.0);
    /// ```
    #[track_caller]
    pub fn min(&self) -> Tensor {
        or_panic(self.try_min())
    }
    /// The minimum along `axis` (the values of `torch.min(x, dim, keepdim)`);
    /// [`Error::BadAxis`], [`Error::Empty`] for an axis of length 0.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 5.0, 2.0, 4.0], &[2, 2])?;
    /// assert_eq!(x.try_min_axis(1, false)?.to_vec(), vec![1.0, 2.0]);
    /// assert!(x.try_min_axis(-3, false).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_min_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        // −x has x's shape, so errors name the same shape
        let m = max_along(&unary(self, Unary::Neg), "min", axis, keepdim)?;
        Ok(unary(&m, Unary::Neg))
    }
    /// Panicking form of [`Tensor::try_min_axis`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 5.0, 2.0, 4.0], &[2, 2]).unwrap();
    /// assert_eq!(x.min_axis(0, true).to_vec(), vec![1.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn min_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        or_panic(self.try_min_axis(axis, keepdim))
    }
}
