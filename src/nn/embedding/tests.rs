use super::*;
use crate::prelude::*;

#[test]
fn names_init_and_errors() {
    let mut params = ParamStore::new();
    let e = Embedding::new(&mut params, "", 1000, 8, &mut Rng::seed(5)).unwrap();
    assert_eq!(params.name(e.weight), "weight"); // PyTorch's nn.Embedding(1000, 8) key
    let w = params.data(e.weight);
    let mean = w.iter().sum::<f32>() / w.len() as f32;
    let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / w.len() as f32;
    assert!(
        mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
        "{mean} {var}"
    );
    Graph::new()
        .run_with(&mut params, |g| {
            assert!(e.forward(g, &[1000], &[1]).is_err());
            assert!(e.forward(g, &[1, 2], &[3]).is_err());
            let y = e.forward(g, &[7, 8, 9, 7], &[2, 2])?;
            assert_eq!(y.shape(), &[2, 2, 8]);
            Ok(())
        })
        .unwrap();
}
