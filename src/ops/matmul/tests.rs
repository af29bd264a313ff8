//! Tests of matmul: hand-computed products, every operand layout against a naive reference,
//! finite differences, and errors.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

/// Naive torch.matmul for operands whose batch dims (if any) already have equal rank: promote
/// 1-D operands, loop over the broadcast batch with index arithmetic, drop promoted dims.
fn reference(a: &Tensor, b: &Tensor) -> (Vec<usize>, Vec<f32>) {
    let (mut sa, mut sb) = (a.shape().to_vec(), b.shape().to_vec());
    let (a1, b1) = (sa.len() == 1, sb.len() == 1);
    if a1 {
        sa.insert(0, 1);
    }
    if b1 {
        sb.push(1);
    }
    let (m, k, n) = (sa[sa.len() - 2], sa[sa.len() - 1], sb[sb.len() - 1]);
    let rank = sa.len().max(sb.len());
    let pad = |s: &[usize]| {
        let mut v = vec![1; rank - s.len()];
        v.extend_from_slice(&s[..s.len() - 2]);
        v
    };
    let (ba, bb) = (pad(&sa), pad(&sb));
    let batch: Vec<usize> = ba.iter().zip(&bb).map(|(&x, &y)| x.max(y)).collect();
    let nb: usize = batch.iter().product();
    let mut out = vec![0.0; nb * m * n];
    for bi in 0..nb {
        let (mut rem, mut oa, mut ob, mut stride_a, mut stride_b) = (bi, 0, 0, 1, 1);
        for d in (0..batch.len()).rev() {
            let i = rem % batch[d];
            rem /= batch[d];
            oa += if ba[d] == 1 { 0 } else { i * stride_a };
            ob += if bb[d] == 1 { 0 } else { i * stride_b };
            stride_a *= ba[d];
            stride_b *= bb[d];
        }
        for i in 0..m {
            for j in 0..n {
                let s: f32 = (0..k)
                    .map(|p| a.data()[oa * m * k + i * k + p] * b.data()[ob * k * n + p * n + j])
                    .sum();
                out[bi * m * n + i * n + j] = s;
            }
        }
    }
    let mut shape = batch;
    if !a1 {
        shape.push(m);
    }
    if !b1 {
        shape.push(n);
    }
    (shape, out)
}

const LAYOUTS: &[(&[usize], &[usize])] = &[
    (&[2, 3], &[3, 4]),
    (&[3], &[3]),
    (&[3], &[3, 2]),
    (&[2, 3], &[3]),
    (&[2, 3, 4], &[2, 4, 5]),
    (&[2, 1, 3, 4], &[5, 4, 6]),
    (&[2, 3, 4], &[4, 2]),
    (&[1, 2, 3], &[4, 3, 2]),
    (&[3], &[2, 3, 4]),
    (&[2, 3, 4], &[4]),
    (&[4, 1, 2, 3], &[1, 3, 3, 2]),
    (&[2, 0], &[0, 3]),
    (&[0, 3], &[3, 2]),
];

#[test]
fn hand_computed_products() {
    Graph::new()
        .run(|g| {
            // dot: [1,2,3]·[4,5,6] = 32, a 0-d result; d/da = b, d/db = a
            let a = g.leaf(Tensor::from_slice(&[1.0, 2.0, 3.0]));
            let b = g.leaf(Tensor::from_slice(&[4.0, 5.0, 6.0]));
            let d = a.matmul(b);
            assert_eq!((d.shape(), d.item()), (&[][..], 32.0));
            d.backward()?;
            assert_eq!(a.grad().unwrap().to_vec(), b.to_vec());
            assert_eq!(b.grad().unwrap().to_vec(), a.to_vec());
            // [1,2]·[[1,2,3],[4,5,6]] = [9,12,15]; [[1,2,3],[4,5,6]]·[1,0,-1] = [-2,-2]
            let m = g.input(Tensor::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?);
            let v = g.input(Tensor::from_slice(&[1.0, 2.0]));
            assert_eq!(v.matmul(m).to_vec(), vec![9.0, 12.0, 15.0]);
            let c = m.matmul(g.input(Tensor::from_slice(&[1.0, 0.0, -1.0])));
            assert_eq!((c.shape(), c.to_vec()), (&[2][..], vec![-2.0, -2.0]));
            Ok(())
        })
        .unwrap();
}

#[test]
fn every_layout_matches_the_naive_reference() {
    for &(sa, sb) in LAYOUTS {
        let (ta, tb) = (ramp(sa), ramp(sb));
        let (shape, want) = reference(&ta, &tb);
        Graph::new()
            .run(|g| {
                let c = g.input(&ta).matmul(g.input(&tb));
                assert_eq!(c.shape(), &shape[..], "{sa:?}·{sb:?}");
                for (x, y) in c.data().iter().zip(&want) {
                    assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{sa:?}·{sb:?}");
                }
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn gradients_match_finite_differences_on_every_layout() {
    for &(sa, sb) in LAYOUTS {
        check(&[ramp(sa), ramp(sb)], |x| x[0].try_matmul(x[1]));
    }
    // the same var on both sides fans in: d(x·x) = dC·xᵀ + xᵀ·dC
    check(&[ramp(&[3, 3])], |x| x[0].try_matmul(x[0]));
}

#[test]
fn broadcast_batches_accumulate_into_one_gradient() {
    Graph::new()
        .run(|g| {
            // a [1, 1, 2] is used by all 3 batches of b [3, 2, 1] (ones): dA = Σ_b dC_b·B_bᵀ = 3
            let a = g.leaf(Tensor::new(vec![1.0, 2.0], &[1, 1, 2])?);
            let b = g.leaf(Tensor::ones(&[3, 2, 1])?);
            a.matmul(b).sum().backward()?;
            assert_eq!(a.grad().unwrap().to_vec(), vec![3.0, 3.0]);
            // a second backward into existing grads adds (the first batch used Acc::Add)
            assert_eq!(
                b.grad().unwrap().to_vec(),
                vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0]
            );
            a.matmul(b).sum().backward()?;
            assert_eq!(a.grad().unwrap().to_vec(), vec![6.0, 6.0]);
            // a 0-size batch of b never reads a: a's gradient must be written as 0, even over
            // a buffer that an earlier pass left non-zero (op grads are reused across passes)
            let x = g.leaf(Tensor::ones(&[1, 2, 3])?);
            let a2 = x * 2.0;
            a2.sum().backward_with(&Backward::retain_graph())?; // a2's grad buffer: ones
            let c = a2.matmul(g.leaf(Tensor::zeros(&[0, 3, 2])?));
            assert_eq!(c.shape(), &[0, 2, 2]);
            c.sum().backward()?; // matmul writes a2's grad first: zeros, so x gains 2 * 0
            assert_eq!(x.grad().unwrap().to_vec(), vec![2.0; 6]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn mismatches_are_errors_naming_both_shapes() {
    Graph::new()
        .run(|g| {
            let z = |s: &[usize]| g.input(Tensor::zeros(s).unwrap());
            let e = z(&[2, 3]).try_matmul(z(&[4, 5])).unwrap_err();
            assert_eq!(
                e,
                Error::MatmulMismatch {
                    op: "matmul",
                    lhs: vec![2, 3],
                    rhs: vec![4, 5]
                }
            );
            let msg = e.to_string();
            assert!(msg.contains("matmul") && msg.contains("[2, 3]") && msg.contains("[4, 5]"));
            for (a, b) in [
                (&[][..], &[3][..]),
                (&[3], &[]),
                (&[3], &[4]),
                (&[2, 3], &[2]),
            ] {
                let e = z(a).try_matmul(z(b)).unwrap_err();
                assert!(matches!(e, Error::MatmulMismatch { .. }), "{a:?}·{b:?}");
            }
            // batch dims 2 and 3 do not broadcast
            let e = z(&[2, 3, 4]).try_matmul(z(&[3, 4, 5])).unwrap_err();
            assert_eq!(
                e,
                Error::ShapeMismatch {
                    op: "matmul",
                    lhs: vec![2, 3, 4],
                    rhs: vec![3, 4, 5]
                }
            );
            Ok(())
        })
        .unwrap();
}
