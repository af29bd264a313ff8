//! Element-wise kernels: store/accumulate, unary maps, binary maps with NumPy broadcasting.
//!
//! Binary maps take a fast path when both operands have the output's shape or one operand is
//! a single value; the general case walks the output with broadcast strides
//! ([`strided::for_each2`](super::strided::for_each2)). These closure-based maps are the
//! generic scalar forms; the ops' own hot paths are the f32x8 kernels of
//! [`unary`](super::unary) and [`binary`](super::binary).

use super::par::EW_GRAIN;
use super::simd::{par_zip4, First, Splat, NONE};
use super::strided::for_each2;
use crate::kernels::Acc;
use crate::shape::Dims;

/// `out = src` or `out += src`, in lanes and over threads above [`EW_GRAIN`].
pub fn store(out: &mut [f32], src: &[f32], acc: Acc) {
    assert_eq!(out.len(), src.len(), "store: length mismatch");
    if let ([o], [v]) = (&mut *out, src) {
        // one element: no call to memcpy
        return acc.put(o, *v);
    }
    if acc == Acc::Write && out.len() <= EW_GRAIN {
        return out.copy_from_slice(src);
    }
    par_zip4(EW_GRAIN, (src, NONE, NONE, NONE), out, acc, First);
}

/// `out = v` or `out += v` in every element: a broadcast scalar gradient made dense (the same
/// bits as [`store`] of a buffer full of `v`).
pub fn fill(out: &mut [f32], v: f32, acc: Acc) {
    if acc == Acc::Write && out.len() <= EW_GRAIN {
        return out.fill(v);
    }
    par_zip4(EW_GRAIN, (Splat::new(v), NONE, NONE, NONE), out, acc, First);
}

/// `out[i] = f(x[i])`.
pub fn map(x: &[f32], out: &mut [f32], f: impl Fn(f32) -> f32) {
    assert_eq!(x.len(), out.len(), "map: length mismatch");
    out.iter_mut().zip(x).for_each(|(o, &v)| *o = f(v));
}

/// `out[i] (=|+=) f(x[i], y[i])` over equal-length slices.
pub fn zip_acc(x: &[f32], y: &[f32], out: &mut [f32], acc: Acc, f: impl Fn(f32, f32) -> f32) {
    assert!(
        x.len() == out.len() && y.len() == out.len(),
        "zip_acc: length mismatch"
    );
    match acc {
        Acc::Write => out
            .iter_mut()
            .zip(x.iter().zip(y))
            .for_each(|(o, (&a, &b))| *o = f(a, b)),
        Acc::Add => out
            .iter_mut()
            .zip(x.iter().zip(y))
            .for_each(|(o, (&a, &b))| *o += f(a, b)),
    }
}

/// `out[i] (=|+=) f(x[i])`.
pub fn map_acc(x: &[f32], out: &mut [f32], acc: Acc, f: impl Fn(f32) -> f32) {
    assert_eq!(x.len(), out.len(), "map_acc: length mismatch");
    match acc {
        Acc::Write => out.iter_mut().zip(x).for_each(|(o, &v)| *o = f(v)),
        Acc::Add => out.iter_mut().zip(x).for_each(|(o, &v)| *o += f(v)),
    }
}

/// `out = f(a, b)` where `a` and `b` broadcast to `out_shape` (checked by the caller).
pub fn binary(
    a: &[f32],
    a_shape: &[usize],
    b: &[f32],
    b_shape: &[usize],
    out_shape: &[usize],
    out: &mut [f32],
    f: impl Fn(f32, f32) -> f32,
) {
    if a_shape == out_shape && b_shape == out_shape {
        return zip_acc(a, b, out, Acc::Write, f);
    }
    if a_shape == out_shape && b.len() == 1 {
        let s = b[0];
        return map(a, out, |v| f(v, s));
    }
    if b_shape == out_shape && a.len() == 1 {
        let s = a[0];
        return map(b, out, |v| f(s, v));
    }
    let (sa, sb) = (
        Dims::broadcast_strides(a_shape, out_shape),
        Dims::broadcast_strides(b_shape, out_shape),
    );
    for_each2(out_shape, &sa, &sb, |o, i, j| out[o] = f(a[i], b[j]));
}

#[cfg(test)]
mod tests;
