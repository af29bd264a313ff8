//! Eager shape ops on `Tensor`: `transpose`, `permute`, `narrow`, `index_select`,
//! `broadcast_to` (and `reshape` in `tensor.rs`), each a new row-major tensor.
//!
//! The data moves through the graph's layout kernels ([`kernels::layout`](crate::kernels::layout):
//! a strided copy for permutes and broadcasts, row-block copies for narrow, indexed row copies
//! for index_select), and the checks and errors are the graph ops': [`Error::BadAxis`],
//! [`Error::RangeOutOfBounds`] naming the whole requested range, [`Error::IndexOutOfRange`]
//! naming the first bad index, [`Error::ShapeMismatch`] — with the same op names, so an eager
//! error reads as the one inside `Graph::run`.

use crate::error::{or_panic, Error, Result};
use crate::kernels::layout::{index_select, strided_copy, take_block};
use crate::kernels::Acc;
use crate::shape::{
    check_permutation, narrow_split, normalize_axis, numel, same, split3, transpose_perm, Dims,
};
use crate::tensor::Tensor;

/// `x` with its dims reordered by a validated permutation (output dim `k` is input dim `perm[k]`).
fn permuted(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let own = Dims::strides(x.shape());
    let (mut shape, mut s) = (Dims::zeros(perm.len()), Dims::zeros(perm.len()));
    for (k, &p) in perm.iter().enumerate() {
        (shape[k], s[k]) = (x.shape()[p], own[p]);
    }
    let mut out = vec![0.0; x.numel()];
    strided_copy(x.data(), &s, &shape, &mut out, Acc::Write);
    Tensor::new(out, &shape)
}

impl Tensor {
    /// Swaps dims `d0` and `d1` (negative counts from the end), `torch.transpose`; a 0-d tensor
    /// accepts 0 and −1 and is returned as is. [`Error::BadAxis`] otherwise.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// let t = x.try_transpose(0, -1)?;
    /// assert_eq!((t.shape(), t.data()), (&[3, 2][..], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0][..]));
    /// assert!(x.try_transpose(0, 2).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_transpose(&self, d0: isize, d1: isize) -> Result<Tensor> {
        let perm = transpose_perm("transpose", d0, d1, self.shape())?;
        if perm.is_empty() {
            return Ok(self.clone());
        }
        permuted(self, &perm)
    }
    /// Panicking form of [`Tensor::try_transpose`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::zeros(&[2, 3, 4]).unwrap().transpose(0, 2).shape(), &[4, 3, 2]);
    /// ```
    #[track_caller]
    pub fn transpose(&self, d0: isize, d1: isize) -> Tensor {
        or_panic(self.try_transpose(d0, d1))
    }

    /// Reorders the dims: output dim `k` is input dim `perm[k]` (`torch.permute`);
    /// [`Error::InvalidArgument`] unless `perm` lists each of `0..rank` once.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::zeros(&[2, 3, 4])?;
    /// assert_eq!(x.try_permute(&[2, 0, 1])?.shape(), &[4, 2, 3]);
    /// assert!(x.try_permute(&[0, 0, 1]).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_permute(&self, perm: &[usize]) -> Result<Tensor> {
        check_permutation("permute", perm, self.shape())?;
        permuted(self, perm)
    }
    /// Panicking form of [`Tensor::try_permute`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::zeros(&[2, 3]).unwrap().permute(&[1, 0]).shape(), &[3, 2]);
    /// ```
    #[track_caller]
    pub fn permute(&self, perm: &[usize]) -> Tensor {
        or_panic(self.try_permute(perm))
    }

    /// Elements `start..start + len` along `axis` (`torch.narrow`); [`Error::RangeOutOfBounds`]
    /// (naming the start, the length and the dim's size) when the range does not fit.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(x.try_narrow(1, 1, 2)?.to_vec(), vec![2.0, 3.0, 5.0, 6.0]);
    /// assert!(x.try_narrow(1, 2, 2).is_err());      // 2..4 is past a dim of 3
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_narrow(&self, axis: isize, start: usize, len: usize) -> Result<Tensor> {
        let shape = self.shape();
        let (axis, (outer, size, inner)) = narrow_split("narrow", axis, start, len, shape)?;
        let mut out_shape = Dims::from_slice(shape);
        out_shape[axis] = len;
        let mut out = vec![0.0; numel("narrow", &out_shape)?];
        take_block(
            self.data(),
            (outer, size, inner),
            start,
            len,
            &mut out,
            Acc::Write,
        );
        Tensor::new(out, &out_shape)
    }
    /// Panicking form of [`Tensor::try_narrow`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::arange(0.0, 5.0, 1.0).narrow(0, 1, 3).to_vec(), vec![1.0, 2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn narrow(&self, axis: isize, start: usize, len: usize) -> Tensor {
        or_panic(self.try_narrow(axis, start, len))
    }

    /// The slices at `indices` along `axis` (`torch.index_select`): output dim `axis` has
    /// `indices.len()` entries; [`Error::IndexOutOfRange`] for an index past the dim.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(x.try_index_select(1, &[2, 0, 2])?.to_vec(), vec![3.0, 1.0, 3.0, 6.0, 4.0, 6.0]);
    /// assert!(x.try_index_select(0, &[2]).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_index_select(&self, axis: isize, indices: &[usize]) -> Result<Tensor> {
        let shape = self.shape();
        let axis = normalize_axis("index_select", axis, shape)?;
        let (_, a, inner) = split3(shape, axis);
        if let Some(&index) = indices.iter().find(|&&i| i >= a) {
            return Err(Error::IndexOutOfRange {
                op: "index_select",
                index,
                size: a,
                shape: shape.to_vec(),
            });
        }
        let mut out_shape = Dims::from_slice(shape);
        out_shape[axis] = indices.len();
        let mut out = vec![0.0; numel("index_select", &out_shape)?];
        index_select(self.data(), a, inner, indices, &mut out);
        Tensor::new(out, &out_shape)
    }
    /// Panicking form of [`Tensor::try_index_select`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let rows = Tensor::arange(0.0, 6.0, 1.0).reshape(&[3, 2]).unwrap().index_select(0, &[2, 0]);
    /// assert_eq!(rows.to_vec(), vec![4.0, 5.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn index_select(&self, axis: isize, indices: &[usize]) -> Tensor {
        or_panic(self.try_index_select(axis, indices))
    }

    /// Expands size-1 dims (and new leading dims) to `shape` by NumPy rules
    /// (`torch.broadcast_to`, materialised); [`Error::ShapeMismatch`] when `shape` is not a
    /// broadcast of this tensor's.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let x = Tensor::new(vec![1.0, 2.0], &[2, 1])?;
    /// assert_eq!(x.try_broadcast_to(&[2, 3])?.to_vec(), vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    /// assert!(x.try_broadcast_to(&[3, 3]).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        let full = Dims::broadcast("broadcast_to", self.shape(), shape)?;
        if !same(&full, shape) {
            return Err(Error::ShapeMismatch {
                op: "broadcast_to",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
            });
        }
        let mut out = vec![0.0; numel("broadcast_to", shape)?];
        let s = Dims::broadcast_strides(self.shape(), shape);
        strided_copy(self.data(), &s, shape, &mut out, Acc::Write);
        Tensor::new(out, shape)
    }
    /// Panicking form of [`Tensor::try_broadcast_to`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::scalar(7.0).broadcast_to(&[2]).to_vec(), vec![7.0, 7.0]);
    /// ```
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Tensor {
        or_panic(self.try_broadcast_to(shape))
    }
}
