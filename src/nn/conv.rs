//! Convolution layers: PyTorch's `nn.Conv1d`, `nn.Conv2d` and `nn.ConvTranspose2d`.
//!
//! Parameters are registered as `"{name}.weight"` and `"{name}.bias"` with PyTorch's shapes:
//! `[out, in/groups, k..]` for a convolution, `[in, out/groups, kh, kw]` for a transposed one.
//! Default init is PyTorch's `kaiming_uniform_(W, a = √5)`, which draws `U(−1/√fan_in,
//! 1/√fan_in)`, and the bias from the same range, where `fan_in` is the weight's second
//! dimension times its kernel size (`in/groups·kh·kw`, or `out/groups·kh·kw` transposed).
//! Weight first, then bias, from the caller's [`Rng`].

use crate::error::{Error, Result};
use crate::graph::{Scope, Var};
use crate::nn::Module;
use crate::ops::conv::{Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions};
use crate::params::{Param, ParamStore};
use crate::rng::Rng;

/// The weight (and bias) of a convolution layer, registered and initialised as PyTorch does.
/// `channels` are (in, out, groups); `shape` is the weight's, whose second dimension times the
/// kernel size is the `fan_in` that sets the init bound.
fn register(
    params: &mut ParamStore,
    name: &str,
    op: &'static str,
    (c_in, c_out, groups): (usize, usize, usize),
    shape: &[usize],
    bias: bool,
    rng: &mut Rng,
) -> Result<(Param, Option<Param>)> {
    let bad = if groups == 0 {
        Some("groups must be positive".to_string())
    } else if c_in % groups != 0 || c_out % groups != 0 {
        Some(format!(
            "in_channels ({c_in}) and out_channels ({c_out}) must both be divisible by \
             groups ({groups})"
        ))
    } else if shape.contains(&0) {
        Some(format!(
            "channels and kernel sizes must be positive (weight {shape:?})"
        ))
    } else {
        None
    };
    if let Some(message) = bad {
        return Err(Error::InvalidArgument {
            op,
            message: format!("layer {name:?}: {message}"),
        });
    }
    let fan_in: usize = shape[1..].iter().product();
    let bound = 1.0 / (fan_in as f32).sqrt();
    let w = rng.uniform_tensor(shape, -bound, bound);
    let weight = params.add(&format!("{name}.weight"), w)?;
    let bias = if bias {
        let b = rng.uniform_tensor(&[c_out], -bound, bound);
        Some(params.add(&format!("{name}.bias"), b)?)
    } else {
        None
    };
    Ok((weight, bias))
}

/// The layer's parameters as vars of `g`.
fn vars<'g>(g: &'g Scope<'g>, w: Param, b: Option<Param>) -> Result<(Var<'g>, Option<Var<'g>>)> {
    Ok((g.try_param(w)?, b.map(|b| g.try_param(b)).transpose()?))
}

/// A 1-d convolution over `[N, C, L]` (PyTorch's `nn.Conv1d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::Conv1d;
/// let mut params = ParamStore::new();
/// let conv = Conv1d::new(&mut params, "c", 2, 4, 3, Conv1dOptions::default().padding(1), true, &mut Rng::seed(0))?;
/// assert_eq!(params.shape(conv.weight), &[4, 2, 3]);
/// Graph::new().run_with(&mut params, |g| {
///     let y = conv.forward(g, g.input(Tensor::ones(&[5, 2, 7])?))?;
///     assert_eq!(y.shape(), &[5, 4, 7]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Conv1d {
    /// `[out_channels, in_channels / groups, kernel_size]`.
    pub weight: Param,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Param>,
    /// Stride, padding, dilation and groups.
    pub options: Conv1dOptions,
}

impl Conv1d {
    /// A layer registered under `name`, initialised as PyTorch does from `rng`.
    #[allow(clippy::too_many_arguments)] // PyTorch's constructor arguments, in its order
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        options: Conv1dOptions,
        bias: bool,
        rng: &mut Rng,
    ) -> Result<Conv1d> {
        let groups = options.groups;
        let shape = [out_channels, in_channels / groups.max(1), kernel_size];
        let channels = (in_channels, out_channels, groups);
        let (weight, bias) = register(params, name, "Conv1d::new", channels, &shape, bias, rng)?;
        Ok(Conv1d {
            weight,
            bias,
            options,
        })
    }
}

impl Module for Conv1d {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let (w, b) = vars(g, self.weight, self.bias)?;
        x.try_conv1d(w, b, self.options)
    }
}

/// A 2-d convolution over `[N, C, H, W]` (PyTorch's `nn.Conv2d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::Conv2d;
/// let mut params = ParamStore::new();
/// let opts = Conv2dOptions::default().stride([2, 2]).padding([1, 1]);
/// let conv = Conv2d::new(&mut params, "0", 3, 8, [3, 3], opts, true, &mut Rng::seed(0))?;
/// assert_eq!(params.shape(conv.weight), &[8, 3, 3, 3]);
/// Graph::new().run_with(&mut params, |g| {
///     let y = conv.forward(g, g.input(Tensor::ones(&[2, 3, 8, 8])?))?;
///     assert_eq!(y.shape(), &[2, 8, 4, 4]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Conv2d {
    /// `[out_channels, in_channels / groups, kh, kw]`.
    pub weight: Param,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Param>,
    /// Stride, padding, dilation and groups.
    pub options: Conv2dOptions,
}

impl Conv2d {
    /// A layer registered under `name`, initialised as PyTorch does from `rng`.
    #[allow(clippy::too_many_arguments)] // PyTorch's constructor arguments, in its order
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel_size: [usize; 2],
        options: Conv2dOptions,
        bias: bool,
        rng: &mut Rng,
    ) -> Result<Conv2d> {
        let groups = options.groups;
        let [kh, kw] = kernel_size;
        let shape = [out_channels, in_channels / groups.max(1), kh, kw];
        let channels = (in_channels, out_channels, groups);
        let (weight, bias) = register(params, name, "Conv2d::new", channels, &shape, bias, rng)?;
        Ok(Conv2d {
            weight,
            bias,
            options,
        })
    }
}

impl Module for Conv2d {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let (w, b) = vars(g, self.weight, self.bias)?;
        x.try_conv2d(w, b, self.options)
    }
}

/// A transposed 2-d convolution over `[N, C, H, W]` (PyTorch's `nn.ConvTranspose2d`).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::nn::ConvTranspose2d;
/// let mut params = ParamStore::new();
/// let opts = ConvTranspose2dOptions::default().stride([2, 2]);
/// let up = ConvTranspose2d::new(&mut params, "up", 4, 2, [2, 2], opts, true, &mut Rng::seed(0))?;
/// assert_eq!(params.shape(up.weight), &[4, 2, 2, 2]);          // [in, out/groups, kh, kw]
/// Graph::new().run_with(&mut params, |g| {
///     let y = up.forward(g, g.input(Tensor::ones(&[1, 4, 3, 3])?))?;
///     assert_eq!(y.shape(), &[1, 2, 6, 6]);
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ConvTranspose2d {
    /// `[in_channels, out_channels / groups, kh, kw]`.
    pub weight: Param,
    /// `[out_channels]`, if the layer has a bias.
    pub bias: Option<Param>,
    /// Stride, padding, output padding, dilation and groups.
    pub options: ConvTranspose2dOptions,
}

impl ConvTranspose2d {
    /// A layer registered under `name`, initialised as PyTorch does from `rng`.
    #[allow(clippy::too_many_arguments)] // PyTorch's constructor arguments, in its order
    pub fn new(
        params: &mut ParamStore,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel_size: [usize; 2],
        options: ConvTranspose2dOptions,
        bias: bool,
        rng: &mut Rng,
    ) -> Result<ConvTranspose2d> {
        let groups = options.groups;
        let [kh, kw] = kernel_size;
        let shape = [in_channels, out_channels / groups.max(1), kh, kw];
        let channels = (in_channels, out_channels, groups);
        let op = "ConvTranspose2d::new";
        let (weight, bias) = register(params, name, op, channels, &shape, bias, rng)?;
        Ok(ConvTranspose2d {
            weight,
            bias,
            options,
        })
    }
}

impl Module for ConvTranspose2d {
    fn forward<'g>(&self, g: &'g Scope<'g>, x: Var<'g>) -> Result<Var<'g>> {
        let (w, b) = vars(g, self.weight, self.bias)?;
        x.try_conv_transpose2d(w, b, self.options)
    }
}

#[cfg(test)]
mod tests;
