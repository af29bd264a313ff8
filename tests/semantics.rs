//! Graph semantics that the PyTorch vectors do not pin: arena reuse across runs, scopes that
//! never run backward, `no_grad` nesting, `detach`, fan-in of parameters and leaves, gradients
//! of intermediates, and errors crossing `Graph::run`.

use arenagrad::prelude::*;

/// One step of a small model: y = tanh(w * x + b), loss = sum(y^2).
fn step(graph: &mut Graph, params: &mut ParamStore, w: Param, b: Param) -> f32 {
    params.zero_grad();
    graph
        .run_with(params, |g| {
            let x = g.input(Tensor::new(
                (0..64).map(|i| i as f32 / 64.0).collect(),
                &[4, 16],
            )?);
            let y = (g.param(w) * x + g.param(b)).tanh();
            let loss = (y * y).sum();
            loss.backward()?;
            Ok(loss.item())
        })
        .unwrap()
}

#[test]
fn arena_is_reset_and_reused_across_runs() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::full(&[16], 0.5).unwrap()).unwrap();
    let b = params
        .add("b", Tensor::full(&[4, 1], 0.1).unwrap())
        .unwrap();
    let mut graph = Graph::new();
    let first = step(&mut graph, &mut params, w, b);
    let grad = params.flat_grad().to_vec();
    let cap = graph.arena_capacity();
    assert!(cap > 0);
    for _ in 0..50 {
        // same loss and gradient every time: nothing of an earlier run leaks into the next
        assert_eq!(step(&mut graph, &mut params, w, b), first);
        assert_eq!(params.flat_grad(), &grad[..]);
        // and no new memory: the kept chunk serves every later step
        assert_eq!(graph.arena_capacity(), cap);
    }
}

#[test]
fn a_scope_without_backward_still_resets() {
    let mut graph = Graph::new();
    let build = |graph: &mut Graph| {
        graph
            .run(|g| {
                let x = g.leaf(Tensor::ones(&[1000])?);
                let y = (x * 2.0).exp().sum(); // never backpropagated
                Ok(y.item())
            })
            .unwrap()
    };
    let v = build(&mut graph);
    let cap = graph.arena_capacity();
    for _ in 0..20 {
        assert_eq!(build(&mut graph), v);
        assert_eq!(
            graph.arena_capacity(),
            cap,
            "an abandoned graph must not pile up"
        );
    }
    // an error return resets too
    for _ in 0..20 {
        let r: Result<()> = graph.run(|g| {
            let x = g.leaf(Tensor::ones(&[1000])?);
            let _ = (x * 2.0).exp().sum();
            Err(Error::Empty {
                op: "test",
                shape: vec![0],
            })
        });
        assert!(r.is_err());
        assert_eq!(graph.arena_capacity(), cap);
    }
}

#[test]
fn no_grad_nests_and_restores() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(2.0));
            assert!(g.grad_enabled());
            let (inner, outer) = g.no_grad(|| {
                let inner = g.no_grad(|| {
                    assert!(!g.grad_enabled());
                    x * 3.0
                });
                // still off after the inner block ends: the outer one is open
                assert!(!g.grad_enabled());
                (inner, x * 4.0)
            });
            assert!(g.grad_enabled());
            assert!(!inner.requires_grad() && !outer.requires_grad());
            // a leaf created under no_grad does not require grad either
            let c = g.no_grad(|| g.leaf(Tensor::scalar(1.0)));
            assert!(!c.requires_grad());
            // mixing no_grad values into a graph: they are constants
            // y = x * (3x) with the second factor constant: dy/dx = 3x = 6
            let y = x * inner;
            y.backward()?;
            assert_eq!(x.grad().unwrap().item(), 6.0);
            Ok(())
        })
        .unwrap();
}

#[test]
fn no_grad_is_restored_after_a_panic() {
    let mut graph = Graph::new();
    graph
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2])?);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                g.no_grad(|| x + g.input(Tensor::zeros(&[3]).unwrap()))
            }));
            assert!(r.is_err());
            assert!(g.grad_enabled());
            Ok(())
        })
        .unwrap();
}

#[test]
fn detach_shares_no_gradient() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
            let d = x.detach();
            assert!(!d.requires_grad());
            assert_eq!(d.data(), x.data());
            // y = sum(x * d + d): dy/dx = d = [1, 2]; nothing flows through d
            let y = (x * d + d).sum();
            y.backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 2.0]);
            assert!(d.grad().is_none());
            // backward from the detached value alone has nothing to run
            assert!(matches!(d.sum().backward(), Err(Error::NoGradFn { .. })));
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_param_used_twice_accumulates() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::from_slice(&[3.0, -1.0])).unwrap();
    let mut graph = Graph::new();
    graph
        .run_with(&mut params, |g| {
            // two separate Var handles of one parameter, and one handle used twice
            let (w1, w2) = (g.param(w), g.param(w));
            // f = sum(w1 * w1 + 5 * w2): df/dw = 2w + 5 = [11, 3]
            (w1 * w1 + 5.0 * w2).sum().backward()
        })
        .unwrap();
    assert_eq!(params.grad(w), &[11.0, 3.0]);
    // a second run without zero_grad adds to the store's gradient, as PyTorch's .grad does
    graph
        .run_with(&mut params, |g| g.param(w).sum().backward())
        .unwrap();
    assert_eq!(params.grad(w), &[12.0, 4.0]);
    params.zero_grad();
    assert_eq!(params.grad(w), &[0.0, 0.0]);
}

#[test]
fn a_leaf_accumulates_across_backward_calls_with_retain_graph() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
            // y = sum(x^2): dy/dx = 2x = [2, 4]
            let y = x.powf(2.0).sum();
            y.backward_with(&Backward::retain_graph())?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 4.0]);
            y.backward_with(&Backward::retain_graph())?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![4.0, 8.0]);
            // a second graph over the same leaf adds too: d(sum 3x)/dx = 3
            (x * 3.0).sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![7.0, 11.0]);
            // zero_grad zeroes in place; the next pass adds onto zeros
            x.zero_grad();
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 0.0]);
            y.backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 4.0]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn intermediate_grad_is_none() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(2.0));
            let h = x * x;
            let y = h * 3.0;
            y.backward()?;
            assert!(!h.is_leaf() && h.grad().is_none());
            assert!(y.grad().is_none());
            // d(3x^2)/dx = 6x = 12
            assert_eq!(x.grad().unwrap().item(), 12.0);
            // inputs never get a gradient
            let c = g.input(Tensor::scalar(1.0));
            (x * c).backward()?;
            assert!(c.grad().is_none());
            Ok(())
        })
        .unwrap();
}

#[test]
fn backward_on_a_value_built_in_no_grad_errors() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(2.0));
            let y = g.no_grad(|| (x * x).sum());
            assert!(matches!(y.backward(), Err(Error::NoGradFn { .. })));
            // calling backward inside no_grad on a graph built outside still works, as in
            // PyTorch (no_grad stops recording; it does not stop backward)
            let z = x * x;
            g.no_grad(|| z.backward())?;
            assert_eq!(x.grad().unwrap().item(), 4.0);
            assert!(x.grad().is_some());
            Ok(())
        })
        .unwrap();
}

#[test]
fn run_returns_the_closures_value_and_error() {
    let mut graph = Graph::new();
    assert_eq!(graph.run(|g| Ok(g.scalar(2.5).item())).unwrap(), 2.5);
    let e = graph
        .run(|g| -> Result<f32> {
            let a = g.leaf(Tensor::zeros(&[2])?);
            let b = g.leaf(Tensor::zeros(&[3])?);
            let c = a.try_add(b)?; // returns the error from the closure
            Ok(c.sum().item())
        })
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { op: "add", .. }));
    let mut params = ParamStore::new();
    let e = graph
        .run_with(&mut params, |_| -> Result<()> {
            Err(Error::InvalidArgument {
                op: "user",
                message: "custom".into(),
            })
        })
        .unwrap_err();
    assert_eq!(e.to_string(), "user: custom");
}
