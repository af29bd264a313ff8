use crate::ops::tests::fd;
use crate::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

fn grad(v: &[f32], shape: &[usize]) -> Backward {
    Backward::gradient(t(v, shape))
}

#[test]
fn sum_axis_values_shapes_and_grads() {
    Graph::new()
        .run(|g| {
            // x = [[1, 2, 3], [4, 5, 6]]
            let x = g.leaf(t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]));
            // columns: [1+4, 2+5, 3+6]
            let s0 = x.sum_axis(0, false);
            assert_eq!((s0.shape(), s0.to_vec()), (&[3][..], vec![5.0, 7.0, 9.0]));
            // rows, kept as [2, 1]: [1+2+3, 4+5+6]
            let s1 = x.sum_axis(-1, true);
            assert_eq!((s1.shape(), s1.to_vec()), (&[2, 1][..], vec![6.0, 15.0]));
            // d(Σ_i g_j s0_j)/dx[i, j] = g_j: every row receives g
            s0.backward_with(&grad(&[1.0, 2.0, 3.0], &[3]))?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]
            );
            // then s1 with g = [10, 20] adds g_i to every element of row i
            s1.backward_with(&grad(&[10.0, 20.0], &[2, 1]))?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![11.0, 12.0, 13.0, 21.0, 22.0, 23.0]
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn middle_axis_of_rank_3() {
    Graph::new()
        .run(|g| {
            // x[o, k, i] = 6o + 2k + i, shape [2, 3, 2]; Σ_k = [0+2+4, 1+3+5, 6+8+10, 7+9+11]
            let x = g.leaf(t(
                &(0..12).map(|v| v as f32).collect::<Vec<_>>(),
                &[2, 3, 2],
            ));
            let s = x.sum_axis(1, true);
            assert_eq!(s.shape(), &[2, 1, 2]);
            assert_eq!(s.to_vec(), vec![6.0, 9.0, 24.0, 27.0]);
            // dx[o, k, i] = g[o, i] for each k
            s.backward_with(&grad(&[1.0, 2.0, 3.0, 4.0], &[2, 1, 2]))?;
            let want = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 3.0, 4.0];
            assert_eq!(x.grad().unwrap().to_vec(), want);
            Ok(())
        })
        .unwrap();
}

#[test]
fn means_scale_by_the_count() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]));
            // row means [6/3, 15/3]; dx = g_i / 3 on row i
            let m = x.mean_axis(1, false);
            assert_eq!((m.shape(), m.to_vec()), (&[2][..], vec![2.0, 5.0]));
            m.backward_with(&grad(&[3.0, 6.0], &[2]))?;
            assert_eq!(
                x.grad().unwrap().to_vec(),
                vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
            );
            x.set_grad_none();
            // mean of all: 21 / 6 = 3.5; dx = 1/6 each
            let m = x.mean();
            assert_eq!((m.shape(), m.item()), (&[][..], 3.5));
            m.backward()?;
            assert!(x.grad().unwrap().data().iter().all(|&v| v == 1.0 / 6.0));
            Ok(())
        })
        .unwrap();
}

#[test]
fn zero_dim_input_accepts_axis_0_and_minus_1() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(3.0));
            for (axis, keep) in [(0, false), (-1, true)] {
                let s = x.sum_axis(axis, keep);
                assert_eq!((s.shape(), s.item()), (&[][..], 3.0));
                let m = x.mean_axis(axis, keep);
                assert_eq!((m.shape(), m.item()), (&[][..], 3.0));
            }
            // y = sum_axis(x) + mean_axis(x) = 2x: dy/dx = 2
            (x.sum_axis(0, false) + x.mean_axis(-1, false)).backward()?;
            assert_eq!(x.grad().unwrap().item(), 2.0);
            for axis in [1, -2] {
                assert!(matches!(
                    x.try_sum_axis(axis, false),
                    Err(Error::BadAxis { .. })
                ));
                assert!(matches!(
                    x.try_mean_axis(axis, true),
                    Err(Error::BadAxis { .. })
                ));
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn empty_inputs() {
    Graph::new()
        .run(|g| {
            let e20 = g.leaf(Tensor::zeros(&[2, 0])?);
            let e03 = g.leaf(Tensor::zeros(&[0, 3])?);
            // a sum over nothing is 0; a mean over nothing is an error
            assert_eq!(e20.sum_axis(1, false).to_vec(), vec![0.0, 0.0]);
            assert_eq!(e20.sum().item(), 0.0);
            let s = e03.sum_axis(0, true);
            assert_eq!((s.shape(), s.to_vec()), (&[1, 3][..], vec![0.0; 3]));
            assert!(matches!(
                e20.try_mean(),
                Err(Error::Empty { op: "mean", .. })
            ));
            assert!(matches!(
                e20.try_mean_axis(-1, false),
                Err(Error::Empty { .. })
            ));
            // reducing a non-empty axis of an empty tensor is fine: shape [0]
            assert_eq!(e03.try_mean_axis(1, false)?.shape(), &[0]);
            // a reduction over an empty axis still backpropagates (to nothing)
            e20.sum().backward()?;
            assert_eq!(e20.grad().unwrap().shape(), &[2, 0]);
            Ok(())
        })
        .unwrap();
}

#[test]
#[should_panic(expected = "sum: axis 2 is out of range for shape [2, 3]")]
fn bad_axis_panics_with_the_error_text() {
    let _ = Graph::new().run(|g| {
        let x = g.input(Tensor::zeros(&[2, 3])?);
        x.sum_axis(2, false);
        Ok(())
    });
}

#[test]
fn no_grad_and_constants_record_nothing() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::ones(&[2, 2])?);
            assert!(!g.no_grad(|| x.mean_axis(0, false)).requires_grad());
            assert!(!g
                .input(Tensor::ones(&[2])?)
                .sum_axis(0, false)
                .requires_grad());
            Ok(())
        })
        .unwrap();
}

#[test]
fn finite_differences() {
    let x = t(&fd::uniform(24, 1), &[2, 3, 4]);
    for axis in [0, 1, 2, -1] {
        for keep in [false, true] {
            fd::check(std::slice::from_ref(&x), |v| Ok(v[0].sum_axis(axis, keep)));
            fd::check(std::slice::from_ref(&x), |v| Ok(v[0].mean_axis(axis, keep)));
        }
    }
    fd::check(std::slice::from_ref(&x), |v| Ok(v[0].mean()));
    fd::check(std::slice::from_ref(&x), |v| Ok(v[0].sum()));
    fd::check(&[Tensor::scalar(0.7)], |v| Ok(v[0].mean_axis(0, true)));
}

#[test]
fn a_training_graph_gives_the_same_bits_on_1_and_2_threads() {
    // tanh(a * b + c).sum() and mean over an axis, forward and backward, on 2^20 elements:
    // every kernel splits over threads here, and the reductions at fixed boundaries
    let n = 1 << 20;
    let v = |seed: u32| -> Vec<f32> {
        (0..n as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 2001) as f32 / 500.0 - 2.0)
            .collect()
    };
    let run = || {
        let mut bits = vec![];
        Graph::new()
            .run(|g| {
                let [a, b, c] =
                    [1, 2, 3].map(|s| g.leaf(Tensor::new(v(s), &[n / 512, 512]).unwrap()));
                let h = (a * b + c).tanh();
                let y = h.sum() + h.mean_axis(0, false).sum() + h.max();
                y.backward()?;
                bits.push(y.item().to_bits());
                for t in [a, b, c] {
                    bits.extend(t.grad().unwrap().data().iter().map(|x| x.to_bits()));
                }
                Ok(())
            })
            .unwrap();
        bits
    };
    let [one, two] = [1, 2].map(|t| crate::with_num_threads(t, run).unwrap());
    assert!(one == two, "1 and 2 threads differ");
}
