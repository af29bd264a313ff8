//! The scalar twin of the convolution kernels: the definition as direct nested loops over
//! every (image, output channel, output position, input channel of the group, kernel tap),
//! accumulating in `f64`. The reference the im2col + GEMM path is tested against; same
//! arguments and store modes as [`forward`](super::forward) and its gradients.

use super::Conv;
use crate::kernels::Acc;

/// Calls `f(x index, w index, y index)` for every multiply-add of the convolution `c`, taps in
/// the padding skipped.
fn each_tap(c: &Conv, mut f: impl FnMut(usize, usize, usize)) {
    let ([h, w], [oh_n, ow_n], [kh, kw]) = (c.in_size, c.out_size, c.kernel);
    let (cg, og) = (c.in_per_group(), c.out_per_group());
    let at = |o: usize, k: usize, a: usize, len: usize| {
        (o * c.stride[a] + k * c.dilation[a])
            .checked_sub(c.padding[a])
            .filter(|&i| i < len)
    };
    for n in 0..c.batch {
        for o in 0..c.out_channels {
            let g = o / og;
            for oh in 0..oh_n {
                for ow in 0..ow_n {
                    let yi = ((n * c.out_channels + o) * oh_n + oh) * ow_n + ow;
                    for ci in 0..cg {
                        let ch = g * cg + ci;
                        for i in 0..kh {
                            let Some(ih) = at(oh, i, 0, h) else { continue };
                            for j in 0..kw {
                                let Some(iw) = at(ow, j, 1, w) else { continue };
                                let xi = ((n * c.in_channels + ch) * h + ih) * w + iw;
                                let wi = ((o * cg + ci) * kh + i) * kw + j;
                                f(xi, wi, yi);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Stores the `f64` sums `acc64` into `out` with `acc`.
fn store(acc64: &[f64], out: &mut [f32], acc: Acc) {
    for (o, &v) in out.iter_mut().zip(acc64) {
        acc.put(o, v as f32);
    }
}

/// The scalar twin of [`forward`](super::forward).
pub fn forward_ref(c: &Conv, x: &[f32], w: &[f32], bias: Option<&[f32]>, y: &mut [f32], acc: Acc) {
    c.assert_lengths(x.len(), w.len(), y.len());
    let plane = c.out_plane();
    let mut s: Vec<f64> = (0..y.len())
        .map(|k| bias.map_or(0.0, |b| b[k / plane % c.out_channels] as f64))
        .collect();
    each_tap(c, |xi, wi, yi| s[yi] += x[xi] as f64 * w[wi] as f64);
    store(&s, y, acc);
}

/// The scalar twin of [`backward_input`](super::backward_input).
pub fn backward_input_ref(c: &Conv, w: &[f32], dy: &[f32], dx: &mut [f32], acc: Acc) {
    c.assert_lengths(dx.len(), w.len(), dy.len());
    let mut s = vec![0.0f64; dx.len()];
    each_tap(c, |xi, wi, yi| s[xi] += dy[yi] as f64 * w[wi] as f64);
    store(&s, dx, acc);
}

/// The scalar twin of [`backward_weight`](super::backward_weight).
pub fn backward_weight_ref(c: &Conv, x: &[f32], dy: &[f32], dw: &mut [f32], acc: Acc) {
    c.assert_lengths(x.len(), dw.len(), dy.len());
    let mut s = vec![0.0f64; dw.len()];
    each_tap(c, |xi, wi, yi| s[wi] += dy[yi] as f64 * x[xi] as f64);
    store(&s, dw, acc);
}

/// The scalar twin of [`backward_bias`](super::backward_bias).
pub fn backward_bias_ref(dy: &[f32], batch: usize, channels: usize, db: &mut [f32], acc: Acc) {
    let plane = dy.len().checked_div(batch * channels).unwrap_or(0);
    let mut s = vec![0.0f64; channels];
    for (k, &v) in dy.iter().enumerate() {
        s[k / plane % channels] += v as f64;
    }
    store(&s, db, acc);
}
