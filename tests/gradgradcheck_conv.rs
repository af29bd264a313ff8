//! `arenagrad::gradcheck::gradgradcheck` over the convolutions (`conv1d`, `conv2d`,
//! `conv_transpose2d`) on random small geometries from a seeded generator: groups, dilation,
//! strides that do not divide, padding, non-square kernels, output padding, batch 1 and 2,
//! with and without bias (the generator of `gradcheck_conv.rs`).
//!
//! A convolution is bilinear in (input, weight), so its gradients are linear in each of input,
//! weight and output gradient and their mixed second derivatives are what is checked; each
//! geometry is also checked through `tanh` (a curved function of the result) and, third
//! order, as `grad` of `Σ tanh(conv)` recorded and differentiated twice more, which runs the
//! forms of the gradient ops themselves.

use arenagrad::prelude::*;

#[path = "common/checker.rs"]
mod checker;
#[path = "common/xorshift.rs"]
mod xorshift;
use checker::Checker;
use xorshift::XorShift;

/// Random convolution hyper-parameters for one spatial axis: kernel, stride, padding,
/// dilation, and an input length the dilated kernel fits into once padded.
fn axis(r: &mut XorShift) -> (usize, usize, usize, usize, usize) {
    let (k, s, p, d) = (1 + r.below(3), 1 + r.below(3), r.below(3), 1 + r.below(2));
    let span = d * (k - 1) + 1;
    let len = span.saturating_sub(2 * p).max(1) + r.below(4);
    (k, s, p, d, len)
}

/// Input, weight and (maybe) bias tensors of the given shapes, values in [-1, 1).
fn tensors(r: &mut XorShift, x: &[usize], w: &[usize], bias: Option<usize>) -> Vec<Tensor> {
    let mut t = vec![r.tensor(x, -1.0, 1.0), r.tensor(w, -1.0, 1.0)];
    t.extend(bias.map(|o| r.tensor(&[o], -1.0, 1.0)));
    t
}

/// The gradients of `Σ tanh(op(v))` with respect to every input, recorded and joined.
fn grads_of<'g>(v: &[Var<'g>], y: Var<'g>) -> Result<Var<'g>> {
    let s = y.tanh().sum();
    let g = grad(&[s], v, &GradOptions::new().create_graph(true))?;
    let flat = g
        .iter()
        .zip(v)
        .map(|(d, x)| d.expect("every input is used").try_reshape(&[x.numel()]))
        .collect::<Result<Vec<_>>>()?;
    Var::try_concat(&flat, 0)
}

/// Checks `op` plain, through tanh, and third order (see the module docs).
fn run_all<F>(c: &mut Checker, name: &str, inputs: &[Tensor], third: bool, op: F)
where
    F: for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>,
{
    c.run(name, inputs, |_, v| op(v));
    c.run(&format!("tanh({name})"), inputs, |_, v| Ok(op(v)?.tanh()));
    if third {
        c.run(&format!("third order {name}"), inputs, |_, v| {
            grads_of(v, op(v)?)
        });
    }
}

const CHECKS: usize = 12;

#[test]
fn conv1d_random_geometries() {
    let (mut r, mut c) = (XorShift::new(31), Checker::new());
    c.second = true;
    for i in 0..CHECKS {
        let (k, s, p, d, len) = axis(&mut r);
        let (g, n) = (1 + r.below(3), 1 + r.below(2));
        let (ch, o) = (g * (1 + r.below(2)), g * (1 + r.below(2)));
        let bias = (r.below(2) == 0).then_some(o);
        let opts = Conv1dOptions::default()
            .stride(s)
            .padding(p)
            .dilation(d)
            .groups(g);
        let inputs = tensors(&mut r, &[n, ch, len], &[o, ch / g, k], bias);
        let name = format!(
            "conv1d {opts:?} x [{n}, {ch}, {len}] w [{o}, {}, {k}] bias {bias:?}",
            ch / g
        );
        run_all(&mut c, &name, &inputs, i % 3 == 0, |v| {
            v[0].try_conv1d(v[1], v.get(2).copied(), opts)
        });
    }
    c.finish("conv1d (second order)");
}

#[test]
fn conv2d_random_geometries() {
    let (mut r, mut c) = (XorShift::new(32), Checker::new());
    c.second = true;
    for i in 0..CHECKS {
        let ((kh, sh, ph, dh, h), (kw, sw, pw, dw, w)) = (axis(&mut r), axis(&mut r));
        let (g, n) = (1 + r.below(3), 1 + r.below(2));
        let (ch, o) = (g * (1 + r.below(2)), g * (1 + r.below(2)));
        let bias = (r.below(2) == 0).then_some(o);
        let opts = Conv2dOptions::default()
            .stride([sh, sw])
            .padding([ph, pw])
            .dilation([dh, dw])
            .groups(g);
        let inputs = tensors(&mut r, &[n, ch, h, w], &[o, ch / g, kh, kw], bias);
        let name = format!(
            "conv2d {opts:?} x [{n}, {ch}, {h}, {w}] w [{o}, {}, {kh}, {kw}] bias {bias:?}",
            ch / g
        );
        run_all(&mut c, &name, &inputs, i % 3 == 0, |v| {
            v[0].try_conv2d(v[1], v.get(2).copied(), opts)
        });
    }
    c.finish("conv2d (second order)");
}

#[test]
fn conv_transpose2d_random_geometries() {
    let (mut r, mut c) = (XorShift::new(33), Checker::new());
    c.second = true;
    for i in 0..CHECKS {
        let ((kh, sh, ph, dh, _), (kw, sw, pw, dw, _)) = (axis(&mut r), axis(&mut r));
        let (h, w) = (1 + r.below(4), 1 + r.below(4));
        // output_padding below the stride or the dilation (PyTorch's rule)
        let (oph, opw) = (r.below(sh.max(dh)), r.below(sw.max(dw)));
        // padding that leaves an output of at least 1
        let out = |len: usize, s, p, d, k: usize, op| {
            ((len - 1) * s + d * (k - 1) + op + 1) as isize - 2 * p as isize
        };
        let ph = if out(h, sh, ph, dh, kh, oph) >= 1 {
            ph
        } else {
            0
        };
        let pw = if out(w, sw, pw, dw, kw, opw) >= 1 {
            pw
        } else {
            0
        };
        let (g, n) = (1 + r.below(3), 1 + r.below(2));
        let (ch, og) = (g * (1 + r.below(2)), 1 + r.below(2));
        let bias = (r.below(2) == 0).then_some(og * g);
        let opts = ConvTranspose2dOptions::default()
            .stride([sh, sw])
            .padding([ph, pw])
            .output_padding([oph, opw])
            .dilation([dh, dw])
            .groups(g);
        let inputs = tensors(&mut r, &[n, ch, h, w], &[ch, og, kh, kw], bias);
        let name = format!(
            "conv_transpose2d {opts:?} x [{n}, {ch}, {h}, {w}] w [{ch}, {og}, {kh}, {kw}] \
             bias {bias:?}"
        );
        run_all(&mut c, &name, &inputs, i % 3 == 0, |v| {
            v[0].try_conv_transpose2d(v[1], v.get(2).copied(), opts)
        });
    }
    c.finish("conv_transpose2d (second order)");
}

/// Fixed odd geometries: strides larger than the kernel, dilation with padding, three
/// groups, non-square kernels, output padding, a 1-wide input.
#[test]
fn odd_fixed_geometries() {
    let (mut r, mut c) = (XorShift::new(34), Checker::new());
    c.second = true;
    let o2 = Conv2dOptions::default()
        .stride([3, 2])
        .padding([2, 1])
        .dilation([2, 3])
        .groups(3);
    let inputs = tensors(&mut r, &[2, 3, 7, 9], &[6, 1, 2, 3], Some(6));
    run_all(
        &mut c,
        "conv2d stride 3x2 dilation 2x3 groups 3",
        &inputs,
        true,
        |v| v[0].try_conv2d(v[1], v.get(2).copied(), o2),
    );
    let o1 = Conv1dOptions::default()
        .stride(4)
        .padding(1)
        .dilation(1)
        .groups(1);
    let inputs = tensors(&mut r, &[1, 2, 11], &[3, 2, 2], None);
    run_all(&mut c, "conv1d stride 4 > kernel 2", &inputs, true, |v| {
        v[0].try_conv1d(v[1], v.get(2).copied(), o1)
    });
    let inputs = tensors(&mut r, &[2, 1, 5, 1], &[2, 1, 3, 1], Some(2));
    let o = Conv2dOptions::default().padding([1, 0]);
    run_all(&mut c, "conv2d 1-wide", &inputs, true, |v| {
        v[0].try_conv2d(v[1], v.get(2).copied(), o)
    });
    let ot = ConvTranspose2dOptions::default()
        .stride([3, 2])
        .padding([1, 2])
        .output_padding([2, 1])
        .dilation([1, 2])
        .groups(3);
    // batch 1 and a small input: third-order values grow with the number of outputs summed
    // and the f32 finite differences' rounding noise with them
    let inputs = tensors(&mut r, &[1, 3, 2, 3], &[3, 2, 2, 3], Some(6));
    run_all(
        &mut c,
        "conv_transpose2d stride 3x2 groups 3",
        &inputs,
        true,
        |v| v[0].try_conv_transpose2d(v[1], v.get(2).copied(), ot),
    );
    c.finish("odd geometries (second and third order)");
}
