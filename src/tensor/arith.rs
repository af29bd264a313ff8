//! Eager element-wise arithmetic on `Tensor`: unary maps and binary ops with NumPy
//! broadcasting, computed at once, without a graph.
//!
//! Design choice: no second implementation. Every function here calls the kernel the
//! graph's op calls ([`kernels::unary::forward`](crate::kernels::unary::forward),
//! [`kernels::binary`](crate::kernels::binary)), dispatching the same way (same shapes: the
//! plain lane loop; otherwise the broadcast plan), so an eager result has the same bits as the
//! same op inside `Graph::run` (`tests/eager.rs` checks this on odd shapes). Error values too:
//! a bad broadcast is the graph's [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) with
//! the same op name (`"add"`, `"mul"`, ...).
//!
//! Operators (`&a + &b`, `&a * 2.0`, `-&a`, in `ops.rs`) panic on incompatible shapes with the
//! error's text; the `try_` methods return it.

use crate::error::{or_panic, Result};
use crate::kernels::binary::{forward, forward_same, Binary};
use crate::kernels::unary::{forward as unary_forward, Unary};
use crate::shape::{same, Dims};
use crate::tensor::Tensor;

/// The graph op's name for `op`, used in errors (as `ops/binary.rs`).
fn name(op: Binary) -> &'static str {
    match op {
        Binary::Add => "add",
        Binary::Sub => "sub",
        Binary::Mul => "mul",
        Binary::Div => "div",
        Binary::Max => "maximum",
        Binary::Min => "minimum",
    }
}

/// `f(a, b)` over the broadcast shape: the graph op's dispatch (same shapes, rank 0
/// included: [`forward_same`]; otherwise [`forward`] on the broadcast shape).
pub(crate) fn binary(op: Binary, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if same(a.shape(), b.shape()) {
        let mut out = vec![0.0; a.numel()];
        forward_same(op, a.data(), b.data(), &mut out);
        return Tensor::new(out, a.shape());
    }
    let shape = Dims::broadcast(name(op), a.shape(), b.shape())?;
    let mut out = vec![0.0; shape.iter().product()];
    forward(
        op,
        (a.data(), a.shape()),
        (b.data(), b.shape()),
        &shape,
        &mut out,
    );
    Tensor::new(out, &shape)
}

/// `f(x)` element by element, through the graph op's kernel.
pub(crate) fn unary(x: &Tensor, op: Unary) -> Tensor {
    let mut out = vec![0.0; x.numel()];
    unary_forward(op, x.data(), &mut out);
    // the shape is x's, already checked
    or_panic(Tensor::new(out, x.shape()))
}

impl Tensor {
    /// `self + rhs` with NumPy broadcasting (`torch.add`); [`Error::ShapeMismatch`] when the
    /// shapes do not broadcast. The operator `&a + &b` is the panicking form.
    ///
    /// [`Error::ShapeMismatch`]: crate::Error::ShapeMismatch
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let a = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2])?;
    /// let b = Tensor::from_slice(&[10.0, 20.0]);
    /// assert_eq!(a.try_add(&b)?.to_vec(), vec![11.0, 22.0, 13.0, 24.0, 15.0, 26.0]);
    /// assert!(a.try_add(&Tensor::zeros(&[3])?).is_err());
    /// assert_eq!(&a + &b, a.try_add(&b)?);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_add(&self, rhs: &Tensor) -> Result<Tensor> {
        binary(Binary::Add, self, rhs)
    }
    /// `self − rhs` with broadcasting (`torch.sub`); the operator `&a - &b` panics instead.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let d = Tensor::from_slice(&[5.0, 7.0]).try_sub(&Tensor::scalar(1.0))?;
    /// assert_eq!(d.to_vec(), vec![4.0, 6.0]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_sub(&self, rhs: &Tensor) -> Result<Tensor> {
        binary(Binary::Sub, self, rhs)
    }
    /// `self · rhs` element-wise with broadcasting (`torch.mul`); the operator `&a * &b`
    /// panics instead.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let col = Tensor::new(vec![1.0, 2.0], &[2, 1])?;
    /// let row = Tensor::new(vec![1.0, 10.0, 100.0], &[1, 3])?;
    /// let outer = col.try_mul(&row)?;                     // [2, 1] x [1, 3] -> [2, 3]
    /// assert_eq!((outer.shape(), outer.data()), (&[2, 3][..], &[1.0, 10.0, 100.0, 2.0, 20.0, 200.0][..]));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_mul(&self, rhs: &Tensor) -> Result<Tensor> {
        binary(Binary::Mul, self, rhs)
    }
    /// `self / rhs` with broadcasting (`torch.div`, IEEE: `1/0 = inf`); the operator `&a / &b`
    /// panics instead.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let q = Tensor::from_slice(&[1.0, -1.0]).try_div(&Tensor::from_slice(&[4.0, 0.0]))?;
    /// assert_eq!(q.to_vec(), vec![0.25, f32::NEG_INFINITY]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_div(&self, rhs: &Tensor) -> Result<Tensor> {
        binary(Binary::Div, self, rhs)
    }
    /// Element-wise maximum with broadcasting, NaN propagating (`torch.maximum`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let m = Tensor::from_slice(&[1.0, 5.0, f32::NAN]).try_maximum(&Tensor::scalar(2.0))?;
    /// assert_eq!(m.to_vec()[..2], [2.0, 5.0]);
    /// assert!(m.to_vec()[2].is_nan());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_maximum(&self, rhs: &Tensor) -> Result<Tensor> {
        binary(Binary::Max, self, rhs)
    }
    /// Panicking form of [`Tensor::try_maximum`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let relu6 = Tensor::from_slice(&[-1.0, 3.0, 9.0]).maximum(&Tensor::scalar(0.0)).minimum(&Tensor::scalar(6.0));
    /// assert_eq!(relu6.to_vec(), vec![0.0, 3.0, 6.0]);
    /// ```
    #[track_caller]
    pub fn maximum(&self, rhs: &Tensor) -> Tensor {
        or_panic(self.try_maximum(rhs))
    }
    /// Element-wise minimum with broadcasting, NaN propagating (`torch.minimum`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let m = Tensor::from_slice(&[1.0, 5.0]).try_minimum(&Tensor::scalar(2.0))?;
    /// assert_eq!(m.to_vec(), vec![1.0, 2.0]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_minimum(&self, rhs: &Tensor) -> Result<Tensor> {
        binary(Binary::Min, self, rhs)
    }
    /// Panicking form of [`Tensor::try_minimum`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::scalar(3.0).minimum(&Tensor::scalar(-3.0)).item(), -3.0);
    /// ```
    #[track_caller]
    pub fn minimum(&self, rhs: &Tensor) -> Tensor {
        or_panic(self.try_minimum(rhs))
    }
}
