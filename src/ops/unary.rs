//! Unary element-wise ops: `y = f(x)`, `dx = f'(x) · dy`.
//!
//! | op | f(x) | f'(x), written from what is cheapest to read |
//! |---|---|---|
//! | neg | −x | −1 |
//! | exp | eˣ | y |
//! | log | ln x | 1/x |
//! | sqrt | √x | 1/(2y) |
//! | tanh | tanh x | 1 − y² |
//! | sigmoid | 1/(1+e⁻ˣ) | y(1 − y) |
//! | relu | max(x, 0) | [x > 0] |
//! | gelu (erf) | x·Φ(x) | Φ(x) + x·φ(x) |
//! | gelu (tanh) | ½x(1+tanh u), u = √(2/π)(x + 0.044715x³) | ½(1+t) + ½x(1−t²)·√(2/π)(1 + 3·0.044715x²) |
//! | softplus(β, τ) | ln(1+e^{βx})/β, or x where βx > τ | σ(βx), or 1 where βx > τ |
//! | abs | \|x\| | sign x (0 at 0) |
//! | sin, cos | sin x, cos x | cos x, −sin x |
//! | clamp(lo, hi) | min(max(x, lo), hi) | [lo < x < hi] (PyTorch 2.15: 0 at a bound) |
//! | powf(p) | xᵖ | p·xᵖ⁻¹ (0 when p = 0, as PyTorch) |
//! | silu | x·σ(x) | σ(x)(1 + x(1 − σ(x))) |
//! | leaky_relu(s) | x, or s·x where x ≤ 0 | 1, or s where x ≤ 0 (s at 0, as PyTorch) |
//! | elu(α) | x, or α(eˣ − 1) where x ≤ 0 (`expm1`, no cancellation near 0) | 1, or α·eˣ where x ≤ 0 |
//!
//! Nothing is saved beyond the input and output values, which live in the arena anyway; rules
//! read whichever of the two the derivative is cheapest in (dfdx's "uses fx" idea): exp, tanh,
//! sigmoid and sqrt read only the output.
//!
//! The data loops are [`kernels::unary`](crate::kernels::unary): f32x8 lanes (accuracy bounds
//! in [`kernels::vmath`](crate::kernels::vmath)) split over threads above a grain size. Powers
//! follow PyTorch's special exponents (`x ** 0.5` is `sqrt`, `x ** 2` is `x * x`, ...).

use super::grad_forms::{map_const, normal_cdf, normal_pdf};
use crate::error::Result;
use crate::graph::{fuses, Elem, GradSink, Node, Rule, Sink, Var};
use crate::kernels::unary::{
    backward, backward_in_place, backward_splat, forward, forward_one, Unary as Un,
};

fn name(op: Un) -> &'static str {
    match op {
        Un::Neg => "neg",
        Un::Exp => "exp",
        Un::Log => "log",
        Un::Sqrt => "sqrt",
        Un::Tanh => "tanh",
        Un::Sigmoid => "sigmoid",
        Un::Relu => "relu",
        Un::GeluErf | Un::GeluTanh => "gelu",
        Un::Softplus { .. } => "softplus",
        Un::Abs => "abs",
        Un::Sin => "sin",
        Un::Cos => "cos",
        Un::Clamp { .. } => "clamp",
        Un::Pow(_) => "pow",
        Un::Silu => "silu",
        Un::LeakyRelu { .. } => "leaky_relu",
        Un::Elu { .. } => "elu",
    }
}

#[derive(Clone, Copy)]
struct UnaryRule(Un);

impl<'g> Rule<'g> for UnaryRule {
    fn name(&self) -> &'static str {
        name(self.0)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let ((x, y), op) = (read(self.0, node), self.0);
        sink.with(0, |out, acc| backward(op, x, y, g, out, acc));
    }
    fn backward_mut(&self, node: &Node<'g>, g: &mut [f32], sink: &mut Sink<'_, 'g>) {
        if sink.take_over(0, g.len()) {
            // `g` is not read after this rule: `dx` overwrites it and becomes x's gradient
            let (x, y) = read(self.0, node);
            return backward_in_place(self.0, x, y, g);
        }
        self.backward(node, g, sink)
    }
    fn backward_splat(&self, node: &Node<'g>, g: f32, sink: &mut Sink<'_, 'g>) -> bool {
        let ((x, y), op) = (read(self.0, node), self.0);
        sink.with(0, |out, acc| backward_splat(op, x, y, g, out, acc));
        true
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let dx = graph_backward(self.0, sink.input(0), sink.output(), g);
        sink.put(0, dx)
    }
}

/// `(x, y)` for the backward of `op`, reading only the values it needs: the other is a stand-in
/// of the same length, so a pending fused value that the derivative ignores stays pending.
fn read<'g>(op: Un, node: &Node<'g>) -> (&'g [f32], &'g [f32]) {
    match op.grad_reads() {
        (true, true) => (node.inputs[0].data(), node.data()),
        (true, false) => {
            let x = node.inputs[0].data();
            (x, x)
        }
        _ => {
            let y = node.data();
            (y, y)
        }
    }
}

/// `f'(x)·g` in ops, differentiable again in `x`, `y` and `g`. Piecewise-linear ops (relu,
/// abs, clamp, leaky_relu) multiply by a constant read off `x`: their second derivative is
/// zero wherever it exists, as in PyTorch.
fn graph_backward<'g>(op: Un, x: Var<'g>, y: Var<'g>, g: Var<'g>) -> Var<'g> {
    use crate::kernels::unary::{GELU_C, SQRT_2_OVER_PI};
    let slope = |x: Var<'g>| map_const(x, |v| op.grad(v, 0.0, 1.0));
    match op {
        Un::Neg => -g,
        Un::Exp => g * y,
        Un::Log => g / x,
        Un::Sqrt => g / (y * 2.0),
        Un::Tanh => g * (1.0 - y * y),
        Un::Sigmoid => g * (y * (1.0 - y)),
        Un::Relu | Un::Abs | Un::Clamp { .. } | Un::LeakyRelu { .. } => g * slope(x),
        Un::GeluErf => g * (normal_cdf(x) + x * normal_pdf(x)),
        Un::GeluTanh => {
            let x2 = x * x;
            let t = ((x + x2 * x * GELU_C) * SQRT_2_OVER_PI).tanh();
            let du = (x2 * (3.0 * GELU_C) + 1.0) * SQRT_2_OVER_PI;
            g * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * du)
        }
        Un::Softplus { beta, threshold } => {
            // σ(βx) below the threshold, 1 above it
            let below = map_const(x, |v| f32::from(beta * v <= threshold));
            g * ((x * beta).sigmoid() * below + (1.0 - below))
        }
        Un::Sin => g * x.cos(),
        Un::Cos => -(g * x.sin()),
        Un::Pow(0.0) => g * 0.0,
        Un::Pow(p) => g * (x.powf(p - 1.0) * p),
        Un::Silu => {
            let s = x.sigmoid();
            g * (s * (x * (1.0 - s) + 1.0))
        }
        Un::Elu { alpha } => {
            // 1 above 0; α·eˣ = y + α at or below it
            let below = map_const(x, |v| f32::from(v <= 0.0));
            g * ((y + alpha) * below + (1.0 - below))
        }
    }
}

/// Inlined into each method, so `op` is a constant there and the 0-d path folds to the op's
/// own lanes.
#[inline(always)]
fn unary(x: Var<'_>, op: Un) -> Var<'_> {
    let scope = x.scope();
    let data = match x.node().values() {
        // 0-d graphs: the op's own lanes inline, not a call into the kernel dispatching on it
        Some(&[v]) => {
            let out = scope.alloc_out(1);
            out[0] = forward_one(op, v);
            return scope.op_shaped(&[x], x.shape(), out, UnaryRule(op));
        }
        Some(data) if !fuses(data.len()) => data,
        _ => return scope.fused(Elem::Unary(op), &[x], x.shape(), UnaryRule(op)),
    };
    let out = scope.alloc_out(data.len());
    forward(op, data, out);
    scope.op_shaped(&[x], x.shape(), out, UnaryRule(op))
}

impl<'g> Var<'g> {
    /// `−x`.
    #[allow(clippy::should_implement_trait)] // `Neg` is implemented too and calls this
    pub fn neg(self) -> Var<'g> {
        unary(self, Un::Neg)
    }
    /// `eˣ`; backward reads only the output.
    pub fn exp(self) -> Var<'g> {
        unary(self, Un::Exp)
    }
    /// Natural logarithm.
    pub fn log(self) -> Var<'g> {
        unary(self, Un::Log)
    }
    /// Square root; backward reads only the output.
    pub fn sqrt(self) -> Var<'g> {
        unary(self, Un::Sqrt)
    }
    /// Hyperbolic tangent; backward reads only the output.
    pub fn tanh(self) -> Var<'g> {
        unary(self, Un::Tanh)
    }
    /// Logistic sigmoid; backward reads only the output.
    pub fn sigmoid(self) -> Var<'g> {
        unary(self, Un::Sigmoid)
    }
    /// `max(x, 0)`; the gradient at 0 is 0, as in PyTorch.
    pub fn relu(self) -> Var<'g> {
        unary(self, Un::Relu)
    }
    /// GELU with the exact erf form (`F.gelu(x)`).
    pub fn gelu(self) -> Var<'g> {
        unary(self, Un::GeluErf)
    }
    /// GELU with the tanh approximation (`F.gelu(x, approximate="tanh")`).
    pub fn gelu_tanh(self) -> Var<'g> {
        unary(self, Un::GeluTanh)
    }
    /// `ln(1 + e^{βx})/β`, linear (`x`) where `βx > threshold` (`F.softplus(x, beta, threshold)`;
    /// PyTorch's defaults are β = 1, threshold = 20).
    pub fn softplus(self, beta: f32, threshold: f32) -> Var<'g> {
        unary(self, Un::Softplus { beta, threshold })
    }
    /// `|x|`; the gradient at 0 is 0.
    pub fn abs(self) -> Var<'g> {
        unary(self, Un::Abs)
    }
    /// Sine.
    pub fn sin(self) -> Var<'g> {
        unary(self, Un::Sin)
    }
    /// Cosine.
    pub fn cos(self) -> Var<'g> {
        unary(self, Un::Cos)
    }
    /// Clamps into `[min, max]` (either bound optional); gradient 1 strictly inside, 0
    /// outside and at a bound (PyTorch 2.15).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[-2.0, 0.5, 3.0]));
    ///     let y = x.clamp(Some(-1.0), Some(1.0));
    ///     assert_eq!(y.to_vec(), vec![-1.0, 0.5, 1.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, 0.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn clamp(self, min: Option<f32>, max: Option<f32>) -> Var<'g> {
        let lo = min.unwrap_or(f32::NEG_INFINITY);
        let hi = max.unwrap_or(f32::INFINITY);
        unary(self, Un::Clamp { lo, hi })
    }
    /// `xᵖ` for a scalar exponent (`x ** p`).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::scalar(4.0));
    ///     let f = x.powf(3.0);               // 64; df/dx = 3x^2 = 48
    ///     f.backward()?;
    ///     assert_eq!((f.item(), x.grad().unwrap().item()), (64.0, 48.0));
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn powf(self, p: f32) -> Var<'g> {
        unary(self, Un::Pow(p))
    }
    /// SiLU (swish), `x·σ(x)` (`F.silu`).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[0.0, 2.0]));
    ///     let y = x.silu();                  // 2·σ(2) = 1.7616
    ///     assert_eq!(y.to_vec()[0], 0.0);
    ///     assert!((y.to_vec()[1] - 1.761_594).abs() < 1e-6);
    ///     y.sum().backward()?;               // σ(0)(1 + 0) = 1/2 at 0
    ///     assert_eq!(x.grad().unwrap().to_vec()[0], 0.5);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn silu(self) -> Var<'g> {
        unary(self, Un::Silu)
    }
    /// `x` where `x > 0`, else `negative_slope·x` (`F.leaky_relu`; PyTorch's default slope is
    /// 0.01). The gradient at 0 is `negative_slope`, as in PyTorch.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[-2.0, 0.0, 3.0]));
    ///     let y = x.leaky_relu(0.5);
    ///     assert_eq!(y.to_vec(), vec![-1.0, 0.0, 3.0]);
    ///     y.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.5, 0.5, 1.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn leaky_relu(self, negative_slope: f32) -> Var<'g> {
        unary(
            self,
            Un::LeakyRelu {
                slope: negative_slope,
            },
        )
    }
    /// ELU: `x` where `x > 0`, else `α(eˣ − 1)` (`F.elu`; PyTorch's default α is 1). The
    /// gradient is `α·eˣ` where `x ≤ 0` (so `α` at 0, as PyTorch), 1 above.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[0.0, 1.5]));
    ///     let y = x.elu(2.0);
    ///     assert_eq!(y.to_vec(), vec![0.0, 1.5]);
    ///     y.sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 1.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn elu(self, alpha: f32) -> Var<'g> {
        unary(self, Un::Elu { alpha })
    }
}
