//! Layers without parameters around the pooling and reshaping ops: PyTorch's `nn.MaxPool2d`,
//! `nn.AvgPool2d`, `nn.AdaptiveAvgPool2d` and `nn.Flatten`, so they sit in a
//! [`Sequential`](super::Sequential) like any other layer.

use crate::error::Result;
use crate::graph::{Scope, Var};
use crate::nn::Module;
use crate::ops::{AvgPool2dOptions, MaxPool2dOptions};

/// Max pooling over `[N, C, H, W]` (PyTorch's `nn.MaxPool2d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::MaxPool2d;
/// let pool = MaxPool2d(MaxPool2dOptions::square(2));
/// Graph::new().run(|g| {
///     let y = pool.forward(g, g.input(Tensor::ones(&[1, 3, 6, 6])?))?;
///     assert_eq!(y.shape(), &[1, 3, 3, 3]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MaxPool2d(pub MaxPool2dOptions);

impl Module for MaxPool2d {
    fn forward<'g>(&self, _: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        x.try_max_pool2d(self.0)
    }
}

/// Average pooling over `[N, C, H, W]` (PyTorch's `nn.AvgPool2d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::AvgPool2d;
/// let pool = AvgPool2d(AvgPool2dOptions::square(3).stride([1, 1]).padding([1, 1]));
/// Graph::new().run(|g| {
///     let y = pool.forward(g, g.input(Tensor::ones(&[2, 1, 5, 5])?))?;
///     assert_eq!(y.shape(), &[2, 1, 5, 5]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AvgPool2d(pub AvgPool2dOptions);

impl Module for AvgPool2d {
    fn forward<'g>(&self, _: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        x.try_avg_pool2d(self.0)
    }
}

/// Average pooling to a fixed output size `[h, w]` (PyTorch's `nn.AdaptiveAvgPool2d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::AdaptiveAvgPool2d;
/// Graph::new().run(|g| {
///     let y = AdaptiveAvgPool2d([1, 1]).forward(g, g.input(Tensor::ones(&[4, 8, 7, 5])?))?;
///     assert_eq!(y.shape(), &[4, 8, 1, 1]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AdaptiveAvgPool2d(pub [usize; 2]);

impl Module for AdaptiveAvgPool2d {
    fn forward<'g>(&self, _: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        x.try_adaptive_avg_pool2d(self.0)
    }
}

/// Flattens dimensions `start_dim..=end_dim` into one (PyTorch's `nn.Flatten`, whose defaults
/// are `start_dim = 1`, `end_dim = -1`: [`Flatten::default`]).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::Flatten;
/// Graph::new().run(|g| {
///     let y = Flatten::default().forward(g, g.input(Tensor::ones(&[2, 3, 4, 5])?))?;
///     assert_eq!(y.shape(), &[2, 60]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Flatten {
    /// First dimension flattened (negative counts from the end).
    pub start_dim: isize,
    /// Last dimension flattened (negative counts from the end).
    pub end_dim: isize,
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten {
            start_dim: 1,
            end_dim: -1,
        }
    }
}

impl Module for Flatten {
    fn forward<'g>(&self, _: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        x.try_flatten(self.start_dim, self.end_dim)
    }
}
