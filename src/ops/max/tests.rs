use crate::ops::tests::fd;
use crate::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

/// Distinct values 0.1 apart (37 is coprime to n = 60), so no two candidates for a max lie
/// within a finite-difference step of each other.
fn spread(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    assert!(n <= 60);
    let data: Vec<f32> = (0..n).map(|e| ((e * 37) % 60) as f32 * 0.1 - 3.0).collect();
    t(&data, shape)
}

#[test]
fn max_all_splits_ties_evenly() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[2.0, 7.0, 7.0, -1.0, 7.0, 0.0], &[2, 3]));
            let m = x.max();
            assert_eq!((m.shape(), m.item()), (&[][..], 7.0));
            // three elements tie at 7: each gets g / 3 = 3 / 3
            m.backward_with(&Backward::gradient(Tensor::scalar(3.0)))?;
            let want = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0];
            assert_eq!(x.grad().unwrap().to_vec(), want);
            Ok(())
        })
        .unwrap();
}

#[test]
fn nan_is_the_max() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, f32::NAN, 5.0]));
            let m = x.max();
            assert!(m.item().is_nan());
            // PyTorch's mask is "is NaN" when the max is NaN
            m.backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, 0.0]);
            let m = x.max_axis(0, false);
            assert!(m.item().is_nan());
            Ok(())
        })
        .unwrap();
}

#[test]
fn max_axis_routes_to_the_first_argmax() {
    Graph::new()
        .run(|g| {
            // rows [1, 5, 5] and [-1, -3, -2]: maxima 5 (first at k = 1) and -1 (k = 0)
            let x = g.leaf(t(&[1.0, 5.0, 5.0, -1.0, -3.0, -2.0], &[2, 3]));
            let m = x.max_axis(1, false);
            assert_eq!((m.shape(), m.to_vec()), (&[2][..], vec![5.0, -1.0]));
            m.backward_with(&Backward::gradient(Tensor::from_slice(&[10.0, 20.0])))?;
            let want = [0.0, 10.0, 0.0, 20.0, 0.0, 0.0];
            assert_eq!(x.grad().unwrap().to_vec(), want);
            // columns (1, -1), (5, -3), (5, -2): all from row 0, kept as [1, 3]
            let c = x.max_axis(-2, true);
            assert_eq!((c.shape(), c.to_vec()), (&[1, 3][..], vec![1.0, 5.0, 5.0]));
            Ok(())
        })
        .unwrap();
}

#[test]
fn middle_axis_of_rank_3() {
    Graph::new()
        .run(|g| {
            // x [2, 3, 2]; along k: (0,7,2) (1,6,3) | (5,4,9) (8,8,1) -> 7 6 9 8 at k = 1 1 2 0
            let data = [0.0, 1.0, 7.0, 6.0, 2.0, 3.0, 5.0, 8.0, 4.0, 8.0, 9.0, 1.0];
            let x = g.leaf(t(&data, &[2, 3, 2]));
            let m = x.max_axis(1, true);
            assert_eq!(
                (m.shape(), m.to_vec()),
                (&[2, 1, 2][..], vec![7.0, 6.0, 9.0, 8.0])
            );
            m.sum().backward()?;
            let want = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0];
            assert_eq!(x.grad().unwrap().to_vec(), want);
            Ok(())
        })
        .unwrap();
}

#[test]
fn zero_dim_and_errors() {
    Graph::new()
        .run(|g| {
            let s = g.leaf(Tensor::scalar(-2.0));
            let m = s.max_axis(-1, true);
            assert_eq!((m.shape(), m.item()), (&[][..], -2.0));
            m.backward()?;
            assert_eq!(s.grad().unwrap().item(), 1.0);
            assert_eq!(s.max().item(), -2.0);
            assert!(matches!(
                s.try_max_axis(1, false),
                Err(Error::BadAxis { .. })
            ));
            let e = g.leaf(Tensor::zeros(&[0, 3])?);
            assert!(matches!(e.try_max(), Err(Error::Empty { op: "max", .. })));
            assert!(matches!(e.try_max_axis(0, false), Err(Error::Empty { .. })));
            // a non-empty axis of an empty tensor reduces to an empty result
            assert_eq!(e.try_max_axis(1, true)?.shape(), &[0, 1]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn finite_differences() {
    let x = spread(&[3, 4, 5]);
    for axis in [0, 1, 2, -1] {
        fd::check(std::slice::from_ref(&x), |v| Ok(v[0].max_axis(axis, false)));
        fd::check(std::slice::from_ref(&x), |v| Ok(v[0].max_axis(axis, true)));
    }
    fd::check(std::slice::from_ref(&x), |v| Ok(v[0].max()));
}
