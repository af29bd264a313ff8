use crate::prelude::*;

#[test]
fn broadcast_gradients_are_summed_back() {
    Graph::new()
        .run(|g| {
            let a = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
            let b = g.leaf(Tensor::new(vec![2.0, 3.0], &[2, 1])?);
            // y = a * b; dy/db[i] = sum_j a[i, j] = 6, 15; dy/da = b broadcast
            (a * b).sum().backward()?;
            assert_eq!(b.grad().unwrap().to_vec(), vec![6.0, 15.0]);
            assert_eq!(
                a.grad().unwrap().to_vec(),
                vec![2.0, 2.0, 2.0, 3.0, 3.0, 3.0]
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn x_times_x_plus_x_fans_in() {
    // f = x*x + x at 3: f = 12, df/dx = 2x + 1 = 7
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(3.0));
            let f = x * x + x;
            assert_eq!(f.item(), 12.0);
            f.backward()?;
            assert_eq!(x.grad().unwrap().item(), 7.0);
            Ok(())
        })
        .unwrap();
}

#[test]
fn div_and_ties() {
    Graph::new()
        .run(|g| {
            let a = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
            let b = g.leaf(Tensor::from_slice(&[4.0, 2.0]));
            // d(a/b)/da = 1/b = [0.25, 0.5]; d/db = -a/b^2 = [-1/16, -0.5]
            a.try_div(b)?.sum().backward()?;
            assert_eq!(a.grad().unwrap().to_vec(), vec![0.25, 0.5]);
            assert_eq!(b.grad().unwrap().to_vec(), vec![-0.0625, -0.5]);
            a.set_grad_none();
            b.set_grad_none();
            // maximum([1,2],[4,2]): second element tied -> half the gradient each
            a.maximum(b).sum().backward()?;
            assert_eq!(a.grad().unwrap().to_vec(), vec![0.0, 0.5]);
            assert_eq!(b.grad().unwrap().to_vec(), vec![1.0, 0.5]);
            Ok(())
        })
        .unwrap();
}
