use crate::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[test]
fn running_stats_follow_pytorch() {
    Graph::new()
        .run(|g| {
            // [N=2, C=2, L=2]: channel 0 holds [0, 2, 4, 6] (mean 3, biased var 5, unbiased 20/3)
            let x = g.leaf(t(&[0.0, 2.0, 1.0, 1.0, 4.0, 6.0, 1.0, 1.0], &[2, 2, 2]));
            let (mut rm, mut rv) = ([0.0, 1.0], [1.0, 1.0]);
            let mode = BatchNormMode::Train {
                running: Some((&mut rm, &mut rv)),
                momentum: 0.1,
                eps: 1e-5,
            };
            let y = x.try_batch_norm(None, None, mode)?;
            assert!((rm[0] - 0.3).abs() < 1e-7 && (rm[1] - 1.0).abs() < 1e-7);
            assert!((rv[0] - (0.9 + 0.1 * 20.0 / 3.0)).abs() < 1e-6 && (rv[1] - 0.9).abs() < 1e-7);
            // channel 1 is constant: x̂ = 0 (rstd = 1/√eps times 0)
            assert_eq!(y.to_vec()[2..4], [0.0, 0.0]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn eval_gradients_treat_the_statistics_as_constants() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]));
            let w = g.leaf(Tensor::from_slice(&[2.0, 3.0]));
            let mode = BatchNormMode::Eval {
                mean: &[1.0, 0.0],
                var: &[4.0, 1.0],
                eps: 0.0,
            };
            let y = x.try_batch_norm(Some(w), None, mode)?;
            assert_eq!(y.to_vec(), vec![0.0, 6.0, 2.0, 12.0]);
            y.sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 3.0, 1.0, 3.0]); // w·rstd
            assert_eq!(w.grad().unwrap().to_vec(), vec![1.0, 6.0]); // Σ x̂
            Ok(())
        })
        .unwrap();
}

#[test]
fn bad_input_is_an_error_naming_op_and_shapes() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[4, 3, 2])?);
            let w2 = g.input(Tensor::ones(&[2])?);
            let e = x
                .try_batch_norm(Some(w2), None, BatchNormMode::train(None))
                .unwrap_err();
            assert!(
                matches!(&e, Error::ShapeMismatch { op: "batch_norm", rhs, .. } if rhs == &[2])
            );
            assert!(e.to_string().contains("need shape [C]"), "{e}");
            let e = x.try_batch_norm(None, Some(w2), BatchNormMode::eval(&[0.0; 3], &[1.0; 3]));
            assert!(matches!(e, Err(Error::ShapeMismatch { .. })));
            let (mut m, mut v) = (vec![0.0; 2], vec![1.0; 3]);
            let e = x.try_batch_norm(None, None, BatchNormMode::train(Some((&mut m, &mut v))));
            assert!(matches!(e, Err(Error::ShapeMismatch { .. })));
            assert_eq!((m, v), (vec![0.0; 2], vec![1.0; 3])); // untouched on error
            let e = x.try_batch_norm(None, None, BatchNormMode::eval(&[0.0; 3], &[1.0; 4]));
            assert!(matches!(e, Err(Error::ShapeMismatch { .. })));
            // one value per channel when training
            for shape in [&[1, 3][..], &[1, 3, 1], &[1, 3, 1, 1]] {
                let one = g.input(Tensor::zeros(shape)?);
                let e = one
                    .try_batch_norm(None, None, BatchNormMode::train(None))
                    .unwrap_err();
                let s = e.to_string();
                assert!(
                    s.contains("Expected more than 1 value per channel when training"),
                    "{s}"
                );
                assert!(s.contains(&format!("{shape:?}")), "{s}");
                // evaluation needs no batch statistics
                assert!(one
                    .try_batch_norm(None, None, BatchNormMode::eval(&[0.0; 3], &[1.0; 3]))
                    .is_ok());
            }
            let e = g.input(Tensor::zeros(&[3])?).try_batch_norm(
                None,
                None,
                BatchNormMode::train(None),
            );
            assert!(matches!(
                e,
                Err(Error::InvalidArgument {
                    op: "batch_norm",
                    ..
                })
            ));
            Ok(())
        })
        .unwrap();
}
