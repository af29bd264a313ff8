//! Backward of the binary ops: the partial `∂y/∂(input) · g` per element (lanes and scalar
//! twin), reduced to the input's shape inside the kernel for the planned layouts.

use super::{rows4, Binary, RowSrc, Rows};
use crate::kernels::par::{self, for_chunks, sum_parts, EW_GRAIN};
use crate::kernels::simd::{add64, dispatch, sum4, zip4, Lane4, Lanes, Operand, LANES};
use crate::kernels::strided::{for_rows2, Plan, Role};
use crate::kernels::Acc;
use crate::shape::Dims;

/// Output columns a column sum accumulates at once (a stack array of `f64`).
const BLOCK: usize = 64;

impl Binary {
    /// Which of the operands and the output its backward reads, `(a and b, y)`:
    /// [`partial`](Self::partial) and its lanes ignore the others (any slice of the same
    /// length may stand in for them).
    pub fn grad_reads(self) -> (bool, bool) {
        match self {
            Binary::Add | Binary::Sub => (false, false),
            Binary::Div => (true, true),
            Binary::Mul | Binary::Max | Binary::Min => (true, false),
        }
    }

    /// The scalar twin of the backward: `∂y/∂(input which) · g` at one element, given the
    /// inputs and the output there.
    #[inline(always)]
    pub fn partial(self, which: usize, g: f32, a: f32, b: f32, y: f32) -> f32 {
        let tie = |x: f32, o: f32| if x == o { 0.5 * g } else { 0.0 };
        let pick = |win: bool| if win { g } else { tie(a, b) };
        match (self, which) {
            (Binary::Add, _) | (Binary::Sub, 0) => g,
            (Binary::Sub, _) => -g,
            (Binary::Mul, 0) => g * b,
            (Binary::Mul, _) => g * a,
            (Binary::Div, 0) => g / b,
            (Binary::Div, _) => -g * y / b,
            (Binary::Max, 0) => pick(a > b),
            (Binary::Max, _) => pick(b > a),
            (Binary::Min, 0) => pick(a < b),
            (Binary::Min, _) => pick(b < a),
        }
    }

    /// The backward partial of input `W` in lanes.
    #[inline(always)]
    pub(crate) fn partial_lanes<const W: usize, V: Lanes>(self, g: V, a: V, b: V, y: V) -> V {
        let pick = |win: V| win.select(g, a.simd_eq(b) & (V::splat(0.5) * g));
        match (self, W) {
            (Binary::Add, _) | (Binary::Sub, 0) => g,
            (Binary::Sub, _) => -g,
            (Binary::Mul, 0) => g * b,
            (Binary::Mul, _) => g * a,
            (Binary::Div, 0) => g / b,
            (Binary::Div, _) => -g * y / b,
            (Binary::Max, 0) => pick(a.simd_gt(b)),
            (Binary::Max, _) => pick(b.simd_gt(a)),
            (Binary::Min, 0) => pick(a.simd_lt(b)),
            (Binary::Min, _) => pick(b.simd_lt(a)),
        }
    }
}

macro_rules! each_partial {
    ($op:expr, $which:expr, $run:ident ( $($arg:expr),* )) => {
        match ($op, $which) {
            (Binary::Add, 0) => $run($($arg,)* Part::<0>(Binary::Add)),
            (Binary::Add, _) => $run($($arg,)* Part::<1>(Binary::Add)),
            (Binary::Sub, 0) => $run($($arg,)* Part::<0>(Binary::Sub)),
            (Binary::Sub, _) => $run($($arg,)* Part::<1>(Binary::Sub)),
            (Binary::Mul, 0) => $run($($arg,)* Part::<0>(Binary::Mul)),
            (Binary::Mul, _) => $run($($arg,)* Part::<1>(Binary::Mul)),
            (Binary::Div, 0) => $run($($arg,)* Part::<0>(Binary::Div)),
            (Binary::Div, _) => $run($($arg,)* Part::<1>(Binary::Div)),
            (Binary::Max, 0) => $run($($arg,)* Part::<0>(Binary::Max)),
            (Binary::Max, _) => $run($($arg,)* Part::<1>(Binary::Max)),
            (Binary::Min, 0) => $run($($arg,)* Part::<0>(Binary::Min)),
            (Binary::Min, _) => $run($($arg,)* Part::<1>(Binary::Min)),
        }
    };
}

/// The gradient of input `which` (0 = a, 1 = b) of `y = op(a, b)` under plan `p`, stored into
/// `out` (the input's own shape): `g` and `y` have the output's shape, `a` and `b` their own.
pub fn backward(
    op: Binary,
    which: usize,
    p: &Plan,
    (g, a, b, y): (&[f32], &[f32], &[f32], &[f32]),
    out: &mut [f32],
    acc: Acc,
) {
    each_partial!(op, which, run(p, which, (g, a, b, y), out, acc));
}

/// Both gradients of `y = a · b` for same-shape operands in one pass: `ga (=|+=) g · b` and
/// `gb (=|+=) g · a`. Reads `g`, `a`, `b` once instead of `g` twice and each operand once
/// (two [`backward`] calls): 5 streams instead of 6. Bitwise the same as [`backward`]: the
/// products and the adds are the same single IEEE operations, in lanes or not.
pub fn mul_backward_both(
    (g, a, b): (&[f32], &[f32], &[f32]),
    (ga, acc_a): (&mut [f32], Acc),
    (gb, acc_b): (&mut [f32], Acc),
) {
    let n = g.len();
    assert!(
        a.len() == n && b.len() == n && ga.len() == n && gb.len() == n,
        "mul backward: length mismatch"
    );
    let part = |s: usize, ga: &mut [f32], gb: &mut [f32]| {
        let m = ga.len();
        let (g, a, b) = (&g[s..s + m], &a[s..s + m], &b[s..s + m]);
        match (acc_a, acc_b) {
            (Acc::Write, Acc::Write) => mul2::<false, false>((g, a, b), ga, gb),
            (Acc::Write, Acc::Add) => mul2::<false, true>((g, a, b), ga, gb),
            (Acc::Add, Acc::Write) => mul2::<true, false>((g, a, b), ga, gb),
            (Acc::Add, Acc::Add) => mul2::<true, true>((g, a, b), ga, gb),
        }
    };
    if n <= EW_GRAIN || par::count::threads() == 1 {
        return part(0, ga, gb);
    }
    par::for_units([ga, gb], [1, 1], n, EW_GRAIN, 2, &|i0, [x, y]| {
        part(i0, x, y)
    });
}

/// The loop of [`mul_backward_both`], one instance per pair of modes (`true` = add).
#[inline(always)]
fn mul2<const ADD_A: bool, const ADD_B: bool>(
    ops: (&[f32], &[f32], &[f32]),
    ga: &mut [f32],
    gb: &mut [f32],
) {
    dispatch!(|V| mul2_on::<V, ADD_A, ADD_B>(ops, ga, gb))
}

#[inline(always)]
fn mul2_on<V: Lanes, const ADD_A: bool, const ADD_B: bool>(
    (g, a, b): (&[f32], &[f32], &[f32]),
    ga: &mut [f32],
    gb: &mut [f32],
) {
    let body = g.len() - g.len() % LANES;
    let mut i = 0;
    while i < body {
        let (gv, av, bv) = (V::load(&g[i..]), V::load(&a[i..]), V::load(&b[i..]));
        let (mut x, mut y) = (gv * bv, gv * av);
        if ADD_A {
            x = V::load(&ga[i..]) + x;
        }
        if ADD_B {
            y = V::load(&gb[i..]) + y;
        }
        x.store(&mut ga[i..]);
        y.store(&mut gb[i..]);
        i += LANES;
    }
    for i in body..g.len() {
        let (x, y) = (g[i] * b[i], g[i] * a[i]);
        ga[i] = if ADD_A { ga[i] + x } else { x };
        gb[i] = if ADD_B { gb[i] + y } else { y };
    }
}

/// [`Binary::partial_lanes`] of input `W` as a [`Lane4`] of `(g, a, b, y)`.
#[derive(Clone, Copy)]
struct Part<const W: usize>(Binary);

impl<const W: usize> Lane4 for Part<W> {
    #[inline(always)]
    fn call<V: Lanes>(self, g: V, a: V, b: V, y: V) -> V {
        self.0.partial_lanes::<W, V>(g, a, b, y)
    }
}

fn run(
    p: &Plan,
    which: usize,
    (g, a, b, y): (&[f32], &[f32], &[f32], &[f32]),
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    if g.len() == 1 {
        // one element: every operand holds one element
        return zip4((g, a, b, y), out, acc, f);
    }
    let role = if which == 0 { p.a } else { p.b };
    let (gs, ys) = (Rows(g, p.inner), Rows(y, p.inner));
    let (outer, inner) = (p.outer, p.inner);
    with_srcs!(*p, a, b, |sa, sb| {
        let s = (gs, sa, sb, ys);
        match role {
            Role::Full => rows4(s, inner, out, acc, f),
            Role::Row => col_sums(s, outer, inner, out, acc, f),
            Role::Col => row_sums(s, inner, out, acc, f),
            Role::Scalar => {
                let total = if outer == 1 {
                    let r = (s.0.row(0), s.1.row(0), s.2.row(0), s.3.row(0));
                    sum_parts(inner, |q| {
                        let k = q.start;
                        sum4(
                            (r.0.skip(k), r.1.skip(k), r.2.skip(k), r.3.skip(k)),
                            q.len(),
                            f,
                        )
                    })
                } else {
                    (0..outer).map(|o| sum4(rows(s, o), inner, f)).sum()
                };
                acc.put(&mut out[0], total as f32);
            }
        }
    });
}

#[inline(always)]
fn rows<G: RowSrc, A: RowSrc, B: RowSrc, Y: RowSrc>(
    s: (G, A, B, Y),
    o: usize,
) -> (G::L, A::L, B::L, Y::L) {
    (s.0.row(o), s.1.row(o), s.2.row(o), s.3.row(o))
}

/// `out[j] (=|+=) Σ_o f(row o)[j]`: a `Row` operand's gradient, `f64` sums over blocks of
/// [`BLOCK`] columns, in parallel over blocks when there are several and work enough.
fn col_sums<G: RowSrc, A: RowSrc, B: RowSrc, Y: RowSrc>(
    s: (G, A, B, Y),
    outer: usize,
    inner: usize,
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    let block = |j0: usize, dst: &mut [f32]| {
        let w = dst.len();
        let mut sum = [0.0f64; BLOCK];
        dispatch!(|V| for o in 0..outer {
            let (g, a, b, y) = rows(s, o);
            let (g, a, b, y) = (g.skip(j0), a.skip(j0), b.skip(j0), y.skip(j0));
            let mut j = 0;
            while j + 8 <= w {
                add64(
                    &mut sum[j..j + 8],
                    &f.call::<V>(g.get(j), a.get(j), b.get(j), y.get(j))
                        .to_array(),
                );
                j += 8;
            }
            if j < w {
                let m = w - j;
                let v: V = f.call(
                    g.get_part(j, m),
                    a.get_part(j, m),
                    b.get_part(j, m),
                    y.get_part(j, m),
                );
                add64(&mut sum[j..w], &v.to_array()[..m]);
            }
        });
        for (d, &v) in dst.iter_mut().zip(&sum) {
            acc.put(d, v as f32);
        }
    };
    if outer * inner > EW_GRAIN && inner > BLOCK {
        let n = out.len();
        par::for_units([out], [1], n, BLOCK, 2, &|i0, [d]| block(i0, d));
    } else {
        out.chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(k, d)| block(k * BLOCK, d));
    }
}

/// `out[o] (=|+=) Σ_j f(row o)[j]`: a `Col` operand's gradient, in parallel over rows.
fn row_sums<G: RowSrc, A: RowSrc, B: RowSrc, Y: RowSrc>(
    s: (G, A, B, Y),
    inner: usize,
    out: &mut [f32],
    acc: Acc,
    f: impl Lane4,
) {
    let grain = (EW_GRAIN / inner.max(1)).max(8).next_multiple_of(8);
    for_chunks(out, grain, |o0, d| {
        for (k, v) in d.iter_mut().enumerate() {
            acc.put(v, sum4(rows(s, o0 + k), inner, f) as f32);
        }
    });
}

/// The general broadcast: `full = ∂y/∂(input which) · g` over the output's shape (to be
/// summed back with the graph's `Sink::put_reduced`); rows in lanes.
pub fn backward_general(
    op: Binary,
    which: usize,
    (a, a_shape): (&[f32], &[usize]),
    (b, b_shape): (&[f32], &[usize]),
    (g, y, out_shape): (&[f32], &[f32], &[usize]),
    full: &mut [f32],
) {
    each_partial!(
        op,
        which,
        general(a, a_shape, b, b_shape, g, y, out_shape, full)
    );
}

#[allow(clippy::too_many_arguments)]
fn general(
    a: &[f32],
    a_shape: &[usize],
    b: &[f32],
    b_shape: &[usize],
    g: &[f32],
    y: &[f32],
    out_shape: &[usize],
    full: &mut [f32],
    f: impl Lane4,
) {
    let (sa, sb) = (
        Dims::broadcast_strides(a_shape, out_shape),
        Dims::broadcast_strides(b_shape, out_shape),
    );
    let inner = out_shape.last().copied().unwrap_or(1);
    let last = out_shape.len().saturating_sub(1);
    let role = |s: usize| if s == 1 { Role::Row } else { Role::Scalar };
    let p = Plan {
        outer: 1,
        inner,
        a: role(sa[last]),
        b: role(sb[last]),
    };
    for_rows2(out_shape, &sa, &sb, |o, ia, ib| {
        let (gs, ys) = (Rows(&g[o..], 0), Rows(&y[o..], 0));
        let row = &mut full[o..o + inner];
        with_srcs!(p, &a[ia..], &b[ib..], |x, z| rows4(
            (gs, x, z, ys),
            inner,
            row,
            Acc::Write,
            f
        ));
    });
}
