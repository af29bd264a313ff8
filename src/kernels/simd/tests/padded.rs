//! The padded loops over every tail length: padded lanes never reach an output or a sum.

use crate::kernels::simd::{sum4, zip4, First, Lane4, Lanes, Splat, NONE};
use crate::kernels::Acc;

/// `a·b`.
#[derive(Clone, Copy)]
struct Times;

impl Lane4 for Times {
    fn call<V: Lanes>(self, a: V, b: V, _: V, _: V) -> V {
        a * b
    }
}

/// `a + 1` (1 in a padded lane, which must never reach a sum).
#[derive(Clone, Copy)]
struct PlusOne;

impl Lane4 for PlusOne {
    fn call<V: Lanes>(self, a: V, _: V, _: V, _: V) -> V {
        a + V::splat(1.0)
    }
}

#[test]
fn zip_and_sum_cover_tails() {
    for n in (0..=17).chain([31, 33, 127, 129]) {
        let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let mut out = vec![1.0; n];
        zip4(
            (&x[..], Splat::new(2.0), NONE, NONE),
            &mut out,
            Acc::Add,
            Times,
        );
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, &v)| v == 1.0 + 2.0 * i as f32));
        // padded lanes of x + 1 would be 1: they must not reach the sum
        let s = sum4((&x[..], NONE, NONE, NONE), n, PlusOne);
        assert_eq!(s, (n * (n + 1) / 2) as f64);
        let s = sum4((&x[..], NONE, NONE, NONE), n, First);
        assert_eq!(s, (n * n.saturating_sub(1) / 2) as f64);
    }
}
