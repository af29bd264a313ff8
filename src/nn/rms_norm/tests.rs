use super::*;
use crate::prelude::*;

#[test]
fn names_shapes_and_errors() {
    // PyTorch: nn.RMSNorm(5).state_dict() = {weight: ones(5)}, eps None
    let mut params = ParamStore::new();
    let n = RMSNorm::new(&mut params, "", 5, None).unwrap();
    assert_eq!(params.name(n.weight), "weight");
    assert_eq!(params.data(n.weight), &[1.0; 5][..]);
    for (dim, eps) in [(0, None), (3, Some(-1.0)), (3, Some(f32::NAN))] {
        assert!(RMSNorm::new(&mut params, "x", dim, eps).is_err());
    }
    Graph::new()
        .run_with(&mut params, |g| {
            let e = n.forward(g, g.input(Tensor::zeros(&[2, 4])?)).unwrap_err();
            assert!(
                matches!(e, Error::ShapeMismatch { op: "rms_norm", .. }),
                "{e}"
            );
            // a zero row stays 0 (eps keeps it finite)
            let y = n.forward(g, g.input(Tensor::zeros(&[3, 5])?))?;
            assert_eq!(y.to_vec(), vec![0.0; 15]);
            Ok(())
        })
        .unwrap();
}
