use super::*;
use crate::prelude::*;

/// The outputs of two forward passes over ones, and the input's gradient after the second.
fn two_passes(d: &Dropout) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::ones(&[64])?);
            let a = d.forward(g, x)?.to_vec();
            let y = d.forward(g, x)?;
            y.sum().backward()?;
            Ok((a, y.to_vec(), x.grad().unwrap().to_vec()))
        })
        .unwrap()
}

#[test]
fn masks_advance_repeat_per_seed_and_scale_the_gradient() {
    let d = Dropout::new(0.25, &mut Rng::seed(3)).unwrap();
    let (a, b, grad) = two_passes(&d);
    assert_ne!(a, b, "each forward draws a new mask");
    assert!(b.iter().all(|&v| v == 0.0 || v == 1.0 / 0.75));
    assert_eq!(grad, b); // dy/dx = m
    let same = Dropout::new(0.25, &mut Rng::seed(3)).unwrap();
    assert_eq!(two_passes(&same).0, a, "same seed, same masks");
    let mut d = d;
    d.set_training(false);
    assert!(!d.is_training() && d.p() == 0.25);
    assert_eq!(two_passes(&d).2, vec![1.0; 64]);
}
