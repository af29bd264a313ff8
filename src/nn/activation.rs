//! Activation layers: element-wise `y = f(x)` with no parameters (in a
//! [`Sequential`](super::Sequential) they take an index but register nothing, as in PyTorch).
//!
//! | layer | f(x) | PyTorch |
//! |---|---|---|
//! | [`Relu`] | max(x, 0) | `nn.ReLU()` |
//! | [`Tanh`] | tanh x | `nn.Tanh()` |
//! | [`Sigmoid`] | 1/(1 + e⁻ˣ) | `nn.Sigmoid()` |
//! | [`Gelu`] | x·Φ(x), or ½x(1 + tanh(√(2/π)(x + 0.044715x³))) | `nn.GELU(approximate='none' / 'tanh')` |
//!
//! Each is the matching op on `Var` (see ops/unary.rs for the derivatives).

use super::Module;
use crate::error::Result;
use crate::graph::{Scope, Var};

/// `max(x, 0)`, PyTorch's `nn.ReLU`.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Module, Relu};
/// Graph::new().run(|g| {
///     let x = g.leaf(Tensor::from_slice(&[-1.0, 2.0]));
///     let y = Relu.forward(g, x)?;
///     assert_eq!(y.to_vec(), vec![0.0, 2.0]);
///     y.sum().backward()?;
///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0]);
///     Ok(())
/// }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relu;

impl Module for Relu {
    fn forward<'g>(&self, _g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        Ok(x.relu())
    }
}

/// `tanh x`, PyTorch's `nn.Tanh`.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Module, Tanh};
/// Graph::new().run(|g| {
///     let y = Tanh.forward(g, g.input(Tensor::from_slice(&[0.0])))?;
///     assert_eq!(y.to_vec(), vec![0.0]);
///     Ok(())
/// }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tanh;

impl Module for Tanh {
    fn forward<'g>(&self, _g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        Ok(x.tanh())
    }
}

/// `1/(1 + e⁻ˣ)`, PyTorch's `nn.Sigmoid`.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Module, Sigmoid};
/// Graph::new().run(|g| {
///     let y = Sigmoid.forward(g, g.input(Tensor::from_slice(&[0.0])))?;
///     assert_eq!(y.to_vec(), vec![0.5]);
///     Ok(())
/// }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sigmoid;

impl Module for Sigmoid {
    fn forward<'g>(&self, _g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        Ok(x.sigmoid())
    }
}

/// GELU, PyTorch's `nn.GELU`: exact (`x·Φ(x)`, the default) or with the tanh approximation.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::{Gelu, Module};
/// Graph::new().run(|g| {
///     let x = g.input(Tensor::from_slice(&[1.0]));
///     let exact = Gelu::default().forward(g, x)?.item();       // Φ(1) = 0.8413447
///     let approx = Gelu { approximate_tanh: true }.forward(g, x)?.item();
///     assert!((exact - 0.841_344_7).abs() < 1e-6 && (approx - exact).abs() < 1e-3);
///     Ok(())
/// }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gelu {
    /// `approximate='tanh'` when true; exact (erf) GELU when false (the default).
    pub approximate_tanh: bool,
}

impl Module for Gelu {
    fn forward<'g>(&self, _g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        Ok(if self.approximate_tanh {
            x.gelu_tanh()
        } else {
            x.gelu()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn activations_forward_and_backward() {
        Graph::new()
            .run(|g| {
                let x = g.leaf(Tensor::from_slice(&[-2.0, 0.5]));
                let layers: [&dyn Module; 4] = [&Relu, &Tanh, &Sigmoid, &Gelu::default()];
                let ys: Vec<Var> = layers.iter().map(|l| l.forward(g, x).unwrap()).collect();
                // tanh 0.5 = 0.46211716, σ(0.5) = 0.62245935, gelu(0.5) = 0.5·Φ(0.5) = 0.34573123
                assert_eq!(ys[0].to_vec(), vec![0.0, 0.5]);
                assert!((ys[1].to_vec()[1] - 0.462_117_16).abs() < 1e-7);
                assert!((ys[2].to_vec()[1] - 0.622_459_3).abs() < 1e-7);
                assert!((ys[3].to_vec()[1] - 0.345_731_23).abs() < 1e-6);
                // d/dx of the sum of all four at 0.5: 1 + (1 − tanh²) + σ(1 − σ) + gelu'
                let s = ys.iter().fold(g.scalar(0.0), |s, y| s + y.sum());
                s.backward()?;
                let want = 1.0 + (1.0 - 0.462_117_16f32.powi(2)) + 0.622_459_3 * 0.377_540_7;
                let gelu_d = 0.691_462_5 + 0.5 * 0.352_065_3; // Φ(0.5) + 0.5·φ(0.5)
                let got = x.grad().unwrap().to_vec()[1];
                assert!((got - (want + gelu_d)).abs() < 1e-5, "{got}");
                Ok(())
            })
            .unwrap();
    }
}
