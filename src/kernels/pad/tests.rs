//! Padding: by hand, the row kernel against its [scalar](super::scalar) twin on odd shapes
//! and pads (negative ones included), backward as the forward's transpose, and the same bits
//! on 1 and 2 threads.

use super::*;
use crate::kernels::par::on_1_and_2_threads;

fn ramp(n: usize) -> Vec<f32> {
    (0..n).map(|k| k as f32 + 1.0).collect()
}

#[test]
fn pads_and_crops_by_hand() {
    // [[1, 2, 3]] with left 1, right -1, top 1: [[7, 7, 7], [7, 1, 2]]
    let mut y = [0.0; 6];
    pad(&ramp(3), &[1, 3], &[1, 1], &[0, -1], 7.0, &mut y);
    assert_eq!(y, [7.0, 7.0, 7.0, 7.0, 1.0, 2.0]);
    let mut dx = [0.0; 3];
    pad_backward(
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        &[1, 3],
        &[1, 1],
        &[0, -1],
        &mut dx,
        Acc::Write,
    );
    assert_eq!(dx, [5.0, 6.0, 0.0]);
}

#[test]
fn row_kernel_matches_the_scalar_twin() {
    let shapes: [&[usize]; 5] = [&[5], &[2, 3], &[3, 1, 4], &[2, 3, 2, 5], &[1, 4, 3]];
    let pads = [-3isize, -1, 0, 1, 2];
    for (s, shape) in shapes.iter().enumerate() {
        let x = ramp(shape.iter().product());
        for t in 0..25 {
            let before: Vec<isize> = (0..shape.len())
                .map(|d| pads[(t + d * 2 + s) % 5])
                .collect();
            let after: Vec<isize> = (0..shape.len())
                .map(|d| pads[(t / 5 + d + s) % 5])
                .collect();
            if (0..shape.len()).any(|d| shape[d] as isize + before[d] + after[d] < 0) {
                continue;
            }
            let out = padded_shape(shape, &before, &after);
            let n: usize = out.iter().product();
            let (mut y, mut y0) = (vec![0.0; n], vec![0.0; n]);
            pad(&x, shape, &before, &after, -2.5, &mut y);
            scalar::pad(&x, shape, &before, -2.5, &out, &mut y0);
            assert_eq!(y, y0, "{shape:?} {before:?} {after:?}");
            // backward: dx_i = <g, pad(e_i)> with value 0
            let g = ramp(n);
            let mut dx = vec![1.0; x.len()];
            pad_backward(&g, shape, &before, &after, &mut dx, Acc::Add);
            for i in 0..x.len() {
                let mut e = vec![0.0; x.len()];
                e[i] = 1.0;
                scalar::pad(&e, shape, &before, 0.0, &out, &mut y0);
                let want = 1.0 + y0.iter().zip(&g).map(|(a, b)| a * b).sum::<f32>();
                assert_eq!(dx[i], want, "{shape:?} {before:?} {after:?} [{i}]");
            }
        }
    }
}

#[test]
fn same_bits_on_1_and_2_threads() {
    let shape = [4, 8, 60, 70];
    let x = ramp(shape.iter().product());
    let (before, after) = ([0, 1, 2, -3], [0, -2, 1, 4]);
    let out = padded_shape(&shape, &before, &after);
    let g = ramp(out.iter().product());
    let (one, two) = on_1_and_2_threads(|| {
        let mut y = vec![0.0; g.len()];
        pad(&x, &shape, &before, &after, 0.5, &mut y);
        let mut dx = vec![0.0; x.len()];
        pad_backward(&g, &shape, &before, &after, &mut dx, Acc::Write);
        (y, dx)
    });
    assert!(one == two);
}
