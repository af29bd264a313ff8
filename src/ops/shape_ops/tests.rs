//! Tests of reshape, transpose, permute and broadcast_to.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn reshape_shares_data_and_passes_the_gradient_through() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(ramp(&[2, 3]));
            let y = x.reshape(&[3, 1, 2]);
            assert_eq!(y.shape(), &[3, 1, 2]);
            assert_eq!(y.data().as_ptr(), x.data().as_ptr()); // no copy
                                                              // y = x (reshaped), dy/dx = the output gradient, flat
            let w = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 1, 2])?;
            y.backward_with(&Backward::gradient(w))?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
            );
            assert_eq!(g.scalar(2.0).reshape(&[1, 1]).shape(), &[1, 1]);
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[2, 3, 4])], |x| x[0].try_reshape(&[6, 4]));
}

#[test]
fn reshape_to_another_element_count_is_an_error() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            let e = x.try_reshape(&[4, 2]).unwrap_err();
            assert!(matches!(e, Error::ReshapeNumel { op: "reshape", .. }));
            let msg = e.to_string();
            assert!(msg.contains("reshape") && msg.contains("[2, 3]") && msg.contains("[4, 2]"));
            assert!(matches!(
                x.try_reshape(&[usize::MAX, 2]),
                Err(Error::SizeOverflow { .. })
            ));
            Ok(())
        })
        .unwrap();
}

#[test]
fn transpose_values_and_gradients() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
            let t = x.transpose(0, 1);
            assert_eq!(t.shape(), &[3, 2]);
            assert_eq!(t.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
            // dx = dyᵀ: dy = [[1,2],[3,4],[5,6]] -> dx = [[1,3,5],[2,4,6]]
            let w = Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2])?;
            t.backward_with(&Backward::gradient(w))?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]
            );
            // [1, 5] -> [5, 1] moves only a size-1 dim: shared data
            let r = g.input(ramp(&[1, 5]));
            assert_eq!(r.transpose(-1, -2).data().as_ptr(), r.data().as_ptr());
            // 0-d: dims 0 and -1 are accepted, as in PyTorch
            assert_eq!(g.scalar(3.0).transpose(0, -1).item(), 3.0);
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[2, 3, 4])], |x| x[0].try_transpose(0, 2));
    check(&[ramp(&[3, 2, 2])], |x| x[0].try_transpose(-1, 1));
    check(&[ramp(&[4, 4])], |x| x[0].try_transpose(1, 0));
}

#[test]
fn permute_values_and_gradients() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(ramp(&[2, 3, 4]));
            let p = x.permute(&[2, 0, 1]);
            assert_eq!(p.shape(), &[4, 2, 3]);
            // p[k, i, j] = x[i, j, k]
            let (xd, pd) = (x.data(), p.data());
            for (i, j, k) in [(0, 0, 0), (1, 2, 3), (0, 1, 2), (1, 0, 3)] {
                assert_eq!(pd[k * 6 + i * 3 + j], xd[i * 12 + j * 4 + k]);
            }
            // back through the inverse permutation: permute(permute(x)) = x
            let back = p.permute(&[1, 2, 0]);
            assert_eq!(back.to_vec(), x.to_vec());
            back.sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![1.0; 24]);
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[2, 3, 4])], |x| x[0].try_permute(&[2, 0, 1]));
    check(&[ramp(&[2, 1, 3, 2])], |x| x[0].try_permute(&[3, 1, 0, 2]));
}

#[test]
fn permute_and_transpose_errors() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3, 4])?);
            for bad in [&[0, 1][..], &[0, 1, 1], &[0, 1, 3], &[0, 1, 2, 3]] {
                let e = x.try_permute(bad).unwrap_err();
                assert!(matches!(e, Error::InvalidArgument { op: "permute", .. }));
                assert!(e.to_string().contains("[2, 3, 4]"), "{e}");
            }
            let e = x.try_transpose(0, 3).unwrap_err();
            assert!(matches!(
                e,
                Error::BadAxis {
                    op: "transpose",
                    axis: 3,
                    ..
                }
            ));
            assert!(g.scalar(1.0).try_transpose(0, 1).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn broadcast_to_expands_and_sums_back() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0], &[3, 1])?);
            let y = x.broadcast_to(&[2, 3, 2]);
            assert_eq!(y.to_vec()[..6], [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
            assert_eq!(y.to_vec()[6..], y.to_vec()[..6]);
            // dx[i] = Σ over the 2 * 2 copies of x[i] of w: w = 0..12 -> [0+1+6+7, ...]
            let w = Tensor::new((0..12).map(|i| i as f32).collect(), &[2, 3, 2])?;
            y.backward_with(&Backward::gradient(w))?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![14.0, 22.0, 30.0]);
            // adding only size-1 dims keeps the layout: shared
            let z = x.broadcast_to(&[1, 3, 1]);
            assert_eq!(z.data().as_ptr(), x.data().as_ptr());
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[3, 1])], |x| x[0].try_broadcast_to(&[2, 3, 4]));
    check(&[ramp(&[2])], |x| x[0].try_broadcast_to(&[1, 2]));
}

#[test]
fn broadcast_to_an_incompatible_shape_is_an_error() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            for bad in [&[3, 3][..], &[3], &[2, 1], &[]] {
                let e = x.try_broadcast_to(bad).unwrap_err();
                assert!(matches!(
                    e,
                    Error::ShapeMismatch {
                        op: "broadcast_to",
                        ..
                    }
                ));
                assert!(e.to_string().contains("[2, 3]"), "{e}");
            }
            Ok(())
        })
        .unwrap();
}
