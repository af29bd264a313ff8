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
mod tests;
