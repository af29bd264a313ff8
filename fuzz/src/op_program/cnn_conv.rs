//! The convolution instruction: `conv1d`, `conv2d` or `conv_transpose2d` of a value of the
//! program (reshaped to the op's rank) or a fresh leaf, with a fresh weight and optional bias,
//! and stride, padding, dilation, groups and output_padding drawn so that most calls are valid
//! and some are not (a zero stride, groups that do not divide the channels, a weight or bias of
//! the wrong size, a kernel larger than the padded input, too large an output_padding).
//!
//! Checked: arenagrad accepts exactly the calls PyTorch accepts ([`conv_ref::out_shape`]),
//! rejecting the others with `InvalidArgument`, and gives PyTorch's output shape; every output
//! value against the definition evaluated in `f64` on the same inputs; the gradients through
//! the tape like every other op's.

use arenagrad::prelude::*;

use super::conv_ref::{self, ConvArgs};
use super::forward::{self, compare};
use super::{Origin, Ref, Val, MAX_NUMEL};
use crate::reader::Reader;

const KERNEL: [usize; 16] = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 3, 2, 0];
const STRIDE: [usize; 16] = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 1, 1, 2, 0];
const DILATION: [usize; 16] = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 1, 0];

/// An entry of `table`.
pub fn pick(r: &mut Reader, table: &[usize]) -> usize {
    table[r.u8() as usize % table.len()]
}

/// `[h, w]` from `table`, or `[h, w]` with the given `h` (a 1-d op's height axis).
fn pair(r: &mut Reader, table: &[usize], h: Option<usize>) -> [usize; 2] {
    [h.unwrap_or_else(|| pick(r, table)), pick(r, table)]
}

/// The op's input of rank `rank`: the program's value `x` reshaped (leading dims merged, or
/// 1s inserted), or a fresh leaf `[N, C, ...]` with a batch of 0 to 2 (mostly 1 or 2), 1 to 4
/// channels and spatial sizes of 1 to 4.
pub fn input<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    x: Val<'g>,
    rank: usize,
) -> Val<'g> {
    if r.u8() & 1 == 0 {
        let mut s = x.v.shape().to_vec();
        while s.len() > rank {
            let d = s.remove(0);
            s[0] *= d;
        }
        while s.len() < rank {
            let at = r.u8() as usize % (s.len() + 1);
            s.insert(at, 1);
        }
        let v = x.v.try_reshape(&s).expect("the same number of elements");
        let rx = m.rts[x.r].clone();
        let rt = m.tape.select(&[&rx], rx.reshape(&s));
        return m.val(v, rt, Origin::Other);
    }
    let mut s = vec![
        [1, 2, 1, 2, 1, 2, 1, 0][r.u8() as usize % 8],
        1 + r.u8() as usize % 4,
    ];
    s.extend((2..rank).map(|_| 1 + r.u8() as usize % 4));
    m.leaf(g.leaf(r.tensor(&s)))
}

/// Groups: mostly a divisor of the `c` channels, sometimes any of 0 to 3.
fn groups(r: &mut Reader, c: usize) -> usize {
    let b = r.u8() as usize;
    if b >= 224 {
        return b % 4;
    }
    let divisors: Vec<usize> = (1..=c.max(1)).filter(|d| c.is_multiple_of(*d)).collect();
    divisors[b % divisors.len()]
}

/// `[N, C, L]` (or a weight `[O, C, K]`) as `[N, C, 1, L]`; a 4-d shape as it is.
fn as4(s: &[usize]) -> [usize; 4] {
    match *s {
        [n, c, l] => [n, c, 1, l],
        [n, c, h, w] => [n, c, h, w],
        _ => unreachable!("built with rank 3 or 4"),
    }
}

/// The convolution instruction on the program's value `x`.
pub fn conv<'g>(g: &'g Scope<'g>, r: &mut Reader, m: &mut Ref<'g>, x: Val<'g>) -> Option<Val<'g>> {
    let kind = (r.u8() % 3) as usize;
    let (name, one_d, transposed) = (forward::KINDS[kind], kind == 0, kind == 2);
    let x = input(g, r, m, x, if one_d { 3 } else { 4 });
    let xs = as4(x.v.shape());
    let groups = groups(r, xs[1]);
    // a 1-d op's height axis: kernel, stride and dilation 1, no padding
    let h = |v: usize| one_d.then_some(v);
    let a = ConvArgs {
        stride: pair(r, &STRIDE, h(1)),
        padding: pair(r, &[0, 0, 1, 1, 2], h(0)),
        dilation: pair(r, &DILATION, h(1)),
        output_padding: pair(r, &[0, 0, 0, 0, 0, 1, 1, 2], h(0)),
        groups,
        transposed,
    };
    let kernel = pair(r, &KERNEL, h(1));
    // weight [O, C/G, k..] (transposed: [C, O/G, k..]); now and then one channel off
    let (per_group, off) = (1 + r.u8() as usize % 2, usize::from(r.u8() >= 240));
    let mut w_shape = if transposed {
        vec![xs[1] + off, per_group]
    } else {
        vec![groups.max(1) * per_group + off, xs[1] / groups.max(1)]
    };
    w_shape.extend(if one_d { &kernel[1..] } else { &kernel[..] });
    let w = m.leaf(g.leaf(r.tensor(&w_shape)));
    let o = if transposed {
        per_group * groups
    } else {
        w_shape[0]
    };
    let bias = r.u8();
    let b = (bias & 1 == 1).then(|| m.leaf(g.leaf(r.tensor(&[o + usize::from(bias >= 240)]))));
    let want = conv_ref::out_shape(xs, as4(&w_shape), b.map(|b| b.v.shape()), &a);
    if want.is_some_and(|s| s.iter().product::<usize>() > 4 * MAX_NUMEL) {
        return None;
    }
    let bv = b.map(|b| b.v);
    if crate::reader::tracing() {
        let data = |v: Option<Var<'g>>| v.map(|v| (v.shape().to_vec(), v.data().to_vec()));
        let (x, w) = (data(Some(x.v)), data(Some(w.v)));
        eprintln!("{name} {a:?}: x {x:?}, weight {w:?}, bias {:?}", data(bv));
    }
    let res = match kind {
        0 => x.v.try_conv1d(
            w.v,
            bv,
            Conv1dOptions {
                stride: a.stride[1],
                padding: a.padding[1],
                dilation: a.dilation[1],
                groups,
            },
        ),
        1 => x.v.try_conv2d(
            w.v,
            bv,
            Conv2dOptions {
                stride: a.stride,
                padding: a.padding,
                dilation: a.dilation,
                groups,
            },
        ),
        _ => x.v.try_conv_transpose2d(
            w.v,
            bv,
            ConvTranspose2dOptions {
                stride: a.stride,
                padding: a.padding,
                output_padding: a.output_padding,
                dilation: a.dilation,
                groups,
            },
        ),
    };
    let (v, out) = match (res, want) {
        (Ok(v), Some(out)) if as4(v.shape()) == out => (v, out),
        (Err(Error::InvalidArgument { op, .. }), None) if op == name => {
            forward::rejected();
            return None;
        }
        (res, want) => panic!(
            "{name} of {xs:?}, weight {w_shape:?}, bias {:?}, {a:?}: arenagrad {:?}, \
             reference {want:?}",
            b.map(|b| b.v.shape()),
            res.map(|v| v.shape().to_vec())
        ),
    };
    forward::ran(kind);
    let taps = conv_ref::taps(xs, as4(&w_shape), &a, out);
    let (xd, wd, bd) = (x.v.data(), w.v.data(), b.map(|b| b.v.data()));
    compare(
        name,
        v.data(),
        &conv_ref::values(&taps, xd, wd, bd, (out[2] * out[3], out[1])),
    );
    let (rx, rw) = (m.rts[x.r].clone(), m.rts[w.r].clone());
    let rb = b.map(|b| m.rts[b.r].clone());
    let rt = m.tape.conv(&rx, &rw, rb.as_ref(), &taps, v.shape());
    Some(m.val(v, rt, Origin::Other))
}
