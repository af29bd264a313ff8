use super::*;
use crate::nn::{Dropout, Relu};
use crate::prelude::*;

#[test]
fn set_training_reaches_nested_dropout() {
    let mut rng = Rng::seed(2);
    let mut inner = Sequential::with_prefix("0");
    inner.push(Dropout::new(0.5, &mut rng).unwrap());
    let mut top = Sequential::new();
    top.push(inner).push(Relu);
    let run = |m: &Sequential| {
        Graph::new()
            .run(|g| Ok(m.forward(g, g.input(Tensor::ones(&[32])?))?.to_vec()))
            .unwrap()
    };
    assert!(run(&top).contains(&0.0));
    top.set_training(false);
    assert_eq!(run(&top), vec![1.0; 32]);
    assert!(Sequential::new().is_empty() && top.len() == 2 && top.prefix().is_empty());
}
