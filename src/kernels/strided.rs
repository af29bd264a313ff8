//! Walking an n-d index space with per-operand strides (broadcast strides are 0), and the
//! `[outer, inner]` plans that let broadcasting kernels skip the walk altogether.
//!
//! The innermost dimension is a plain loop (or, through [`for_rows2`], a whole row handed to a
//! SIMD kernel); only the outer dimensions use an odometer, so the per-element cost is an add
//! per operand. Nothing here allocates for ranks up to
//! [`INLINE_RANK`](crate::shape::INLINE_RANK): index counters and strides live inline in a
//! [`Dims`], with a heap fallback only above that.

use crate::shape::Dims;

/// Calls `f(out_offset, offset_a, offset_b)` at the start of every row (last dimension) of
/// `shape` in row-major order; the caller walks the `shape[last]` elements of the row with the
/// last strides. A rank-0 shape is one row of one element.
pub fn for_rows2(
    shape: &[usize],
    sa: &[usize],
    sb: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    if shape.contains(&0) {
        return;
    }
    let r = shape.len();
    if r <= 1 {
        return f(0, 0, 0);
    }
    let inner = shape[r - 1];
    let mut idx = Dims::zeros(r - 1);
    let (mut oa, mut ob, mut o) = (0usize, 0usize, 0usize);
    loop {
        f(o, oa, ob);
        o += inner;
        // odometer over the outer dimensions
        let mut d = r - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            oa += sa[d];
            ob += sb[d];
            if idx[d] < shape[d] {
                break;
            }
            oa -= sa[d] * shape[d];
            ob -= sb[d] * shape[d];
            idx[d] = 0;
        }
    }
}

/// Calls `f(out_index, offset_a, offset_b)` for every element of `shape` in row-major order,
/// where the offsets advance by `sa` and `sb` per dimension.
pub fn for_each2(
    shape: &[usize],
    sa: &[usize],
    sb: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    let r = shape.len();
    let (inner, ia, ib) = match r {
        0 => (1, 0, 0),
        _ => (shape[r - 1], sa[r - 1], sb[r - 1]),
    };
    for_rows2(shape, sa, sb, |o, a, b| {
        for k in 0..inner {
            f(o + k, a + k * ia, b + k * ib);
        }
    });
}

/// Calls `f(out_index, offset)` for every element of `shape`, offsets advancing by `s`.
pub fn for_each1(shape: &[usize], s: &[usize], mut f: impl FnMut(usize, usize)) {
    for_each2(shape, s, s, |o, a, _| f(o, a));
}

/// How an operand is read over an output seen as `[outer, inner]` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The output's own shape: element `(o, i)` at `o·inner + i`.
    Full,
    /// One value.
    Scalar,
    /// One row of `inner` values, repeated for every `o` (`[N, C] op [C]`).
    Row,
    /// One value per row `o` (`[N, C] op [N, 1]`).
    Col,
}

/// A binary broadcast read as `[outer, inner]` rows: the output's shape split at one
/// dimension, with each operand's [`Role`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Product of the dimensions before the split.
    pub outer: usize,
    /// Product of the dimensions from the split on.
    pub inner: usize,
    /// How `a` is read.
    pub a: Role,
    /// How `b` is read.
    pub b: Role,
}

/// The role of an operand of shape `s` in output `out`, with the `(outer, inner)` split it
/// needs (`None` for roles that fit any split), or `None` when it needs the general walk.
fn role(s: &[usize], out: &[usize]) -> Option<(Role, Option<(usize, usize)>)> {
    let lead = out.len() - s.len();
    let p = |i: usize| if i < lead { 1 } else { s[i - lead] };
    let r = out.len();
    if s.iter().product::<usize>() == 1 && out.iter().product::<usize>() != 1 {
        return Some((Role::Scalar, None));
    }
    if (0..r).all(|i| p(i) == out[i]) {
        return Some((Role::Full, None));
    }
    let split = |k: usize| {
        let outer: usize = out[..k].iter().product();
        Some((outer, out[k..].iter().product()))
    };
    // Row: ones, then the output's trailing dimensions
    let k = (0..=r)
        .rev()
        .take_while(|&k| k == r || p(k) == out[k])
        .last()?;
    if (0..k).all(|i| p(i) == 1) {
        return Some((Role::Row, split(k)));
    }
    // Col: the output's leading dimensions, then ones
    let k = (0..=r)
        .take_while(|&k| k == 0 || p(k - 1) == out[k - 1])
        .last()?;
    if (k..r).all(|i| p(i) == 1) {
        return Some((Role::Col, split(k)));
    }
    None
}

/// The `[outer, inner]` plan of `a op b -> out`, or `None` when the broadcast needs the
/// general strided walk (e.g. `[N, 1, C] op [M, 1]`).
pub fn plan(a: &[usize], b: &[usize], out: &[usize]) -> Option<Plan> {
    let (ra, sa) = role(a, out)?;
    let (rb, sb) = role(b, out)?;
    let n: usize = out.iter().product();
    let (outer, inner) = match (sa, sb) {
        (Some(x), Some(y)) if x != y => return None,
        (Some(x), _) | (_, Some(x)) => x,
        (None, None) => (1, n),
    };
    Some(Plan {
        outer,
        inner,
        a: ra,
        b: rb,
    })
}

#[cfg(test)]
mod tests;
