use crate::ops::tests::fd;
use crate::prelude::*;
use crate::Mask;

fn t(shape: &[usize], seed: u64) -> Tensor {
    let n = shape.iter().product();
    Tensor::new(fd::uniform(n, seed), shape).unwrap()
}

#[test]
fn gradients_match_finite_differences() {
    let (q, k, v) = (t(&[2, 3, 4], 1), t(&[2, 5, 4], 2), t(&[2, 5, 3], 3));
    fd::check(&[q.clone(), k.clone(), v.clone()], |x| {
        x[0].try_scaled_dot_product_attention(x[1], x[2], None, false, None)
    });
    fd::check(&[q.clone(), k.clone(), v.clone()], |x| {
        x[0].try_scaled_dot_product_attention(x[1], x[2], None, true, Some(0.7))
    });
    // a [L, S] mask broadcast over the batch, with row 1 fully masked
    let m = Mask::new((0..15).map(|i| i % 2 == 0 && i / 5 != 1).collect(), &[3, 5]).unwrap();
    fd::check(&[q, k, v], |x| {
        x[0].try_scaled_dot_product_attention(x[1], x[2], Some(&m), false, None)
    });
}

#[test]
fn same_input_as_query_key_and_value() {
    // self-attention on one leaf: the three gradients add into the same buffer
    let x = t(&[1, 2, 4, 3], 5);
    fd::check(&[x], |x| {
        x[0].try_scaled_dot_product_attention(x[0], x[0], None, true, None)
    });
}

#[test]
fn fully_masked_rows_are_zero_with_zero_gradient() {
    Graph::new()
        .run(|g| {
            let q = g.leaf(t(&[1, 2, 3], 1));
            let k = g.leaf(t(&[1, 2, 3], 2));
            let v = g.leaf(t(&[1, 2, 3], 3));
            let m = Mask::new(vec![false, false, true, false], &[2, 2])?;
            let y = q.try_scaled_dot_product_attention(k, v, Some(&m), false, None)?;
            let y = y.to_vec();
            assert_eq!(&y[..3], &[0.0; 3]);
            // row 1 attends to key 0 alone: its output is v[0]
            assert_eq!(&y[3..], &v.to_vec()[..3]);
            let y = q.try_scaled_dot_product_attention(k, v, Some(&m), false, None)?;
            y.sum().backward()?;
            assert_eq!(&q.grad().unwrap().to_vec()[..3], &[0.0; 3]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn bad_shapes_and_masks_are_errors() {
    Graph::new()
        .run(|g| {
            let q = g.input(t(&[2, 3, 4], 1));
            let k5 = g.input(t(&[2, 3, 5], 2));
            let v = g.input(t(&[2, 3, 4], 3));
            let e = q.try_scaled_dot_product_attention(k5, v, None, false, None);
            assert!(matches!(e, Err(Error::ShapeMismatch { .. })), "{e:?}");
            let v2 = g.input(t(&[2, 2, 4], 3));
            let e = q.try_scaled_dot_product_attention(q, v2, None, false, None);
            assert!(matches!(e, Err(Error::ShapeMismatch { .. })), "{e:?}");
            let m = Mask::new(vec![true; 6], &[3, 2])?;
            let e = q.try_scaled_dot_product_attention(q, v, Some(&m), false, None);
            assert!(e.unwrap_err().to_string().contains("[3, 2]"));
            let m = Mask::new(vec![true; 9], &[3, 3])?;
            let e = q.try_scaled_dot_product_attention(q, v, Some(&m), true, None);
            assert!(matches!(e, Err(Error::InvalidArgument { .. })));
            Ok(())
        })
        .unwrap();
}

#[test]
fn direct_and_scratch_backward_agree_and_accumulate() {
    // all three need gradients (one a parameter): the kernel writes into their buffers, then
    // adds on a second pass; with a constant query the scratch path gives k and v the same
    let (tq, tk, tv) = (t(&[2, 3, 4], 1), t(&[2, 5, 4], 2), t(&[2, 5, 3], 3));
    let mut params = ParamStore::new();
    let pq = params.add("q", tq.clone()).unwrap();
    let mut direct = (vec![], vec![]);
    Graph::new()
        .run_with(&mut params, |g| {
            let (q, k, v) = (g.param(pq), g.leaf(tk.clone()), g.leaf(tv.clone()));
            let y = q.try_scaled_dot_product_attention(k, v, None, true, None)?;
            let loss = (y * y).sum();
            loss.backward_with(&Backward::retain_graph())?;
            direct = (k.grad().unwrap().to_vec(), v.grad().unwrap().to_vec());
            loss.backward()?;
            let twice = |a: &[f32], b: Vec<f32>| a.iter().zip(&b).all(|(a, b)| 2.0 * a == *b);
            assert!(twice(&direct.0, k.grad().unwrap().to_vec()));
            assert!(twice(&direct.1, v.grad().unwrap().to_vec()));
            Ok(())
        })
        .unwrap();
    assert!(params.grad(pq).iter().any(|&x| x != 0.0));
    Graph::new()
        .run(|g| {
            let (q, k, v) = (g.input(&tq), g.leaf(tk.clone()), g.leaf(tv.clone()));
            let y = q.try_scaled_dot_product_attention(k, v, None, true, None)?;
            (y * y).sum().backward()?;
            assert_eq!(k.grad().unwrap().to_vec(), direct.0);
            assert_eq!(v.grad().unwrap().to_vec(), direct.1);
            Ok(())
        })
        .unwrap();
}
