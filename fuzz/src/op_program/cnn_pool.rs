//! The pooling and batch-norm instruction: `max_pool2d` (kernel, stride, padding, dilation,
//! ceil_mode), `avg_pool2d` (count_include_pad, ceil_mode), `adaptive_avg_pool2d`, or
//! `batch_norm` in training mode (with or without running statistics, updated in place) or
//! evaluation mode, with optional weight and bias, on a value of the program (reshaped) or a
//! fresh leaf; arguments drawn so that some calls are invalid.
//!
//! Checked: arenagrad accepts exactly the calls PyTorch accepts (rejecting the others with
//! `InvalidArgument`, or `ShapeMismatch` for a batch-norm weight, bias or statistic of the
//! wrong length) with PyTorch's output shape; the outputs against the definitions in `f64`
//! on the same inputs (maxima exactly); the running statistics after a training forward, and
//! untouched after a rejected one; the gradients through the tape like every other op's.

use arenagrad::prelude::*;

use super::cnn_conv::{input, pick};
use super::forward::{self, compare, compare_exact};
use super::norm_ref::{self, Stats};
use super::ops::{record, Trace};
use super::pool_ref::{self, PoolArgs};
use super::{Origin, Ref, Val};
use crate::reader::Reader;

const KERNEL: [usize; 8] = [1, 2, 3, 2, 3, 2, 3, 0];
const STRIDE: [usize; 8] = [1, 1, 2, 2, 2, 3, 1, 0];

/// `[h, w]` from `table`.
fn pair(r: &mut Reader, table: &[usize]) -> [usize; 2] {
    [pick(r, table), pick(r, table)]
}

/// The instruction on the program's value `x`; a training batch norm records the running
/// statistics it leaves in `trace`.
pub fn pool_or_norm<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    x: Val<'g>,
    trace: &mut Trace,
) -> Option<Val<'g>> {
    let which = r.u8() % 4;
    if which == 3 {
        return batch_norm(g, r, m, x, trace);
    }
    let x = input(g, r, m, x, 4);
    let xs: [usize; 4] = x.v.shape().try_into().expect("rank 4");
    let rx = m.rts[x.r].clone();
    let (kind, res, want, wins, divs) = if which == 2 {
        let size = pair(r, &[1, 2, 3, 1, 2, 3, 4, 0]);
        let ok = xs[1..].iter().all(|&d| d > 0) && !size.contains(&0);
        let want = ok.then_some([xs[0], xs[1], size[0], size[1]]);
        let wins = want
            .map(|_| pool_ref::adaptive_windows(xs, size))
            .unwrap_or_default();
        let divs = wins.iter().map(|w| w.len() as f64).collect();
        (5, x.v.try_adaptive_avg_pool2d(size), want, wins, divs)
    } else {
        let kernel = pair(r, &KERNEL);
        let stride = (r.u8() & 1 == 1).then(|| pair(r, &STRIDE));
        let (flags, max) = (r.u8(), which == 0);
        let a = PoolArgs {
            kernel,
            stride: stride.unwrap_or(kernel),
            padding: pair(r, &[0, 0, 0, 1, 1, 2]),
            dilation: if max {
                pair(r, &[1, 1, 1, 2, 2, 3, 1, 0])
            } else {
                [1, 1]
            },
            ceil_mode: flags & 1 == 1,
        };
        let count_pad = flags & 2 == 2;
        let want = pool_ref::pool_shape(&xs, &a);
        let (wins, divs) = want
            .map(|o| pool_ref::windows(xs, &a, o, count_pad))
            .unwrap_or_default();
        let res = if max {
            let o = MaxPool2dOptions {
                kernel_size: kernel,
                stride,
                padding: a.padding,
                dilation: a.dilation,
                ceil_mode: a.ceil_mode,
            };
            x.v.try_max_pool2d(o)
        } else {
            let o = AvgPool2dOptions {
                kernel_size: kernel,
                stride,
                padding: a.padding,
                ceil_mode: a.ceil_mode,
                count_include_pad: count_pad,
            };
            x.v.try_avg_pool2d(o)
        };
        (if max { 3 } else { 4 }, res, want, wins, divs)
    };
    let name = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"][kind - 3];
    if crate::reader::tracing() {
        eprintln!("{name} of {xs:?}: x {:?}, windows {wins:?}", x.v.data());
    }
    let v = match (res, want) {
        (Ok(v), Some(out)) if v.shape() == out => v,
        (Err(Error::InvalidArgument { op, .. }), None) if op == name => {
            forward::rejected();
            return None;
        }
        (res, want) => panic!(
            "{name} of {xs:?}: arenagrad {:?}, reference {want:?}",
            res.map(|v| v.shape().to_vec())
        ),
    };
    forward::ran(kind);
    if kind == 3 {
        compare_exact(name, v.data(), &pool_ref::max_values(&wins, x.v.data()));
    } else {
        compare(
            name,
            v.data(),
            &pool_ref::avg_values(&wins, &divs, x.v.data()),
        );
    }
    let rt = m.tape.pool(&rx, &wins, &divs, kind == 3, v.shape());
    Some(m.val(v, rt, Origin::Other))
}

/// Batch norm of `x` reshaped to rank 2 to 4 (or a fresh leaf), training or evaluation.
fn batch_norm<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    x: Val<'g>,
    trace: &mut Trace,
) -> Option<Val<'g>> {
    let rank = 2 + r.u8() as usize % 3;
    let x = input(g, r, m, x, rank);
    let (shape, c) = (x.v.shape(), x.v.shape()[1]);
    let (flags, mut leaf) = (r.u8(), |r: &mut Reader, len: usize| {
        m.leaf(g.leaf(r.tensor(&[len])))
    });
    let len = |r: &mut Reader| c + usize::from(r.u8() >= 240); // now and then one off
    let w = (flags & 1 == 1).then(|| len(r)).map(|l| leaf(r, l));
    let b = (flags & 2 == 2).then(|| len(r)).map(|l| leaf(r, l));
    let (train, keep) = (flags & 4 == 0, flags & 8 == 8);
    let eps = [1e-5, 0.0, 1.0, 1e-3][r.u8() as usize % 4];
    let momentum = [0.1, 0.5, 1.0, 0.0][r.u8() as usize % 4];
    let n = len(r);
    let mean0: Vec<f32> = (0..n).map(|_| r.f32()).collect();
    let var0: Vec<f32> = (0..n).map(|_| r.f32().abs()).collect();
    let (mut mean, mut var) = (mean0.clone(), var0.clone());
    let (wv, bv) = (w.map(|w| w.v), b.map(|b| b.v));
    let (stats, mode) = if train {
        let running = keep.then_some((&mut mean[..], &mut var[..]));
        (
            keep.then_some(n),
            BatchNormMode::Train {
                running,
                momentum,
                eps,
            },
        )
    } else {
        (
            Some(n),
            BatchNormMode::Eval {
                mean: &mean0,
                var: &var0,
                eps,
            },
        )
    };
    let accepted = norm_ref::accepted(
        shape,
        wv.map(|w| w.shape()),
        bv.map(|b| b.shape()),
        stats,
        train,
    );
    if crate::reader::tracing() {
        let data = |v: Option<Var<'g>>| v.map(|v| (v.shape().to_vec(), v.data().to_vec()));
        let (x, w, b) = (data(Some(x.v)), data(wv), data(bv));
        eprintln!("batch_norm (train {train}, running {keep}, momentum {momentum}, eps {eps}): x {x:?}, weight {w:?}, bias {b:?}, mean {mean0:?}, var {var0:?}");
    }
    let res = x.v.try_batch_norm(wv, bv, mode);
    let rejected = |e: &Error| {
        matches!(e, Error::InvalidArgument { op, .. } | Error::ShapeMismatch { op, .. }
            if *op == "batch_norm")
    };
    let v = match (res, accepted) {
        (Ok(v), true) if v.shape() == shape => v,
        (Err(e), false) if rejected(&e) => {
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let same = bits(&mean) == bits(&mean0) && bits(&var) == bits(&var0);
            assert!(same, "a rejected batch_norm changed the running statistics");
            forward::rejected();
            return None;
        }
        (res, _) => panic!(
            "batch_norm of {shape:?} (train {train}, w {:?}, b {:?}, stats {stats:?}): \
             arenagrad {:?}, reference accepts: {accepted}",
            wv.map(|w| w.shape()),
            bv.map(|b| b.shape()),
            res.map(|v| v.shape().to_vec())
        ),
    };
    forward::ran(if train { 6 } else { 7 });
    let given = Stats::Given {
        mean: &mean0,
        var: &var0,
    };
    let st = if train { Stats::Batch } else { given };
    let (wd, bd) = (wv.map(|w| w.data()), bv.map(|b| b.data()));
    compare(
        "batch_norm",
        v.data(),
        &norm_ref::values(x.v.data(), shape, wd, bd, &st, eps),
    );
    if train && keep {
        let [rm, rv] = norm_ref::running(x.v.data(), shape, (&mean0, &var0), momentum);
        compare("batch_norm running_mean", &mean, &rm);
        compare("batch_norm running_var", &var, &rv);
        record(trace, &mean);
        record(trace, &var);
    }
    let rx = m.rts[x.r].clone();
    let (rw, rb) = (w.map(|w| m.rts[w.r].clone()), b.map(|b| m.rts[b.r].clone()));
    let rt = m.tape.batch_norm(&rx, rw.as_ref(), rb.as_ref(), &st, eps);
    Some(m.val(v, rt, Origin::Other))
}
