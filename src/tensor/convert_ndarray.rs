//! `Tensor` ⇄ `ndarray::ArrayD<f32>`, behind the optional `ndarray` feature.
//!
//! - [`TryFrom<ArrayD<f32>>`](TryFrom) (and from `&ArrayD<f32>`) reads the array in its logical
//!   row-major order, whatever its memory layout (a transposed or sliced array is copied in
//!   that order); an owned array in standard layout hands over its buffer without a copy. It
//!   fails only on a shape arenagrad cannot hold ([`Error::SizeOverflow`]: ndarray accepts an
//!   empty shape whose non-zero dims multiply past [`MAX_NUMEL`](crate::shape::MAX_NUMEL)).
//! - [`From<Tensor>`](From) for `ArrayD<f32>` cannot fail: a tensor's shape always describes
//!   its data, and its element count is below ndarray's `isize::MAX` limit.
//!
//! ```
//! use arenagrad::Tensor;
//! use ndarray::{ArrayD, IxDyn};
//! let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
//! let t = Tensor::try_from(a.t().to_owned())?;        // a transposed copy: logical order
//! assert_eq!((t.shape(), t.data()), (&[3, 2][..], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0][..]));
//! let back = ArrayD::from(t);
//! assert_eq!(back, a.t());
//! # Ok::<(), arenagrad::Error>(())
//! ```

use ndarray::{ArrayD, IxDyn};

use crate::error::{Error, Result};
use crate::shape::numel;
use crate::tensor::Tensor;

const OP: &str = "Tensor::try_from(ArrayD)";

impl TryFrom<ArrayD<f32>> for Tensor {
    type Error = Error;
    /// The array's values in row-major order, its buffer reused when it is already laid out
    /// that way.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::try_from(ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[2, 0, 3])))?;
    /// assert_eq!(t.shape(), &[2, 0, 3]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    fn try_from(a: ArrayD<f32>) -> Result<Tensor> {
        let shape = a.shape().to_vec();
        let n = numel(OP, &shape)?;
        if !a.is_standard_layout() {
            return Tensor::new(a.iter().copied().collect(), &shape);
        }
        let (data, offset) = a.into_raw_vec_and_offset();
        let data = match offset {
            Some(0) if data.len() == n => data,
            Some(o) => data[o..o + n].to_vec(),
            None => Vec::new(),
        };
        Tensor::new(data, &shape)
    }
}

impl TryFrom<&ArrayD<f32>> for Tensor {
    type Error = Error;
    /// A copy of the array's values in row-major order.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let a = ndarray::ArrayD::from_elem(ndarray::IxDyn(&[]), 2.5f32);   // 0-d
    /// assert_eq!(Tensor::try_from(&a)?.item(), 2.5);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    fn try_from(a: &ArrayD<f32>) -> Result<Tensor> {
        let shape = a.shape().to_vec();
        numel(OP, &shape)?;
        Tensor::new(a.iter().copied().collect(), &shape)
    }
}

impl From<Tensor> for ArrayD<f32> {
    /// The tensor as a standard-layout array of the same shape, its buffer reused.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let a = ndarray::ArrayD::from(Tensor::arange(0.0, 4.0, 1.0));
    /// assert_eq!(a.shape(), &[4]);
    /// ```
    fn from(t: Tensor) -> Self {
        let shape = IxDyn(t.shape());
        match ArrayD::from_shape_vec(shape, t.into_vec()) {
            Ok(a) => a,
            // a tensor's shape holds exactly its data's length, at most MAX_NUMEL < isize::MAX
            Err(e) => unreachable!("a Tensor always fits an ArrayD: {e}"),
        }
    }
}

impl From<&Tensor> for ArrayD<f32> {
    /// A copy of the tensor as a standard-layout array.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::ones(&[2, 2]).unwrap();
    /// assert_eq!(ndarray::ArrayD::from(&t).sum(), 4.0);
    /// ```
    fn from(t: &Tensor) -> Self {
        ArrayD::from(t.clone())
    }
}
