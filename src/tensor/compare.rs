//! Element-wise comparisons with NumPy broadcasting, returning a [`Mask`].
//!
//! Why a `Mask` and not a 0/1 `Tensor`: a comparison's result selects rather than carries
//! values (PyTorch returns `dtype=torch.bool`), and `Mask` is already what selects in arenagrad
//! — the condition of `Var::where_cond`, the mask of `Var::masked_fill` — so `x.gt(&t)` feeds
//! them directly. Where numbers are wanted (an accuracy is the mean of a 0/1 tensor),
//! `Tensor::from(&mask)` converts.
//!
//! Comparisons are IEEE's, as PyTorch's: every comparison with NaN is false except `Ne`. There
//! is no arithmetic to share with the graph here (no graph op compares): the broadcast walk is
//! the kernels' ([`strided::for_each2`](crate::kernels::strided::for_each2)), and the shapes
//! and errors are the binary ops' ([`Error::ShapeMismatch`](crate::Error::ShapeMismatch)).

use crate::error::{or_panic, Result};
use crate::kernels::strided::for_each2;
use crate::mask::Mask;
use crate::shape::Dims;
use crate::tensor::Tensor;

/// An element-wise comparison, `lhs ⋄ rhs`.
///
/// ```
/// use arenagrad::{tensor::Compare, Tensor};
/// let t = Tensor::from_slice(&[1.0, 2.0, 3.0]);
/// let m = t.try_compare(Compare::Ne, &Tensor::scalar(2.0))?;
/// assert_eq!(m.data(), &[true, false, true]);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// `lhs < rhs` (`torch.lt`)
    Lt,
    /// `lhs ≤ rhs` (`torch.le`)
    Le,
    /// `lhs > rhs` (`torch.gt`)
    Gt,
    /// `lhs ≥ rhs` (`torch.ge`)
    Ge,
    /// `lhs == rhs` (`torch.eq`)
    Eq,
    /// `lhs != rhs` (`torch.ne`)
    Ne,
}

impl Compare {
    /// The comparison of two values.
    ///
    /// ```
    /// use arenagrad::tensor::Compare;
    /// assert!(Compare::Le.eval(1.0, 1.0) && !Compare::Eq.eval(f32::NAN, f32::NAN));
    /// ```
    #[inline(always)]
    pub fn eval(self, a: f32, b: f32) -> bool {
        match self {
            Compare::Lt => a < b,
            Compare::Le => a <= b,
            Compare::Gt => a > b,
            Compare::Ge => a >= b,
            Compare::Eq => a == b,
            Compare::Ne => a != b,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Compare::Lt => "lt",
            Compare::Le => "le",
            Compare::Gt => "gt",
            Compare::Ge => "ge",
            Compare::Eq => "eq",
            Compare::Ne => "ne",
        }
    }
}

impl Tensor {
    /// `self ⋄ rhs` element by element over the broadcast shape;
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when the shapes do not broadcast.
    ///
    /// ```
    /// use arenagrad::{tensor::Compare, Tensor};
    /// let col = Tensor::new(vec![1.0, 2.0], &[2, 1])?;
    /// let m = col.try_compare(Compare::Ge, &Tensor::from_slice(&[1.0, 2.0, 3.0]))?;
    /// assert_eq!((m.shape(), m.data()), (&[2, 3][..], &[true, false, false, true, true, false][..]));
    /// assert!(col.try_compare(Compare::Eq, &Tensor::zeros(&[3, 1])?).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_compare(&self, op: Compare, rhs: &Tensor) -> Result<Mask> {
        let shape = Dims::broadcast(op.name(), self.shape(), rhs.shape())?;
        let sa = Dims::broadcast_strides(self.shape(), &shape);
        let sb = Dims::broadcast_strides(rhs.shape(), &shape);
        let (a, b) = (self.data(), rhs.data());
        let mut out = vec![false; shape.iter().product()];
        for_each2(&shape, &sa, &sb, |o, i, j| out[o] = op.eval(a[i], b[j]));
        Mask::new(out, &shape)
    }
    /// Panicking form of [`Tensor::try_compare`].
    ///
    /// ```
    /// use arenagrad::{tensor::Compare, Tensor};
    /// let hits = Tensor::from_slice(&[1.0, 2.0]).compare(Compare::Eq, &Tensor::from_slice(&[1.0, 3.0]));
    /// assert_eq!(hits.data(), &[true, false]);
    /// ```
    #[track_caller]
    pub fn compare(&self, op: Compare, rhs: &Tensor) -> Mask {
        or_panic(self.try_compare(op, rhs))
    }
    /// `self > rhs` with broadcasting (`torch.gt`); panics where [`Tensor::try_compare`] errs.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let m = Tensor::from_slice(&[-1.0, 0.0, 2.0]).gt(&Tensor::scalar(0.0));
    /// assert_eq!(m.data(), &[false, false, true]);
    /// ```
    #[track_caller]
    pub fn gt(&self, rhs: &Tensor) -> Mask {
        self.compare(Compare::Gt, rhs)
    }
    /// `self ≥ rhs` with broadcasting (`torch.ge`); panics where [`Tensor::try_compare`] errs.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0, 1.0]).ge(&Tensor::scalar(1.0)).data(), &[false, true]);
    /// ```
    #[track_caller]
    pub fn ge(&self, rhs: &Tensor) -> Mask {
        self.compare(Compare::Ge, rhs)
    }
    /// `self < rhs` with broadcasting (`torch.lt`); panics where [`Tensor::try_compare`] errs.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0, 1.0]).lt(&Tensor::scalar(1.0)).data(), &[true, false]);
    /// ```
    #[track_caller]
    pub fn lt(&self, rhs: &Tensor) -> Mask {
        self.compare(Compare::Lt, rhs)
    }
    /// `self ≤ rhs` with broadcasting (`torch.le`); panics where [`Tensor::try_compare`] errs.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 2.0]).le(&Tensor::scalar(1.0)).data(), &[true, false]);
    /// ```
    #[track_caller]
    pub fn le(&self, rhs: &Tensor) -> Mask {
        self.compare(Compare::Le, rhs)
    }
    /// `self == rhs` element-wise with broadcasting (`torch.eq`; named `eq_elem` because
    /// `==` on two tensors is `PartialEq`, whole-tensor equality); panics where
    /// [`Tensor::try_compare`] errs.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let pred = Tensor::from_slice(&[1.0, 0.0, 2.0, 2.0]);
    /// let correct = pred.eq_elem(&Tensor::from_slice(&[1.0, 1.0, 2.0, 2.0]));
    /// assert_eq!(Tensor::from(&correct).mean().item(), 0.75);   // accuracy: 3 of 4
    /// ```
    #[track_caller]
    pub fn eq_elem(&self, rhs: &Tensor) -> Mask {
        self.compare(Compare::Eq, rhs)
    }
    /// `self != rhs` element-wise with broadcasting (`torch.ne`); panics where
    /// [`Tensor::try_compare`] errs.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[f32::NAN]).ne_elem(&Tensor::from_slice(&[f32::NAN])).data(), &[true]);
    /// ```
    #[track_caller]
    pub fn ne_elem(&self, rhs: &Tensor) -> Mask {
        self.compare(Compare::Ne, rhs)
    }
}
