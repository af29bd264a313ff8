//! Eager unary maps on `Tensor`: `y = f(x)` element by element, through the graph's unary
//! kernel ([`kernels::unary::forward`](crate::kernels::unary::forward)), so the values are the
//! bits `Var::exp` and its siblings produce (the accuracy bounds of the SIMD maths are in
//! [`kernels::vmath`](crate::kernels::vmath)). None of these can fail.

use super::arith::unary;
use crate::kernels::unary::Unary;
use crate::tensor::Tensor;

/// Defines one `&self -> Tensor` map per `(name, Unary, doc, example)` row.
macro_rules! maps {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        impl Tensor {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Tensor {
                    unary(self, $op)
                }
            )*
        }
    };
}

maps! {
    /// `−x` (also the operator `-&x`). On an owned `x`, method syntax `x.neg()` resolves to
    /// `Neg::neg` and consumes `x` (same value); write `-&x` to keep it.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, -2.0]).neg().to_vec(), vec![-1.0, 2.0]);
    /// ```
    #[allow(clippy::should_implement_trait)] // `Neg` is implemented too and calls this
    neg => Unary::Neg;
    /// `eˣ` (`torch.exp`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0]).exp().to_vec(), vec![1.0]);
    /// ```
    exp => Unary::Exp;
    /// Natural logarithm (`torch.log`); `ln 0 = −inf`, negative inputs give NaN.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[1.0, 0.0]).log().to_vec(), vec![0.0, f32::NEG_INFINITY]);
    /// ```
    log => Unary::Log;
    /// Square root (`torch.sqrt`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[4.0, 9.0]).sqrt().to_vec(), vec![2.0, 3.0]);
    /// ```
    sqrt => Unary::Sqrt;
    /// Hyperbolic tangent (`torch.tanh`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0]).tanh().to_vec(), vec![0.0]);
    /// ```
    tanh => Unary::Tanh;
    /// Logistic sigmoid `1/(1 + e⁻ˣ)` (`torch.sigmoid`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0]).sigmoid().to_vec(), vec![0.5]);
    /// ```
    sigmoid => Unary::Sigmoid;
    /// `max(x, 0)`, NaN propagating (`torch.relu`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[-1.0, 2.0]).relu().to_vec(), vec![0.0, 2.0]);
    /// ```
    relu => Unary::Relu;
    /// `|x|` (`torch.abs`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[-1.5, 2.0]).abs().to_vec(), vec![1.5, 2.0]);
    /// ```
    abs => Unary::Abs;
    /// Sine (`torch.sin`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0]).sin().to_vec(), vec![0.0]);
    /// ```
    sin => Unary::Sin;
    /// Cosine (`torch.cos`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[0.0]).cos().to_vec(), vec![1.0]);
    /// ```
    cos => Unary::Cos;
}

impl Tensor {
    /// `xᵖ` for a scalar exponent (`x ** p`), with PyTorch's special exponents (`p = 2` is
    /// `x · x`, `p = 0.5` is `sqrt`, ...), as `Var::powf`.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::from_slice(&[2.0, 3.0]).powf(2.0).to_vec(), vec![4.0, 9.0]);
    /// ```
    pub fn powf(&self, p: f32) -> Tensor {
        unary(self, Unary::Pow(p))
    }
    /// Clamps into `[min, max]`, either bound optional, NaN propagating (`torch.clamp`).
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let c = Tensor::from_slice(&[-2.0, 0.5, 3.0]).clamp(Some(-1.0), Some(1.0));
    /// assert_eq!(c.to_vec(), vec![-1.0, 0.5, 1.0]);
    /// ```
    pub fn clamp(&self, min: Option<f32>, max: Option<f32>) -> Tensor {
        let lo = min.unwrap_or(f32::NEG_INFINITY);
        let hi = max.unwrap_or(f32::INFINITY);
        unary(self, Unary::Clamp { lo, hi })
    }
}
