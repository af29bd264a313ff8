//! Reductions: sums over everything or one axis, max with its arg, and the sum of a broadcast
//! gradient back to its input.
//!
//! An axis reduction sees its input as `[outer, len, inner]` ([`AxisLayout`]): the dimensions
//! before the axis, the axis, the dimensions after it. The output is `[outer, inner]`. Sums
//! accumulate in `f64` (a long `f32` sum drifts by about `len · ε`); when `inner > 1` the sums
//! run over a block of up to [`BLOCK`] output columns at once, reading the input row by row, so
//! memory is walked in order and the accumulators stay on the stack.

use super::strided::for_each1;
use crate::graph::Acc;

/// Output columns accumulated together by a strided axis sum (a stack array of `f64`).
pub const BLOCK: usize = 64;

/// A tensor seen as `[outer, len, inner]` around one axis; element `(o, k, i)` is at
/// `(o * len + k) * inner + i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AxisLayout {
    /// Product of the dimensions before the axis.
    pub outer: usize,
    /// The axis' length.
    pub len: usize,
    /// Product of the dimensions after the axis.
    pub inner: usize,
}

impl AxisLayout {
    /// The layout of `shape` around `axis` (which must be `< shape.len()`); a rank-0 shape
    /// is read as `[1]` (PyTorch lets `dim=0` reduce a scalar).
    pub fn new(shape: &[usize], axis: usize) -> Self {
        if shape.is_empty() {
            return AxisLayout {
                outer: 1,
                len: 1,
                inner: 1,
            };
        }
        let inner = shape[axis + 1..].iter().product();
        AxisLayout {
            // with nothing inside, nothing outside: loops over `outer` would otherwise spin
            // through up to 2⁶⁰ empty rows of an empty `[2⁶⁰, n, 0]` (fuzz target `shapes`)
            outer: if inner == 0 {
                0
            } else {
                shape[..axis].iter().product()
            },
            len: shape[axis],
            inner,
        }
    }
    /// Elements of the reduced output, `outer * inner`.
    pub fn reduced(&self) -> usize {
        self.outer * self.inner
    }
    /// Elements of the full input, `outer * len * inner`.
    pub fn numel(&self) -> usize {
        self.outer * self.len * self.inner
    }
}

/// Sum of all elements, accumulated in `f64` so long sums do not drift.
pub fn sum(x: &[f32]) -> f32 {
    sum64(x) as f32
}

/// Sum of all elements in `f64`.
pub fn sum64(x: &[f32]) -> f64 {
    x.iter().map(|&v| v as f64).sum::<f64>()
}

/// `out[o, i] (=|+=) scale · Σ_k x[o, k, i]`, accumulated in `f64`.
pub fn sum_axis(x: &[f32], l: AxisLayout, scale: f64, out: &mut [f32], acc: Acc) {
    assert_eq!(x.len(), l.numel(), "sum_axis: input length");
    sum_axis_map(l, scale, out, acc, |e| x[e] as f64);
}

/// `out[o, i] (=|+=) scale · Σ_k f(e)` where `e = (o * len + k) * inner + i` is the flat
/// index of an input element: an axis sum of a value computed on the fly (layer norm's
/// weight gradient sums `g · x̂` over rows without storing the product).
pub fn sum_axis_map(
    l: AxisLayout,
    scale: f64,
    out: &mut [f32],
    acc: Acc,
    f: impl Fn(usize) -> f64,
) {
    assert_eq!(out.len(), l.reduced(), "sum_axis: output length");
    for o in 0..l.outer {
        let base = o * l.len * l.inner;
        let mut i0 = 0;
        while i0 < l.inner {
            let w = BLOCK.min(l.inner - i0);
            let mut s = [0.0f64; BLOCK];
            for k in 0..l.len {
                let row = base + k * l.inner + i0;
                for (j, sj) in s[..w].iter_mut().enumerate() {
                    *sj += f(row + j);
                }
            }
            let dst = &mut out[o * l.inner + i0..o * l.inner + i0 + w];
            for (d, &v) in dst.iter_mut().zip(&s[..w]) {
                acc.put(d, (v * scale) as f32);
            }
            i0 += w;
        }
    }
}

/// `out[o, k, i] (=|+=) scale · g[o, i]`: the gradient of an axis sum (or mean, with
/// `scale = 1/len`) spread back over the axis.
pub fn broadcast_axis(g: &[f32], l: AxisLayout, scale: f32, out: &mut [f32], acc: Acc) {
    assert!(
        g.len() == l.reduced() && out.len() == l.numel(),
        "broadcast_axis: lengths"
    );
    for o in 0..l.outer {
        let src = &g[o * l.inner..(o + 1) * l.inner];
        for k in 0..l.len {
            let start = (o * l.len + k) * l.inner;
            for (d, &v) in out[start..start + l.inner].iter_mut().zip(src) {
                acc.put(d, scale * v);
            }
        }
    }
}

/// The largest element, NaN if any element is NaN (as `torch.max`); `None` when empty.
pub fn max_all(x: &[f32]) -> Option<f32> {
    let (&first, rest) = x.split_first()?;
    // `v <= m` is false for a NaN `v`, which then sticks: no later `v` replaces a NaN `m`
    Some(
        rest.iter()
            .fold(first, |m, &v| if m.is_nan() || v <= m { m } else { v }),
    )
}

/// `out[k] (=|+=) g / count` at every element equal to `value` (every NaN when `value` is
/// NaN), 0 elsewhere, where `count` is the number of such elements: the gradient of an
/// all-element max, split evenly among ties (PyTorch's `evenly_distribute_backward`).
pub fn max_all_backward(x: &[f32], value: f32, g: f32, out: &mut [f32], acc: Acc) {
    assert_eq!(x.len(), out.len(), "max_all_backward: length mismatch");
    let hit = |v: f32| {
        if value.is_nan() {
            v.is_nan()
        } else {
            v == value
        }
    };
    let count = x.iter().filter(|&&v| hit(v)).count();
    let share = g / count as f32;
    for (d, &v) in out.iter_mut().zip(x) {
        acc.put(d, if hit(v) { share } else { 0.0 });
    }
}

/// `out[o, i] = max_k x[o, k, i]` and `arg[o, i]` = the FIRST `k` attaining it, as
/// `torch.max(x, dim)`: the first NaN wins and stops the scan. `len` must be > 0.
pub fn max_axis(x: &[f32], l: AxisLayout, out: &mut [f32], arg: &mut [usize]) {
    assert!(l.len > 0, "max_axis: empty axis");
    assert!(x.len() == l.numel() && out.len() == l.reduced() && arg.len() == l.reduced());
    for o in 0..l.outer {
        for i in 0..l.inner {
            let at = |k: usize| x[(o * l.len + k) * l.inner + i];
            let (mut best, mut idx) = (at(0), 0);
            for k in 1..l.len {
                if best.is_nan() {
                    break;
                }
                let v = at(k);
                if v > best || v.is_nan() {
                    (best, idx) = (v, k);
                }
            }
            out[o * l.inner + i] = best;
            arg[o * l.inner + i] = idx;
        }
    }
}

/// `out[o, k, i] (=|+=) g[o, i]` where `k = arg[o, i]`, 0 elsewhere: the gradient of
/// [`max_axis`].
pub fn max_axis_backward(g: &[f32], arg: &[usize], l: AxisLayout, out: &mut [f32], acc: Acc) {
    assert!(g.len() == l.reduced() && arg.len() == l.reduced() && out.len() == l.numel());
    if acc == Acc::Write {
        out.fill(0.0);
    }
    for o in 0..l.outer {
        for i in 0..l.inner {
            let r = o * l.inner + i;
            out[(o * l.len + arg[r]) * l.inner + i] += g[r];
        }
    }
}

/// Sums `full` (of shape `full_shape`) into `out`, where element `i` of `full` goes to
/// `out[offset(i)]` with `bstrides` the input's broadcast strides (0 on broadcast dimensions).
pub fn sum_to_broadcast(
    full: &[f32],
    full_shape: &[usize],
    bstrides: &[usize],
    out: &mut [f32],
    acc: Acc,
) {
    if acc == Acc::Write {
        out.fill(0.0);
    }
    for_each1(full_shape, bstrides, |i, o| out[o] += full[i]);
}

#[cfg(test)]
mod tests {
    use super::*;

    // x = [[[0,1],[2,3],[4,5]], [[6,7],[8,9],[10,11]]], shape [2,3,2]
    fn x232() -> Vec<f32> {
        (0..12).map(|v| v as f32).collect()
    }

    #[test]
    fn layouts() {
        let l = AxisLayout::new(&[2, 3, 4], 1);
        assert_eq!((l.outer, l.len, l.inner), (2, 3, 4));
        assert_eq!(
            AxisLayout::new(&[], 0),
            AxisLayout {
                outer: 1,
                len: 1,
                inner: 1
            }
        );
        assert_eq!(AxisLayout::new(&[5], 0).reduced(), 1);
    }

    #[test]
    fn axis_sums_every_axis() {
        let x = x232();
        let mut o = [0.0; 6];
        // axis 0: x[0] + x[1] = [6, 8, 10, 12, 14, 16]
        sum_axis(&x, AxisLayout::new(&[2, 3, 2], 0), 1.0, &mut o, Acc::Write);
        assert_eq!(o, [6.0, 8.0, 10.0, 12.0, 14.0, 16.0]);
        let mut o = [0.0; 4];
        // axis 1: [0+2+4, 1+3+5, 6+8+10, 7+9+11] = [6, 9, 24, 27]
        sum_axis(&x, AxisLayout::new(&[2, 3, 2], 1), 1.0, &mut o, Acc::Write);
        assert_eq!(o, [6.0, 9.0, 24.0, 27.0]);
        let mut o = [1.0; 6];
        // axis 2, mean (scale 1/2), added to 1: pairs sum 1, 5, 9, 13, 17, 21
        sum_axis(&x, AxisLayout::new(&[2, 3, 2], 2), 0.5, &mut o, Acc::Add);
        assert_eq!(o, [1.5, 3.5, 5.5, 7.5, 9.5, 11.5]);
    }

    #[test]
    fn wide_inner_spans_several_blocks() {
        // [3, 150]: column j sums j + (150 + j) + (300 + j) = 450 + 3j
        let x: Vec<f32> = (0..450).map(|v| v as f32).collect();
        let mut o = vec![0.0; 150];
        sum_axis(&x, AxisLayout::new(&[3, 150], 0), 1.0, &mut o, Acc::Write);
        assert!(o
            .iter()
            .enumerate()
            .all(|(j, &v)| v == 450.0 + 3.0 * j as f32));
        // an empty axis sums to 0
        let mut o = [7.0; 2];
        sum_axis(&[], AxisLayout::new(&[2, 0], 1), 1.0, &mut o, Acc::Write);
        assert_eq!(o, [0.0, 0.0]);
    }

    #[test]
    fn f64_accumulation() {
        // 1e8 + 1 + 1 + ... in f32 would stay 1e8; in f64 the ones add up
        let mut x = vec![1.0f32; 101];
        x[0] = 1e8;
        assert_eq!(sum(&x), 1e8 + 100.0);
    }

    #[test]
    fn broadcast_back_over_axis() {
        let mut out = [0.0; 6];
        // g [2,1] over axis 1 of [2,3], scale 1/3
        broadcast_axis(
            &[3.0, 6.0],
            AxisLayout::new(&[2, 3], 1),
            1.0 / 3.0,
            &mut out,
            Acc::Write,
        );
        assert_eq!(out, [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
        broadcast_axis(
            &[1.0, 2.0, 3.0],
            AxisLayout::new(&[2, 3], 0),
            1.0,
            &mut out,
            Acc::Add,
        );
        assert_eq!(out, [2.0, 3.0, 4.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn max_all_and_ties() {
        assert_eq!(max_all(&[]), None);
        assert_eq!(max_all(&[1.0, 3.0, -2.0, 3.0]), Some(3.0));
        assert!(max_all(&[1.0, f32::NAN, 3.0]).unwrap().is_nan());
        assert!(max_all(&[f32::NAN, 3.0]).unwrap().is_nan());
        let mut out = [9.0; 4];
        // two elements tie at 3: each gets g/2
        max_all_backward(&[1.0, 3.0, -2.0, 3.0], 3.0, 4.0, &mut out, Acc::Write);
        assert_eq!(out, [0.0, 2.0, 0.0, 2.0]);
        max_all_backward(&[f32::NAN, 1.0], f32::NAN, 1.0, &mut out[..2], Acc::Add);
        assert_eq!(out[..2], [1.0, 2.0]);
    }

    #[test]
    fn max_axis_first_argmax() {
        // [2,3] rows [1,5,5] and [-1,-3,-2]: maxima 5 (first at 1) and -1 (at 0)
        let x = [1.0, 5.0, 5.0, -1.0, -3.0, -2.0];
        let l = AxisLayout::new(&[2, 3], 1);
        let (mut v, mut a) = ([0.0; 2], [9usize; 2]);
        max_axis(&x, l, &mut v, &mut a);
        assert_eq!((v, a), ([5.0, -1.0], [1, 0]));
        // axis 0: columns (1,-1), (5,-3), (5,-2)
        let l0 = AxisLayout::new(&[2, 3], 0);
        let (mut v, mut a) = ([0.0; 3], [9usize; 3]);
        max_axis(&x, l0, &mut v, &mut a);
        assert_eq!((v, a), ([1.0, 5.0, 5.0], [0, 0, 0]));
        // NaN wins at its first position
        let (mut v, mut a) = ([0.0; 1], [9usize; 1]);
        max_axis(
            &[1.0, f32::NAN, 2.0, f32::NAN],
            AxisLayout::new(&[4], 0),
            &mut v,
            &mut a,
        );
        assert!(v[0].is_nan() && a[0] == 1);
        // backward routes g to the argmax only
        let mut out = [7.0; 6];
        max_axis_backward(&[10.0, 20.0], &[1, 0], l, &mut out, Acc::Write);
        assert_eq!(out, [0.0, 10.0, 0.0, 20.0, 0.0, 0.0]);
    }

    #[test]
    fn broadcast_sum_back() {
        // full [2,3] summed back to [1,3] (strides [0,1]) and to [2,1] (strides [1,0])
        let full = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut cols = [0.0; 3];
        sum_to_broadcast(&full, &[2, 3], &[0, 1], &mut cols, Acc::Write);
        assert_eq!(cols, [5.0, 7.0, 9.0]);
        let mut rows = [1.0; 2];
        sum_to_broadcast(&full, &[2, 3], &[1, 0], &mut rows, Acc::Add);
        assert_eq!(rows, [7.0, 16.0]);
    }
}
