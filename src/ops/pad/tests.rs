use crate::prelude::*;

#[test]
fn pads_the_last_dims_first() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::new(
                (1..=6).map(|v| v as f32).collect(),
                &[1, 2, 3],
            )?);
            // last dim: 1 left, 0 right; dim 1: 0 top, 1 bottom
            let y = x.try_pad(&[1, 0, 0, 1], -1.0)?;
            assert_eq!(y.shape(), &[1, 3, 4]);
            let want = [
                -1.0, 1.0, 2.0, 3.0, -1.0, 4.0, 5.0, 6.0, -1.0, -1.0, -1.0, -1.0,
            ];
            assert_eq!(y.to_vec(), want);
            // all three dims, cropping dim 0 to nothing is allowed (a dim of 0)
            assert_eq!(x.try_pad(&[0, 0, 0, 0, -1, 0], 0.0)?.shape(), &[0, 2, 3]);
            assert_eq!(x.try_pad(&[], 0.0)?.to_vec(), x.to_vec());
            y.backward_with(&Backward::gradient(Tensor::new(
                (0..12).map(|v| v as f32).collect(),
                &[1, 3, 4],
            )?))?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![1.0, 2.0, 3.0, 5.0, 6.0, 7.0]
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn bad_pads_are_errors() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            for pads in [&[1][..], &[1, 1, 1], &[0, 0, 0, 0, 1, 1]] {
                let e = x.try_pad(pads, 0.0).unwrap_err();
                let s = e.to_string();
                assert!(
                    s.starts_with("pad:")
                        && s.contains(&format!("{pads:?}"))
                        && s.contains("[2, 3]"),
                    "{s}"
                );
            }
            let e = x.try_pad(&[-2, -2], 0.0).unwrap_err().to_string();
            assert!(e.contains("crop dim 1") && e.contains("below 0"), "{e}");
            let e = x.try_pad(&[0, 0, -3, 0], 0.0).unwrap_err().to_string();
            assert!(e.contains("crop dim 0"), "{e}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn flatten_merges_dims() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2, 3, 4])?);
            assert_eq!(x.try_flatten(0, -1)?.shape(), &[24]);
            assert_eq!(x.try_flatten(-2, -1)?.shape(), &[2, 12]);
            assert_eq!(x.try_flatten(1, 1)?.shape(), &[2, 3, 4]);
            assert!(matches!(
                x.try_flatten(0, 3),
                Err(Error::BadAxis { op: "flatten", .. })
            ));
            assert!(matches!(
                x.try_flatten(-1, 0),
                Err(Error::InvalidArgument { op: "flatten", .. })
            ));
            let s = g.input(Tensor::scalar(2.0));
            assert_eq!(s.try_flatten(0, -1)?.shape(), &[1]);
            assert!(s.try_flatten(1, 1).is_err());
            let y = x.flatten(1, 2);
            y.sum().backward()?;
            assert_eq!(x.grad().unwrap().shape(), &[2, 3, 4]);
            Ok(())
        })
        .unwrap();
}
