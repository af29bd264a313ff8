//! Constructors outside a graph: `arange`, `linspace`, `from_fn`, `rand`, `randn` (and
//! `full`, `zeros`, `ones` in `tensor.rs`).
//!
//! The ranges follow PyTorch's CPU formulas, element by element, never by repeated addition
//! (which drifts by about `i · ε`):
//!
//! - `arange(start, end, step)` has `⌈(end − start) / step⌉` elements (in `f64`, as PyTorch's
//!   `size_d`), element `i` being `start + i · step` in `f64` rounded once to `f32`: PyTorch's
//!   scalar formula, with `start`, `end`, `step` the `f64`s Python passes. PyTorch's SIMD body
//!   instead adds `k · step` to an `f32`-rounded base every 8 elements (and splits its blocks by
//!   thread above 32768 elements), so `torch.arange` can differ from this by one unit in the last
//!   place in some elements; the generated vectors pin both facts (`tests/eager_vectors.rs`).
//! - `linspace(start, end, steps)` is PyTorch's symmetric formula in `f32`: `step = (end −
//!   start) / (steps − 1)`, element `i` is `fma(step, i, start)` in the first half and
//!   `fma(step, i − (steps − 1), end)` in the second, so both endpoints are exact; bit for bit
//!   `torch.linspace` (whose vector body is that fused multiply-add).
//!
//! Bad input is an [`Error::InvalidArgument`] naming the op and its arguments: a zero,
//! non-finite or wrongly signed step, a non-finite bound, or more than [`MAX_RANGE_LEN`]
//! elements — a typo'd step must not become a multi-gigabyte allocation. (PyTorch gives NaNs for a
//! NaN `linspace` bound; an error names the mistake where it happens instead.)

use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::shape::{numel, Dims};
use crate::tensor::Tensor;

/// The most elements `arange` and `linspace` make: 2²⁴, the last count whose indices are exact
/// in `f32` (past it, consecutive integers are no longer distinct `f32`s either). Build longer
/// ranges with [`Tensor::from_fn`].
///
/// ```
/// use arenagrad::{tensor::MAX_RANGE_LEN, Tensor};
/// assert!(Tensor::try_linspace(0.0, 1.0, MAX_RANGE_LEN + 1).is_err());
/// ```
pub const MAX_RANGE_LEN: usize = 1 << 24;

fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

impl Tensor {
    /// `[start, start + step, ...]` up to `end` excluded (`torch.arange(start, end, step)`),
    /// rank 1; see the module doc for the formula. Errors: a zero or non-finite step, a
    /// non-finite bound, a step whose sign moves away from `end`, more than [`MAX_RANGE_LEN`]
    /// elements. `start == end` is empty.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::try_arange(0.0, 1.0, 0.25)?.to_vec(), vec![0.0, 0.25, 0.5, 0.75]);
    /// assert_eq!(Tensor::try_arange(1.0, 0.0, -0.5)?.to_vec(), vec![1.0, 0.5]);
    /// assert!(Tensor::try_arange(0.0, 1.0, 0.0).is_err());
    /// assert!(Tensor::try_arange(0.0, 1e9, 1e-9).is_err()); // 10¹⁸ elements: capped
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_arange(start: f64, end: f64, step: f64) -> Result<Tensor> {
        let args = format!("start = {start}, end = {end}, step = {step}");
        if step == 0.0 || !step.is_finite() {
            return Err(invalid(
                "arange",
                format!("{args}: the step must be finite and non-zero"),
            ));
        }
        if !start.is_finite() || !end.is_finite() {
            return Err(invalid(
                "arange",
                format!("{args}: unsupported range; pass finite bounds"),
            ));
        }
        if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
            return Err(invalid(
                "arange",
                format!(
                    "{args}: the upper bound and lower bound are inconsistent with the step sign"
                ),
            ));
        }
        let len = ((end - start) / step).ceil();
        if len > MAX_RANGE_LEN as f64 {
            return Err(invalid(
                "arange",
                format!(
                    "{args}: {len} elements is more than MAX_RANGE_LEN = {MAX_RANGE_LEN}; use a \
                     larger step or Tensor::from_fn"
                ),
            ));
        }
        let data = (0..len as usize).map(|i| (start + i as f64 * step) as f32);
        Ok(Tensor::from(data.collect::<Vec<f32>>()))
    }
    /// Panicking form of [`Tensor::try_arange`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::arange(0.0, 3.0, 1.0).to_vec(), vec![0.0, 1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn arange(start: f64, end: f64, step: f64) -> Tensor {
        crate::error::or_panic(Self::try_arange(start, end, step))
    }

    /// `steps` evenly spaced values from `start` to `end`, both included
    /// (`torch.linspace(start, end, steps)`), rank 1, bit for bit PyTorch's (module doc).
    /// `steps = 0` is empty, `steps = 1` is `[start]`. Errors: a non-finite bound, more than
    /// [`MAX_RANGE_LEN`] steps.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::try_linspace(0.0, 1.0, 5)?.to_vec(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    /// assert_eq!(Tensor::try_linspace(3.0, 1.0, 1)?.to_vec(), vec![3.0]);
    /// assert!(Tensor::try_linspace(f32::NAN, 1.0, 3).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn try_linspace(start: f32, end: f32, steps: usize) -> Result<Tensor> {
        let args = format!("start = {start}, end = {end}, steps = {steps}");
        if !start.is_finite() || !end.is_finite() {
            return Err(invalid("linspace", format!("{args}: pass finite bounds")));
        }
        if steps > MAX_RANGE_LEN {
            return Err(invalid(
                "linspace",
                format!("{args}: more than MAX_RANGE_LEN = {MAX_RANGE_LEN} steps"),
            ));
        }
        if steps == 1 {
            return Ok(Tensor::from_slice(&[start]));
        }
        let step = (end - start) / (steps as f32 - 1.0);
        let (half, last) = (steps / 2, steps as f32 - 1.0);
        // `i as f32` and `i − (steps − 1)` are exact: both below MAX_RANGE_LEN = 2²⁴
        let at = |i: usize| {
            if i < half {
                step.mul_add(i as f32, start)
            } else {
                step.mul_add(i as f32 - last, end)
            }
        };
        Ok(Tensor::from((0..steps).map(at).collect::<Vec<f32>>()))
    }
    /// Panicking form of [`Tensor::try_linspace`].
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// assert_eq!(Tensor::linspace(-1.0, 1.0, 3).to_vec(), vec![-1.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn linspace(start: f32, end: f32, steps: usize) -> Tensor {
        crate::error::or_panic(Self::try_linspace(start, end, steps))
    }

    /// A tensor of `shape` whose element at multi-index `idx` (row-major order of calls) is
    /// `f(idx)`; [`Error::SizeOverflow`] for a shape too large.
    ///
    /// ```
    /// use arenagrad::Tensor;
    /// let eye = Tensor::from_fn(&[2, 3], |ij| f32::from(ij[0] == ij[1]))?;
    /// assert_eq!(eye.to_vec(), vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    /// assert_eq!(Tensor::from_fn(&[], |_| 7.0)?.item(), 7.0);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn from_fn(shape: &[usize], mut f: impl FnMut(&[usize]) -> f32) -> Result<Tensor> {
        let n = numel("Tensor::from_fn", shape)?;
        let mut idx = Dims::zeros(shape.len());
        let mut data = Vec::with_capacity(n);
        for _ in 0..n {
            data.push(f(&idx));
            // odometer: the last dim fastest
            for d in (0..shape.len()).rev() {
                idx[d] += 1;
                if idx[d] < shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        Tensor::new(data, shape)
    }

    /// Uniform values in `[0, 1)` from `rng` (`torch.rand(shape)`, with arenagrad's own
    /// stream: [`Rng::uniform`]); [`Error::SizeOverflow`] for a shape too large.
    ///
    /// ```
    /// use arenagrad::{Rng, Tensor};
    /// let t = Tensor::rand(&[2, 3], &mut Rng::seed(0))?;
    /// assert!(t.data().iter().all(|v| (0.0..1.0).contains(v)));
    /// assert_eq!(t, Tensor::rand(&[2, 3], &mut Rng::seed(0))?); // same seed, same values
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn rand(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
        numel("Tensor::rand", shape)?;
        Ok(rng.uniform_tensor(shape, 0.0, 1.0))
    }

    /// Standard normal values from `rng` (`torch.randn(shape)`, with arenagrad's own stream:
    /// [`Rng::normal`]); [`Error::SizeOverflow`] for a shape too large.
    ///
    /// ```
    /// use arenagrad::{Rng, Tensor};
    /// let t = Tensor::randn(&[1000], &mut Rng::seed(1))?;
    /// assert!(t.mean().item().abs() < 0.1);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn randn(shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
        numel("Tensor::randn", shape)?;
        Ok(rng.normal_tensor(shape, 0.0, 1.0))
    }
}
