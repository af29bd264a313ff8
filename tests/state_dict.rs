//! Weights moved in memory: `ParamStore::state_dict` / `load_state_dict` (strict and not, with
//! the file loader's typed errors), `set_value`, and models built without an `Rng` for
//! loading.

use std::collections::BTreeMap;

use arenagrad::nn::{BatchNorm1d, Linear, Mlp};
use arenagrad::prelude::*;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(values.to_vec(), shape).unwrap()
}

/// A Linear and a BatchNorm1d registered under PyTorch's names: keys of
/// `nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).state_dict()`.
fn model(params: &mut ParamStore) -> (Linear, BatchNorm1d) {
    let fc = Linear::zeros(params, "0", 3, 2, true).unwrap();
    let bn = BatchNorm1d::new(params, "1", 2).unwrap();
    (fc, bn)
}

#[test]
fn state_dict_holds_parameters_and_buffers_by_pytorch_name() {
    let mut params = ParamStore::new();
    let (fc, bn) = model(&mut params);
    params
        .set_value(fc.weight, &t(&[1., 2., 3., 4., 5., 6.], &[2, 3]))
        .unwrap();
    params.buffer_mut(bn.0.num_batches_tracked)[0] = 7.0;
    let state = params.state_dict();
    let keys: Vec<&str> = state.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "0.bias",
            "0.weight",
            "1.bias",
            "1.num_batches_tracked",
            "1.running_mean",
            "1.running_var",
            "1.weight"
        ]
    );
    assert_eq!(state["0.weight"], t(&[1., 2., 3., 4., 5., 6.], &[2, 3]));
    assert_eq!(state["1.running_var"], t(&[1., 1.], &[2])); // PyTorch's initial running_var
    assert_eq!(state["1.num_batches_tracked"], Tensor::scalar(7.0));
}

#[test]
fn a_state_dict_round_trips_into_a_fresh_model() {
    let mut trained = ParamStore::new();
    let mlp = Mlp::new(&mut trained, &[4, 6, 3], &mut Rng::seed(3)).unwrap();
    let mut params = ParamStore::new();
    let fresh = Mlp::zeros(&mut params, &[4, 6, 3]).unwrap();
    let metas = |s: &ParamStore| -> Vec<(String, Vec<usize>)> {
        s.metas()
            .iter()
            .map(|m| (m.name.clone(), m.shape.clone()))
            .collect()
    };
    assert_eq!(metas(&params), metas(&trained)); // same names and shapes, no Rng
    assert!(params.flat_data().iter().all(|&v| v == 0.0));
    let report = params.load_state_dict(&trained.state_dict(), true).unwrap();
    assert_eq!(report.loaded, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    assert!(report.is_exact());
    let x = Rng::seed(9).normal_tensor(&[5, 4], 0.0, 1.0);
    let logits = |s: &mut ParamStore, m: &Mlp| {
        Graph::new()
            .run_with(s, |g| Ok(m.forward(g, g.input(&x))?.to_vec()))
            .unwrap()
    };
    assert_eq!(logits(&mut params, &fresh), logits(&mut trained, &mlp));
}

#[test]
fn strict_loading_lists_every_problem_and_changes_nothing() {
    let mut params = ParamStore::new();
    model(&mut params);
    let mut state = params.state_dict();
    state.remove("1.running_mean");
    state.insert("0.weight".into(), Tensor::ones(&[3, 2]).unwrap()); // transposed shape
    state.insert("2.weight".into(), Tensor::ones(&[1]).unwrap());
    state.insert("0.bias".into(), t(&[5., 6.], &[2]));
    let before = (params.flat_data().to_vec(), params.state_dict());
    let err = params.load_state_dict(&state, true).unwrap_err();
    assert_eq!(
        err,
        Error::StateDict {
            op: "ParamStore::load_state_dict",
            missing: vec!["1.running_mean".into()],
            unexpected: vec!["2.weight".into()],
            mismatched: vec![("0.weight".into(), vec![2, 3], vec![3, 2])],
        }
    );
    let text = err.to_string();
    for part in [
        "ParamStore::load_state_dict: the state dict",
        "missing keys (in the store, not in the state dict) [\"1.running_mean\"]",
        "unexpected keys (in the state dict, not in the store) [\"2.weight\"]",
        "size mismatch for \"0.weight\": the store has [2, 3], the state dict [3, 2]",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    assert_eq!((params.flat_data().to_vec(), params.state_dict()), before);

    // not strict: what matches is copied, the rest reported
    let report = params.load_state_dict(&state, false).unwrap();
    assert_eq!(report.missing, ["1.running_mean"]);
    assert_eq!(report.unexpected, ["2.weight"]);
    assert_eq!(
        report.mismatched,
        [("0.weight".into(), vec![2, 3], vec![3, 2])]
    );
    assert_eq!(
        report.loaded,
        [
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_var",
            "1.num_batches_tracked"
        ]
    );
    let bias = params.get("0.bias").unwrap();
    assert_eq!(params.data(bias), &[5.0, 6.0]);
}

#[test]
fn an_integer_buffer_takes_only_whole_numbers() {
    let mut params = ParamStore::new();
    let (_, bn) = model(&mut params);
    let mut state = params.state_dict();
    state.insert("1.bias".into(), t(&[9., 9.], &[2]));
    state.insert("1.num_batches_tracked".into(), Tensor::scalar(2.5));
    let err = params.load_state_dict(&state, true).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::InvalidArgument {
                op: "ParamStore::load_state_dict",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("\"1.num_batches_tracked\"") && text.contains("2.5"),
        "{text}"
    );
    // nothing was written, not even the valid bias
    assert_eq!(params.data(bn.0.bias), &[0.0, 0.0]);
    state.insert("1.num_batches_tracked".into(), Tensor::scalar(3.0));
    params.load_state_dict(&state, true).unwrap();
    assert_eq!(params.buffer(bn.0.num_batches_tracked), &[3.0]);
    assert_eq!(params.data(bn.0.bias), &[9.0, 9.0]);
}

#[test]
fn an_empty_state_dict_loads_only_into_an_empty_store() {
    let mut empty = ParamStore::new();
    assert!(empty.state_dict().is_empty());
    assert!(empty
        .load_state_dict(&BTreeMap::new(), true)
        .unwrap()
        .is_exact());
    let mut params = ParamStore::new();
    model(&mut params);
    let e = params.load_state_dict(&BTreeMap::new(), true).unwrap_err();
    assert!(matches!(e, Error::StateDict { ref missing, .. } if missing.len() == 7));
}

#[test]
fn set_value_checks_the_shape_and_keeps_the_gradient() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::zeros(&[2, 2]).unwrap()).unwrap();
    params.set_grad(w, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    params.set_value(w, &t(&[4., 3., 2., 1.], &[2, 2])).unwrap();
    assert_eq!(params.data(w), &[4.0, 3.0, 2.0, 1.0]);
    assert!(params.has_grad(w) && params.grad(w) == [1.0, 2.0, 3.0, 4.0]);
    for bad in [&[4][..], &[1, 2, 2], &[2, 1]] {
        let value = Tensor::zeros(bad).unwrap();
        let e = params.set_value(w, &value).unwrap_err();
        assert_eq!(
            e,
            Error::ShapeMismatch {
                op: "ParamStore::set_value",
                lhs: vec![2, 2],
                rhs: bad.to_vec()
            }
        );
        assert!(
            e.to_string().contains("the parameter's shape exactly"),
            "{e}"
        );
    }
    assert_eq!(params.data(w), &[4.0, 3.0, 2.0, 1.0]);
}

#[test]
fn linear_zeros_matches_new_in_names_shapes_and_errors() {
    let (mut a, mut b) = (ParamStore::new(), ParamStore::new());
    Linear::new_no_bias(&mut a, "proj", 4, 5, &mut Rng::seed(0)).unwrap();
    Linear::zeros(&mut b, "proj", 4, 5, false).unwrap();
    assert_eq!(a.metas().len(), 1);
    assert_eq!(
        (&a.metas()[0].name, &a.metas()[0].shape),
        (&b.metas()[0].name, &b.metas()[0].shape)
    );
    let e = Linear::zeros(&mut b, "bad", 0, 5, true).unwrap_err();
    assert!(
        e.to_string().contains("in_features must be positive"),
        "{e}"
    );
    assert!(Mlp::zeros(&mut b, &[3]).is_err());
}
