//! The reference's pooling, from PyTorch's definitions (`F.max_pool2d`, `F.avg_pool2d`,
//! `F.adaptive_avg_pool2d`) over `[N, C, H, W]`:
//!
//! - output size along an axis of `n` inputs: PyTorch's `pooling_output_shape`,
//!   `⌊(n + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1`, less one in ceil mode when the last
//!   window would start at or past `n + p`; accepted when kernel, stride and dilation are
//!   positive, the padding at most half the kernel and every output size at least 1;
//! - window of output `i`: positions `i·s − p + j·d` (`j < k`) inside the input; for the
//!   average, the divisor is the window clipped to the padded input `[−p, n + p)`
//!   (`count_include_pad`) or the number of input positions in it; an adaptive window is
//!   rows `⌊i·n/o⌋ .. ⌈(i+1)·n/o⌉`;
//! - max: the first maximum (NaN wins), its gradient to that element; a near tie is rough.

use std::collections::HashSet;

use super::mirror::RT;
use super::reduce::{argmax, tie};
use super::tape::{Id, Tape};

/// `F.max_pool2d` / `F.avg_pool2d` arguments (`stride` already defaulted to the kernel;
/// dilation 1 for the average).
#[derive(Clone, Copy, Debug)]
pub struct PoolArgs {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub ceil_mode: bool,
}

/// PyTorch's `pooling_output_shape` (may be below 1).
fn out_len(n: usize, a: &PoolArgs, ax: usize) -> i64 {
    let [n, k, s, p, d] = [n, a.kernel[ax], a.stride[ax], a.padding[ax], a.dilation[ax]];
    let [n, k, s, p, d] = [n, k, s, p, d].map(|v| v as i64);
    let extra = if a.ceil_mode { s - 1 } else { 0 };
    let out = (n + 2 * p - d * (k - 1) - 1 + extra).div_euclid(s) + 1;
    if a.ceil_mode && (out - 1) * s >= n + p {
        out - 1
    } else {
        out
    }
}

/// The output shape of max or average pooling of `x`, or `None` where PyTorch raises (and
/// arenagrad, which also takes no unbatched 3-d input).
pub fn pool_shape(x: &[usize], a: &PoolArgs) -> Option<[usize; 4]> {
    let &[n, c, h, w] = x else { return None };
    let positive = [a.kernel, a.stride, a.dilation]
        .iter()
        .all(|v| !v.contains(&0));
    let pad_ok = (0..2).all(|ax| a.padding[ax] <= a.kernel[ax] / 2);
    if c == 0 || h == 0 || w == 0 || !positive || !pad_ok {
        return None;
    }
    let (oh, ow) = (out_len(h, a, 0), out_len(w, a, 1));
    (oh >= 1 && ow >= 1).then_some([n, c, oh as usize, ow as usize])
}

/// Each output's window (flat input indices, kernel rows then columns, inside the input)
/// and the average's divisor, over every plane.
pub fn windows(
    x: [usize; 4],
    a: &PoolArgs,
    out: [usize; 4],
    count_pad: bool,
) -> (Vec<Vec<usize>>, Vec<f64>) {
    let ([n, c, h, w], [_, _, oh, ow]) = (x, out);
    let axis = |i: usize, ax: usize, len: usize| {
        let start = (i * a.stride[ax]) as i64 - a.padding[ax] as i64;
        let inside: Vec<usize> = (0..a.kernel[ax])
            .map(|j| start + (j * a.dilation[ax]) as i64)
            .filter(|&q| (0..len as i64).contains(&q))
            .map(|q| q as usize)
            .collect();
        // the window clipped to the padded input (average pooling's divisor)
        let end = (start + a.kernel[ax] as i64).min((len + a.padding[ax]) as i64);
        (inside, (end - start) as f64)
    };
    let (mut wins, mut divs) = (vec![], vec![]);
    for plane in 0..n * c {
        for (i, j) in (0..oh).flat_map(|i| (0..ow).map(move |j| (i, j))) {
            let ((rows, ph), (cols, pw)) = (axis(i, 0, h), axis(j, 1, w));
            let win: Vec<usize> = rows
                .iter()
                .flat_map(|&r| cols.iter().map(move |&q| (plane * h + r) * w + q))
                .collect();
            divs.push(if count_pad { ph * pw } else { win.len() as f64 });
            wins.push(win);
        }
    }
    (wins, divs)
}

/// Adaptive average pooling's windows of `x` to `[oh, ow]` (their sizes are the divisors).
pub fn adaptive_windows(x: [usize; 4], [oh, ow]: [usize; 2]) -> Vec<Vec<usize>> {
    let [n, c, h, w] = x;
    let range = |i: usize, o: usize, len: usize| (i * len / o)..((i + 1) * len).div_ceil(o);
    let mut wins = vec![];
    for plane in 0..n * c {
        for (i, j) in (0..oh).flat_map(|i| (0..ow).map(move |j| (i, j))) {
            let cols = range(j, ow, w);
            let win =
                range(i, oh, h).flat_map(|r| cols.clone().map(move |q| (plane * h + r) * w + q));
            wins.push(win.collect());
        }
    }
    wins
}

/// The maximum of each window of `x` (NaN if it holds one, −∞ if empty), exact.
pub fn max_values(wins: &[Vec<usize>], x: &[f32]) -> Vec<f64> {
    let max = |win: &Vec<usize>| {
        let v: Vec<f64> = win.iter().map(|&k| x[k] as f64).collect();
        argmax(&v).map_or(f64::NEG_INFINITY, |a| v[a])
    };
    wins.iter().map(max).collect()
}

/// `(Σ x / divisor, Σ |x| / divisor)` of each window of `x`.
pub fn avg_values(wins: &[Vec<usize>], divs: &[f64], x: &[f32]) -> Vec<(f64, f64)> {
    let sum =
        |win: &Vec<usize>, f: &dyn Fn(f64) -> f64| win.iter().map(|&k| f(x[k] as f64)).sum::<f64>();
    wins.iter()
        .zip(divs)
        .map(|(win, &d)| match win.is_empty() {
            true => (0.0, 0.0), // PyTorch's empty window (none arise with its padding rule)
            false => (sum(win, &|v| v) / d, sum(win, &|v: f64| v.abs()) / d),
        })
        .collect()
}

impl Tape {
    /// Max pooling of `x` over `wins` (`max == true`), else the windows' sums over `divs`.
    pub fn pool(
        &mut self,
        x: &RT,
        wins: &[Vec<usize>],
        divs: &[f64],
        max: bool,
        out: &[usize],
    ) -> RT {
        let mut read: HashSet<Id> = HashSet::new();
        let ids = wins
            .iter()
            .zip(divs)
            .map(|(win, &d)| {
                let ids: Vec<Id> = win.iter().map(|&k| x.ids[k]).collect();
                read.extend(&ids);
                let values: Vec<f64> = ids.iter().map(|&i| self.value(i)).collect();
                if !max && win.is_empty() {
                    return self.node(0.0, &[], false);
                } else if !max {
                    let parents: Vec<(Id, f64)> = ids.iter().map(|&i| (i, 1.0 / d)).collect();
                    return self.node(values.iter().sum::<f64>() / d, &parents, false);
                }
                let Some(arg) = argmax(&values) else {
                    return self.node(f64::NEG_INFINITY, &[], false);
                };
                let parents: Vec<(Id, f64)> = (ids.iter().enumerate())
                    .map(|(k, &i)| (i, (k == arg) as u8 as f64))
                    .collect();
                self.node(values[arg], &parents, tie(&values, arg))
            })
            .collect();
        let out = RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        };
        self.partial(&[x], &read, None, out)
    }
}
