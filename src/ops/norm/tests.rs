use crate::ops::tests::fd;
use crate::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn forward_and_gradients_by_hand() {
    Graph::new()
        .run(|g| {
            // row [0, 1, 2]: mean 1, var 2/3, rstd = √(3/2) (eps 0), x̂ = √(3/2) [-1, 0, 1]
            let r = 1.5f32.sqrt();
            let x = g.leaf(t(&[0.0, 1.0, 2.0], &[1, 3]));
            let y = x.layer_norm(None, None, 0.0);
            assert!(close(&y.to_vec(), &[-r, 0.0, r], 1e-6));
            // g = [1, 0, 0]: mean g = 1/3, mean g x̂ = -r/3
            // dx = r (g - 1/3 + x̂ r/3) = r ([1, 0, 0] - 1/3 + [-1/2, 0, 1/2]) = r [1/6, -1/3, 1/6]
            y.backward_with(&Backward::gradient(t(&[1.0, 0.0, 0.0], &[1, 3])))?;
            let want = [r / 6.0, -r / 3.0, r / 6.0];
            assert!(close(&x.grad().unwrap().to_vec(), &want, 1e-6));
            Ok(())
        })
        .unwrap();
}

#[test]
fn weight_and_bias_gradients() {
    Graph::new()
        .run(|g| {
            // rows [1, 3] and [4, 0]: x̂ = [-1, 1] and [1, -1] (eps 0)
            let x = g.leaf(t(&[1.0, 3.0, 4.0, 0.0], &[2, 2]));
            let w = g.leaf(Tensor::from_slice(&[2.0, 3.0]));
            let b = g.leaf(Tensor::from_slice(&[0.5, -0.5]));
            let y = x.layer_norm(Some(w), Some(b), 0.0);
            // y = x̂ w + b = [-1.5, 2.5, 2.5, -3.5]
            assert_eq!(y.to_vec(), vec![-1.5, 2.5, 2.5, -3.5]);
            // g = [1, 2, 3, 4]: dw = Σ g x̂ = [-1 + 3, 2 - 4] = [2, -2], db = Σ g = [4, 6]
            y.backward_with(&Backward::gradient(t(&[1.0, 2.0, 3.0, 4.0], &[2, 2])))?;
            assert_eq!(w.grad().unwrap().to_vec(), vec![2.0, -2.0]);
            assert_eq!(b.grad().unwrap().to_vec(), vec![4.0, 6.0]);
            // row 0: ĝ = [2, 6], mean ĝ = 4, mean ĝ x̂ = 2: dx = [2 - 4 + 2, 6 - 4 - 2] = 0
            // (a 2-element row's x̂ is ±1 whatever x is, so its x gradient vanishes)
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0; 4]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn bias_alone_and_weight_alone() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[0.0, 1.0, 2.0, 5.0, 1.0, 0.0], &[2, 3]));
            let b = g.leaf(Tensor::from_slice(&[1.0, 2.0, 3.0]));
            // the bias is input 1 when there is no weight; db = Σ_rows 1 = 2
            x.layer_norm(None, Some(b), 1e-5).sum().backward()?;
            assert_eq!(b.grad().unwrap().to_vec(), vec![2.0; 3]);
            let w = g.leaf(Tensor::from_slice(&[1.0, 1.0, 1.0]));
            x.layer_norm(Some(w), None, 1e-5).sum().backward()?;
            // Σ_rows x̂ per column, with each row's x̂ summing to 0 over columns
            assert!(w.grad().unwrap().data().iter().sum::<f32>().abs() < 1e-5);
            Ok(())
        })
        .unwrap();
}

#[test]
fn errors() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 3])?);
            let w2 = g.input(Tensor::ones(&[2])?);
            let w13 = g.input(Tensor::ones(&[1, 3])?);
            let e = x.try_layer_norm(Some(w2), None, 1e-5).unwrap_err();
            assert!(matches!(
                e,
                Error::ShapeMismatch {
                    op: "layer_norm",
                    ..
                }
            ));
            assert!(x.try_layer_norm(None, Some(w13), 1e-5).is_err());
            let s = g.input(Tensor::scalar(1.0));
            assert!(matches!(
                s.try_layer_norm(None, None, 1e-5),
                Err(Error::BadAxis { .. })
            ));
            let e = g.input(Tensor::zeros(&[3, 0])?);
            assert!(matches!(
                e.try_layer_norm(None, None, 1e-5),
                Err(Error::Empty { .. })
            ));
            // no rows is fine
            let e = g.input(Tensor::zeros(&[0, 3])?);
            assert_eq!(e.try_layer_norm(None, None, 1e-5)?.shape(), &[0, 3]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn finite_differences() {
    let x = t(&fd::uniform(24, 5), &[2, 3, 4]);
    let w = t(&fd::uniform(4, 6), &[4]);
    let b = t(&fd::uniform(4, 8), &[4]);
    fd::check(&[x.clone(), w.clone(), b.clone()], |v| {
        Ok(v[0].layer_norm(Some(v[1]), Some(v[2]), 1e-5))
    });
    fd::check(&[x.clone(), w], |v| {
        Ok(v[0].layer_norm(Some(v[1]), None, 1e-3))
    });
    fd::check(&[x, b], |v| Ok(v[0].layer_norm(None, Some(v[1]), 1e-5)));
}
