//! Scalar twins of the pooling kernels: one output at a time, every kernel position visited
//! with a bounds test, sequential. The definitions the plane-parallel kernels are tested
//! against; not used on any op's path.

use super::{Axis, Pool2d, NO_ARG};

/// Whether position `j` of output `i`'s window along `a` lies in the input, and where.
fn at(a: &Axis, i: usize, j: usize) -> Option<usize> {
    let pos = a.start(i) + (j * a.dilation) as i64;
    (0..a.input as i64).contains(&pos).then_some(pos as usize)
}

/// [`max_pool2d`](super::max_pool2d) by its definition.
pub fn max_pool2d(x: &[f32], p: &Pool2d, y: &mut [f32], arg: &mut [usize]) {
    let (ip, op, wi, ow) = (p.in_plane(), p.out_plane(), p.w.input, p.w.output);
    for pl in 0..p.planes {
        for o in 0..op {
            let (oh, oww) = (o / ow, o % ow);
            let (mut best, mut idx) = (f32::NEG_INFINITY, NO_ARG);
            for jh in 0..p.h.kernel {
                for jw in 0..p.w.kernel {
                    let (Some(h), Some(w)) = (at(&p.h, oh, jh), at(&p.w, oww, jw)) else {
                        continue;
                    };
                    let (v, pos) = (x[pl * ip + h * wi + w], h * wi + w);
                    // the first position inside the input is the index even if it is -inf
                    if idx == NO_ARG {
                        idx = pos;
                    }
                    if v > best || v.is_nan() {
                        (best, idx) = (v, pos);
                    }
                }
            }
            y[pl * op + o] = best;
            arg[pl * op + o] = idx;
        }
    }
}

/// avg_pool2d's sum and divisor by definition: positions in the padded input count with
/// padding, positions in the input are summed.
pub fn avg_pool2d(x: &[f32], p: &Pool2d, count_include_pad: bool, y: &mut [f32]) {
    let (ip, op, wi, ow) = (p.in_plane(), p.out_plane(), p.w.input, p.w.output);
    let in_padded = |a: &Axis, i: usize, j: usize| {
        let pos = a.start(i) + j as i64;
        pos < (a.input + a.padding) as i64
    };
    for pl in 0..p.planes {
        for o in 0..op {
            let (oh, oww) = (o / ow, o % ow);
            let (mut sum, mut padded, mut real) = (0.0f64, 0usize, 0usize);
            for jh in 0..p.h.kernel {
                for jw in 0..p.w.kernel {
                    if in_padded(&p.h, oh, jh) && in_padded(&p.w, oww, jw) {
                        padded += 1;
                    }
                    if let (Some(h), Some(w)) = (at(&p.h, oh, jh), at(&p.w, oww, jw)) {
                        sum += x[pl * ip + h * wi + w] as f64;
                        real += 1;
                    }
                }
            }
            let div = if count_include_pad { padded } else { real };
            y[pl * op + o] = if real == 0 {
                0.0
            } else {
                (sum / div as f64) as f32
            };
        }
    }
}

/// adaptive_avg_pool2d by definition, windows from PyTorch's `start_index`/`end_index`.
pub fn adaptive_avg_pool2d(
    x: &[f32],
    planes: usize,
    [h, w]: [usize; 2],
    [oh, ow]: [usize; 2],
    y: &mut [f32],
) {
    let start = |i: usize, o: usize, n: usize| (i as f64 * n as f64 / o as f64).floor() as usize;
    let end = |i: usize, o: usize, n: usize| ((i + 1) as f64 * n as f64 / o as f64).ceil() as usize;
    for pl in 0..planes {
        for i in 0..oh {
            for j in 0..ow {
                let (h0, h1, w0, w1) = (
                    start(i, oh, h),
                    end(i, oh, h),
                    start(j, ow, w),
                    end(j, ow, w),
                );
                let mut sum = 0.0f64;
                for r in h0..h1 {
                    for c in w0..w1 {
                        sum += x[pl * h * w + r * w + c] as f64;
                    }
                }
                y[pl * oh * ow + i * ow + j] = (sum / ((h1 - h0) * (w1 - w0)) as f64) as f32;
            }
        }
    }
}
