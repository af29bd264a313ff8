//! Every public nn type, the store, the optimizers and the graph cross threads: a compile-time
//! check (a type that stops being `Send + Sync` fails to build this file) and a run that shares
//! one model between threads.
//!
//! `Graph` is `Send` but not `Sync`: its arena (`bumpalo::Bump`) is not `Sync`, and every method
//! of a `Graph` takes `&mut self`, so a shared `&Graph` could do nothing anyway; each thread
//! owns its graph.

use std::sync::Arc;

use arenagrad::nn::*;
use arenagrad::optim::{Adagrad, Adam, AdamW, Rmsprop, Sgd};
use arenagrad::prelude::*;

fn send_sync<T: Send + Sync + ?Sized>() {}
fn send<T: Send + ?Sized>() {}

#[test]
fn every_nn_type_is_send_and_sync() {
    send_sync::<Linear>();
    send_sync::<Mlp>();
    send_sync::<Sequential>();
    send_sync::<Box<dyn Module>>();
    send_sync::<dyn Module>();
    send_sync::<Relu>();
    send_sync::<Gelu>();
    send_sync::<Sigmoid>();
    send_sync::<Tanh>();
    send_sync::<MultiheadAttention>();
    send_sync::<BatchNorm>();
    send_sync::<BatchNorm1d>();
    send_sync::<BatchNorm2d>();
    send_sync::<Conv1d>();
    send_sync::<Conv2d>();
    send_sync::<ConvTranspose2d>();
    send_sync::<Dropout>();
    send_sync::<Embedding>();
    send_sync::<LayerNorm>();
    send_sync::<RMSNorm>();
    send_sync::<AdaptiveAvgPool2d>();
    send_sync::<AvgPool2d>();
    send_sync::<MaxPool2d>();
    send_sync::<Flatten>();
    send_sync::<TransformerBlock>();
}

#[test]
fn store_tensors_optimizers_are_send_and_sync_and_graph_is_send() {
    send_sync::<ParamStore>();
    send_sync::<Tensor>();
    send_sync::<Rng>();
    send_sync::<Error>();
    send_sync::<Sgd>();
    send_sync::<Adam>();
    send_sync::<AdamW>();
    send_sync::<Rmsprop>();
    send_sync::<Adagrad>();
    send::<Graph>();
}

/// One `Mlp` (with dropout in a `Sequential`, the layer with interior state) shared by two
/// threads, each with its own copy of the store and its own graph: both get the logits the
/// main thread computes.
#[test]
fn a_model_is_shared_by_threads() -> Result<()> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(7);
    let mlp = Mlp::new(&mut params, &[3, 5, 2], &mut rng)?;
    let mut seq = Sequential::new();
    seq.push(mlp).push(Dropout::new(0.5, &mut rng)?);
    seq.set_training(false); // eval: dropout is the identity, so every thread agrees
    let x = rng.normal_tensor(&[4, 3], 0.0, 1.0);
    let logits = |params: &mut ParamStore, model: &Sequential| -> Result<Vec<f32>> {
        Graph::new().run_with(params, |g| Ok(model.forward(g, g.input(&x))?.to_vec()))
    };
    let expected = logits(&mut params.clone(), &seq)?;
    let model = Arc::new(seq);
    let results: Vec<Vec<f32>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (model, mut params) = (Arc::clone(&model), params.clone());
                s.spawn(move || logits(&mut params, &model))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    })
    .into_iter()
    .collect::<Result<_>>()?;
    assert_eq!(results, [expected.clone(), expected]);
    Ok(())
}
