//! The reference's tensors and element-wise ops, written from PyTorch's definitions on the
//! scalar [`Tape`]: a tensor is a shape and one node per element (row-major), so shape ops
//! only rearrange node ids and gradients of repeated reads add up by themselves.

use std::collections::HashSet;

use super::tape::{Id, Tape, FLOOR, NEAR, RTOL};

/// A tensor of the reference.
#[derive(Clone, Debug)]
pub struct RT {
    pub shape: Vec<usize>,
    pub ids: Vec<Id>,
    /// A node with derivative-0 edges to input elements no element of this tensor reads (and
    /// to its inputs' own hidden nodes): arenagrad's backward still gives those elements a
    /// (zero) gradient, which flows on upstream, and `0 · ∞` is NaN there. Seeded with 0 at
    /// every backward, it carries no gradient, only the taint of rough nodes upstream.
    pub hidden: Option<Id>,
}

/// Row-major strides.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The coordinates of flat index `i` in `shape`.
pub fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut c = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        c[k] = i % d;
        i /= d;
    }
    c
}

/// For each element of `out` (a broadcast of `shape`), the flat index it reads in `shape`.
pub fn broadcast_index(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let own = strides(shape);
    let lead = out.len() - shape.len();
    let n: usize = out.iter().product();
    (0..n)
        .map(|i| {
            let c = unravel(i, out);
            (0..shape.len())
                .map(|k| {
                    if shape[k] == 1 {
                        0
                    } else {
                        c[lead + k] * own[k]
                    }
                })
                .sum()
        })
        .collect()
}

/// `x` within [`NEAR`] of `k` (relative to `k` beyond 1).
fn near(x: f64, k: f64) -> bool {
    (x - k).abs() < NEAR * k.abs().max(1.0)
}

/// The error function: Taylor series below 4, ±1 beyond (erfc 4 < 2e-8).
fn erf(x: f64) -> f64 {
    if x.abs() >= 4.0 {
        return x.signum();
    }
    let (mut term, mut sum) = (x, x);
    for n in 1..200 {
        let n = n as f64;
        term *= -x * x / n;
        sum += term / (2.0 * n + 1.0);
        if term.abs() < 1e-17 {
            break;
        }
    }
    sum * std::f64::consts::FRAC_2_SQRT_PI
}

#[derive(Clone, Copy, Debug)]
pub enum Un {
    Neg,
    Exp,
    Log,
    Sqrt,
    Tanh,
    Sigmoid,
    Relu,
    Gelu,
    GeluTanh,
    Softplus(f32, f32),
    Abs,
    Sin,
    Cos,
    Clamp(f32, f32),
    Pow(f32),
    Silu,
    LeakyRelu(f32),
    Elu(f32),
}

/// How far an `f32` argument may sit from the reference's `f64` one, relative to its size,
/// after the roundings of a program (32 ops of ~6e-8 each).
const ARG_REL: f64 = 2e-6;

/// Whether `sin`/`cos` at `x`, with derivative `d`, is too badly conditioned to compare: the
/// argument's own rounding moves the derivative by about `|x|·ARG_REL` (their second
/// derivative is at most 1), which must stay well inside the gradient tolerance
/// (`RTOL·(|d| + FLOOR)` per unit of adjoint). At a large argument near a zero of the derivative
/// it does not: `cos` at `x = −135.07559` (43π − 0.0129, `sin x ≈ −0.0129`) moved the gradient by
/// 1.1e-3 of itself (fuzz `op_program`, `tests/fuzz_regressions.rs`), as it would in PyTorch.
fn trig_ill_conditioned(x: f64, d: f64) -> bool {
    x.abs() * ARG_REL > 0.5 * RTOL * (d.abs() + FLOOR)
}

/// `(f(x), f'(x), rough)` in PyTorch's definitions.
pub(super) fn unary_at(u: Un, x: f64) -> (f64, f64, bool) {
    let sig = |z: f64| 1.0 / (1.0 + (-z).exp());
    match u {
        Un::Neg => (-x, -1.0, false),
        Un::Exp => (x.exp(), x.exp(), false),
        Un::Log => (x.ln(), 1.0 / x, x < 0.05),
        Un::Sqrt => (x.sqrt(), 0.5 / x.sqrt(), x < 0.05),
        Un::Tanh => (x.tanh(), 1.0 - x.tanh().powi(2), false),
        Un::Sigmoid => (sig(x), sig(x) * (1.0 - sig(x)), false),
        Un::Relu => (
            if x > 0.0 || x.is_nan() { x } else { 0.0 },
            (x > 0.0) as u8 as f64,
            near(x, 0.0),
        ),
        Un::Gelu => {
            let cdf = 0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2));
            let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
            (x * cdf, cdf + x * pdf, false)
        }
        Un::GeluTanh => {
            let (k, c) = ((2.0 / std::f64::consts::PI).sqrt(), 0.044715);
            let t = (k * (x + c * x * x * x)).tanh();
            let d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3.0 * c * x * x);
            (0.5 * x * (1.0 + t), d, false)
        }
        Un::Softplus(beta, threshold) => {
            let (b, t) = (beta as f64, threshold as f64);
            let kink = near(b * x, t) || b.abs() < 0.05;
            if b * x > t {
                (x, 1.0, kink)
            } else {
                ((b * x).exp().ln_1p() / b, sig(b * x), kink)
            }
        }
        Un::Abs => (x.abs(), if x > 0.0 { 1.0 } else { -1.0 }, near(x, 0.0)),
        Un::Sin => (x.sin(), x.cos(), trig_ill_conditioned(x, x.cos())),
        Un::Cos => (x.cos(), -x.sin(), trig_ill_conditioned(x, x.sin())),
        Un::Clamp(lo, hi) => {
            let (lo, hi) = (lo as f64, hi as f64);
            let y = if x.is_nan() || lo.is_nan() || hi.is_nan() {
                f64::NAN
            } else {
                x.max(lo).min(hi)
            };
            (
                y,
                (lo < x && x < hi) as u8 as f64,
                near(x, lo) || near(x, hi),
            )
        }
        Un::Pow(p) => {
            let p = p as f64;
            let d = if p == 0.0 { 0.0 } else { p * x.powf(p - 1.0) };
            (x.powf(p), d, (p.fract() != 0.0 || p < 0.0) && x < 0.05)
        }
        Un::Silu => (x * sig(x), sig(x) * (1.0 + x * (1.0 - sig(x))), false),
        Un::LeakyRelu(s) => {
            let s = s as f64;
            let (y, d) = if x > 0.0 { (x, 1.0) } else { (s * x, s) };
            (y, d, near(x, 0.0))
        }
        Un::Elu(a) => {
            let a = a as f64;
            let (y, d) = if x > 0.0 {
                (x, 1.0)
            } else {
                (a * x.exp_m1(), a * x.exp())
            };
            (y, d, near(x, 0.0))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
}

/// `(f(a, b), ∂f/∂a, ∂f/∂b, rough)`.
fn binary_at(op: Bin, a: f64, b: f64) -> (f64, f64, f64, bool) {
    let pick = |first: bool| {
        let y = if a.is_nan() || b.is_nan() {
            f64::NAN
        } else if first {
            a
        } else {
            b
        };
        let (da, db) = if a == b {
            (0.5, 0.5)
        } else if first {
            (1.0, 0.0)
        } else {
            (0.0, 1.0)
        };
        (y, da, db, near(a, b))
    };
    match op {
        Bin::Add => (a + b, 1.0, 1.0, false),
        Bin::Sub => (a - b, 1.0, -1.0, false),
        Bin::Mul => (a * b, b, a, false),
        Bin::Div => (a / b, 1.0 / b, -a / (b * b), b.abs() < 0.05),
        Bin::Max => pick(a >= b),
        Bin::Min => pick(a <= b),
    }
}

impl Tape {
    pub fn tensor(&mut self, shape: &[usize], values: &[f32]) -> RT {
        let ids = values.iter().map(|&v| self.constant(v as f64)).collect();
        RT {
            shape: shape.to_vec(),
            ids,
            hidden: None,
        }
    }

    /// The same values as new constants: `detach` (and the result of a `no_grad` op).
    pub fn detach(&mut self, x: &RT) -> RT {
        let ids = x.ids.iter().map(|&i| self.detached(i)).collect();
        RT {
            shape: x.shape.clone(),
            ids,
            hidden: None,
        }
    }

    pub fn unary(&mut self, u: Un, x: &RT) -> RT {
        let ids = x
            .ids
            .iter()
            .map(|&i| {
                let (y, d, rough) = unary_at(u, self.value(i));
                self.node(y, &[(i, d)], rough)
            })
            .collect();
        RT {
            shape: x.shape.clone(),
            ids,
            hidden: None,
        }
    }

    /// `a (op) b` broadcast to `out` (the shape arenagrad computed; checked by the caller).
    pub fn binary(&mut self, op: Bin, a: &RT, b: &RT, out: &[usize]) -> RT {
        let (ia, ib) = (
            broadcast_index(&a.shape, out),
            broadcast_index(&b.shape, out),
        );
        let ids = ia
            .iter()
            .zip(&ib)
            .map(|(&i, &j)| {
                let (x, y) = (a.ids[i], b.ids[j]);
                let (v, da, db, rough) = binary_at(op, self.value(x), self.value(y));
                self.node(v, &[(x, da), (y, db)], rough)
            })
            .collect();
        RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        }
    }

    /// A node with derivative-0 edges to `parents`, if any (see [`RT::hidden`]).
    fn hidden(&mut self, parents: Vec<Id>) -> Option<Id> {
        let edges: Vec<(Id, f64)> = parents.iter().map(|&p| (p, 0.0)).collect();
        (!edges.is_empty()).then(|| self.node(0.0, &edges, false))
    }

    /// `out` of an arithmetic op of `inputs`: every input element is read, unless `out` is
    /// empty.
    pub fn arith(&mut self, inputs: &[&RT], mut out: RT) -> RT {
        let mut parents: Vec<Id> = inputs.iter().filter_map(|x| x.hidden).collect();
        if out.ids.is_empty() {
            parents.extend(inputs.iter().flat_map(|x| x.ids.iter().copied()));
        }
        out.hidden = self.hidden(parents);
        out
    }

    /// `out` of a shape op of `inputs` (its elements are some of theirs).
    pub fn select(&mut self, inputs: &[&RT], mut out: RT) -> RT {
        let used: HashSet<Id> = out.ids.iter().copied().collect();
        let mut parents: Vec<Id> = inputs.iter().filter_map(|x| x.hidden).collect();
        let all = inputs.iter().flat_map(|x| x.ids.iter().copied());
        parents.extend(all.filter(|i| !used.contains(i)));
        out.hidden = self.hidden(parents);
        out
    }

    /// `out` of an op of `inputs` that reads the input elements `read` (a window, a
    /// convolution's taps): the others are hidden parents, and so is `extra` (a node that
    /// backward reaches though no output reads it).
    pub fn partial(
        &mut self,
        inputs: &[&RT],
        read: &HashSet<Id>,
        extra: Option<Id>,
        mut out: RT,
    ) -> RT {
        let mut parents: Vec<Id> = inputs
            .iter()
            .filter_map(|x| x.hidden)
            .chain(extra)
            .collect();
        let all = inputs.iter().flat_map(|x| x.ids.iter().copied());
        parents.extend(all.filter(|i| !read.contains(i)));
        out.hidden = self.hidden(parents);
        out
    }

    /// A scalar constant as a 0-d tensor.
    pub fn scalar(&mut self, v: f32) -> RT {
        self.tensor(&[], &[v])
    }
}
