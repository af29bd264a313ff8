//! Tests of index_select, embedding and gather.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn index_select_along_each_axis() {
    Graph::new()
        .run(|g| {
            let x = g.input(ramp(&[3, 2]));
            let d = x.data();
            let rows = x.index_select(0, &[2, 2, 0]);
            assert_eq!(rows.shape(), &[3, 2]);
            assert_eq!(rows.to_vec(), vec![d[4], d[5], d[4], d[5], d[0], d[1]]);
            assert_eq!(x.index_select(-1, &[1]).to_vec(), vec![d[1], d[3], d[5]]);
            assert_eq!(x.index_select(0, &[]).shape(), &[0, 2]);
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[2, 4, 3])], |x| {
        x[0].try_index_select(1, &[3, 0, 3, 1])
    });
    check(&[ramp(&[3, 2])], |x| x[0].try_index_select(0, &[1, 1]));
}

#[test]
fn embedding_accumulates_repeated_ids() {
    Graph::new()
        .run(|g| {
            let w = g.leaf(ramp(&[4, 3]));
            let e = w.embedding(&[1, 3, 1], &[3]);
            assert_eq!(e.to_vec()[..3], w.data()[3..6]);
            assert_eq!(e.to_vec()[3..6], w.data()[9..12]);
            // Σ_j e[j] * (j + 1) per row: row 1 gets 1 + 3 = 4, row 3 gets 2, rows 0, 2 get 0
            let scale = g.input(Tensor::new(vec![1.0, 2.0, 3.0], &[3, 1])?);
            (e * scale).sum().backward()?;
            let want = [0., 0., 0., 4., 4., 4., 0., 0., 0., 2., 2., 2.];
            assert_eq!(w.grad().unwrap().to_vec(), want);
            // a 0-d index gives one row of shape [D]
            assert_eq!(w.embedding(&[2], &[]).shape(), &[3]);
            Ok(())
        })
        .unwrap();
    check(&[ramp(&[5, 4])], |x| {
        x[0].try_embedding(&[1, 0, 1, 4], &[2, 2])
    });
}

#[test]
fn embedding_errors_name_the_op_index_and_weight() {
    Graph::new()
        .run(|g| {
            let w = g.input(Tensor::zeros(&[4, 3])?);
            let e = w.try_embedding(&[0, 7], &[2]).unwrap_err();
            assert_eq!(
                e,
                Error::IndexOutOfRange {
                    op: "embedding",
                    index: 7,
                    size: 4,
                    shape: vec![4, 3]
                }
            );
            let msg = e.to_string();
            assert!(msg.contains("embedding") && msg.contains('7') && msg.contains("[4, 3]"));
            let e = w.try_embedding(&[0, 1], &[3]).unwrap_err();
            assert!(matches!(
                e,
                Error::DataLength {
                    op: "embedding",
                    len: 2,
                    ..
                }
            ));
            let v = g.input(Tensor::zeros(&[4])?);
            let e = v.try_embedding(&[0], &[1]).unwrap_err();
            assert!(e.to_string().contains("embedding") && e.to_string().contains("[4]"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn gather_follows_torch_and_scatters_back() {
    Graph::new()
        .run(|g| {
            // torch.gather(x, 0, [[1, 0, 1]]) on x [2, 3]: out[0, j] = x[idx[j], j]
            let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
            let y = x.gather(0, &[1, 0, 1], &[1, 3]);
            assert_eq!(y.to_vec(), vec![4.0, 2.0, 6.0]);
            y.sum().backward()?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
            );
            Ok(())
        })
        .unwrap();
    let (index, shape) = ([2, 2, 0, 1, 0, 0, 1, 2], [2, 2, 2]);
    check(&[ramp(&[2, 3, 2])], |x| x[0].try_gather(1, &index, &shape));
    check(&[ramp(&[2, 3])], |x| {
        x[0].try_gather(-1, &[0, 2, 2, 1, 1, 1], &[2, 3])
    });
}

#[test]
fn index_errors_name_the_op_and_shapes() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            let e = x.try_index_select(1, &[0, 3]).unwrap_err();
            assert_eq!(
                e,
                Error::IndexOutOfRange {
                    op: "index_select",
                    index: 3,
                    size: 3,
                    shape: vec![2, 3]
                }
            );
            assert!(e.to_string().contains("index_select") && e.to_string().contains("[2, 3]"));
            let e = x.try_gather(0, &[0, 2, 1], &[1, 3]).unwrap_err();
            assert!(matches!(
                e,
                Error::IndexOutOfRange {
                    op: "gather",
                    index: 2,
                    size: 2,
                    ..
                }
            ));
            let e = x.try_gather(0, &[0, 0], &[2]).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("gather") && msg.contains("[2]") && msg.contains("[2, 3]"));
            assert!(x.try_gather(0, &[0; 8], &[2, 4]).is_err()); // 4 > 3 off the axis
            assert!(x.try_gather(1, &[0; 8], &[2, 4]).is_ok()); // along it any size
            assert!(x.try_gather(0, &[0; 3], &[2, 2]).is_err()); // 3 values for 4
            assert!(matches!(
                x.try_index_select(2, &[0]),
                Err(Error::BadAxis { .. })
            ));
            Ok(())
        })
        .unwrap();
}
