//! Tests of logsumexp and var: stability, PyTorch's edge results, gradient checks.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn logsumexp_is_stable_and_handles_infinities() {
    Graph::new()
        .run(|g| {
            let inf = f32::INFINITY;
            // torch.logsumexp([[-inf, -inf], [1, inf], [-1e30, 0]], 1) = [-inf, inf, 0]
            let x = g.input(Tensor::new(
                vec![-inf, -inf, 1.0, inf, -1e30, 0.0],
                &[3, 2],
            )?);
            assert_eq!(x.try_logsumexp(-1, false)?.to_vec(), vec![-inf, inf, 0.0]);
            // along axis 0 of [2, 3]: columns
            let x = g.input(Tensor::new(vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0], &[2, 3])?);
            let y = x.try_logsumexp(0, true)?;
            assert_eq!(y.shape(), &[1, 3]);
            let ln2 = 2f64.ln();
            for (a, b) in y.to_vec().iter().zip([ln2, 1.0 + ln2, 2.0 + ln2]) {
                assert!((*a as f64 - b).abs() < 1e-6);
            }
            assert_eq!(
                g.input(Tensor::zeros(&[2, 0])?)
                    .try_logsumexp(1, false)?
                    .to_vec(),
                [-inf; 2]
            );
            assert!(matches!(
                x.try_logsumexp(2, false),
                Err(Error::BadAxis { .. })
            ));
            Ok(())
        })
        .unwrap();
}

#[test]
fn var_keeps_precision_under_a_large_mean() {
    Graph::new()
        .run(|g| {
            // 1e6 + [0, 1, 2, 3]: a one-pass f32 E[x²] − E[x]² would cancel to garbage
            let x = g.input(Tensor::from_slice(&[1e6, 1e6 + 1.0, 1e6 + 2.0, 1e6 + 3.0]));
            assert_eq!(x.try_var(0, 0, false)?.item(), 1.25);
            assert_eq!(x.try_var(0, 1, false)?.item(), 5.0 / 3.0);
            // n <= correction: inf, or NaN for a constant axis (torch: 0/0)
            assert_eq!(x.try_var(0, 4, false)?.item(), f32::INFINITY);
            let c = g.input(Tensor::from_slice(&[2.0]));
            assert!(c.try_var(0, 1, false)?.item().is_nan());
            assert!(matches!(x.try_var(1, 1, false), Err(Error::BadAxis { .. })));
            Ok(())
        })
        .unwrap();
}

#[test]
fn logsumexp_and_var_gradcheck() {
    for (shape, axis) in [(&[3, 4][..], 1), (&[3, 4], 0), (&[2, 3, 2], 1), (&[], 0)] {
        for keepdim in [false, true] {
            check(&[ramp(shape)], |v| v[0].try_logsumexp(axis, keepdim));
            check(&[ramp(shape)], |v| v[0].try_var(axis, 0, keepdim));
            if shape.is_empty() {
                continue; // n = 1: the unbiased variance of one value is NaN
            }
            check(&[ramp(shape)], |v| v[0].try_var(axis, 1, keepdim));
        }
    }
}
