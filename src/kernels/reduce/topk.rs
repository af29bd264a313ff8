//! The `k` largest values along an axis and their indices, largest first.
//!
//! Order: NaN above every number (as PyTorch's `topk` and `max` treat it), then by value
//! descending, ties by the lower index. That is a total order, so the result is the same
//! whatever the selection algorithm: `select_nth_unstable_by` splits off the `k` largest in
//! linear time, then only those `k` are sorted. PyTorch's own order among tied values is
//! unspecified (it returned indices `[2, 4, 1]` for the three 3s of `[1, 3, 3, 2, 3]`); the
//! values always agree.

use std::cmp::Ordering;

use super::AxisLayout;

/// Whether element `a` of `line` comes before element `b`.
fn order(line: &[f32], a: usize, b: usize) -> Ordering {
    let (x, y) = (line[a], line[b]);
    match (x.is_nan(), y.is_nan()) {
        (true, true) => a.cmp(&b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => y.partial_cmp(&x).unwrap_or(Ordering::Equal).then(a.cmp(&b)),
    }
}

/// For every line of `l` (the `len` elements `(o, ·, i)`), the `k ≤ len` largest values and
/// their indices along the axis, largest first, into `values` and `indices` of layout
/// `[outer, k, inner]`.
///
/// ```
/// use arenagrad::kernels::reduce::{topk, AxisLayout};
/// let (mut v, mut i) = ([0.0; 2], [0; 2]);
/// topk(&[1.0, 3.0, 2.0, 3.0], AxisLayout::new(&[4], 0), 2, &mut v, &mut i);
/// assert_eq!((v, i), ([3.0, 3.0], [1, 3]));
/// ```
pub fn topk(x: &[f32], l: AxisLayout, k: usize, values: &mut [f32], indices: &mut [usize]) {
    assert!(
        k <= l.len && x.len() == l.numel(),
        "topk: k or input length"
    );
    assert!(values.len() == l.outer * k * l.inner && indices.len() == values.len());
    let (mut line, mut idx) = (vec![0.0f32; l.len], Vec::with_capacity(l.len));
    for o in 0..l.outer {
        for i in 0..l.inner {
            let base = o * l.len * l.inner + i;
            for (k, v) in line.iter_mut().enumerate() {
                *v = x[base + k * l.inner];
            }
            idx.clear();
            idx.extend(0..l.len);
            if k < l.len && k > 0 {
                idx.select_nth_unstable_by(k - 1, |&a, &b| order(&line, a, b));
            }
            idx[..k].sort_unstable_by(|&a, &b| order(&line, a, b));
            let out = o * k * l.inner + i;
            for (j, &src) in idx[..k].iter().enumerate() {
                values[out + j * l.inner] = line[src];
                indices[out + j * l.inner] = src;
            }
        }
    }
}
