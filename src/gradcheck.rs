//! Gradient checking: backward's gradients against central finite differences; second-order
//! gradients (the recorded backward, differentiated again) with [`gradgradcheck`].
//!
//! For inputs `x₀ … xₙ` and a function `y = f(x₀, …, xₙ)` of any shape, [`check`] projects the
//! output onto a fixed pseudo-random weight tensor `w` of `y`'s shape,
//!
//! ```text
//! L(x) = Σⱼ wⱼ · yⱼ(x)                       (so non-scalar outputs work: ∂L/∂x = VJP with w)
//! analytic  ∂L/∂xᵢₖ  = backward of y with output gradient w
//! numeric   ∂L/∂xᵢₖ ≈ (L(x + h·eᵢₖ) − L(x − h·eᵢₖ)) / (2h)   (error O(h²·L'''))
//! pass      |analytic − numeric| ≤ atol + rtol · |numeric|
//! ```
//!
//! Every evaluation runs in a fresh graph scope; `L` is accumulated in `f64` from the `f32`
//! output, and the step actually taken is `(x+h)₃₂ − (x−h)₃₂` (the perturbed inputs rounded to
//! `f32`), not the nominal `2h`.
//!
//! The forward is `f32`, which sets the default [`Tolerance`]: an output of size `|y|` carries a
//! rounding error of about `u·|y|` with `u ≈ 6·10⁻⁸`, so the numeric derivative carries
//! `≈ u·|y|·√(outputs touched) / h` from rounding plus `h²·|L'''|/6` from truncation. With
//! `h = 10⁻³` both stay near `10⁻⁴` for values of order one, hence `atol = 10⁻³` and
//! `rtol = 10⁻²` (PyTorch's gradcheck uses `h = 10⁻⁶` because it runs in `f64`). Reductions over
//! many elements or large values need a larger `h` or `atol`; keep inputs away from kinks
//! (`relu`/`abs` at 0, `clamp` bounds, ties of `max`) by much more than `h`.
//!
//! ```
//! use arenagrad::gradcheck::{check, Tolerance};
//! use arenagrad::prelude::*;
//!
//! let x = Tensor::new(vec![0.3, -1.2, 0.7, 2.0, -0.4, 1.1], &[2, 3])?;
//! let b = Tensor::from_slice(&[0.5, -0.25, 1.5]);
//! // y = tanh(x) * b + x²   (broadcast over rows; gradients for both inputs)
//! let report = check(&[x, b], |_g, v| Ok(v[0].tanh() * v[1] + v[0].powf(2.0)), &Tolerance::default())
//!     .unwrap();
//! assert_eq!(report.checked, 9);
//! assert!(report.max_abs_err < 1e-3);
//! # Ok::<(), arenagrad::Error>(())
//! ```

use std::fmt;

use crate::error::{Error, Result};
use crate::graph::{Backward, Graph, Scope, Var};
use crate::tensor::Tensor;

/// Step and pass criterion of [`check`]: `|analytic − numeric| ≤ atol + rtol·|numeric|`.
///
/// ```
/// let tol = arenagrad::gradcheck::Tolerance { atol: 1e-2, ..Default::default() };
/// assert_eq!((tol.eps, tol.rtol), (1e-3, 1e-2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Half the finite-difference step `h` (default `1e-3`, sized for an `f32` forward).
    pub eps: f64,
    /// Absolute tolerance (default `1e-3`).
    pub atol: f64,
    /// Relative tolerance, relative to the numeric gradient (default `1e-2`).
    pub rtol: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            eps: 1e-3,
            atol: 1e-3,
            rtol: 1e-2,
        }
    }
}

/// One checked gradient element: input `input`, flat (row-major) index `index`. Both gradients
/// are of the projected `L = Σ w·y` (the module docs), not of an output element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Element {
    /// Position of the input in the `inputs` slice.
    pub input: usize,
    /// Row-major index of the element inside that input.
    pub index: usize,
    /// `∂L/∂x` from backward.
    pub analytic: f64,
    /// `∂L/∂x` from central differences.
    pub numeric: f64,
}

/// What a passing [`check`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Number of input elements checked (the sum of the inputs' sizes).
    pub checked: usize,
    /// Largest `|analytic − numeric|`.
    pub max_abs_err: f64,
    /// Largest `|analytic − numeric| / |numeric|` over elements with `|numeric| ≥ atol` (where a
    /// relative error means something); 0 if there are none.
    pub max_rel_err: f64,
    /// The element closest to failing: the largest `|analytic − numeric| / (atol + rtol·|numeric|)`.
    /// `None` only when the inputs have no elements.
    pub worst: Option<Element>,
    /// That ratio at `worst` (at most 1 in a passing report).
    pub worst_ratio: f64,
}

/// Why [`check`] failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GradcheckError {
    /// Building the function, its backward, or the tolerance failed.
    Op(Error),
    /// The first element whose gradients differ by more than `allowed`.
    Mismatch {
        /// The element, with both gradients.
        element: Element,
        /// The shape of the input it belongs to.
        shape: Vec<usize>,
        /// `atol + rtol·|numeric|`.
        allowed: f64,
    },
}

impl From<Error> for GradcheckError {
    fn from(e: Error) -> Self {
        GradcheckError::Op(e)
    }
}

impl fmt::Display for GradcheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradcheckError::Op(e) => write!(f, "gradcheck: {e}"),
            GradcheckError::Mismatch {
                element: e,
                shape,
                allowed,
            } => write!(
                f,
                "gradcheck: input {} (shape {shape:?}) element {} (index {:?}): analytic {:e} vs \
                 numeric {:e}, |diff| {:e} > allowed {allowed:e}; the backward rule disagrees with \
                 the forward (or the input sits on a kink: move it, or raise eps/atol)",
                e.input,
                e.index,
                unravel(e.index, shape),
                e.analytic,
                e.numeric,
                (e.analytic - e.numeric).abs()
            ),
        }
    }
}

impl std::error::Error for GradcheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GradcheckError::Op(e) => Some(e),
            GradcheckError::Mismatch { .. } => None,
        }
    }
}

/// Checks `f`'s backward at `inputs` against central differences (see the module docs).
///
/// Every input becomes a leaf that requires grad; `f` gets the scope and the leaves in order and
/// may build constants itself. `f` must be deterministic (re-seed any `Rng` inside it). Inputs
/// the output does not depend on must get a zero gradient.
///
/// ```
/// use arenagrad::gradcheck::{check, GradcheckError, Tolerance};
/// use arenagrad::prelude::*;
/// // x * detach(x) claims d/dx = x, but the function is x², whose derivative is 2x
/// let err = check(&[Tensor::scalar(1.5)], |_g, v| Ok(v[0] * v[0].detach()), &Tolerance::default())
///     .unwrap_err();
/// let GradcheckError::Mismatch { element, .. } = err else { panic!("{err}") };
/// // both are of L = w·y for the fixed weight w: their ratio is 2x / x
/// assert!((element.numeric / element.analytic - 2.0).abs() < 1e-3);
/// ```
pub fn check<F>(
    inputs: &[Tensor],
    f: F,
    tol: &Tolerance,
) -> std::result::Result<Report, GradcheckError>
where
    F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
{
    let valid = |v: f64| v.is_finite() && v >= 0.0;
    if !(valid(tol.eps) && tol.eps > 0.0 && valid(tol.atol) && valid(tol.rtol)) {
        return Err(Error::InvalidArgument {
            op: "gradcheck",
            message: format!("{tol:?} needs eps > 0 and finite atol, rtol >= 0"),
        }
        .into());
    }
    let mut graph = Graph::new();
    let (w, analytic) = graph.run(|g| {
        let vars: Vec<Var<'_>> = inputs.iter().map(|t| g.leaf(t)).collect();
        let y = f(g, &vars)?;
        let w = weights(y.shape());
        y.backward_with(&Backward::gradient(w.clone()))?;
        let grads: Vec<Vec<f32>> = vars
            .iter()
            .map(|v| {
                v.grad()
                    .map_or_else(|| vec![0.0; v.numel()], Tensor::into_vec)
            })
            .collect();
        Ok((w, grads))
    })?;

    let mut work = inputs.to_vec();
    let mut loss = |work: &[Tensor]| -> Result<f64> {
        graph.run(|g| {
            let vars: Vec<Var<'_>> = work.iter().map(|t| g.input(t)).collect();
            let y = f(g, &vars)?;
            if y.shape() != w.shape() {
                return Err(Error::ShapeMismatch {
                    op: "gradcheck (output shape changed between evaluations)",
                    lhs: w.shape().to_vec(),
                    rhs: y.shape().to_vec(),
                });
            }
            Ok(y.data()
                .iter()
                .zip(w.data())
                .map(|(&y, &w)| f64::from(y) * f64::from(w))
                .sum())
        })
    };
    let mut report = Report {
        checked: 0,
        max_abs_err: 0.0,
        max_rel_err: 0.0,
        worst: None,
        worst_ratio: 0.0,
    };
    for (i, grad) in analytic.iter().enumerate() {
        for (k, &a) in grad.iter().enumerate() {
            let x0 = work[i].data()[k];
            let (xp, xm) = (
                (f64::from(x0) + tol.eps) as f32,
                (f64::from(x0) - tol.eps) as f32,
            );
            work[i].data_mut()[k] = xp;
            let lp = loss(&work)?;
            work[i].data_mut()[k] = xm;
            let lm = loss(&work)?;
            work[i].data_mut()[k] = x0;
            let numeric = (lp - lm) / (f64::from(xp) - f64::from(xm));
            let element = Element {
                input: i,
                index: k,
                analytic: f64::from(a),
                numeric,
            };
            let err = (element.analytic - numeric).abs();
            let allowed = tol.atol + tol.rtol * numeric.abs();
            let pass = err <= allowed; // false for NaN too
            if !pass {
                return Err(GradcheckError::Mismatch {
                    element,
                    shape: inputs[i].shape().to_vec(),
                    allowed,
                });
            }
            report.checked += 1;
            report.max_abs_err = report.max_abs_err.max(err);
            if numeric.abs() >= tol.atol && numeric != 0.0 {
                report.max_rel_err = report.max_rel_err.max(err / numeric.abs());
            }
            let ratio = if err == 0.0 { 0.0 } else { err / allowed };
            if report.worst.is_none() || ratio > report.worst_ratio {
                report.worst = Some(element);
                report.worst_ratio = ratio;
            }
        }
    }
    Ok(report)
}

/// The fixed projection weights: ±[0.5, 1.5), from a splitmix64 stream (no zeros, so every
/// output element is checked; varied signs and sizes, so errors cannot cancel by symmetry).
fn weights(shape: &[usize]) -> Tensor {
    weights_salted(shape, 0)
}

/// [`weights`] from the stream numbered `salt` (independent streams for independent uses).
fn weights_salted(shape: &[usize], salt: u64) -> Tensor {
    let n = shape.iter().product::<usize>();
    let data = (0..n as u64)
        .map(|k| {
            let mut z = (k + 1 + (salt << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = (z >> 40) as f32 / (1u64 << 24) as f32;
            if z & 1 == 0 {
                0.5 + u
            } else {
                -0.5 - u
            }
        })
        .collect();
    Tensor::new(data, shape).expect("the output's own shape")
}

/// Row-major flat index to a multi-index of `shape`.
fn unravel(mut index: usize, shape: &[usize]) -> Vec<usize> {
    let mut out = vec![0; shape.len()];
    for (o, &d) in out.iter_mut().zip(shape).rev() {
        *o = index % d.max(1);
        index /= d.max(1);
    }
    out
}

mod second;
#[cfg(test)]
mod tests;

pub use second::gradgradcheck;
