//! Reductions: sums over everything, and the sum of a broadcast gradient back to its input.

use super::strided::for_each1;
use crate::graph::Acc;

/// Sum of all elements, accumulated in `f64` so long sums do not drift.
pub fn sum(x: &[f32]) -> f32 {
    x.iter().map(|&v| v as f64).sum::<f64>() as f32
}

/// Sums `full` (of shape `full_shape`) into `out`, where element `i` of `full` goes to
/// `out[offset(i)]` with `bstrides` the input's broadcast strides (0 on broadcast dimensions).
pub fn sum_to_broadcast(
    full: &[f32],
    full_shape: &[usize],
    bstrides: &[usize],
    out: &mut [f32],
    acc: Acc,
) {
    if acc == Acc::Write {
        out.fill(0.0);
    }
    for_each1(full_shape, bstrides, |i, o| out[o] += full[i]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_sum_back() {
        // full [2,3] summed back to [1,3] (strides [0,1]) and to [2,1] (strides [1,0])
        let full = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut cols = [0.0; 3];
        sum_to_broadcast(&full, &[2, 3], &[0, 1], &mut cols, Acc::Write);
        assert_eq!(cols, [5.0, 7.0, 9.0]);
        let mut rows = [1.0; 2];
        sum_to_broadcast(&full, &[2, 3], &[1, 0], &mut rows, Acc::Add);
        assert_eq!(rows, [7.0, 16.0]);
    }
}
