use crate::nn::{BatchNorm1d, BatchNorm2d, Module, Sequential};
use crate::prelude::*;
use crate::BatchNormMode;

fn input() -> Tensor {
    Rng::seed(5).normal_tensor(&[4, 3, 2, 2], 1.0, 2.0)
}

#[test]
fn training_forward_is_the_op_and_updates_the_running_statistics() {
    let mut params = ParamStore::new();
    let bn = BatchNorm2d::new(&mut params, "bn", 3).unwrap();
    let names: Vec<&str> = params
        .buffer_metas()
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "bn.running_mean",
            "bn.running_var",
            "bn.num_batches_tracked"
        ]
    );
    let x = input();
    let (mut mean, mut var) = (vec![0.0; 3], vec![1.0; 3]);
    let mut graph = Graph::new();
    let want = graph
        .run(|g| {
            let mode = BatchNormMode::train(Some((&mut mean, &mut var)));
            Ok(g.input(&x).try_batch_norm(None, None, mode)?.to_vec())
        })
        .unwrap();
    for step in 1..=2 {
        let got = graph
            .run_with(&mut params, |g| Ok(bn.forward(g, g.input(&x))?.to_vec()))
            .unwrap();
        assert_eq!(got, want); // weight 1, bias 0
        assert_eq!(params.buffer(bn.0.num_batches_tracked), &[step as f32]);
    }
    // two updates with the same batch statistics
    let m = params.buffer(bn.0.running_mean);
    let expect: Vec<f32> = mean.iter().map(|&once| once * 1.9).collect();
    for (a, b) in m.iter().zip(&expect) {
        assert!((a - b).abs() < 1e-5, "{m:?} vs {expect:?}");
    }
}

#[test]
fn eval_mode_normalises_with_the_running_statistics() {
    let mut params = ParamStore::new();
    let mut net = Sequential::new();
    let bn = BatchNorm2d::new(&mut params, "0", 3).unwrap();
    params
        .buffer_mut(bn.0.running_mean)
        .copy_from_slice(&[1.0, 2.0, 3.0]);
    params
        .buffer_mut(bn.0.running_var)
        .copy_from_slice(&[4.0, 4.0, 4.0]);
    net.push(bn);
    net.set_training(false);
    let x = Tensor::full(&[1, 3, 1, 1], 5.0).unwrap();
    let y = Graph::new()
        .run_with(&mut params, |g| Ok(net.forward(g, g.input(&x))?.to_vec()))
        .unwrap();
    let want = [2.0, 1.5, 1.0].map(|v: f32| v * 2.0 / (4.0f32 + 1e-5).sqrt());
    for (a, b) in y.iter().zip(want) {
        assert!((a - b).abs() < 1e-6, "{y:?} vs {want:?}");
    }
    // a batch of one value per channel is fine in eval mode, and nothing was updated
    assert_eq!(params.buffer(bn.0.num_batches_tracked), &[0.0]);
    assert_eq!(params.buffer(bn.0.running_mean), &[1.0, 2.0, 3.0]);
}

#[test]
fn cumulative_momentum_and_failed_forwards() {
    let mut params = ParamStore::new();
    let mut bn = BatchNorm1d::new(&mut params, "bn", 2).unwrap();
    bn.0.momentum = None;
    let mut graph = Graph::new();
    // batch means [2, 20] then [4, 40]: the cumulative average is [3, 30]
    for x in [[1.0, 10.0, 3.0, 30.0], [3.0, 30.0, 5.0, 50.0]] {
        let x = Tensor::new(x.to_vec(), &[2, 2]).unwrap();
        graph
            .run_with(&mut params, |g| bn.forward(g, g.input(&x)).map(|_| ()))
            .unwrap();
    }
    assert_eq!(params.buffer(bn.0.running_mean), &[3.0, 30.0]);
    // one value per channel in training mode: an error, and no state changes
    let before = (
        params.buffer(bn.0.running_mean).to_vec(),
        params.buffer(bn.0.num_batches_tracked).to_vec(),
    );
    let one = Tensor::new(vec![1.0, 2.0], &[1, 2]).unwrap();
    let e = graph
        .run_with(&mut params, |g| bn.forward(g, g.input(&one)).map(|_| ()))
        .unwrap_err();
    assert!(
        e.to_string().contains("more than 1 value per channel"),
        "{e}"
    );
    let after = (
        params.buffer(bn.0.running_mean).to_vec(),
        params.buffer(bn.0.num_batches_tracked).to_vec(),
    );
    assert_eq!(before, after);
    // a 4-d input to BatchNorm1d
    let x4 = Tensor::ones(&[2, 2, 1, 1]).unwrap();
    let e = graph
        .run_with(&mut params, |g| bn.forward(g, g.input(&x4)).map(|_| ()))
        .unwrap_err();
    assert!(e.to_string().contains("BatchNorm1d"), "{e}");
}
