//! Tests of where and masked_fill: values and gradients computed by hand, broadcasting, errors.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn where_broadcasts_mask_and_operands() {
    Graph::new()
        .run(|g| {
            // a [3, 1], b [1, 4], mask [3, 4]: out [3, 4]
            let a = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0], &[3, 1])?);
            let b = g.leaf(Tensor::new(vec![-1.0, -2.0, -3.0, -4.0], &[1, 4])?);
            let m = Mask::tril(3, 4, 0);
            let y = Var::where_cond(&m, a, b);
            let want = [1., -2., -3., -4., 2., 2., -3., -4., 3., 3., 3., -4.];
            assert_eq!((y.shape(), y.to_vec()), (&[3, 4][..], want.to_vec()));
            // g[i, j] = i·4 + j + 1; da_i = Σ_{j ≤ i} g, db_j = Σ_{i < j} g
            let gw = Tensor::new((1..=12).map(|v| v as f32).collect(), &[3, 4])?;
            y.backward_with(&Backward::gradient(gw))?;
            assert_eq!(
                a.grad().unwrap().to_vec(),
                vec![1.0, 5.0 + 6.0, 9.0 + 10.0 + 11.0]
            );
            assert_eq!(
                b.grad().unwrap().to_vec(),
                vec![0.0, 2.0, 3.0 + 7.0, 4.0 + 8.0 + 12.0]
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn masked_fill_values_gradient_and_broadcast_output() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0], &[3])?);
            // a [2, 1] mask against [3]: the result is [2, 3], as torch's out-of-place form
            let m = Mask::new(vec![true, false], &[2, 1])?;
            let y = x.try_masked_fill(&m, 9.0)?;
            assert_eq!(y.shape(), &[2, 3]);
            assert_eq!(y.to_vec(), vec![9.0, 9.0, 9.0, 1.0, 2.0, 3.0]);
            y.sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![1.0; 3]); // only row 1 reads x
            Ok(())
        })
        .unwrap();
}

#[test]
fn masks_that_do_not_broadcast_are_errors() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            let e = x.try_masked_fill(&Mask::tril(3, 3, 0), 0.0).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::ShapeMismatch {
                        op: "masked_fill",
                        ..
                    }
                ),
                "{e}"
            );
            assert!(e.to_string().contains("[3, 3]") && e.to_string().contains("[2, 3]"));
            let y = g.input(Tensor::zeros(&[4])?);
            let e = Var::try_where_cond(&Mask::tril(2, 3, 0), x, y).unwrap_err();
            assert!(matches!(e, Error::ShapeMismatch { op: "where", .. }), "{e}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn where_and_masked_fill_gradcheck() {
    let m = Mask::new(vec![true, false, false, true, true, false], &[2, 1, 3]).unwrap();
    check(&[ramp(&[2, 4, 3]), ramp(&[4, 1])], |v| {
        Var::try_where_cond(&m, v[0], v[1])
    });
    check(&[ramp(&[4, 3])], |v| {
        let y = v[0].try_masked_fill(&m, 2.0)?;
        Ok(y * y)
    });
    // a 0-d mask
    let t = Mask::new(vec![true], &[]).unwrap();
    check(&[ramp(&[3]), ramp(&[])], |v| {
        Var::try_where_cond(&t, v[0], v[1])
    });
}
