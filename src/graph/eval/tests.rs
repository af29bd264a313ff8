//! The evaluation scope on its own (no layers): what it lends, what it refuses.

use crate::error::Error;
use crate::graph::{grad, Backward, GradOptions, Graph};
use crate::params::ParamStore;
use crate::tensor::Tensor;

fn store() -> (ParamStore, crate::params::Param, crate::params::Buffer) {
    let mut params = ParamStore::new();
    let w = params
        .add("w", Tensor::from_slice(&[1.0, -2.0, 3.0]))
        .unwrap();
    let b = params
        .add_buffer("running_mean", Tensor::from_slice(&[0.25, 0.5]))
        .unwrap();
    (params, w, b)
}

#[test]
fn parameters_and_buffers_are_read_in_place() {
    let (params, w, b) = store();
    Graph::new()
        .eval_with(&params, |g| {
            let p = g.param(w);
            // the node's values are the store's own memory: no copy of the flat buffer
            assert_eq!(p.data().as_ptr(), params.data(w).as_ptr());
            assert_eq!(g.buffer(b)?.as_ptr(), params.buffer(b).as_ptr());
            assert!(!p.requires_grad() && g.is_eval() && !g.grad_enabled());
            // a leaf made here is a constant too: the scope is a no_grad block that never ends
            assert!(!g.leaf(Tensor::scalar(1.0)).requires_grad());
            // nested no_grad leaves grad off when it ends
            g.no_grad(|| ());
            assert!(!g.grad_enabled());
            Ok(())
        })
        .unwrap();
}

#[test]
fn backward_and_grad_name_the_evaluation_scope() {
    let (params, w, _) = store();
    Graph::new()
        .eval_with(&params, |g| {
            let y = (g.param(w) * 2.0).sum();
            for r in [y.backward(), y.backward_with(&Backward::retain_graph())] {
                assert!(
                    matches!(r, Err(Error::EvalScope { op: "backward" })),
                    "{r:?}"
                );
            }
            let x = g.leaf(Tensor::scalar(1.0));
            let r = grad(&[y], &[x], &GradOptions::new());
            assert!(matches!(r, Err(Error::EvalScope { op: "grad" })), "{r:?}");
            Ok(())
        })
        .unwrap();
    let msg = Error::EvalScope { op: "backward" }.to_string();
    assert!(msg.contains("Graph::eval_with") && msg.contains("Graph::run_with(&mut store"));
}

#[test]
fn buffer_mut_is_refused_and_the_store_is_unchanged() {
    let (params, _, b) = store();
    Graph::new()
        .eval_with(&params, |g| {
            let r = g.buffer_mut(b).map(|_| ());
            assert!(
                matches!(
                    r,
                    Err(Error::EvalScope {
                        op: "Scope::buffer_mut"
                    })
                ),
                "{r:?}"
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(params.buffer(b), &[0.25, 0.5]);
}

#[test]
fn handles_of_another_store_are_errors() {
    let (params, _, _) = store();
    let (other, w2, b2) = store();
    Graph::new()
        .eval_with(&params, |g| {
            let r = g.try_param(w2);
            assert!(matches!(
                &r,
                Err(Error::ForeignParam {
                    op: "Scope::param",
                    ..
                })
            ));
            assert!(r
                .unwrap_err()
                .to_string()
                .contains("Graph::eval_with(&store"));
            let r = g.buffer(b2);
            assert!(matches!(
                r,
                Err(Error::InvalidArgument {
                    op: "Scope::buffer",
                    ..
                })
            ));
            Ok(())
        })
        .unwrap();
    drop(other);
    // a scope without a store has no buffers either
    Graph::new()
        .run(|g| {
            assert!(g.buffer(b2).is_err() && !g.is_eval());
            Ok(())
        })
        .unwrap();
}

#[test]
fn buffer_in_a_training_scope_is_a_snapshot_and_respects_buffer_mut() {
    let (mut params, _, b) = store();
    Graph::new()
        .run_with(&mut params, |g| {
            let before = g.buffer(b)?;
            {
                let mut m = g.buffer_mut(b)?;
                // lent out mutably: reading now is an error, not a data race
                assert!(matches!(
                    g.buffer(b),
                    Err(Error::InvalidArgument {
                        op: "Scope::buffer",
                        ..
                    })
                ));
                m[0] = 9.0;
            }
            assert_eq!(before, &[0.25, 0.5]); // the copy taken before the write
            assert_eq!(g.buffer(b)?, &[9.0, 0.5]);
            Ok(())
        })
        .unwrap();
    assert_eq!(params.buffer(b), &[9.0, 0.5]);
}

#[test]
fn the_arena_is_reused_across_evaluations() {
    let (params, w, _) = store();
    let mut graph = Graph::new();
    let run = |graph: &mut Graph| graph.eval_with(&params, |g| Ok((g.param(w) * 3.0).to_vec()));
    assert_eq!(run(&mut graph).unwrap(), [3.0, -6.0, 9.0]);
    let held = graph.arena_capacity();
    assert_eq!(run(&mut graph).unwrap(), [3.0, -6.0, 9.0]);
    assert_eq!(graph.arena_capacity(), held);
}
