//! Conversions between `Tensor` and plain Rust data: `Vec<f32>`, slices and arrays (rank 1;
//! [`Tensor::new`] takes data with a shape), back to `Vec<f32>` (row-major), and a [`Mask`] as
//! 0/1 values. The `ndarray` feature adds `ndarray::ArrayD<f32>` (`tensor/convert_ndarray.rs`).
//!
//! Every conversion here is infallible: a `Vec` or slice always fits a rank-1 shape, since no
//! allocation can hold more than [`MAX_NUMEL`](crate::shape::MAX_NUMEL) `f32`s.

use crate::mask::Mask;
use crate::tensor::Tensor;

impl From<Vec<f32>> for Tensor {
    /// A rank-1 tensor that takes over the vector's buffer (no copy).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::from(vec![1.0, 2.0, 3.0]);
    /// assert_eq!((t.shape(), t.data()), (&[3][..], &[1.0, 2.0, 3.0][..]));
    /// ```
    fn from(data: Vec<f32>) -> Self {
        let n = data.len();
        crate::error::or_panic(Tensor::new(data, &[n]))
    }
}

impl From<&[f32]> for Tensor {
    /// A rank-1 tensor holding a copy of the slice ([`Tensor::from_slice`]).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let data = [0.5f32, 1.5];
    /// assert_eq!(Tensor::from(&data[..]).shape(), &[2]);
    /// ```
    fn from(data: &[f32]) -> Self {
        Tensor::from_slice(data)
    }
}

impl<const N: usize> From<[f32; N]> for Tensor {
    /// A rank-1 tensor of the array's `N` values.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from([1.0, 2.0]).to_vec(), vec![1.0, 2.0]);
    /// ```
    fn from(data: [f32; N]) -> Self {
        Tensor::from_slice(&data)
    }
}

impl From<Tensor> for Vec<f32> {
    /// The row-major data, without a copy ([`Tensor::into_vec`]).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let v: Vec<f32> = Tensor::ones(&[2, 2]).unwrap().into();
    /// assert_eq!(v, vec![1.0; 4]);
    /// ```
    fn from(t: Tensor) -> Self {
        t.into_vec()
    }
}

impl From<&Mask> for Tensor {
    /// The mask as 1.0 (true) and 0.0 (false), same shape (`mask.float()` in PyTorch): to
    /// count or average comparison results.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let m = Tensor::from([1.0, 5.0, 3.0]).gt(&Tensor::scalar(2.0));
    /// assert_eq!(Tensor::from(&m).to_vec(), vec![0.0, 1.0, 1.0]);
    /// assert_eq!(Tensor::from(&m).sum().item(), 2.0);
    /// ```
    fn from(m: &Mask) -> Self {
        let data = m.data().iter().map(|&b| f32::from(b)).collect();
        // the mask's shape was checked when it was built
        crate::error::or_panic(Tensor::new(data, m.shape()))
    }
}
