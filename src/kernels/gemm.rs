//! Matrix products through a GEMM crate, with strides, so transposes are never copied.
//!
//! `C (=|+=) A · B` with `A: m×k`, `B: k×n`, `C: m×n`, each given as a slice plus row and
//! column strides in elements. A transposed operand is the same slice with its strides
//! swapped, which is how backward computes `dA = dC · Bᵀ` and `dB = Aᵀ · dC` without copies.
//! The fan-in mode maps onto GEMM's `beta` (0 to write, 1 to add).
//!
//! This wraps `matrixmultiply::sgemm`; which crate serves which layout is settled by
//! measurement in the performance work (see the README).

use crate::graph::Acc;

/// A strided matrix operand: `data[r * rs + c * cs]` is element `(r, c)`.
#[derive(Clone, Copy, Debug)]
pub struct Mat<'a> {
    /// The backing slice.
    pub data: &'a [f32],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Row stride in elements.
    pub rs: usize,
    /// Column stride in elements.
    pub cs: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }
    /// The transpose: same data, swapped dimensions and strides.
    pub fn t(self) -> Self {
        Mat {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }
    /// The largest offset this view touches plus one (0 when empty).
    fn extent(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs + (self.cols - 1) * self.cs + 1
        }
    }
}

/// `c (=|+=) a · b` where `c` is row-major `a.rows × b.cols`.
///
/// Panics if the shapes disagree or a view reaches past its slice (callers pass views built
/// from checked shapes, so this is an internal invariant).
pub fn matmul(a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert_eq!(c.len(), m * n, "gemm: output size");
    assert!(
        a.extent() <= a.data.len() && b.extent() <= b.data.len(),
        "gemm: view past its slice"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if acc == Acc::Write {
            c.fill(0.0);
        }
        return;
    }
    let beta = if acc == Acc::Write { 0.0 } else { 1.0 };
    // SAFETY: every index sgemm reads is (r*rs + c*cs) for r < rows, c < cols of a view, which
    // the extent check above bounds by the slice length; c is m×n row-major with exactly m*n
    // elements (checked), written through a unique &mut borrow; strides fit in isize because
    // they come from in-memory slice dimensions. With beta = 0 sgemm does not read c.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The scalar twin of [`matmul`]: a triple loop, the reference in tests.
pub fn matmul_ref(a: Mat<'_>, b: Mat<'_>, c: &mut [f32], acc: Acc) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for p in 0..k {
                s += a.data[i * a.rs + p * a.cs] as f64 * b.data[p * b.rs + j * b.cs] as f64;
            }
            acc.put(&mut c[i * n + j], s as f32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: f32) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f32 * 0.37 + seed).sin() * 2.0).round() / 2.0)
            .collect()
    }

    #[test]
    fn matches_the_triple_loop_on_all_layouts() {
        for &(m, k, n) in &[(1, 1, 1), (3, 5, 2), (17, 9, 33), (0, 3, 2), (2, 0, 3)] {
            let a = data(m * k, 0.1);
            let b = data(k * n, 0.7);
            let views_a = [Mat::row_major(&a, m, k), Mat::row_major(&a, k, m).t()];
            let views_b = [Mat::row_major(&b, k, n), Mat::row_major(&b, n, k).t()];
            for va in views_a {
                for vb in views_b {
                    for acc in [Acc::Write, Acc::Add] {
                        let mut c1 = vec![1.0; m * n];
                        let mut c2 = c1.clone();
                        matmul(va, vb, &mut c1, acc);
                        matmul_ref(va, vb, &mut c2, acc);
                        // halves times halves sum exactly in f32
                        assert_eq!(c1, c2, "m={m} k={k} n={n} {acc:?}");
                    }
                }
            }
        }
    }
}
