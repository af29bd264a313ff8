//! Bad input to an eager op is an `Error` that names the op and the shapes involved, never a
//! panic or a huge allocation; the operators panic with that same text.

use std::panic::catch_unwind;

use arenagrad::tensor::{Compare, MAX_RANGE_LEN};
use arenagrad::{Error, Tensor};

fn z(shape: &[usize]) -> Tensor {
    Tensor::zeros(shape).unwrap()
}

/// The error's text names `op` and every piece of `needles`.
fn names(e: Error, op: &str, needles: &[&str]) {
    let text = e.to_string();
    assert!(text.starts_with(op), "{text:?} should start with {op:?}");
    for n in needles {
        assert!(text.contains(n), "{text:?} should mention {n:?}");
    }
}

#[test]
fn incompatible_shapes() {
    let (a, b) = (z(&[2, 3]), z(&[3, 2]));
    let e = a.try_add(&b).unwrap_err();
    assert!(
        matches!(&e, Error::ShapeMismatch { op: "add", lhs, rhs } if lhs == &[2, 3] && rhs == &[3, 2])
    );
    names(e, "add", &["[2, 3]", "[3, 2]"]);
    names(a.try_div(&z(&[4])).unwrap_err(), "div", &["[2, 3]", "[4]"]);
    names(a.try_maximum(&b).unwrap_err(), "maximum", &["[3, 2]"]);
    names(
        a.try_compare(Compare::Gt, &b).unwrap_err(),
        "gt",
        &["[2, 3]", "[3, 2]"],
    );
    names(
        a.try_broadcast_to(&[3]).unwrap_err(),
        "broadcast_to",
        &["[2, 3]", "[3]"],
    );
    names(
        z(&[2, 1]).try_broadcast_to(&[1, 1]).unwrap_err(),
        "broadcast_to",
        &["[1, 1]"],
    );
}

#[test]
fn operators_panic_with_the_errors_text() {
    let (a, b) = (z(&[2]), z(&[3]));
    let want = a.try_mul(&b).unwrap_err().to_string();
    let got = catch_unwind(|| &a * &b).unwrap_err();
    assert_eq!(got.downcast_ref::<String>(), Some(&want));
    let got = catch_unwind(|| a.gt(&b)).unwrap_err();
    assert_eq!(
        got.downcast_ref::<String>(),
        Some(&a.try_compare(Compare::Gt, &b).unwrap_err().to_string())
    );
}

#[test]
fn bad_axes() {
    let x = z(&[2, 3]);
    for axis in [2, -3, isize::MAX, isize::MIN] {
        let e = x.try_sum_axis(axis, false).unwrap_err();
        assert!(matches!(e, Error::BadAxis { op: "sum", .. }), "{e}");
        names(
            x.try_mean_axis(axis, true).unwrap_err(),
            "mean",
            &["[2, 3]"],
        );
        names(x.try_max_axis(axis, false).unwrap_err(), "max", &["[2, 3]"]);
        names(x.try_min_axis(axis, false).unwrap_err(), "min", &["[2, 3]"]);
        names(
            x.try_transpose(0, axis).unwrap_err(),
            "transpose",
            &["[2, 3]"],
        );
        names(x.try_narrow(axis, 0, 1).unwrap_err(), "narrow", &["[2, 3]"]);
        names(
            x.try_index_select(axis, &[0]).unwrap_err(),
            "index_select",
            &["[2, 3]"],
        );
    }
    names(
        Tensor::scalar(1.0).try_transpose(0, 1).unwrap_err(),
        "transpose",
        &["[]"],
    );
    names(
        x.try_permute(&[1, 1]).unwrap_err(),
        "permute",
        &["[1, 1]", "[2, 3]"],
    );
    names(x.try_permute(&[0]).unwrap_err(), "permute", &["[0]"]);
}

#[test]
fn empty_reductions() {
    let e = z(&[0, 3]);
    for r in [
        e.try_mean(),
        e.try_max(),
        e.try_min(),
        e.try_max_axis(0, false),
        e.try_mean_axis(0, true),
    ] {
        assert!(matches!(r, Err(Error::Empty { .. })), "{r:?}");
    }
    names(e.try_min_axis(0, false).unwrap_err(), "min", &["[0, 3]"]);
}

#[test]
fn narrow_and_index_out_of_range() {
    let x = z(&[4, 5]);
    // the whole requested range is named, not a single index
    let e = x.try_narrow(1, 3, 4).unwrap_err();
    assert_eq!(
        e,
        Error::RangeOutOfBounds {
            op: "narrow",
            axis: 1,
            start: 3,
            len: 4,
            size: 5,
            shape: vec![4, 5]
        }
    );
    names(e, "narrow", &["3..7", "size 5", "[4, 5]"]);
    // start + len overflowing usize is out of range too, not a wrapped index
    assert!(x.try_narrow(0, usize::MAX, 2).is_err());
    let e = x.try_index_select(0, &[1, 4, 9]).unwrap_err();
    assert_eq!(
        e,
        Error::IndexOutOfRange {
            op: "index_select",
            index: 4,
            size: 4,
            shape: vec![4, 5]
        }
    );
}

#[test]
fn bad_ranges() {
    let msg = |r: Result<Tensor, Error>| r.unwrap_err().to_string();
    assert!(msg(Tensor::try_arange(0.0, 1.0, 0.0)).contains("non-zero"));
    for (s, e, st) in [
        (f64::NAN, 1.0, 1.0),
        (0.0, f64::NAN, 1.0),
        (0.0, f64::INFINITY, 1.0),
    ] {
        assert!(msg(Tensor::try_arange(s, e, st)).starts_with("arange"));
    }
    for st in [f64::NAN, f64::INFINITY, -0.0] {
        assert!(Tensor::try_arange(0.0, 1.0, st).is_err(), "step {st}");
    }
    assert!(msg(Tensor::try_arange(0.0, -1.0, 1.0)).contains("inconsistent with the step sign"));
    assert!(msg(Tensor::try_arange(5.0, 6.0, -1.0)).contains("inconsistent"));
    // too many elements is refused before anything is allocated
    let cap = MAX_RANGE_LEN as f64;
    assert!(Tensor::try_arange(0.0, cap, 1.0).is_ok_and(|t| t.numel() == MAX_RANGE_LEN));
    assert!(msg(Tensor::try_arange(0.0, cap + 1.0, 1.0)).contains("MAX_RANGE_LEN"));
    assert!(Tensor::try_arange(0.0, 1e300, 1e-300).is_err());
    assert!(Tensor::try_arange(-f64::MAX, f64::MAX, 1.0).is_err()); // end − start overflows to inf
    for (s, e) in [
        (f32::NAN, 0.0),
        (0.0, f32::INFINITY),
        (f32::NEG_INFINITY, 0.0),
    ] {
        assert!(msg(Tensor::try_linspace(s, e, 3)).starts_with("linspace"));
    }
    assert!(msg(Tensor::try_linspace(0.0, 1.0, usize::MAX)).contains("MAX_RANGE_LEN"));
    let p = catch_unwind(|| Tensor::arange(0.0, 1.0, 0.0)).unwrap_err();
    assert!(p.downcast_ref::<String>().unwrap().starts_with("arange"));
}

#[test]
fn shapes_too_large() {
    let huge = [usize::MAX / 2, 4];
    assert!(matches!(
        Tensor::from_fn(&huge, |_| 0.0),
        Err(Error::SizeOverflow { .. })
    ));
    let mut rng = arenagrad::Rng::seed(0);
    assert!(matches!(
        Tensor::rand(&huge, &mut rng),
        Err(Error::SizeOverflow { .. })
    ));
    assert!(matches!(
        Tensor::randn(&huge, &mut rng),
        Err(Error::SizeOverflow { .. })
    ));
    // a broadcast whose result would be too large is refused, not allocated
    let (a, b) = (z(&[1 << 40, 1, 0]), z(&[1, 1 << 40, 0]));
    assert!(matches!(a.try_add(&b), Err(Error::SizeOverflow { .. })));
    assert!(matches!(
        a.try_compare(Compare::Eq, &b),
        Err(Error::SizeOverflow { .. })
    ));
}
