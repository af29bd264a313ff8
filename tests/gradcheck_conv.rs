//! `arenagrad::gradcheck` over the convolutions (`conv1d`, `conv2d`, `conv_transpose2d`) on
//! random small geometries from a seeded generator: groups, dilation, strides that do not
//! divide, padding, non-square kernels, output padding, batch 1 and 2, with and without bias.
//!
//! A convolution is linear in each input, so central differences have no truncation error and
//! the default tolerance holds with room to spare; every failure is collected for one report.

use std::panic::{catch_unwind, AssertUnwindSafe};

use arenagrad::gradcheck::{check, Tolerance};
use arenagrad::prelude::*;

#[path = "common/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// Random convolution hyper-parameters for one spatial axis: kernel, stride, padding,
/// dilation, and an input length the dilated kernel fits into once padded.
fn axis(r: &mut XorShift) -> (usize, usize, usize, usize, usize) {
    let (k, s, p, d) = (1 + r.below(3), 1 + r.below(3), r.below(3), 1 + r.below(2));
    let span = d * (k - 1) + 1;
    let len = span.saturating_sub(2 * p).max(1) + r.below(4);
    (k, s, p, d, len)
}

/// Checks `f` on `inputs`, recording a failure (error or panic) under `name`.
fn run<F>(failures: &mut Vec<String>, name: String, inputs: &[Tensor], f: F)
where
    F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
{
    match catch_unwind(AssertUnwindSafe(|| {
        check(inputs, &f, &Tolerance::default())
    })) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => failures.push(format!("{name}: {e}")),
        Err(_) => failures.push(format!("{name}: panicked")),
    }
}

/// Input, weight and (maybe) bias tensors of the given shapes, values in [-1, 1).
fn tensors(r: &mut XorShift, x: &[usize], w: &[usize], bias: Option<usize>) -> Vec<Tensor> {
    let mut t = vec![r.tensor(x, -1.0, 1.0), r.tensor(w, -1.0, 1.0)];
    t.extend(bias.map(|o| r.tensor(&[o], -1.0, 1.0)));
    t
}

fn finish(family: &str, failures: Vec<String>, checks: usize) {
    println!("{family}: {checks} checks, {} failed", failures.len());
    assert!(failures.is_empty(), "{family}:\n{}", failures.join("\n"));
}

const CHECKS: usize = 16;

#[test]
fn conv1d_random_geometries() {
    let (mut r, mut failures) = (XorShift::new(1), Vec::new());
    for _ in 0..CHECKS {
        let (k, s, p, d, len) = axis(&mut r);
        let (g, n) = (1 + r.below(3), 1 + r.below(2));
        let (c, o) = (g * (1 + r.below(2)), g * (1 + r.below(2)));
        let bias = (r.below(2) == 0).then_some(o);
        let opts = Conv1dOptions::default()
            .stride(s)
            .padding(p)
            .dilation(d)
            .groups(g);
        let inputs = tensors(&mut r, &[n, c, len], &[o, c / g, k], bias);
        let name = format!(
            "conv1d {opts:?} x [{n}, {c}, {len}] w [{o}, {}, {k}] bias {bias:?}",
            c / g
        );
        run(&mut failures, name, &inputs, |_, v| {
            v[0].try_conv1d(v[1], v.get(2).copied(), opts)
        });
    }
    finish("conv1d", failures, CHECKS);
}

#[test]
fn conv2d_random_geometries() {
    let (mut r, mut failures) = (XorShift::new(2), Vec::new());
    for _ in 0..CHECKS {
        let ((kh, sh, ph, dh, h), (kw, sw, pw, dw, w)) = (axis(&mut r), axis(&mut r));
        let (g, n) = (1 + r.below(3), 1 + r.below(2));
        let (c, o) = (g * (1 + r.below(2)), g * (1 + r.below(2)));
        let bias = (r.below(2) == 0).then_some(o);
        let opts = Conv2dOptions::default()
            .stride([sh, sw])
            .padding([ph, pw])
            .dilation([dh, dw])
            .groups(g);
        let inputs = tensors(&mut r, &[n, c, h, w], &[o, c / g, kh, kw], bias);
        let name = format!(
            "conv2d {opts:?} x [{n}, {c}, {h}, {w}] w [{o}, {}, {kh}, {kw}] bias {bias:?}",
            c / g
        );
        run(&mut failures, name, &inputs, |_, v| {
            v[0].try_conv2d(v[1], v.get(2).copied(), opts)
        });
    }
    finish("conv2d", failures, CHECKS);
}

#[test]
fn conv_transpose2d_random_geometries() {
    let (mut r, mut failures) = (XorShift::new(3), Vec::new());
    for _ in 0..CHECKS {
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
        let (c, og) = (g * (1 + r.below(2)), 1 + r.below(2));
        let bias = (r.below(2) == 0).then_some(og * g);
        let opts = ConvTranspose2dOptions::default()
            .stride([sh, sw])
            .padding([ph, pw])
            .output_padding([oph, opw])
            .dilation([dh, dw])
            .groups(g);
        let inputs = tensors(&mut r, &[n, c, h, w], &[c, og, kh, kw], bias);
        let name = format!("conv_transpose2d {opts:?} x [{n}, {c}, {h}, {w}] w [{c}, {og}, {kh}, {kw}] bias {bias:?}");
        run(&mut failures, name, &inputs, |_, v| {
            v[0].try_conv_transpose2d(v[1], v.get(2).copied(), opts)
        });
    }
    finish("conv_transpose2d", failures, CHECKS);
}

/// The ops compose: conv2d, tanh, then conv_transpose2d back to the input's shape, and
/// a conv1d on a reshaped result, all in one graph (gradients flow through every kind of node).
#[test]
fn a_small_encoder_decoder() {
    let mut r = XorShift::new(4);
    let inputs = [
        r.tensor(&[2, 2, 6, 6], -1.0, 1.0),
        r.tensor(&[4, 2, 3, 3], -0.5, 0.5),
        r.tensor(&[4, 2, 3, 3], -0.5, 0.5),
        r.tensor(&[2], -0.5, 0.5),
    ];
    let mut failures = Vec::new();
    run(&mut failures, "encoder-decoder".into(), &inputs, |_, v| {
        let down = Conv2dOptions::default().stride([2, 2]).padding([1, 1]);
        let up = ConvTranspose2dOptions::default()
            .stride([2, 2])
            .padding([1, 1])
            .output_padding([1, 1]);
        let z = v[0].try_conv2d(v[1], None, down)?.tanh();
        let y = z.try_conv_transpose2d(v[2], Some(v[3]), up)?;
        assert_eq!(y.shape(), v[0].shape());
        let seq = y.try_reshape(&[2, 2, 36])?;
        seq.try_conv1d(
            v[1].try_reshape(&[4, 2, 9])?.try_narrow(0, 0, 2)?,
            None,
            Conv1dOptions::default().padding(4),
        )
    });
    finish("composition", failures, 1);
}
