//! `Tensor`: owned, row-major, n-dimensional `f32` data outside any graph.
//!
//! Tensors are what goes into a graph (`g.input`, `g.leaf`) and what comes out of it
//! (`var.to_tensor()`, `var.grad()`). Inside a graph, values live in the arena instead; a
//! `Tensor` is the owned form a user keeps across steps.
//!
//! Tensors also compute on their own, eagerly and without a scope: constructors (`arange`,
//! `linspace`, `from_fn`, `rand`, `randn`), element-wise arithmetic with broadcasting and the
//! operators `&a + &b`, comparisons into a [`Mask`](crate::Mask), reductions, `argmax`, shape
//! ops, and conversions (`Vec`, slices, `ndarray` behind its feature). The design choice: these
//! call the very kernels the graph's ops call, dispatched the same way, so an eager result has
//! the bits of the same op inside `Graph::run` — there is no second implementation to drift.
//!
//! ```
//! use arenagrad::Tensor;
//! let x = Tensor::linspace(-1.0, 1.0, 5);                 // [-1, -0.5, 0, 0.5, 1]
//! let y = &(&x * &x) * 2.0 + 1.0;                         // 2x² + 1
//! assert_eq!(y.to_vec(), vec![3.0, 1.5, 1.0, 1.5, 3.0]);
//! assert_eq!(y.try_argmax()?, 0);                         // the first maximum
//! assert_eq!(Tensor::from(&y.gt(&Tensor::scalar(1.0))).sum().item(), 4.0);
//! # Ok::<(), arenagrad::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::shape::{numel, Shape};

/// Owned `f32` data with a shape. Rank 0 is a scalar.
///
/// ```
/// use arenagrad::Tensor;
/// let t = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]).unwrap();
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(Tensor::scalar(4.0).item(), 4.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    shape: Shape,
    data: Vec<f32>,
}

impl Tensor {
    /// A tensor from row-major data; the data's length must equal the shape's element count.
    pub fn new(data: Vec<f32>, shape: &[usize]) -> Result<Self> {
        let n = numel("Tensor::new", shape)?;
        if n != data.len() {
            return Err(Error::DataLength {
                op: "Tensor::new",
                shape: shape.to_vec(),
                len: data.len(),
            });
        }
        Ok(Tensor {
            shape: Shape::from(shape),
            data,
        })
    }
    /// A rank-0 tensor holding `v`.
    pub fn scalar(v: f32) -> Self {
        Tensor {
            shape: Shape::scalar(),
            data: vec![v],
        }
    }
    /// A rank-1 tensor holding `data`.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 2.0]).shape(), &[2]);
    /// ```
    pub fn from_slice(data: &[f32]) -> Self {
        Tensor {
            shape: Shape::from([data.len()]),
            data: data.to_vec(),
        }
    }
    /// A tensor of `shape` filled with `v`.
    pub fn full(shape: &[usize], v: f32) -> Result<Self> {
        let n = numel("Tensor::full", shape)?;
        Ok(Tensor {
            shape: Shape::from(shape),
            data: vec![v; n],
        })
    }
    /// Zeros of `shape`.
    pub fn zeros(shape: &[usize]) -> Result<Self> {
        Self::full(shape, 0.0)
    }
    /// Ones of `shape`.
    pub fn ones(shape: &[usize]) -> Result<Self> {
        Self::full(shape, 1.0)
    }
    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        self.shape.dims()
    }
    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }
    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.data.len()
    }
    /// The row-major data.
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    /// The row-major data, mutable.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }
    /// The data as a `Vec`.
    pub fn to_vec(&self) -> Vec<f32> {
        self.data.clone()
    }
    /// Consumes the tensor, returning its data.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }
    /// The single value of a one-element tensor, or [`Error::InvalidArgument`].
    pub fn try_item(&self) -> Result<f32> {
        if self.data.len() != 1 {
            return Err(Error::InvalidArgument {
                op: "item",
                message: format!(
                    "a tensor with {} elements (shape {:?}) cannot be converted to a scalar; \
                     only one-element tensors can",
                    self.data.len(),
                    self.shape()
                ),
            });
        }
        Ok(self.data[0])
    }
    /// The single value of a one-element tensor; panics otherwise (see [`Tensor::try_item`]).
    #[track_caller]
    pub fn item(&self) -> f32 {
        crate::error::or_panic(self.try_item())
    }
    /// The same data under another shape with the same element count.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let t = Tensor::zeros(&[2, 3]).unwrap().reshape(&[3, 2]).unwrap();
    /// assert_eq!(t.shape(), &[3, 2]);
    /// ```
    pub fn reshape(self, shape: &[usize]) -> Result<Self> {
        let n = numel("Tensor::reshape", shape)?;
        if n != self.data.len() {
            return Err(Error::ReshapeNumel {
                op: "Tensor::reshape",
                from: self.shape().to_vec(),
                to: shape.to_vec(),
            });
        }
        Ok(Tensor {
            shape: Shape::from(shape),
            data: self.data,
        })
    }
}

mod arith;
mod compare;
mod convert;
#[cfg(feature = "ndarray")]
mod convert_ndarray;
mod create;
pub(crate) mod indices;
mod layout;
mod math;
mod ops;
pub(crate) mod reduce;

pub use compare::Compare;
pub use create::MAX_RANGE_LEN;

impl From<f32> for Tensor {
    fn from(v: f32) -> Self {
        Tensor::scalar(v)
    }
}
