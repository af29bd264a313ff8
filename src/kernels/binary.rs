//! Binary element-wise kernels with NumPy broadcasting: `y = f(a, b)` and the gradients
//! `∂y/∂a · g`, `∂y/∂b · g` summed back to each input's shape, in f32x8 lanes with scalar
//! twins ([`Binary::eval`], [`Binary::partial`]).
//!
//! Layouts ([`strided::plan`](super::strided::plan)): the output is seen as `[outer, inner]`
//! rows and each operand as `Full` (same shape), `Scalar`, `Row` (`[N, C] op [C]`: one row
//! repeated) or `Col` (`[N, C] op [N, 1]`: one value per row). A row operand is a slice, a
//! per-row value is a splat, so every fast path is the same lane loop with other operand
//! types, and no index is computed per element. Other broadcasts (`[N, 1, C] op [M, 1]`)
//! walk the output's rows with stack-array strides ([`for_rows2`]) and still run the lane
//! loop along each row.
//!
//! Backward reduces inside the kernel: a `Row` operand's gradient is a column sum of the
//! partials, a `Col` operand's a row sum, a `Scalar`'s the total, each accumulated in `f64`
//! without materialising the broadcast-shape partials. Only the general walk writes partials
//! to a scratch buffer for the graph's `Sink::put_reduced`.

use super::par::{for_chunks, for_rows, EW_GRAIN};
use super::simd::{dispatch, par_zip4, zip4, Lane4, Lanes, Operand, Splat, NONE};
use super::strided::{for_rows2, plan, Plan, Role};
use crate::kernels::Acc;
use crate::shape::Dims;

/// A binary element-wise function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b
    Div,
    /// max(a, b), NaN propagating (`torch.maximum`)
    Max,
    /// min(a, b), NaN propagating (`torch.minimum`)
    Min,
}

impl Binary {
    /// The scalar twin of the forward.
    #[inline(always)]
    pub fn eval(self, a: f32, b: f32) -> f32 {
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Max | Binary::Min if a.is_nan() || b.is_nan() => f32::NAN,
            Binary::Max => a.max(b),
            Binary::Min => a.min(b),
        }
    }

    /// The forward in lanes.
    #[inline(always)]
    pub(crate) fn lanes<V: Lanes>(self, a: V, b: V) -> V {
        let nan = || a.is_nan() | b.is_nan();
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Max => nan().select(V::splat(f32::NAN), a.fast_max(b)),
            Binary::Min => nan().select(V::splat(f32::NAN), a.fast_min(b)),
        }
    }
}

/// How operand rows are read: a slice per row (`stride` elements apart; 0 repeats one row)
/// or a value per row (`stride` apart; 0 repeats one value).
pub(crate) trait RowSrc: Copy + Send + Sync {
    type L: Operand;
    fn row(self, o: usize) -> Self::L;
}

#[derive(Clone, Copy)]
pub(crate) struct Rows<'a>(pub &'a [f32], pub usize);
#[derive(Clone, Copy)]
pub(crate) struct Vals<'a>(pub &'a [f32], pub usize);

impl<'a> RowSrc for Rows<'a> {
    type L = &'a [f32];
    #[inline(always)]
    fn row(self, o: usize) -> &'a [f32] {
        &self.0[o * self.1..]
    }
}

impl RowSrc for Vals<'_> {
    type L = Splat;
    #[inline(always)]
    fn row(self, o: usize) -> Splat {
        Splat::new(self.0[o * self.1])
    }
}

/// Calls `$body` with `$x`, `$y` bound to the row sources of `a` and `b` under plan `$p`
/// (one instance per combination of slice and value operands).
macro_rules! with_srcs {
    ($p:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        use $crate::kernels::binary::{Rows, Vals};
        use $crate::kernels::strided::Role;
        let (p, a, b) = ($p, $a, $b);
        let stride = |r: Role| match r {
            Role::Full => p.inner,
            Role::Col => 1,
            _ => 0,
        };
        let slice = |r: Role| matches!(r, Role::Full | Role::Row);
        match (slice(p.a), slice(p.b)) {
            (true, true) => {
                let ($x, $y) = (Rows(a, stride(p.a)), Rows(b, stride(p.b)));
                $body
            }
            (true, false) => {
                let ($x, $y) = (Rows(a, stride(p.a)), Vals(b, stride(p.b)));
                $body
            }
            (false, true) => {
                let ($x, $y) = (Vals(a, stride(p.a)), Rows(b, stride(p.b)));
                $body
            }
            (false, false) => {
                let ($x, $y) = (Vals(a, stride(p.a)), Vals(b, stride(p.b)));
                $body
            }
        }
    }};
}

/// `out[o, :] (=|+=) f(x.row(o), y.row(o), z.row(o), w.row(o))` over `[outer, inner]` rows,
/// in parallel over rows (or within the one row) above `EW_GRAIN` elements.
#[inline(always)]
pub(crate) fn rows4<X: RowSrc, Y: RowSrc, Z: RowSrc, W: RowSrc>(
    (x, y, z, w): (X, Y, Z, W),
    inner: usize,
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    if inner == 0 {
        return;
    }
    if out.len() == inner {
        let (x, y, z, w) = (x.row(0), y.row(0), z.row(0), w.row(0));
        return for_chunks(out, EW_GRAIN, |s, o| {
            zip4((x.skip(s), y.skip(s), z.skip(s), w.skip(s)), o, acc, f)
        });
    }
    for_rows(out, inner, EW_GRAIN, |r0, chunk| {
        for (k, o) in chunk.chunks_mut(inner).enumerate() {
            let r = r0 + k;
            zip4((x.row(r), y.row(r), z.row(r), w.row(r)), o, acc, f);
        }
    });
}

/// `out = f(a, b)` where `a` and `b` broadcast to `out_shape` (checked by the caller).
pub fn forward(
    op: Binary,
    (a, a_shape): (&[f32], &[usize]),
    (b, b_shape): (&[f32], &[usize]),
    out_shape: &[usize],
    out: &mut [f32],
) {
    macro_rules! each {
        ($($op:path),*) => {
            match op {
                $($op => run(a, a_shape, b, b_shape, out_shape, out, Fwd($op)),)*
            }
        };
    }
    each!(
        Binary::Add,
        Binary::Sub,
        Binary::Mul,
        Binary::Div,
        Binary::Max,
        Binary::Min
    );
}

/// `out = f(a, b)` for operands of the output's own shape (no broadcast plan): the loop of
/// [`forward`]'s same-shape layout, called directly.
pub fn forward_same(op: Binary, a: &[f32], b: &[f32], out: &mut [f32]) {
    assert!(
        a.len() == out.len() && b.len() == out.len(),
        "binary forward: length mismatch"
    );
    if let ([x], [y], [o]) = (a, b, &mut *out) {
        // one element (scalar graphs): the lanes on splats, not through a chunk closure
        *o = forward_one(op, *x, *y);
        return;
    }
    macro_rules! each {
        ($($op:path),*) => {
            match op {
                $($op => par_zip4(EW_GRAIN, (a, b, NONE, NONE), out, Acc::Write, Fwd($op)),)*
            }
        };
    }
    each!(
        Binary::Add,
        Binary::Sub,
        Binary::Mul,
        Binary::Div,
        Binary::Max,
        Binary::Min
    );
}

/// `f(a, b)` of one element each: the op's lanes on splats (so the same bits as a lane of
/// [`forward_same`]), small enough to inline where `op` is a constant (0-d graphs).
#[inline(always)]
pub fn forward_one(op: Binary, a: f32, b: f32) -> f32 {
    dispatch!(|V| op.lanes(V::splat(a), V::splat(b)).to_array()[0])
}

/// [`Binary::lanes`] as a [`Lane4`] of `(a, b)`.
#[derive(Clone, Copy)]
struct Fwd(Binary);

impl Lane4 for Fwd {
    #[inline(always)]
    fn call<V: Lanes>(self, a: V, b: V, _: V, _: V) -> V {
        self.0.lanes(a, b)
    }
}

fn run(
    a: &[f32],
    a_shape: &[usize],
    b: &[f32],
    b_shape: &[usize],
    out_shape: &[usize],
    out: &mut [f32],
    f: Fwd,
) {
    if out.len() == 1 {
        // one element: no plan, no rows (a and b hold one element too)
        return zip4((a, b, NONE, NONE), out, Acc::Write, f);
    }
    let none = Vals(&[0.0], 0);
    if let Some(p) = plan(a_shape, b_shape, out_shape) {
        return with_srcs!(p, a, b, |x, y| rows4(
            (x, y, none, none),
            p.inner,
            out,
            Acc::Write,
            f
        ));
    }
    let (sa, sb) = (
        Dims::broadcast_strides(a_shape, out_shape),
        Dims::broadcast_strides(b_shape, out_shape),
    );
    let inner = out_shape.last().copied().unwrap_or(1);
    let last = out_shape.len().saturating_sub(1);
    let p = Plan {
        outer: 1,
        inner,
        a: if sa[last] == 1 {
            Role::Row
        } else {
            Role::Scalar
        },
        b: if sb[last] == 1 {
            Role::Row
        } else {
            Role::Scalar
        },
    };
    for_rows2(out_shape, &sa, &sb, |o, ia, ib| {
        let row = &mut out[o..o + inner];
        with_srcs!(p, &a[ia..], &b[ib..], |x, y| rows4(
            (x, y, none, none),
            inner,
            row,
            Acc::Write,
            f
        ));
    });
}

mod grad;
pub use grad::{backward, backward_general, mul_backward_both};

#[cfg(test)]
mod tests;
