//! `Graph::eval_with`: inference through a shared `&ParamStore` (PyTorch's `model.eval()` +
//! `torch.no_grad()`).
//!
//! The reference for every model is the training path it replaces: the same layers switched to
//! evaluation mode, run with `Graph::run_with` on a copy of the store inside `Scope::no_grad`.
//! The outputs must agree bit for bit, the store must come out unchanged, and four threads
//! sharing the store must all get those same bits.

use std::sync::Arc;

use arenagrad::nn::{BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, MaxPool2d, Relu};
use arenagrad::prelude::*;

/// The outputs of `model` on `x` the training way: evaluation mode set on the layers, the
/// graph run with a `&mut` copy of the store under `no_grad`.
fn reference(params: &ParamStore, model: &mut dyn Module, x: &Tensor) -> Result<Vec<f32>> {
    let mut copy = params.clone();
    model.set_training(false);
    let y = Graph::new().run_with(&mut copy, |g| {
        g.no_grad(|| Ok(model.forward(g, g.input(x))?.to_vec()))
    });
    model.set_training(true);
    y
}

fn evaluate(params: &ParamStore, model: &dyn Module, x: &Tensor) -> Result<Vec<f32>> {
    Graph::new().eval_with(params, |g| {
        let y = model.forward(g, g.input(x))?;
        assert!(!y.requires_grad());
        Ok(y.to_vec())
    })
}

/// Everything a store holds, to check that evaluation changed nothing.
fn snapshot(params: &ParamStore) -> (Vec<f32>, Vec<f32>, Vec<Vec<f32>>) {
    let buffers = params
        .buffers()
        .map(|b| params.buffer(b).to_vec())
        .collect();
    (
        params.flat_data().to_vec(),
        params.flat_grad().to_vec(),
        buffers,
    )
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A small CNN with batch norm and dropout, whose running statistics have moved away from
/// their initial values (three training-mode forwards), left in training mode.
fn conv_net(params: &mut ParamStore, rng: &mut Rng) -> Result<Sequential> {
    let mut net = Sequential::new();
    let opts = Conv2dOptions::default().padding([1, 1]);
    net.push_with(|n| Conv2d::new(params, n, 1, 4, [3, 3], opts, true, rng))?;
    net.push_with(|n| BatchNorm2d::new(params, n, 4))?;
    net.push(Relu);
    net.push(MaxPool2d(MaxPool2dOptions::square(2)));
    net.push(Dropout::new(0.5, rng)?);
    net.push(Flatten::default());
    net.push_with(|n| Linear::new(params, n, 4 * 4 * 4, 3, rng))?;
    let mut graph = Graph::new();
    for _ in 0..3 {
        let x = rng.normal_tensor(&[6, 1, 8, 8], 0.5, 2.0);
        graph.run_with(params, |g| net.forward(g, g.input(&x)).map(|_| ()))?;
    }
    Ok(net)
}

#[test]
fn an_mlp_gives_the_bits_of_run_with_no_grad() -> Result<()> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(1);
    let mut mlp = Mlp::new(&mut params, &[5, 16, 16, 3], &mut rng)?;
    let x = rng.normal_tensor(&[7, 5], 0.0, 1.0);
    let before = snapshot(&params);
    let got = evaluate(&params, &mlp, &x)?;
    assert_eq!(bits(&got), bits(&reference(&params, &mut mlp, &x)?));
    assert_eq!(got.len(), 7 * 3);
    assert_eq!(snapshot(&params), before);
    Ok(())
}

#[test]
fn a_conv_net_with_batch_norm_evaluates_with_its_running_statistics() -> Result<()> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(2);
    let mut net = conv_net(&mut params, &mut rng)?;
    let mean = params.get_buffer("1.running_mean").unwrap();
    let count = params.get_buffer("1.num_batches_tracked").unwrap();
    assert_eq!(params.buffer(count), &[3.0]);
    assert!(params.buffer(mean).iter().all(|&m| m != 0.0)); // the statistics have moved
    let x = rng.normal_tensor(&[2, 1, 8, 8], 0.5, 2.0);
    let before = snapshot(&params);
    // the net is still in training mode: the evaluation scope puts batch norm and dropout in
    // evaluation mode (running statistics, no mask) without set_training
    let got = evaluate(&params, &net, &x)?;
    assert_eq!(bits(&got), bits(&reference(&params, &mut net, &x)?));
    // and evaluating twice gives the same bits: no dropout draw, no running update
    assert_eq!(bits(&got), bits(&evaluate(&params, &net, &x)?));
    assert_eq!(snapshot(&params), before);
    // a net switched to evaluation mode by hand gives the same bits too
    net.set_training(false);
    assert_eq!(bits(&got), bits(&evaluate(&params, &net, &x)?));
    Ok(())
}

#[test]
fn batch_norm_in_an_evaluation_scope_normalises_by_the_running_statistics() -> Result<()> {
    let mut params = ParamStore::new();
    let bn = BatchNorm1d::new(&mut params, "bn", 2)?;
    params
        .buffer_mut(bn.0.running_mean)
        .copy_from_slice(&[1.0, -2.0]);
    params
        .buffer_mut(bn.0.running_var)
        .copy_from_slice(&[4.0, 0.25]);
    params.set_value(bn.0.weight, &Tensor::from_slice(&[2.0, 1.0]))?;
    params.set_value(bn.0.bias, &Tensor::from_slice(&[0.5, 0.0]))?;
    let x = Tensor::new(vec![3.0, -1.0, 1.0, -2.5], &[2, 2])?;
    let y = evaluate(&params, &bn, &x)?;
    // y = (x − mean) / √(var + 1e-5) · weight + bias, per channel
    let want = |x: f32, m: f32, v: f32, w: f32, b: f32| (x - m) / (v + 1e-5f32).sqrt() * w + b;
    let expected = [
        want(3.0, 1.0, 4.0, 2.0, 0.5),    // ≈ 2.5
        want(-1.0, -2.0, 0.25, 1.0, 0.0), // ≈ 2.0
        want(1.0, 1.0, 4.0, 2.0, 0.5),    // 0.5
        want(-2.5, -2.0, 0.25, 1.0, 0.0), // ≈ −1.0
    ];
    for (a, e) in y.iter().zip(expected) {
        assert!(
            (a - e).abs() <= 1e-6 * e.abs().max(1.0),
            "{y:?} vs {expected:?}"
        );
    }
    assert_eq!(params.buffer(bn.0.num_batches_tracked), &[0.0]);
    Ok(())
}

#[test]
fn a_transformer_block_gives_the_bits_of_run_with_no_grad() -> Result<()> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(3);
    let mut block = TransformerBlock::new(&mut params, "blocks.0", 16, 4, 32, &mut rng)?;
    let x = rng.normal_tensor(&[2, 5, 16], 0.0, 1.0);
    let got = evaluate(&params, &block, &x)?;
    assert_eq!(bits(&got), bits(&reference(&params, &mut block, &x)?));
    // the store shared through an Arc with a 'static thread, as a server would hold it
    let (params, block, x) = (Arc::new(params), Arc::new(block), Arc::new(x));
    let worker = {
        let (params, block, x) = (Arc::clone(&params), Arc::clone(&block), Arc::clone(&x));
        std::thread::spawn(move || evaluate(&params, &*block, &x))
    };
    assert_eq!(bits(&worker.join().unwrap()?), bits(&got));
    Ok(())
}

#[test]
fn four_threads_evaluate_one_store_at_once() -> Result<()> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(4);
    let net = conv_net(&mut params, &mut rng)?;
    let inputs: Vec<Tensor> = (0..3)
        .map(|_| rng.normal_tensor(&[3, 1, 8, 8], 0.0, 1.0))
        .collect();
    let expected: Vec<Vec<u32>> = inputs
        .iter()
        .map(|x| evaluate(&params, &net, x).map(|y| bits(&y)))
        .collect::<Result<_>>()?;
    let before = snapshot(&params);
    let (params, net) = (&params, &net); // shared, read-only
    let results: Vec<Vec<Vec<u32>>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| -> Result<Vec<Vec<u32>>> {
                    let mut graph = Graph::new(); // one graph per thread, reused
                    let mut out = Vec::new();
                    for _ in 0..5 {
                        for x in &inputs {
                            let y = graph.eval_with(params, |g| {
                                Ok(bits(&net.forward(g, g.input(x))?.to_vec()))
                            })?;
                            out.push(y);
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    })
    .into_iter()
    .collect::<Result<_>>()?;
    let once: Vec<Vec<u32>> = (0..5).flat_map(|_| expected.clone()).collect();
    assert_eq!(results, vec![once; 4]);
    assert_eq!(snapshot(params), before);
    Ok(())
}

#[test]
fn misuse_inside_an_evaluation_scope_is_an_error_naming_what_to_do() -> Result<()> {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(5);
    let mlp = Mlp::new(&mut params, &[3, 4, 2], &mut rng)?;
    let bn = BatchNorm1d::new(&mut params, "bn", 2)?;
    let mut other = ParamStore::new();
    let foreign = Mlp::new(&mut other, &[3, 4, 2], &mut rng)?;
    let x = Tensor::ones(&[2, 3])?;
    Graph::new().eval_with(&params, |g| {
        let loss = mlp.forward(g, g.input(&x))?.sum();
        // backward
        let e = loss.backward().unwrap_err();
        assert!(matches!(e, Error::EvalScope { op: "backward" }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("eval_with") && msg.contains("run_with(&mut store"),
            "{msg}"
        );
        // writing a buffer
        let e = g.buffer_mut(bn.0.running_mean).map(|_| ()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::EvalScope {
                    op: "Scope::buffer_mut"
                }
            ),
            "{e:?}"
        );
        // a model registered in another store: the error names the parameter
        let e = foreign.forward(g, g.input(&x)).unwrap_err();
        assert!(matches!(e, Error::ForeignParam { .. }), "{e:?}");
        let first = other.params().next().unwrap();
        assert!(e.to_string().contains(other.name(first)), "{e}");
        Ok(())
    })?;
    // the same graph trains afterwards: nothing of the evaluation scope lingers
    let mut graph = Graph::new();
    graph.eval_with(&params, |g| mlp.forward(g, g.input(&x)).map(|_| ()))?;
    graph.run_with(&mut params, |g| {
        mlp.forward(g, g.input(&x))?.sum().backward()
    })?;
    assert!(params.params().take(1).all(|p| params.has_grad(p)));
    Ok(())
}

#[test]
fn a_shared_store_reference_crosses_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<&ParamStore>();
    send_sync::<Arc<ParamStore>>();
}
