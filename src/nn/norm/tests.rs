use super::*;
use crate::prelude::*;

#[test]
fn names_shapes_and_errors() {
    // PyTorch: nn.LayerNorm(5).state_dict() = {weight: ones(5), bias: zeros(5)}, eps 1e-05
    let mut params = ParamStore::new();
    let ln = LayerNorm::new(&mut params, "", 5, 1e-5).unwrap();
    assert_eq!(
        (params.name(ln.weight), params.name(ln.bias)),
        ("weight", "bias")
    );
    assert_eq!(
        (params.shape(ln.weight), params.data(ln.bias)),
        (&[5][..], &[0.0; 5][..])
    );
    for (dim, eps) in [(0, 1e-5), (3, -1.0), (3, f32::NAN)] {
        assert!(LayerNorm::new(&mut params, "x", dim, eps).is_err());
    }
    Graph::new()
        .run_with(&mut params, |g| {
            let e = ln.forward(g, g.input(Tensor::zeros(&[2, 4])?)).unwrap_err();
            assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
            // a constant row normalises to 0 (then + β = 0), eps keeps it finite
            let y = ln.forward(g, g.input(Tensor::full(&[3, 5], 7.0)?))?;
            assert_eq!(y.to_vec(), vec![0.0; 15]);
            Ok(())
        })
        .unwrap();
}
