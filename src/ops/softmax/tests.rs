use crate::ops::tests::fd;
use crate::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn values_along_either_axis() {
    Graph::new()
        .run(|g| {
            // x = [[0, 1], [ln 3, 1]]
            let l3 = 3f32.ln();
            let x = g.input(t(&[0.0, 1.0, l3, 1.0], &[2, 2]));
            // along axis 0: columns [0, ln 3] -> [1/4, 3/4] and [1, 1] -> [1/2, 1/2]
            let p = x.softmax(0);
            assert_eq!(p.shape(), &[2, 2]);
            assert!(close(&p.to_vec(), &[0.25, 0.5, 0.75, 0.5], 1e-7));
            // along the last axis, row 0 = [0, 1]: log p = [-ln(1 + e), 1 - ln(1 + e)]
            let lp = x.log_softmax(-1).to_vec();
            let z = (1.0 + 1f32.exp()).ln();
            assert!(close(&lp[..2], &[-z, 1.0 - z], 1e-6));
            Ok(())
        })
        .unwrap();
}

#[test]
fn gradients_by_hand() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[0.0, 3f32.ln()]));
            // y = [1/4, 3/4], g = [1, 0]: Σ g y = 1/4, dx = y (g - 1/4) = [3/16, -3/16]
            let y = x.softmax(0);
            y.backward_with(&Backward::gradient(Tensor::from_slice(&[1.0, 0.0])))?;
            assert!(close(&x.grad().unwrap().to_vec(), &[0.1875, -0.1875], 1e-7));
            x.set_grad_none();
            // log_softmax, g = [1, 2]: dx = g - p Σ g = [1 - 3/4, 2 - 9/4] = [1/4, -1/4]
            let y = x.log_softmax(-1);
            y.backward_with(&Backward::gradient(Tensor::from_slice(&[1.0, 2.0])))?;
            assert!(close(&x.grad().unwrap().to_vec(), &[0.25, -0.25], 1e-6));
            Ok(())
        })
        .unwrap();
}

#[test]
fn large_logits_stay_finite() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[100.0, -100.0, 0.0, 100.0, 100.0, -100.0], &[2, 3]));
            let p = x.softmax(-1);
            let lp = x.log_softmax(-1);
            assert!(p.data().iter().chain(lp.data()).all(|v| v.is_finite()));
            // row 0: p = [1, e^-200 = 0, e^-100 = 0]; row 1 splits between two 100s
            assert!(close(&p.to_vec(), &[1.0, 0.0, 0.0, 0.5, 0.5, 0.0], 1e-7));
            assert!(close(&lp.to_vec()[..3], &[0.0, -200.0, -100.0], 1e-4));
            (p.sum() + lp.sum()).backward()?;
            assert!(x.grad().unwrap().data().iter().all(|v| v.is_finite()));
            Ok(())
        })
        .unwrap();
}

#[test]
fn zero_dim_empty_and_bad_axes() {
    Graph::new()
        .run(|g| {
            // a 0-d input is one row of one element: softmax 1, log_softmax 0, dx = 0
            let s = g.leaf(Tensor::scalar(5.0));
            assert_eq!(s.softmax(0).item(), 1.0);
            let ls = s.log_softmax(-1);
            assert_eq!((ls.shape(), ls.item()), (&[][..], 0.0));
            ls.backward()?;
            assert_eq!(s.grad().unwrap().item(), 0.0);
            assert!(matches!(s.try_softmax(1), Err(Error::BadAxis { .. })));
            let e = g.input(Tensor::zeros(&[2, 0])?);
            assert_eq!(e.softmax(1).shape(), &[2, 0]);
            assert_eq!(e.log_softmax(0).numel(), 0);
            let x = g.input(Tensor::zeros(&[2, 3])?);
            let err = x.try_log_softmax(-3).unwrap_err();
            assert!(err.to_string().starts_with("log_softmax: axis -3"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn finite_differences() {
    let x = t(
        &fd::uniform(24, 3)
            .iter()
            .map(|v| 2.0 * v)
            .collect::<Vec<_>>(),
        &[2, 3, 4],
    );
    for axis in [0, 1, 2, -1] {
        fd::check(std::slice::from_ref(&x), |v| Ok(v[0].softmax(axis)));
        fd::check(std::slice::from_ref(&x), |v| Ok(v[0].log_softmax(axis)));
    }
    fd::check(&[Tensor::from_slice(&[0.3, -1.2, 2.0])], |v| {
        Ok(v[0].softmax(0))
    });
}
