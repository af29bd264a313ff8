use super::*;
use crate::gradcheck::check;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[test]
fn a_smooth_composition_passes_in_the_inputs_and_the_output_gradient() {
    let a = t(&[0.1, -0.7, 1.3, 0.4, -1.1, 0.9], &[2, 1, 3]);
    let b = t(&[1.5, -0.8, 2.0, 0.6], &[4, 1]);
    let r = gradgradcheck(
        &[a, b],
        |_g, v| Ok(v[0].sin() * v[1] - v[0] / v[1]),
        &Tolerance::default(),
    )
    .unwrap();
    // a (6), b (4) and the output gradient of shape [4, 2, 3] (24)
    assert_eq!(r.checked, 6 + 4 + 24);
    assert!(r.worst_ratio <= 1.0, "{r:?}");
}

#[test]
fn a_right_first_derivative_with_a_wrong_second_one_fails() {
    // f = x·d + (x − d)·d with d = detach(x): the value is x², the gradient 2d = 2x is right,
    // but it is recorded through the detached d, so its own derivative comes out 0, not 2u
    let x = t(&[0.5, -1.25, 2.0], &[3]);
    fn f<'g>(_g: &'g Scope<'g>, v: &[Var<'g>]) -> Result<Var<'g>> {
        let d = v[0].detach();
        Ok(v[0] * d + (v[0] - d) * d)
    }
    assert!(check(std::slice::from_ref(&x), f, &Tolerance::default()).is_ok());
    let err = gradgradcheck(&[x], f, &Tolerance::default()).unwrap_err();
    let GradcheckError::Mismatch { element, .. } = err else {
        panic!("{err}")
    };
    assert_eq!((element.input, element.analytic), (0, 0.0));
    // the numeric second derivative is 2·u·v for the fixed weights: nonzero
    assert!(element.numeric.abs() > 0.4, "{element:?}");
}

#[test]
fn an_unused_input_gets_zero_and_errors_are_reported() {
    let (x, z) = (t(&[0.3, -0.2], &[2]), t(&[1.0], &[1]));
    let r = gradgradcheck(
        &[x.clone(), z],
        |_g, v| Ok(v[0].tanh()),
        &Tolerance::default(),
    );
    assert_eq!(r.unwrap().checked, 2 + 1 + 2);
    let err = gradgradcheck(&[], |g, _v| Ok(g.scalar(1.0)), &Tolerance::default());
    assert!(matches!(err, Err(GradcheckError::Op(_))));
    // a bad tolerance is refused as by check
    let err = gradgradcheck(
        &[x],
        |_g, v| Ok(v[0].sin()),
        &Tolerance {
            eps: -1.0,
            ..Default::default()
        },
    );
    assert!(matches!(
        err,
        Err(GradcheckError::Op(Error::InvalidArgument { .. }))
    ));
}
