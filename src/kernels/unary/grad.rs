//! Backward of the unary ops: `dx (=|+=) f'(x)·g`, written from whichever of `x` and
//! `y = f(x)` is cheaper (the table in `ops/unary.rs`).

use super::{powf, powf8, Unary, GELU_C, INV_SQRT_2PI, SQRT_2_OVER_PI};
use crate::kernels::par::{EW_GRAIN, MATH_GRAIN};
use crate::kernels::simd::{
    par_update4, par_zip4, update4, zip4, Lane4, Lanes, Operand, Splat, NONE,
};
use crate::kernels::special::{normal_cdf, sigmoid};
use crate::kernels::vmath::lanes as vmath;
use crate::kernels::Acc;

impl Unary {
    /// Which of `x` and `y` its backward reads, `(x, y)`: [`grad`](Self::grad) and its lanes
    /// ignore the other (any slice of the same length may stand in for it).
    pub fn grad_reads(self) -> (bool, bool) {
        match self {
            Unary::Exp | Unary::Tanh | Unary::Sigmoid | Unary::Sqrt => (false, true),
            Unary::Neg => (false, false),
            _ => (true, false),
        }
    }

    /// The scalar twin of the backward: `f'(x)·g`, given `x` and `y = f(x)`.
    #[inline(always)]
    pub fn grad(self, x: f32, y: f32, g: f32) -> f32 {
        match self {
            Unary::Neg => -g,
            Unary::Exp => g * y,
            Unary::Log => g / x,
            Unary::Sqrt => g / (2.0 * y),
            Unary::Tanh => g * (1.0 - y * y),
            Unary::Sigmoid => g * y * (1.0 - y),
            Unary::Relu => {
                if x > 0.0 {
                    g
                } else {
                    0.0
                }
            }
            Unary::GeluErf => {
                let cdf = normal_cdf(x);
                let pdf = INV_SQRT_2PI * (-0.5 * x * x).exp();
                g * (cdf + x * pdf)
            }
            Unary::GeluTanh => {
                let x2 = x * x;
                let t = (SQRT_2_OVER_PI * (x + GELU_C * x2 * x)).tanh();
                let du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x2);
                g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du)
            }
            Unary::Softplus { beta, threshold } => {
                if beta * x > threshold {
                    g
                } else {
                    g * sigmoid(beta * x)
                }
            }
            Unary::Abs => {
                if x > 0.0 {
                    g
                } else if x < 0.0 {
                    -g
                } else {
                    0.0
                }
            }
            Unary::Sin => g * x.cos(),
            Unary::Cos => -g * x.sin(),
            Unary::Clamp { lo, hi } => {
                if x > lo && x < hi {
                    g
                } else {
                    0.0
                }
            }
            Unary::Pow(p) => {
                if p == 0.0 {
                    0.0
                } else {
                    g * p * powf(x, p - 1.0)
                }
            }
            Unary::Silu => {
                let s = sigmoid(x);
                g * s * (1.0 + x * (1.0 - s))
            }
            // PyTorch's conditions: `x > 0` for leaky_relu, `x <= 0` for elu (so a NaN input
            // gets `slope·g` from the one and `g` from the other)
            Unary::LeakyRelu { slope } => {
                if x > 0.0 {
                    g
                } else {
                    g * slope
                }
            }
            Unary::Elu { alpha } => {
                if x <= 0.0 {
                    g * alpha * x.exp()
                } else {
                    g
                }
            }
        }
    }

    /// The backward in lanes.
    #[inline(always)]
    pub(crate) fn grad_lanes<V: Lanes>(self, x: V, y: V, g: V) -> V {
        let s = V::splat;
        let (zero, one) = (V::splat(0.0), V::splat(1.0));
        match self {
            Unary::Neg => -g,
            Unary::Exp => g * y,
            Unary::Log => g / x,
            Unary::Sqrt => g / (s(2.0) * y),
            Unary::Tanh => g * (one - y * y),
            Unary::Sigmoid => g * y * (one - y),
            Unary::Relu => x.simd_gt(zero) & g,
            Unary::GeluErf => {
                // e^{−x²/2} from Φ's own evaluation: the twin's exp((−½·x)·x), same bits
                let (cdf, gauss) = vmath::normal_cdf_gauss(x);
                let pdf = s(INV_SQRT_2PI) * gauss;
                g * (cdf + x * pdf)
            }
            Unary::GeluTanh => {
                let x2 = x * x;
                let t = vmath::tanh(s(SQRT_2_OVER_PI) * (x + s(GELU_C) * x2 * x));
                let du = s(SQRT_2_OVER_PI) * (one + s(3.0 * GELU_C) * x2);
                g * (s(0.5) * (one + t) + s(0.5) * x * (one - t * t) * du)
            }
            Unary::Softplus { beta, threshold } => {
                let bx = s(beta) * x;
                bx.simd_gt(s(threshold)).select(g, g * vmath::sigmoid(bx))
            }
            Unary::Abs => x.simd_gt(zero).select(g, x.simd_lt(zero).select(-g, zero)),
            Unary::Sin => g * vmath::sin_cos(x).1,
            Unary::Cos => -g * vmath::sin_cos(x).0,
            Unary::Clamp { lo, hi } => (x.simd_gt(s(lo)) & x.simd_lt(s(hi))) & g,
            Unary::Pow(p) => {
                if p == 0.0 {
                    zero
                } else {
                    g * s(p) * powf8(x, p - 1.0)
                }
            }
            Unary::Silu => {
                let sg = vmath::sigmoid(x);
                g * sg * (one + x * (one - sg))
            }
            Unary::LeakyRelu { slope } => x.simd_gt(zero).select(g, g * s(slope)),
            Unary::Elu { alpha } => x.simd_le(zero).select(g * s(alpha) * vmath::exp(x), g),
        }
    }
}

/// [`Unary::grad_lanes`] as a [`Lane4`] of `(x, y, g)`.
#[derive(Clone, Copy)]
struct Bwd(Unary);

impl Lane4 for Bwd {
    #[inline(always)]
    fn call<V: Lanes>(self, x: V, y: V, g: V, _: V) -> V {
        self.0.grad_lanes(x, y, g)
    }
}

/// `out (=|+=) f'(x)·g` given `x`, `y = f(x)` and `g`, in lanes, split over threads above the
/// op's grain.
pub fn backward(op: Unary, x: &[f32], y: &[f32], g: &[f32], out: &mut [f32], acc: Acc) {
    assert_eq!(g.len(), out.len(), "unary backward: length mismatch");
    backward_lanes(op, x, y, g, out, acc)
}

/// [`backward`] for a `g` that is one value in every element (the gradient of a whole-tensor
/// sum or mean): `g` is never materialised, so the pass reads `x` or `y` and writes `out`
/// only. The same bits as [`backward`] on a buffer full of `g`.
pub fn backward_splat(op: Unary, x: &[f32], y: &[f32], g: f32, out: &mut [f32], acc: Acc) {
    backward_lanes(op, x, y, Splat::new(g), out, acc)
}

/// [`Unary::grad_lanes`] as a [`Lane4`] of `(x, y, _, g)`, for [`par_update4`].
#[derive(Clone, Copy)]
struct BwdInPlace(Unary);

impl Lane4 for BwdInPlace {
    #[inline(always)]
    fn call<V: Lanes>(self, x: V, y: V, _: V, g: V) -> V {
        self.0.grad_lanes(x, y, g)
    }
}

/// [`backward`] with `Acc::Write` into `g` itself: `g = f'(x)·g`, for a gradient buffer that
/// its input takes over. The same bits as [`backward`]; no second buffer is written.
pub fn backward_in_place(op: Unary, x: &[f32], y: &[f32], g: &mut [f32]) {
    let n = g.len();
    assert!(
        x.len() == n && y.len() == n,
        "unary backward: length mismatch"
    );
    if n == 1 {
        // one element (scalar graphs): update4's splat path inline
        return update4((x, y, NONE), g, BwdInPlace(op));
    }
    with_const_op!(op, k => par_update4(grain(op), (x, y, NONE), g, BwdInPlace(k)))
}

/// The thread grain of an op's backward.
fn grain(op: Unary) -> usize {
    match op {
        Unary::GeluErf
        | Unary::GeluTanh
        | Unary::Softplus { .. }
        | Unary::Sin
        | Unary::Cos
        | Unary::Silu
        | Unary::Elu { .. } => MATH_GRAIN,
        _ => EW_GRAIN,
    }
}

fn backward_lanes<G: Operand>(op: Unary, x: &[f32], y: &[f32], g: G, out: &mut [f32], acc: Acc) {
    let n = out.len();
    assert!(
        x.len() == n && y.len() == n,
        "unary backward: length mismatch"
    );
    let grain = grain(op);
    if n == 1 {
        // one element (scalar graphs): zip4's splat path inline, not through a chunk closure
        return zip4((x, y, g, NONE), out, acc, Bwd(op));
    }
    // one loop per op with a constant op (unread operands are never loaded)
    with_const_op!(op, k => par_zip4(grain, (x, y, g, NONE), out, acc, Bwd(k)))
}
