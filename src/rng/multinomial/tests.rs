//! Multinomial draws: frequencies within binomial bounds, zero weights never drawn,
//! determinism per seed, without-replacement semantics, and every error.

use super::*;

/// Counts of each category in `draws`.
fn counts(draws: &[usize], c: usize) -> Vec<usize> {
    let mut n = vec![0; c];
    draws.iter().for_each(|&d| n[d] += 1);
    n
}

#[test]
fn frequencies_within_five_standard_deviations() {
    // weights 0, 1, 2, 5, 0, 2 (total 10): p = w / 10; 100k draws, the binomial count
    // has sd √(n p (1 − p)), and 5 sd is exceeded with probability ~6e-7 per category
    let w = Tensor::from_slice(&[0.0, 1.0, 2.0, 5.0, 0.0, 2.0]);
    let n = 100_000;
    let draws = Rng::seed(2024).multinomial(&w, n, true).unwrap();
    let got = counts(&draws, 6);
    for (c, &wc) in w.data().iter().enumerate() {
        let p = wc as f64 / 10.0;
        let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
        if wc == 0.0 {
            assert_eq!(got[c], 0, "a zero weight was drawn");
        } else {
            assert!(
                (got[c] as f64 - mean).abs() <= 5.0 * sd,
                "category {c}: {got:?}"
            );
        }
    }
}

#[test]
fn rows_are_independent_distributions() {
    // [2, 3]: row 0 only category 2, row 1 only category 0
    let w = Tensor::new(vec![0.0, 0.0, 0.5, 7.0, 0.0, 0.0], &[2, 3]).unwrap();
    let d = Rng::seed(3).multinomial(&w, 4, true).unwrap();
    assert_eq!(d, vec![2, 2, 2, 2, 0, 0, 0, 0]);
}

#[test]
fn the_seed_fixes_the_draws() {
    let w = Tensor::from_slice(&[0.1, 0.2, 0.3, 0.4]);
    let a = Rng::seed(9).multinomial(&w, 50, true).unwrap();
    assert_eq!(a, Rng::seed(9).multinomial(&w, 50, true).unwrap());
    assert_ne!(a, Rng::seed(10).multinomial(&w, 50, true).unwrap());
}

#[test]
fn without_replacement_draws_distinct_categories() {
    let w = Tensor::from_slice(&[1.0, 0.0, 3.0, 2.0, 0.0]);
    for seed in 0..50 {
        let d = Rng::seed(seed).multinomial(&w, 5, false).unwrap();
        // the positive weights first (torch: [1, 0] with 2 samples gives [0, 1]), then the zeros
        let mut first: Vec<usize> = d[..3].to_vec();
        first.sort();
        assert_eq!(first, vec![0, 2, 3]);
        assert_eq!(d[3..], [1, 4]);
    }
    // the first draw of many seeds follows the weights 1 : 3 : 2
    let n = 6000;
    let firsts: Vec<usize> = (0..n)
        .map(|s| Rng::seed(s).multinomial(&w, 2, false).unwrap()[0])
        .collect();
    let got = counts(&firsts, 5);
    for (c, p) in [(0, 1.0 / 6.0), (2, 0.5), (3, 1.0 / 3.0)] {
        let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
        assert!((got[c] as f64 - mean).abs() <= 5.0 * sd, "{got:?}");
    }
}

#[test]
fn bad_weights_and_arguments_are_errors() {
    let mut r = Rng::seed(0);
    let cases: [(Tensor, usize, bool, &str); 8] = [
        (Tensor::from_slice(&[1.0, -0.5]), 1, true, "-0.5"),
        (Tensor::from_slice(&[1.0, f32::NAN]), 1, true, "NaN"),
        (Tensor::from_slice(&[f32::INFINITY, 1.0]), 1, true, "inf"),
        (Tensor::from_slice(&[0.0, 0.0]), 1, true, "sums to 0"),
        (Tensor::scalar(1.0), 1, true, "1-D"),
        (Tensor::zeros(&[1, 1, 2]).unwrap(), 1, true, "[1, 1, 2]"),
        (Tensor::from_slice(&[1.0, 2.0]), 0, true, "0 samples"),
        (
            Tensor::from_slice(&[1.0, 2.0]),
            3,
            false,
            "without replacement",
        ),
    ];
    for (w, n, rep, part) in cases {
        let e = r.multinomial(&w, n, rep).unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    op: "multinomial",
                    ..
                }
            ),
            "{text}"
        );
        assert!(text.contains(part), "{part:?} missing from {text}");
    }
}
