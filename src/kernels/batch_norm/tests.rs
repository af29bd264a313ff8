//! Batch norm: by hand, the parallel kernels against the [scalar](super::scalar) twins on odd
//! layouts (training and evaluation, with and without affine), accuracy with a large mean, and
//! the same bits on 1 and 2 threads.

use super::*;
use crate::kernels::par::on_1_and_2_threads;

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        })
        .collect()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

/// The kernels' forward and backward for one layout, as the op runs them.
#[allow(clippy::type_complexity)]
fn kernels(
    x: &[f32],
    g: &[f32],
    l: ChannelLayout,
    w: Option<&[f32]>,
    b: Option<&[f32]>,
    train: bool,
) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
    let (mut mean, mut rstd, mut var) = (vec![0.0; l.c], vec![0.0; l.c], vec![0.0; l.c]);
    if train {
        batch_stats(x, l, 1e-5, &mut mean, &mut rstd, &mut var);
    } else {
        mean = values(l.c, 9);
        var = values(l.c, 10).iter().map(|v| v.abs() + 0.5).collect();
        rstd_of(&var, 1e-5, &mut rstd);
    }
    let mut y = vec![0.0; x.len()];
    batch_norm(x, l, &mean, &rstd, w, b, &mut y);
    let (mut sum_g, mut dot) = (vec![0.0; l.c], vec![0.0; l.c]);
    backward_sums(x, g, l, &mean, &mut sum_g, &mut dot);
    let mut dx = vec![0.0; x.len()];
    let sums = train.then_some((&sum_g[..], &dot[..]));
    batch_norm_backward_x(x, g, l, &mean, &rstd, w, sums, &mut dx, Acc::Write);
    let mut dw = vec![0.0; l.c];
    batch_norm_backward_w(&dot, &rstd, &mut dw, Acc::Write);
    (y, mean, rstd, var, dx, [dw, sum_g].concat())
}

#[test]
fn by_hand() {
    // channel 0 holds [1, 3] (mean 2, biased var 1, unbiased 2), channel 1 [0, 0]
    let l = ChannelLayout { n: 2, c: 2, l: 1 };
    let x = [1.0, 0.0, 3.0, 0.0];
    let (mut mean, mut rstd, mut var) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    batch_stats(&x, l, 0.0, &mut mean, &mut rstd, &mut var);
    assert_eq!((mean, var), ([2.0, 0.0], [2.0, 0.0]));
    assert_eq!((rstd[0], rstd[1]), (1.0, f32::INFINITY));
    let mut running = [1.0, 1.0];
    update_running(&mut running, &var, 0.1);
    assert_eq!(running, [1.1, 0.9]);
}

#[test]
fn kernels_match_the_scalar_twins() {
    let layouts = [
        (3, 2, 1),
        (1, 3, 5),
        (4, 5, 7),
        (2, 1, 13),
        (5, 3, 3),
        (2, 3, 37),
    ];
    for (n, c, len) in layouts {
        let l = ChannelLayout { n, c, l: len };
        let (x, g) = (values(l.numel(), 1), values(l.numel(), 2));
        let (w, b) = (values(c, 3), values(c, 4));
        for affine in [false, true] {
            let (w, b) = if affine {
                (Some(&w[..]), Some(&b[..]))
            } else {
                (None, None)
            };
            for train in [true, false] {
                if train && l.per_channel() < 2 {
                    continue;
                }
                let (y, mean, rstd, var, dx, dwb) = kernels(&x, &g, l, w, b, train);
                let mut y0 = vec![0.0; x.len()];
                if train {
                    let stats = scalar::batch_norm_train(&x, l, w, b, 1e-5, &mut y0);
                    let mean0: Vec<f32> = stats.iter().map(|s| s.0).collect();
                    let rstd0: Vec<f32> = stats.iter().map(|s| s.1).collect();
                    let var0: Vec<f32> = stats.iter().map(|s| s.2).collect();
                    assert!(close(&mean, &mean0, 1e-6) && close(&rstd, &rstd0, 1e-6));
                    assert!(close(&var, &var0, 1e-6), "{var:?} {var0:?}");
                    assert!(close(&y, &y0, 1e-5), "{l:?}");
                }
                let (dx0, dw0, db0) =
                    scalar::batch_norm_backward(&x, &g, l, &mean, &rstd, w, train);
                assert!(
                    close(&dx, &dx0, 1e-5),
                    "{l:?} train {train}: {dx:?} {dx0:?}"
                );
                assert!(close(&dwb, &[dw0, db0].concat(), 1e-5), "{l:?}");
            }
        }
    }
}

#[test]
fn large_mean_keeps_the_variance() {
    // values 1e4 + {-1, 1}: an f32 one-pass Σx² - (Σx)²/m loses the variance; two passes in f64 do not
    let l = ChannelLayout { n: 4, c: 1, l: 1 };
    let x = [1e4 - 1.0, 1e4 + 1.0, 1e4 - 1.0, 1e4 + 1.0];
    let (mut mean, mut rstd, mut var) = ([0.0], [0.0], [0.0]);
    batch_stats(&x, l, 0.0, &mut mean, &mut rstd, &mut var);
    assert_eq!((mean, rstd, var), ([1e4], [1.0], [4.0 / 3.0]));
}

#[test]
fn same_bits_on_1_and_2_threads() {
    let l = ChannelLayout {
        n: 8,
        c: 16,
        l: 1024,
    };
    let (x, g) = (values(l.numel(), 5), values(l.numel(), 6));
    let w = values(16, 7);
    let (one, two) = on_1_and_2_threads(|| kernels(&x, &g, l, Some(&w), None, true));
    assert!(one == two);
}
