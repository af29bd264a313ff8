//! Operators on tensors, as a PyTorch user writes them: `&a + &b`, `a * b`, `&a - 1.0`,
//! `2.0 / &a`, `-&a`, for `+ - * /` between tensors (owned or borrowed) and between a tensor
//! and an `f32`.
//!
//! Each operator is the panicking form of the `try_` method ([`Tensor::try_add`] and its
//! siblings): incompatible shapes panic with the [`Error::ShapeMismatch`](crate::Error) text.
//! An `f32` operand is a 0-d tensor broadcast against the other, exactly as `x + 1.0` on a
//! `Var`, so the bits match the graph's. Owned operands are taken by value only for
//! convenience: the result is always a new buffer.
//!
//! ```
//! use arenagrad::Tensor;
//! let a = Tensor::from_slice(&[1.0, 2.0, 3.0]);
//! let b = Tensor::from_slice(&[10.0, 20.0, 30.0]);
//! assert_eq!((&a + &b).to_vec(), vec![11.0, 22.0, 33.0]);
//! assert_eq!((&b / 10.0).to_vec(), vec![1.0, 2.0, 3.0]);
//! assert_eq!((1.0 - &a).to_vec(), vec![0.0, -1.0, -2.0]);
//! assert_eq!((-(a * b)).to_vec(), vec![-10.0, -40.0, -90.0]);
//! ```
//!
//! ```should_panic
//! use arenagrad::Tensor;
//! let _ = &Tensor::zeros(&[2]).unwrap() + &Tensor::zeros(&[3]).unwrap(); // add: shapes [2] and [3] ...
//! ```

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::arith::binary;
use crate::error::or_panic;
use crate::kernels::binary::Binary;
use crate::tensor::Tensor;

macro_rules! operator {
    ($trait:ident, $method:ident, $bin:expr) => {
        impl $trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                or_panic(binary($bin, self, rhs))
            }
        }
        impl $trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                or_panic(binary($bin, &self, &rhs))
            }
        }
        impl $trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                or_panic(binary($bin, &self, rhs))
            }
        }
        impl $trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                or_panic(binary($bin, self, &rhs))
            }
        }
        impl $trait<f32> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: f32) -> Tensor {
                or_panic(binary($bin, self, &Tensor::scalar(rhs)))
            }
        }
        impl $trait<f32> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: f32) -> Tensor {
                or_panic(binary($bin, &self, &Tensor::scalar(rhs)))
            }
        }
        impl $trait<&Tensor> for f32 {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                or_panic(binary($bin, &Tensor::scalar(self), rhs))
            }
        }
        impl $trait<Tensor> for f32 {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                or_panic(binary($bin, &Tensor::scalar(self), &rhs))
            }
        }
    };
}

operator!(Add, add, Binary::Add);
operator!(Sub, sub, Binary::Sub);
operator!(Mul, mul, Binary::Mul);
operator!(Div, div, Binary::Div);

impl Neg for &Tensor {
    type Output = Tensor;
    /// `−x` ([`Tensor::neg`]).
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

impl Neg for Tensor {
    type Output = Tensor;
    /// `−x` ([`Tensor::neg`]).
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}
