use super::*;
use crate::prelude::*;

#[test]
fn forward_backward_through_two_layers_by_hand() {
    // [2, 2, 1]: h = relu(W0 x + b0), y = W1 h + b1
    let mut params = ParamStore::new();
    let m = Mlp::new(&mut params, &[2, 2, 1], &mut Rng::seed(0)).unwrap();
    let [l0, l1] = [m.linears()[0], m.linears()[1]];
    params
        .data_mut(l0.weight)
        .copy_from_slice(&[1.0, -1.0, 2.0, 1.0]);
    params
        .data_mut(l0.bias.unwrap())
        .copy_from_slice(&[0.0, -10.0]);
    params.data_mut(l1.weight).copy_from_slice(&[3.0, 5.0]);
    params.data_mut(l1.bias.unwrap()).copy_from_slice(&[0.5]);
    Graph::new()
        .run_with(&mut params, |g| {
            let x = g.leaf(Tensor::from_slice(&[2.0, 1.0]));
            // h = relu([1, 5 - 10]) = [1, 0]; y = 3 + 0.5
            let y = m.forward(g, x)?;
            assert_eq!(y.to_vec(), vec![3.5]);
            y.sum().backward()?;
            // dx = W0ᵀ (W1 ⊙ [1, 0]) = 3 · [1, -1]
            assert_eq!(x.grad().unwrap().to_vec(), vec![3.0, -3.0]);
            Ok(())
        })
        .unwrap();
    assert_eq!(params.grad(l1.weight), &[1.0, 0.0]); // = h
    assert_eq!(params.grad(l0.weight), &[6.0, 3.0, 0.0, 0.0]); // 3 · x on the live row
    assert_eq!(m.sequential().len(), 3);
}

#[test]
fn mlp_names_match_pytorch() {
    // nn.Sequential(nn.Linear(64,128), nn.ReLU(), nn.Linear(128,10)).state_dict():
    // 0.weight [128, 64], 0.bias [128], 2.weight [10, 128], 2.bias [10]
    let mut params = ParamStore::new();
    let mlp = Mlp::new(&mut params, &[64, 128, 10], &mut Rng::seed(0)).unwrap();
    let want = [
        ("0.weight".to_string(), vec![128, 64]),
        ("0.bias".to_string(), vec![128]),
        ("2.weight".to_string(), vec![10, 128]),
        ("2.bias".to_string(), vec![10]),
    ];
    assert_eq!(
        params
            .metas()
            .iter()
            .map(|m| (m.name.clone(), m.shape.clone()))
            .collect::<Vec<_>>(),
        want
    );
    assert_eq!(mlp.linears()[1].in_features, 128);
}
