//! Tests of rms_norm: a hand-computed row, the default eps, errors, gradient checks.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn rows_and_default_eps() {
    Graph::new()
        .run(|g| {
            // rows [1, 1] (mean x² = 1) and [2, 0] (mean x² = 2), no eps effect to speak of
            let x = g.leaf(Tensor::new(vec![1.0, 1.0, 2.0, 0.0], &[2, 2])?);
            let y = x.try_rms_norm(&[2], None, None)?;
            let r1 = 1.0 / (1.0f64 + f32::EPSILON as f64).sqrt();
            let r2 = 1.0 / (2.0f64 + f32::EPSILON as f64).sqrt();
            let want = [r1, r1, 2.0 * r2, 0.0];
            for (a, b) in y.to_vec().iter().zip(want) {
                assert!((*a as f64 - b).abs() < 1e-7, "{a} vs {b}");
            }
            // over both dims at once: mean x² = 6/4
            let z = x.try_rms_norm(&[2, 2], None, Some(0.0))?;
            assert!((z.to_vec()[2] - 2.0 / 1.5f32.sqrt()).abs() < 1e-6);
            Ok(())
        })
        .unwrap();
}

#[test]
fn errors_name_rms_norm() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            let e = x.try_rms_norm(&[2], None, None).unwrap_err();
            assert!(
                matches!(e, Error::ShapeMismatch { op: "rms_norm", .. }),
                "{e}"
            );
            assert!(x.try_rms_norm(&[4, 2, 3], None, None).is_err());
            let w = g.input(Tensor::zeros(&[2])?);
            let e = x.try_rms_norm(&[3], Some(w), None).unwrap_err();
            assert!(e.to_string().contains("[2]"), "{e}");
            let empty = g.input(Tensor::zeros(&[2, 0])?);
            assert!(matches!(
                empty.try_rms_norm(&[0], None, None),
                Err(Error::Empty { .. })
            ));
            Ok(())
        })
        .unwrap();
}

#[test]
fn rms_norm_gradcheck() {
    check(&[ramp(&[3, 5]), ramp(&[5])], |v| {
        v[0].try_rms_norm(&[5], Some(v[1]), Some(1e-5))
    });
    check(&[ramp(&[2, 2, 4])], |v| v[0].try_rms_norm(&[4], None, None));
    check(&[ramp(&[2, 3, 2]), ramp(&[3, 2])], |v| {
        v[0].try_rms_norm(&[3, 2], Some(v[1]), Some(0.1))
    });
}
