//! Tests of concat and narrow.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn concat_values_and_gradients() {
    Graph::new()
        .run(|g| {
            let a = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
            let b = g.leaf(Tensor::new(vec![7.0, 8.0], &[2, 1])?);
            let c = Var::concat(&[a, b, a], 1);
            assert_eq!(c.shape(), &[2, 7]);
            let want = [1., 2., 3., 7., 1., 2., 3., 4., 5., 6., 8., 4., 5., 6.];
            assert_eq!(c.to_vec(), want);
            // y = Σ w c with w = [0, 1, .., 13]: a appears twice, so its grad sums two slices
            let w = Tensor::new((0..14).map(|i| i as f32).collect(), &[2, 7])?;
            c.backward_with(&Backward::gradient(w))?;
            let ga = [
                0.0 + 4.0,
                1.0 + 5.0,
                2.0 + 6.0,
                7.0 + 11.0,
                8.0 + 12.0,
                9.0 + 13.0,
            ];
            assert_eq!(a.grad().unwrap().to_vec(), ga);
            assert_eq!(b.grad().unwrap().to_vec(), vec![3.0, 10.0]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn concat_gradcheck() {
    let ts = [ramp(&[2, 1, 3]), ramp(&[2, 2, 3]), ramp(&[2, 3, 3])];
    check(&ts, |x| Var::try_concat(x, 1));
    check(&[ramp(&[3]), ramp(&[2])], |x| Var::try_concat(x, 0));
    check(&[ramp(&[2, 2]), ramp(&[2, 2])], |x| Var::try_concat(x, -1));
}

#[test]
fn concat_errors_name_the_op_and_shapes() {
    Graph::new()
        .run(|g| {
            let a = g.input(Tensor::zeros(&[2, 3])?);
            let b = g.input(Tensor::zeros(&[3, 2])?);
            let e = Var::try_concat(&[a, b], 0).unwrap_err();
            assert!(matches!(e, Error::ShapeMismatch { .. }));
            let msg = e.to_string();
            assert!(msg.contains("concat") && msg.contains("[2, 3]") && msg.contains("[3, 2]"));
            let c = g.input(Tensor::zeros(&[2, 3, 1])?);
            assert!(matches!(
                Var::try_concat(&[a, c], 0),
                Err(Error::ShapeMismatch { .. })
            ));
            let e = Var::try_concat(&[], 0).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { op: "concat", .. }));
            let e = Var::try_concat(&[a, a], 2).unwrap_err();
            assert!(matches!(e, Error::BadAxis { op: "concat", .. }));
            // negative axes count from the end
            assert_eq!(Var::try_concat(&[a, a], -2)?.shape(), &[4, 3]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn narrow_values_sharing_and_gradients() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(ramp(&[3, 4]));
            // a leading block along axis 0 shares the input's slice
            let rows = x.narrow(0, 1, 2);
            assert_eq!(rows.data().as_ptr(), x.data()[4..].as_ptr());
            assert_eq!(rows.to_vec(), x.to_vec()[4..12]);
            let cols = x.narrow(-1, 3, 1);
            assert_eq!(cols.to_vec(), vec![x.data()[3], x.data()[7], x.data()[11]]);
            assert_eq!(x.narrow(1, 4, 0).shape(), &[3, 0]); // empty at the end is fine
                                                            // d/dx Σ narrow(x, 1, 3, 1) = 1 in column 3 only
            cols.sum().backward()?;
            let want: Vec<f32> = (0..12).map(|i| (i % 4 == 3) as u8 as f32).collect();
            assert_eq!(x.grad().unwrap().to_vec(), want);
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[2, 5, 3])], |x| x[0].try_narrow(1, 1, 3));
    check(&[ramp(&[4, 2])], |x| x[0].try_narrow(0, 2, 2));
}

#[test]
fn narrow_out_of_range_is_an_error() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 4])?);
            let e = x.try_narrow(1, 3, 2).unwrap_err();
            assert_eq!(
                e,
                Error::RangeOutOfBounds {
                    op: "narrow",
                    axis: 1,
                    start: 3,
                    len: 2,
                    size: 4,
                    shape: vec![2, 4]
                }
            );
            let text = e.to_string();
            for part in [
                "narrow",
                "length 2",
                "at 3",
                "3..5",
                "dimension 1 of size 4",
                "[2, 4]",
            ] {
                assert!(text.contains(part), "{part:?} not in {text}");
            }
            // an empty range must still start inside the dim (or at its end)
            assert!(matches!(
                x.try_narrow(0, 3, 0),
                Err(Error::RangeOutOfBounds {
                    start: 3,
                    len: 0,
                    size: 2,
                    ..
                })
            ));
            assert_eq!(x.try_narrow(0, 2, 0)?.shape(), &[0, 4]);
            // an end past usize::MAX is reported, not wrapped
            let e = x.try_narrow(-1, 1, usize::MAX).unwrap_err();
            assert!(e.to_string().contains("past usize::MAX"), "{e}");
            assert!(x.try_narrow(0, usize::MAX, 2).is_err());
            assert!(matches!(x.try_narrow(2, 0, 1), Err(Error::BadAxis { .. })));
            Ok(())
        })
        .unwrap();
}
