//! The packed self-attention op against the unfused chain it replaces (narrow, reshape,
//! permute, attention, permute, reshape): the same bits forward and backward, finite
//! differences, and its errors.

use crate::ops::tests::fd;
use crate::prelude::*;
use crate::Mask;

fn t(shape: &[usize], seed: u64) -> Tensor {
    let n = shape.iter().product();
    Tensor::new(fd::uniform(n, seed), shape).unwrap()
}

/// The chain `self_attention_packed` fuses.
fn unfused<'g>(
    qkv: Var<'g>,
    h: usize,
    mask: Option<&Mask>,
    causal: bool,
    scale: Option<f32>,
) -> Result<Var<'g>> {
    let (b, t, e) = (qkv.shape()[0], qkv.shape()[1], qkv.shape()[2] / 3);
    let heads = |i: usize| -> Result<Var<'g>> {
        qkv.try_narrow(-1, i * e, e)?
            .try_reshape(&[b, t, h, e / h])?
            .try_permute(&[0, 2, 1, 3])
    };
    let y =
        heads(0)?.try_scaled_dot_product_attention(heads(1)?, heads(2)?, mask, causal, scale)?;
    y.try_permute(&[0, 2, 1, 3])?.try_reshape(&[b, t, e])
}

/// `[value, gradient]` of `sum(y ∘ w)` for `y` from `f`.
fn run(x: &Tensor, f: impl for<'g> Fn(Var<'g>) -> Result<Var<'g>>) -> [Vec<f32>; 2] {
    let mut got = [vec![], vec![]];
    Graph::new()
        .run(|g| {
            let x = g.leaf(x.clone());
            let y = f(x)?;
            let w = g.input(t(y.shape(), 99));
            (y * w).sum().backward()?;
            got = [y.to_vec(), x.grad().unwrap().to_vec()];
            Ok(())
        })
        .unwrap();
    got
}

#[test]
fn same_bits_as_the_unfused_chain() {
    let causal_mask = Mask::from_fn(9, 9, |i, j| j <= i && (i + j) % 3 != 1);
    for (shape, h) in [
        ([2, 9, 12], 2),
        ([3, 9, 24], 4),
        ([1, 9, 3], 1),
        ([2, 9, 96], 1),
    ] {
        let x = t(&shape, shape[2] as u64);
        for (mask, causal, scale) in [
            (None, true, None),
            (None, false, Some(0.3)),
            (Some(&causal_mask), false, None),
        ] {
            let fused = run(&x, |q| q.try_self_attention_packed(h, mask, causal, scale));
            let want = run(&x, |q| unfused(q, h, mask, causal, scale));
            for (a, b) in fused.iter().zip(&want) {
                let same = a.iter().zip(b).all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{shape:?} heads {h} causal {causal}: {a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let x = t(&[2, 4, 6], 3);
    fd::check(from_ref(&x), |v| {
        v[0].try_self_attention_packed(2, None, true, None)
    });
    let m = Mask::new((0..16).map(|i| i % 3 != 0 && i / 4 != 2).collect(), &[4, 4]).unwrap();
    fd::check(from_ref(&x), |v| {
        v[0].try_self_attention_packed(1, Some(&m), false, None)
    });
}

fn from_ref(x: &Tensor) -> &[Tensor] {
    std::slice::from_ref(x)
}

#[test]
fn bad_shapes_are_errors() {
    Graph::new()
        .run(|g| {
            let x = g.input(t(&[2, 3, 12], 1));
            for (h, what) in [(0, "heads"), (5, "multiple of 15")] {
                let e = x
                    .try_self_attention_packed(h, None, true, None)
                    .unwrap_err();
                assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
                assert!(e.to_string().contains("[2, 3, 12]"), "{e} ({what})");
            }
            let flat = g.input(t(&[3, 12], 1));
            let e = flat
                .try_self_attention_packed(2, None, true, None)
                .unwrap_err();
            assert!(e.to_string().contains("[3, 12]"), "{e}");
            let m = Mask::new(vec![true; 6], &[3, 2])?;
            let e = x
                .try_self_attention_packed(2, Some(&m), false, None)
                .unwrap_err();
            assert!(e.to_string().contains("[3, 2]"), "{e}");
            assert!(e.to_string().contains("self_attention_packed mask"), "{e}");
            let m = Mask::new(vec![true; 9], &[3, 3])?;
            let e = x
                .try_self_attention_packed(2, Some(&m), true, None)
                .unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
            Ok(())
        })
        .unwrap();
}
