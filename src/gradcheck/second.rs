//! Second-order gradient checking: the recorded backward's gradients, differentiated again,
//! against central finite differences of those gradients.
//!
//! For inputs `x₀ … xₙ`, `y = f(x)` and an output gradient `u` of `y`'s shape, the first-order
//! gradients form a function of both `x` and `u` (PyTorch's `gradgradcheck` treats the output
//! gradient as an input too):
//!
//! ```text
//! G(x, u) = [ uᵀ ∂y/∂x₀ , … , uᵀ ∂y/∂xₙ ]      (grad(y, x, grad_outputs = u, create_graph))
//! ```
//!
//! and [`gradgradcheck`] runs [`check`] on `G`, with inputs `x₀ … xₙ, u` and the start value
//! `u⁰` a fixed pseudo-random tensor (±[0.5, 1.5), a stream independent of the projection
//! weights). [`check`] projects `G` onto its own fixed weights `v`, so what is compared is
//!
//! ```text
//! analytic  ∂(vᵀG)/∂x = vᵀ ∂²(uᵀy)/∂x²      ∂(vᵀG)/∂u = (∂y/∂x) v      (backward through the
//!                                                                      recorded backward)
//! numeric   central differences of vᵀG(x, u), evaluated by recorded backwards at x ± h·e
//! ```
//!
//! The `x` part checks that each differentiable form (`backward_graph`) is the derivative of
//! the forward *and* that the nodes it records differentiate correctly; the `u` part checks
//! that the form is the right linear map of the output gradient (a form that ignored `g` or
//! scaled it wrongly would pass a check in `x` alone for some `u`, never for all).
//!
//! Tolerance: the gradients are computed in `f32` from the same values as the function, so the
//! rounding error of `G` is of the size of `f`'s (`≈ u·|terms|`, `u ≈ 6·10⁻⁸`), and the
//! finite-difference error has the same two parts as in [`check`]. The same default
//! [`Tolerance`] (`h = 10⁻³`, `atol = 10⁻³`, `rtol = 10⁻²`) is therefore the right one for
//! values and gradients of order one; PyTorch uses its gradcheck tolerances for gradgradcheck
//! too. Inputs must keep away from kinks by much more than `h`, as for [`check`]: at a kink
//! the first derivative jumps, so its difference quotient is no derivative at all.

use super::{check, weights_salted, GradcheckError, Report, Tolerance};
use crate::error::{Error, Result};
use crate::graph::{grad, GradOptions, Graph, Scope, Var};
use crate::tensor::Tensor;

/// Checks `f`'s second derivatives (its recorded backward, differentiated again) against
/// central differences of its first derivatives, with respect to the inputs and to the output
/// gradient (see the module docs). The [`Report`] covers the inputs' elements then the output
/// gradient's (its `input` index is `inputs.len()`).
///
/// `f` is as for [`check`]: deterministic, given the scope and one var per input (which
/// require grad). An input `f`'s output does not use gets a zero gradient.
///
/// ```
/// use arenagrad::gradcheck::{gradgradcheck, Tolerance};
/// use arenagrad::prelude::*;
///
/// let x = Tensor::new(vec![0.3, -1.2, 0.7, 2.0, -0.4, 1.1], &[2, 3])?;
/// let b = Tensor::from_slice(&[0.5, -0.25, 1.5]);
/// // y = tanh(x)·b + x³: its gradient in x depends on x and b, its gradient in b on x
/// let report = gradgradcheck(
///     &[x, b],
///     |_g, v| Ok(v[0].tanh() * v[1] + v[0].powf(3.0)),
///     &Tolerance::default(),
/// )
/// .unwrap();
/// assert_eq!(report.checked, 6 + 3 + 6);          // x, b and the output gradient u
/// assert!(report.max_abs_err < 1e-3);
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn gradgradcheck<F>(
    inputs: &[Tensor],
    f: F,
    tol: &Tolerance,
) -> std::result::Result<Report, GradcheckError>
where
    F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
{
    let n = inputs.len();
    let out_shape = Graph::new().run(|g| {
        // leaves, as in every later evaluation: `f` may itself differentiate its inputs
        let vars: Vec<Var<'_>> = inputs.iter().map(|t| g.leaf(t)).collect();
        Ok(f(g, &vars)?.shape().to_vec())
    })?;
    let mut all = inputs.to_vec();
    all.push(weights_salted(&out_shape, 0x005E_C04D));
    check(&all, |g, v| first_grads(g, &v[..n], v[n], &f), tol)
}

/// `G(x, u)`: the gradients of `f(x)` with output gradient `u`, recorded, each flattened and
/// joined into one vector.
fn first_grads<'g, F>(g: &'g Scope<'g>, x: &[Var<'g>], u: Var<'g>, f: &F) -> Result<Var<'g>>
where
    F: for<'s> Fn(&'s Scope<'s>, &[Var<'s>]) -> Result<Var<'s>>,
{
    // check's finite-difference passes hand in constants: differentiate with respect to leaves
    // holding the same values instead
    let x: Vec<Var<'g>> = x
        .iter()
        .map(|&v| {
            if v.requires_grad() {
                Ok(v)
            } else {
                Ok(g.leaf(Tensor::new(v.to_vec(), v.shape())?))
            }
        })
        .collect::<Result<_>>()?;
    let y = f(g, &x)?;
    if y.shape() != u.shape() {
        return Err(Error::ShapeMismatch {
            op: "gradgradcheck (output shape changed between evaluations)",
            lhs: u.shape().to_vec(),
            rhs: y.shape().to_vec(),
        });
    }
    let outputs = [u];
    let opts = GradOptions::new()
        .grad_outputs(&outputs)
        .create_graph(true)
        .allow_unused(true);
    let grads = if y.requires_grad() {
        grad(&[y], &x, &opts)?
    } else {
        vec![None; x.len()]
    };
    let flat = grads
        .iter()
        .zip(&x)
        .map(|(d, v)| match d {
            Some(d) => d.try_reshape(&[v.numel()]),
            None => Ok(g.input(Tensor::zeros(&[v.numel()])?)),
        })
        .collect::<Result<Vec<_>>>()?;
    match flat.len() {
        0 => Err(Error::InvalidArgument {
            op: "gradgradcheck",
            message: "no inputs given; pass at least one input to differentiate".into(),
        }),
        _ => Var::try_concat(&flat, 0),
    }
}

#[cfg(test)]
mod tests;
