//! Unary element-wise kernels: `y = f(x)` and `dx (=|+=) f'(x)·g`, each op in 8-lane vectors
//! (`Unary::lanes`, `Unary::grad_lanes`, generic over the form of the lanes) with its scalar twin
//! ([`eval`](Unary::eval), [`grad`](Unary::grad)) as the reference.
//!
//! The lanes are bit-identical to the twins where the maths is exact (neg, abs, relu, clamp,
//! sqrt, leaky_relu, the `g·y`-style backward rules, powers with PyTorch's special exponents); the
//! transcendental ones are within the bounds of [`vmath`](super::vmath) (≤ 2 ulp for each
//! function; composites like gelu stay within a few ulp of the twin, see the tests).
//!
//! `powf(p)` follows PyTorch's `pow(Tensor, Scalar)`: `p ∈ {0, 1, 2, 3, ½, −½, −1, −2}` are
//! `1, x, x·x, x·x·x, √x, 1/√x, 1/x, 1/(x·x)`; any other `p` runs `f32::powf` lane by lane,
//! because `exp(p·ln x)` in `f32` would lose `|p·ln x|` ulps.
//!
//! Backward reads only what each derivative needs (the loads of unused operands are dead
//! code): exp, tanh, sigmoid and sqrt read the saved output and `g`, never `x`.

use super::par::{EW_GRAIN, MATH_GRAIN};
use super::simd::{dispatch, par_zip4, Lane4, Lanes, NONE};
use super::special::{normal_cdf, sigmoid};
use super::vmath::lanes as vmath;
use crate::kernels::Acc;

/// `$body` with `$k` bound to `op` rebuilt as a constant in each arm of a `match`, so every op
/// gets its own instance of the loop in `$body` and the loop's `match` on the op folds to one
/// arm (unread operands are then never loaded).
macro_rules! with_const_op {
    ($op:expr, $k:ident => $body:expr) => {
        match $op {
            Unary::Neg => {
                let $k = Unary::Neg;
                $body
            }
            Unary::Exp => {
                let $k = Unary::Exp;
                $body
            }
            Unary::Log => {
                let $k = Unary::Log;
                $body
            }
            Unary::Sqrt => {
                let $k = Unary::Sqrt;
                $body
            }
            Unary::Tanh => {
                let $k = Unary::Tanh;
                $body
            }
            Unary::Sigmoid => {
                let $k = Unary::Sigmoid;
                $body
            }
            Unary::Relu => {
                let $k = Unary::Relu;
                $body
            }
            Unary::GeluErf => {
                let $k = Unary::GeluErf;
                $body
            }
            Unary::GeluTanh => {
                let $k = Unary::GeluTanh;
                $body
            }
            Unary::Softplus { beta, threshold } => {
                let $k = Unary::Softplus { beta, threshold };
                $body
            }
            Unary::Abs => {
                let $k = Unary::Abs;
                $body
            }
            Unary::Sin => {
                let $k = Unary::Sin;
                $body
            }
            Unary::Cos => {
                let $k = Unary::Cos;
                $body
            }
            Unary::Clamp { lo, hi } => {
                let $k = Unary::Clamp { lo, hi };
                $body
            }
            Unary::Pow(p) => {
                let $k = Unary::Pow(p);
                $body
            }
            Unary::Silu => {
                let $k = Unary::Silu;
                $body
            }
            Unary::LeakyRelu { slope } => {
                let $k = Unary::LeakyRelu { slope };
                $body
            }
            Unary::Elu { alpha } => {
                let $k = Unary::Elu { alpha };
                $body
            }
        }
    };
}

/// A unary element-wise function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unary {
    /// −x
    Neg,
    /// eˣ
    Exp,
    /// ln x
    Log,
    /// √x
    Sqrt,
    /// tanh x
    Tanh,
    /// 1/(1+e⁻ˣ)
    Sigmoid,
    /// max(x, 0), NaN propagating
    Relu,
    /// x·Φ(x)
    GeluErf,
    /// ½x(1+tanh(√(2/π)(x + 0.044715x³)))
    GeluTanh,
    /// ln(1+e^{βx})/β, or x where βx > threshold
    Softplus {
        /// β
        beta: f32,
        /// linear above this βx
        threshold: f32,
    },
    /// |x|
    Abs,
    /// sin x
    Sin,
    /// cos x
    Cos,
    /// min(max(x, lo), hi), NaN propagating
    Clamp {
        /// lower bound (−inf for none)
        lo: f32,
        /// upper bound (+inf for none)
        hi: f32,
    },
    /// xᵖ
    Pow(f32),
    /// x·σ(x)
    Silu,
    /// x where x > 0, else slope·x (NaN propagating)
    LeakyRelu {
        /// the slope below 0 (PyTorch's `negative_slope`, default 0.01)
        slope: f32,
    },
    /// x where x > 0, else α(eˣ − 1)
    Elu {
        /// α (PyTorch's default 1.0)
        alpha: f32,
    },
}

pub(crate) const SQRT_2_OVER_PI: f32 = 0.797_884_6;
pub(crate) const GELU_C: f32 = 0.044_715;
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// `xᵖ` with PyTorch's special exponents (see the module doc).
#[inline(always)]
pub fn powf(x: f32, p: f32) -> f32 {
    match p {
        0.0 => 1.0,
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        0.5 => x.sqrt(),
        -0.5 => 1.0 / x.sqrt(),
        -1.0 => 1.0 / x,
        -2.0 => 1.0 / (x * x),
        _ => x.powf(p),
    }
}

#[inline(always)]
fn powf8<V: Lanes>(x: V, p: f32) -> V {
    let one = V::splat(1.0);
    match p {
        0.0 => one,
        1.0 => x,
        2.0 => x * x,
        3.0 => x * x * x,
        0.5 => x.sqrt(),
        -0.5 => one / x.sqrt(),
        -1.0 => one / x,
        -2.0 => one / (x * x),
        _ => {
            let a = x.to_array();
            V::from_fn(|l| a[l].powf(p))
        }
    }
}

#[inline(always)]
fn mask<V: Lanes>(m: V, v: V) -> V {
    m & v
}

impl Unary {
    /// The scalar twin of the forward: `f(x)`.
    #[inline(always)]
    pub fn eval(self, x: f32) -> f32 {
        match self {
            Unary::Neg => -x,
            Unary::Exp => x.exp(),
            Unary::Log => x.ln(),
            Unary::Sqrt => x.sqrt(),
            Unary::Tanh => x.tanh(),
            Unary::Sigmoid => sigmoid(x),
            Unary::Relu => {
                if x > 0.0 || x.is_nan() {
                    x
                } else {
                    0.0
                }
            }
            Unary::GeluErf => x * normal_cdf(x),
            Unary::GeluTanh => 0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + GELU_C * x * x * x)).tanh()),
            Unary::Softplus { beta, threshold } => {
                if beta * x > threshold {
                    x
                } else {
                    (beta * x).exp().ln_1p() / beta
                }
            }
            Unary::Abs => x.abs(),
            Unary::Sin => x.sin(),
            Unary::Cos => x.cos(),
            Unary::Clamp { lo, hi } => {
                if x.is_nan() {
                    x
                } else {
                    x.max(lo).min(hi)
                }
            }
            Unary::Pow(p) => powf(x, p),
            Unary::Silu => x * sigmoid(x),
            Unary::LeakyRelu { slope } => {
                if x > 0.0 {
                    x
                } else {
                    x * slope
                }
            }
            Unary::Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x.exp_m1()
                }
            }
        }
    }

    /// The forward in lanes.
    #[inline(always)]
    pub(crate) fn lanes<V: Lanes>(self, x: V) -> V {
        let s = V::splat;
        match self {
            Unary::Neg => -x,
            Unary::Exp => vmath::exp(x),
            Unary::Log => vmath::ln(x),
            Unary::Sqrt => x.sqrt(),
            Unary::Tanh => vmath::tanh(x),
            Unary::Sigmoid => vmath::sigmoid(x),
            Unary::Relu => mask(x.simd_gt(V::splat(0.0)) | x.is_nan(), x),
            Unary::GeluErf => x * vmath::normal_cdf(x),
            Unary::GeluTanh => {
                let u = s(SQRT_2_OVER_PI) * (x + s(GELU_C) * x * x * x);
                s(0.5) * x * (V::splat(1.0) + vmath::tanh(u))
            }
            Unary::Softplus { beta, threshold } => {
                let bx = s(beta) * x;
                let soft = vmath::log1p(vmath::exp(bx)) / s(beta);
                bx.simd_gt(s(threshold)).select(x, soft)
            }
            Unary::Abs => x.abs(),
            Unary::Sin => vmath::sin_cos(x).0,
            Unary::Cos => vmath::sin_cos(x).1,
            Unary::Clamp { lo, hi } => x.is_nan().select(x, x.max(s(lo)).min(s(hi))),
            Unary::Pow(p) => powf8(x, p),
            Unary::Silu => x * vmath::sigmoid(x),
            Unary::LeakyRelu { slope } => x.simd_gt(V::splat(0.0)).select(x, x * s(slope)),
            Unary::Elu { alpha } => x
                .simd_gt(V::splat(0.0))
                .select(x, s(alpha) * vmath::expm1(x)),
        }
    }
}

/// [`Unary::lanes`] as a [`Lane4`] (inlined into the loop).
#[derive(Clone, Copy)]
struct Fwd(Unary);

impl Lane4 for Fwd {
    #[inline(always)]
    fn call<V: Lanes>(self, x: V, _: V, _: V, _: V) -> V {
        self.0.lanes(x)
    }
}

mod grad;

/// `out = f(x)`, in lanes, split over threads above the op's grain.
pub fn forward(op: Unary, x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "unary forward: length mismatch");
    let grain = match op {
        Unary::Neg
        | Unary::Relu
        | Unary::Abs
        | Unary::Clamp { .. }
        | Unary::Sqrt
        | Unary::LeakyRelu { .. } => EW_GRAIN,
        Unary::Pow(p) if [0.0, 1.0, 2.0, 3.0, -1.0, -2.0].contains(&p) => EW_GRAIN,
        _ => MATH_GRAIN,
    };
    if let ([v], [o]) = (x, &mut *out) {
        // one element (scalar graphs): the lanes on a splat, not through a chunk closure
        *o = forward_one(op, *v);
        return;
    }
    // one instance of the loop per op, each with a constant op so `lanes` folds to one arm
    with_const_op!(op, k => par_zip4(grain, (x, NONE, NONE, NONE), out, Acc::Write, Fwd(k)))
}

/// `f(x)` of one element: the op's lanes on a splat (so the same bits as a lane of [`forward`]),
/// small enough to inline where `op` is a constant (0-d graphs call it per node).
#[inline(always)]
pub fn forward_one(op: Unary, x: f32) -> f32 {
    dispatch!(|V| op.lanes(V::splat(x)).to_array()[0])
}

pub use grad::{backward, backward_in_place, backward_splat};

#[cfg(test)]
mod tests;
