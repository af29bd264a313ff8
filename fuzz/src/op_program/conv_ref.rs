//! The reference's convolutions, from PyTorch's definitions (`F.conv1d`, `F.conv2d`,
//! `F.conv_transpose2d`), written from the formulas rather than from arenagrad's geometry, so
//! a wrong window, group or padding rule there shows up here:
//!
//! - [`out_shape`]: which arguments PyTorch accepts, and the output shape it gives;
//! - [`taps`]: each output element's list of (input element, weight element) products;
//! - [`values`]: the `f64` value and magnitude of each output from given inputs (arenagrad's,
//!   for the forward check), and [`Tape::conv`]: one node per output over the same taps.
//!
//! A convolution's output also takes, for each kernel tap that falls in the padding, the
//! product `0·w` ([`PAD`] taps): PyTorch's im2col + GEMM computes those (so a NaN or infinite
//! weight there makes the output NaN), and so does arenagrad's. A transposed convolution's
//! products that land outside the output are dropped from its value, but its backward (a
//! convolution over the output gradient, padded with zeros) still takes `0·w` and `0·x` for
//! them: [`Taps::dropped`], which the tape reaches through a hidden node, so a weight or
//! input that is not finite there makes those gradients NaN in the reference too.
//!
//! A 1-d convolution is a 2-d one of height 1 (kernel height 1, stride and dilation 1, no
//! padding along it). Conv: output `(n, o, oh, ow)` reads input `(n, g·C/G + c, oh·s − p + i·d,
//! ow·s − p + j·d)` times weight `(o, c, i, j)` for `o` in group `g`. Transposed: input
//! `(n, c, h, w)` times weight `(c, o, i, j)` adds into output `(n, g·O/G + o, h·s − p + i·d,
//! w·s − p + j·d)` for `c` in group `g`, outputs outside the result dropped.

use std::collections::HashSet;

use super::mirror::RT;
use super::tape::{Id, Tape};

/// Hyper-parameters as `[h, w]`; `output_padding` is used only when `transposed`.
#[derive(Clone, Copy, Debug)]
pub struct ConvArgs {
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub output_padding: [usize; 2],
    pub groups: usize,
    pub transposed: bool,
}

/// The products `(input index, weight index)` of a convolution.
#[derive(Default)]
pub struct Taps {
    /// Each output element's, row-major over the output.
    pub out: Vec<Vec<(usize, usize)>>,
    /// A transposed convolution's, whose output position falls outside the result.
    pub dropped: Vec<(usize, usize)>,
}

/// The input index of a tap in the padding: the product is `0·w`.
pub const PAD: usize = usize::MAX;

/// The output `[N, O, OH, OW]` PyTorch gives for input `x [N, C, H, W]`, weight `w` and bias
/// shape `b`, or `None` where it raises.
pub fn out_shape(
    x: [usize; 4],
    w: [usize; 4],
    b: Option<&[usize]>,
    a: &ConvArgs,
) -> Option<[usize; 4]> {
    let ([n, c, h, wd], [w0, w1, kh, kw]) = (x, w);
    let positive = a.stride.iter().chain(&a.dilation).all(|&v| v > 0) && a.groups > 0;
    if !positive || x[1..].contains(&0) || w.contains(&0) || c % a.groups != 0 {
        return None;
    }
    let (o, weight_fits) = if a.transposed {
        let op = a.output_padding;
        let op_ok = (0..2).all(|i| op[i] < a.stride[i] || op[i] < a.dilation[i]);
        (w1 * a.groups, w0 == c && op_ok)
    } else {
        (w0, w0 % a.groups == 0 && w1 * a.groups == c)
    };
    if !weight_fits || b.is_some_and(|b| b != [o]) {
        return None;
    }
    let len = |i: usize| {
        let [n, k, s, p, d] = [
            [h, wd][i],
            [kh, kw][i],
            a.stride[i],
            a.padding[i],
            a.dilation[i],
        ];
        let [n, k, s, p, d] = [n, k, s, p, d].map(|v| v as i64);
        if a.transposed {
            (n - 1) * s - 2 * p + d * (k - 1) + a.output_padding[i] as i64 + 1
        } else {
            (n + 2 * p - d * (k - 1) - 1).div_euclid(s) + 1
        }
    };
    let (oh, ow) = (len(0), len(1));
    (oh >= 1 && ow >= 1).then_some([n, o, oh as usize, ow as usize])
}

/// The taps of every element of the output `out` (from [`out_shape`]).
pub fn taps(x: [usize; 4], w: [usize; 4], a: &ConvArgs, out: [usize; 4]) -> Taps {
    let ([n_, c, h, wd], [_, _, kh, kw], [_, o, oh, ow]) = (x, w, out);
    let (cg, og) = (c / a.groups, o / a.groups);
    let mut t = Taps {
        out: vec![vec![]; out.iter().product()],
        dropped: vec![],
    };
    // the position `q·s − p + i·d` along axis `ax`, if inside `0..len`
    let at = |q: usize, i: usize, ax: usize, len: usize| {
        let pos = (q * a.stride[ax] + i * a.dilation[ax]) as i64 - a.padding[ax] as i64;
        (0..len as i64).contains(&pos).then_some(pos as usize)
    };
    for n in 0..n_ {
        for (ch, i, j) in
            (0..c).flat_map(|ch| (0..kh).flat_map(move |i| (0..kw).map(move |j| (ch, i, j))))
        {
            let (g, ci) = (ch / cg, ch % cg);
            if a.transposed {
                // input channel `ch` of group g adds into outputs g·og .. (g + 1)·og
                for (hi, wi) in (0..h).flat_map(|hi| (0..wd).map(move |wi| (hi, wi))) {
                    let xi = ((n * c + ch) * h + hi) * wd + wi;
                    for oc in 0..og {
                        let wi_ = ((ch * og + oc) * kh + i) * kw + j;
                        match (at(hi, i, 0, oh), at(wi, j, 1, ow)) {
                            (Some(p), Some(q)) => {
                                t.out[((n * o + g * og + oc) * oh + p) * ow + q].push((xi, wi_))
                            }
                            _ => t.dropped.push((xi, wi_)),
                        }
                    }
                }
            } else {
                // outputs of group g read input channel `ch` as their channel `ci`
                for (p, q) in (0..oh).flat_map(|p| (0..ow).map(move |q| (p, q))) {
                    let xi = match (at(p, i, 0, h), at(q, j, 1, wd)) {
                        (Some(hi), Some(wi)) => ((n * c + ch) * h + hi) * wd + wi,
                        _ => PAD,
                    };
                    for oc in g * og..(g + 1) * og {
                        let wi_ = ((oc * cg + ci) * kh + i) * kw + j;
                        t.out[((n * o + oc) * oh + p) * ow + q].push((xi, wi_));
                    }
                }
            }
        }
    }
    t
}

/// `(b + Σ x·w, |b| + Σ |x·w|)` of each output, from the inputs' values; `plane` and
/// `channels` locate an output's bias.
pub fn values(
    taps: &Taps,
    x: &[f32],
    w: &[f32],
    b: Option<&[f32]>,
    (plane, channels): (usize, usize),
) -> Vec<(f64, f64)> {
    let v = |s: &[f32], i: usize| if i == PAD { 0.0 } else { s[i] as f64 };
    (taps.out.iter())
        .enumerate()
        .map(|(e, t)| {
            let bias = b.map_or(0.0, |b| v(b, e / plane % channels));
            t.iter().fold((bias, bias.abs()), |(s, m), &(xi, wi)| {
                let p = v(x, xi) * v(w, wi);
                (s + p, m + p.abs())
            })
        })
        .collect()
}

impl Tape {
    /// The convolution with taps `taps` of `x`, `w` and bias `b` as one node per output.
    pub fn conv(&mut self, x: &RT, w: &RT, b: Option<&RT>, taps: &Taps, out: &[usize]) -> RT {
        let (plane, channels) = (out[2..].iter().product::<usize>(), out[1]);
        let mut read: HashSet<Id> = HashSet::new();
        let ids = (taps.out.iter())
            .enumerate()
            .map(|(e, t)| {
                let (mut v, mut parents) = (0.0, Vec::with_capacity(2 * t.len() + 1));
                for &(xi, wi) in t {
                    let wn = w.ids[wi];
                    if xi == PAD {
                        // 0·w: NaN for a weight that is not finite, else nothing
                        v += 0.0 * self.value(wn);
                        parents.push((wn, 0.0));
                        continue;
                    }
                    let xn = x.ids[xi];
                    let (xv, wv) = (self.value(xn), self.value(wn));
                    v += xv * wv;
                    parents.extend([(xn, wv), (wn, xv)]);
                }
                if let Some(b) = b {
                    let bn = b.ids[e / plane % channels];
                    v += self.value(bn);
                    parents.push((bn, 1.0));
                }
                read.extend(parents.iter().map(|p| p.0));
                self.node(v, &parents, false)
            })
            .collect();
        let out = RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        };
        // a transposed convolution's dropped products: 0 in value, but edges for backward
        let dropped = (!taps.dropped.is_empty()).then(|| {
            let edges: Vec<(Id, f64)> = (taps.dropped.iter())
                .flat_map(|&(xi, wi)| {
                    let (xn, wn) = (x.ids[xi], w.ids[wi]);
                    [(xn, self.value(wn)), (wn, self.value(xn))]
                })
                .collect();
            read.extend(edges.iter().map(|e| e.0));
            self.node(0.0, &edges, false)
        });
        let inputs: Vec<&RT> = [Some(x), Some(w), b].into_iter().flatten().collect();
        self.partial(&inputs, &read, dropped, out)
    }
}
