//! The differentiable backward forms shared by layer_norm, rms_norm and batch_norm.
//!
//! Each normalises the rows of a `[R, D]` view (layer and RMS norm: the rows of `D` trailing
//! elements; batch norm: one row per channel, of its `N·L` values, after a permute). With
//! `μ = mean_row x` (0 for RMS norm), `rstd = (mean_row (x − μ)² + ε)^{−1/2}`,
//! `x̂ = (x − μ)·rstd` and `ĝ = g·w` (the output gradient times the affine weight):
//!
//! ```text
//! dx = rstd · (ĝ − mean_row ĝ − x̂ · mean_row(ĝ · x̂))     (centred: layer, batch norm)
//! dx = rstd · (ĝ − x̂ · mean_row(ĝ · x̂))                  (RMS norm)
//! ```
//!
//! The statistics are recomputed from the input with ops rather than read from the fused
//! op's saved `mean`/`rstd`, so that recording the form differentiates through them: the
//! second derivative then matches PyTorch's `layer_norm` / `batch_norm` double backward.

use crate::error::Result;
use crate::graph::Var;

/// `(x̂, rstd)` of the rows (axis 1) of `x [R, D]`: `rstd` is `[R, 1]`.
pub(crate) fn normalized<'g>(x: Var<'g>, eps: f32, centred: bool) -> Result<(Var<'g>, Var<'g>)> {
    let xc = if centred {
        x.try_sub(x.try_mean_axis(1, true)?)?
    } else {
        x
    };
    let rstd = (xc.try_mul(xc)?.try_mean_axis(1, true)? + eps).powf(-0.5);
    Ok((xc.try_mul(rstd)?, rstd))
}

/// `dx` of the rows of `[R, D]`, given `ĝ`, `x̂` and `rstd` (`[R, 1]`) as above.
pub(crate) fn norm_dx<'g>(
    gh: Var<'g>,
    xhat: Var<'g>,
    rstd: Var<'g>,
    centred: bool,
) -> Result<Var<'g>> {
    let proj = xhat.try_mul(gh.try_mul(xhat)?.try_mean_axis(1, true)?)?;
    let mut inner = gh.try_sub(proj)?;
    if centred {
        inner = inner.try_sub(gh.try_mean_axis(1, true)?)?;
    }
    inner.try_mul(rstd)
}
