use super::*;
use crate::prelude::*;

#[test]
fn a_linear_layer_as_a_trait_object() {
    let mut params = ParamStore::new();
    let layer: Box<dyn Module> =
        Box::new(Linear::new(&mut params, &key("", "fc"), 2, 1, &mut Rng::seed(0)).unwrap());
    let w = params.get("fc.weight").unwrap();
    params.data_mut(w).copy_from_slice(&[2.0, -1.0]);
    Graph::new()
        .run_with(&mut params, |g| {
            // y = 2·3 − 1·4 + b, dy/dW = x
            let y = layer.forward(g, g.input(Tensor::from_slice(&[3.0, 4.0])))?;
            y.sum().backward()
        })
        .unwrap();
    assert_eq!(params.grad(w), &[3.0, 4.0]);
}
