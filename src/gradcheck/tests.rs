use super::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[test]
fn a_correct_composition_passes_with_a_sane_report() {
    // y = sin(a) * b - a / b over a [2,1,3] x [4,1] broadcast; 6 + 4 elements checked
    let a = t(&[0.1, -0.7, 1.3, 0.4, -1.1, 0.9], &[2, 1, 3]);
    let b = t(&[1.5, -0.8, 2.0, 0.6], &[4, 1]);
    let r = check(
        &[a, b],
        |_g, v| Ok(v[0].sin() * v[1] - v[0] / v[1]),
        &Tolerance::default(),
    )
    .unwrap();
    assert_eq!(r.checked, 10);
    assert!(r.max_abs_err < 1e-3 && r.max_rel_err < 1e-2, "{r:?}");
    assert!(r.worst_ratio <= 1.0);
    let w = r.worst.unwrap();
    assert!(w.input < 2 && w.index < [6, 4][w.input]);
    assert!((w.analytic - w.numeric).abs() <= r.max_abs_err);
}

#[test]
fn a_kink_fails_with_the_first_bad_element() {
    // relu at exactly 0: backward says 0, the central difference (h - 0) / 2h says 1/2
    let x = t(&[1.0, -1.0, 0.0, 2.0], &[2, 2]);
    let err = check(&[x], |_g, v| Ok(v[0].relu().sum()), &Tolerance::default()).unwrap_err();
    let GradcheckError::Mismatch {
        element,
        shape,
        allowed,
    } = err.clone()
    else {
        panic!("{err}")
    };
    assert_eq!(
        (element.input, element.index, element.analytic),
        (0, 2, 0.0)
    );
    let w = f64::from(weights(&[]).item()); // L = w * y
    assert!((element.numeric - 0.5 * w).abs() < 1e-3); // the f32 sum rounds
    assert_eq!(shape, vec![2, 2]);
    assert!((allowed - (1e-3 + 1e-2 * element.numeric.abs())).abs() < 1e-12);
    assert!(err.to_string().contains("index [1, 0]"), "{err}");
}

#[test]
fn unused_inputs_and_scalars_pass() {
    // y = 3x for 0-d x; the second input is unused: analytic None -> zeros, numeric 0
    let r = check(
        &[Tensor::scalar(2.0), t(&[1.0, 2.0], &[2])],
        |_g, v| Ok(v[0] * 3.0),
        &Tolerance::default(),
    )
    .unwrap();
    assert_eq!(r.checked, 3);
    assert!(r.max_abs_err < 1e-4);
}

#[test]
fn errors_of_the_function_and_of_the_tolerance_are_reported() {
    let x = [t(&[1.0, 2.0], &[2])];
    let err = check(
        &x,
        |g, v| v[0].try_add(g.input(t(&[0.0; 3], &[3]))),
        &Tolerance::default(),
    );
    assert!(matches!(
        err,
        Err(GradcheckError::Op(Error::ShapeMismatch { .. }))
    ));
    // a constant output has no grad_fn
    let err = check(&x, |g, _v| Ok(g.scalar(1.0)), &Tolerance::default());
    assert!(matches!(
        err,
        Err(GradcheckError::Op(Error::NoGradFn { .. }))
    ));
    let bad = Tolerance {
        eps: 0.0,
        ..Default::default()
    };
    let err = check(&x, |_g, v| Ok(v[0].sum()), &bad);
    assert!(matches!(
        err,
        Err(GradcheckError::Op(Error::InvalidArgument { .. }))
    ));
}

#[test]
fn weights_are_fixed_and_bounded_away_from_zero() {
    let w = weights(&[100]);
    assert_eq!(w, weights(&[100]));
    assert!(w.data().iter().all(|v| (0.5..1.5).contains(&v.abs())));
    assert!(w.data().iter().any(|&v| v < 0.0) && w.data().iter().any(|&v| v > 0.0));
    assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
}
