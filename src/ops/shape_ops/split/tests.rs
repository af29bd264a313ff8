//! Tests of split, chunk and stack.

use crate::ops::tests::fd::{check, ramp};
use crate::prelude::*;

#[test]
fn split_pieces_and_joined_gradient() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::new((0..12).map(|v| v as f32).collect(), &[3, 4])?);
            let p = x.try_split(&[1, 0, 2], 0)?;
            assert_eq!(p.len(), 3);
            assert_eq!(p[1].shape(), &[0, 4]);
            assert_eq!(p[2].to_vec(), (4..12).map(|v| v as f32).collect::<Vec<_>>());
            // y = 3·Σ p0 + Σ p2²: dx = 3 on row 0, 2x on rows 1..3
            let y = p[0].sum() * 3.0 + (p[2] * p[2]).sum();
            y.backward()?;
            let want: Vec<f32> = (0..12)
                .map(|v| if v < 4 { 3.0 } else { 2.0 * v as f32 })
                .collect();
            assert_eq!(x.grad().unwrap().to_vec(), want);
            Ok(())
        })
        .unwrap();
}

#[test]
fn chunk_sizes_follow_pytorch() {
    let sizes = |d: usize, n: usize| -> Vec<usize> {
        Graph::new()
            .run(|g| {
                let x = g.input(Tensor::zeros(&[2, d])?);
                Ok(x.try_chunk(n, -1)?.iter().map(|v| v.shape()[1]).collect())
            })
            .unwrap()
    };
    // torch.chunk: ceil(d / n) per piece, the last smaller, possibly fewer pieces
    assert_eq!(sizes(5, 3), vec![2, 2, 1]);
    assert_eq!(sizes(6, 4), vec![2, 2, 2]);
    assert_eq!(sizes(4, 4), vec![1, 1, 1, 1]);
    assert_eq!(sizes(3, 8), vec![1, 1, 1]);
    assert_eq!(sizes(0, 3), vec![0, 0, 0]);
}

#[test]
fn split_chunk_stack_errors() {
    Graph::new()
        .run(|g| {
            let x = g.input(Tensor::zeros(&[2, 5])?);
            let e = x.try_split(&[2, 2], 1).unwrap_err().to_string();
            assert!(
                e.contains("split") && e.contains("[2, 5]") && e.contains("[2, 2]"),
                "{e}"
            );
            assert!(x.try_split(&[usize::MAX, 7], 1).is_err()); // overflowing sum
            assert!(matches!(x.try_split(&[5], 2), Err(Error::BadAxis { .. })));
            assert!(x.try_chunk(0, 0).unwrap_err().to_string().contains("chunk"));
            let y = g.input(Tensor::zeros(&[5, 2])?);
            let e = Var::try_stack(&[x, y], 0).unwrap_err();
            assert!(matches!(e, Error::ShapeMismatch { op: "stack", .. }), "{e}");
            assert!(Var::try_stack(&[], 0).is_err());
            assert!(Var::try_stack(&[x, x], 3).is_err());
            assert_eq!(Var::try_stack(&[x, x], -3)?.shape(), &[2, 2, 5]);
            assert_eq!(Var::try_stack(&[x, x], 2)?.shape(), &[2, 5, 2]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn split_and_stack_gradcheck() {
    // weights differ per piece so that a mix-up of blocks shows
    check(&[ramp(&[2, 5, 3])], |x| {
        let p = x[0].try_split(&[2, 1, 2], 1)?;
        Ok(p[0].sum() + (p[1] * 2.0).sum() + (p[2] * p[2]).sum())
    });
    check(&[ramp(&[7])], |x| {
        let p = x[0].try_chunk(3, 0)?;
        Ok((p[0] * p[0]).sum() - p[2].sum() * 3.0)
    });
    check(&[ramp(&[2, 3]), ramp(&[2, 3]), ramp(&[2, 3])], |x| {
        Var::try_stack(x, 1)
    });
    check(&[ramp(&[]), ramp(&[])], |x| Var::try_stack(x, 0));
}
