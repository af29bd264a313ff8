//! Backward's bookkeeping: gradient buffers recycled within and across passes, the single
//! walk that stops once nothing is pending, and the released-graph check of a later pass.

use crate::prelude::*;

mod splat;

#[test]
fn recycled_buffers_give_the_same_gradients_on_every_retained_pass() {
    // y = sum(tanh(x·a) · (x·a) + x·a): the node x·a has three consumers (fan-in),
    // and its buffer and its consumers' are recycled between passes.
    // dy/dx = a·(tanh'(u)·u + tanh(u) + 1) with u = x·a
    let xs = [0.3f32, -1.2, 2.0];
    let a = 0.7f32;
    let want: Vec<f32> = xs
        .iter()
        .map(|&x| {
            let (u, t) = (x * a, (x * a).tanh());
            a * ((1.0 - t * t) * u + t + 1.0)
        })
        .collect();
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&xs));
            let u = x * a;
            let y = (u.tanh() * u + u).sum();
            for pass in 1..=3 {
                y.backward_with(&Backward::retain_graph())?;
                let got = x.grad().unwrap().to_vec();
                for (g, w) in got.iter().zip(&want) {
                    assert!((g - pass as f32 * w).abs() < 1e-5, "pass {pass}: {got:?}");
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_backward_from_an_early_node_ignores_later_ones() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(3.0));
            let early = x * x; // d/dx = 2x = 6
            let mut late = early;
            for _ in 0..100 {
                late = late.sin();
            }
            early.backward_with(&Backward::retain_graph())?;
            assert_eq!(x.grad().unwrap().item(), 6.0);
            // the later chain had no gradient from that pass, so none leaks into this one:
            // d/dx sin(..sin(x²)) = 2x · Π cos(..)
            x.zero_grad();
            late.backward()?;
            let mut want = 6.0f32;
            let mut v = 9.0f32;
            for _ in 0..100 {
                want *= v.cos();
                v = v.sin();
            }
            assert!((x.grad().unwrap().item() - want).abs() < 1e-5);
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_released_graph_is_an_error_that_writes_nothing() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(2.0));
            let w = g.leaf(Tensor::scalar(5.0));
            let y = x * w;
            y.backward()?;
            // z reaches y, released above: nothing may be written, not even w's fresh branch
            let z = y * 2.0 + w;
            assert!(matches!(z.backward(), Err(Error::GraphFreed { .. })));
            assert_eq!(
                (x.grad().unwrap().item(), w.grad().unwrap().item()),
                (5.0, 2.0)
            );
            // a graph that does not reach a released node still runs
            (w * 3.0).backward()?;
            assert_eq!(w.grad().unwrap().item(), 5.0);
            Ok(())
        })
        .unwrap();
}

#[test]
fn gradient_memory_is_reused_along_a_chain() {
    // A chain of 200 ops on 4096 floats: without reuse every node would own a 16 KiB
    // gradient (3.2 MiB); with it, backward holds two of them at a time.
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::ones(&[4096])?);
            let mut h = x;
            for _ in 0..200 {
                h = h.sin();
            }
            let y = h.sum();
            let before = g.arena_used();
            y.backward_with(&Backward::retain_graph())?;
            let first = g.arena_used() - before;
            assert!(first < 4 * 4096 * 4, "backward used {first} bytes");
            // a second pass takes every large buffer from the pool (the 0-d sum's gradient,
            // below MIN_POOLED, is a fresh float)
            let before = g.arena_used();
            y.backward()?;
            assert!(g.arena_used() - before < 64);
            Ok(())
        })
        .unwrap();
}

#[test]
fn zero_dim_shapes_point_at_real_memory() {
    // An empty slice with a dangling pointer makes AVX-512 memcmp take a microcode assist
    // on every shape comparison (see shape::same): 0-d nodes must not carry one.
    let dangling = std::ptr::NonNull::<usize>::dangling().as_ptr() as usize;
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(1.0));
            let vars = [
                x,
                g.scalar(2.0),
                g.input(Tensor::scalar(3.0)),
                x * 2.0,
                x.sum(),
            ];
            for v in vars {
                assert!(v.shape().is_empty());
                assert_ne!(v.shape().as_ptr() as usize, dangling);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn passed_through_and_paired_gradients_keep_fan_in_semantics() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.5, -2.0]));
            // u + u: one node twice, so nothing passes through; d/dx (2x²) = 4x
            let u = x * x;
            (u + u).sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![6.0, -8.0]);
            // (u + x) + u: u's first gradient is the sum's buffer, the second adds to it;
            // d/dx (2x² + x) = 4x + 1; x * x pairs one node with itself (not paired)
            x.set_grad_none();
            let u = x * x;
            ((u + x) + u).sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![7.0, -7.0]);
            // a - b passes g through to a; d/da (a·a - a) = 2a - 1, twice over a retained graph
            x.set_grad_none();
            let y = (x * x - x).sum();
            y.backward_with(&Backward::retain_graph())?;
            y.backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![4.0, -10.0]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn paired_parameter_gradients_write_then_add() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::from_slice(&[2.0, 3.0])).unwrap();
    let v = params.add("v", Tensor::from_slice(&[5.0, 7.0])).unwrap();
    Graph::new()
        .run_with(&mut params, |g| {
            // two nodes of one parameter: not paired; d(w·w)/dw = 2w
            (g.param(w) * g.param(w)).sum().backward()?;
            // two parameters, paired: d(w·v)/dw = v (added), d/dv = w (written)
            (g.param(w) * g.param(v)).sum().backward()
        })
        .unwrap();
    assert_eq!(params.grad(w), &[4.0 + 5.0, 6.0 + 7.0]);
    assert_eq!(params.grad(v), &[2.0, 3.0]);
}

#[test]
fn a_node_fits_in_two_cache_lines() {
    // a scalar graph allocates a node every few instructions: each line a node spans is
    // written (and fetched) once per node
    assert!(std::mem::size_of::<super::Node<'static>>() <= 128);
}
