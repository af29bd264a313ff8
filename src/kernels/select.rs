//! Selection by a boolean mask: `y = m ? a : b` over a broadcast shape, and its gradients
//! `da = m ? g : 0`, `db = m ? 0 : g` (before summing back to each operand's shape).
//!
//! The mask is first expanded to the output's shape ([`expand_mask`]), so the forward is one
//! strided walk over the two value operands and the backward reads the expanded mask beside
//! the gradient, element for element. Plain loops: a select has no arithmetic to vectorise
//! beyond what the compiler does with a `bool` per element.

use super::strided::{for_each1, for_each2};
use crate::kernels::Acc;

/// `out[i] = mask[offset(i)]` for every element `i` of `shape` (row-major), where `strides`
/// are the mask's broadcast strides over `shape` (0 on broadcast dims).
///
/// ```
/// use arenagrad::kernels::select::expand_mask;
/// let mut out = [false; 6];
/// expand_mask(&[true, false], &[1, 0], &[2, 3], &mut out); // a [2, 1] mask over [2, 3]
/// assert_eq!(out, [true, true, true, false, false, false]);
/// ```
pub fn expand_mask(mask: &[bool], strides: &[usize], shape: &[usize], out: &mut [bool]) {
    assert_eq!(
        out.len(),
        shape.iter().product::<usize>(),
        "expand_mask: length"
    );
    if out.len() == mask.len() {
        // same element count: a broadcast that only added size-1 dims, same layout
        return out.copy_from_slice(mask);
    }
    for_each1(shape, strides, |i, o| out[i] = mask[o]);
}

/// `out[i] = m[i] ? a[offset_a(i)] : b[offset_b(i)]` over `shape`, with the operands'
/// broadcast strides `sa` and `sb` (a one-element `a` with zero strides is a fill value).
///
/// ```
/// use arenagrad::kernels::select::select;
/// let mut out = [0.0; 4];
/// // a scalar fill value against a [2, 2] operand
/// select(&[true, false, false, true], &[-1.0], &[0, 0], &[1.0, 2.0, 3.0, 4.0], &[2, 1], &[2, 2], &mut out);
/// assert_eq!(out, [-1.0, 2.0, 3.0, -1.0]);
/// ```
#[allow(clippy::too_many_arguments)] // the mask, two strided operands, the shape, the output
pub fn select(
    m: &[bool],
    a: &[f32],
    sa: &[usize],
    b: &[f32],
    sb: &[usize],
    shape: &[usize],
    out: &mut [f32],
) {
    assert!(m.len() == out.len(), "select: mask length");
    if a.len() == out.len() && b.len() == out.len() {
        for (((o, &m), &a), &b) in out.iter_mut().zip(m).zip(a).zip(b) {
            *o = if m { a } else { b };
        }
        return;
    }
    for_each2(shape, sa, sb, |i, ia, ib| {
        out[i] = if m[i] { a[ia] } else { b[ib] }
    });
}

/// `out (=|+=) (m[i] == keep) ? g[i] : 0`: the gradient of `m ? a : b` for `a` (`keep =
/// true`) or `b` (`keep = false`), over the output's shape.
///
/// ```
/// use arenagrad::kernels::{Acc, select::select_backward};
/// let mut da = [9.0; 3];
/// select_backward(&[true, false, true], &[1.0, 2.0, 3.0], true, &mut da, Acc::Write);
/// assert_eq!(da, [1.0, 0.0, 3.0]);
/// ```
pub fn select_backward(m: &[bool], g: &[f32], keep: bool, out: &mut [f32], acc: Acc) {
    assert!(
        m.len() == g.len() && g.len() == out.len(),
        "select_backward: lengths"
    );
    for ((o, &m), &g) in out.iter_mut().zip(m).zip(g) {
        acc.put(o, if m == keep { g } else { 0.0 });
    }
}

#[cfg(test)]
mod tests;
