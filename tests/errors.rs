//! Every `Error` variant reachable through the public API: the variant, a `Display` text that
//! names the operation and the shapes (or keys) and says what to do, and — where a panicking
//! form exists — a panic with exactly the same text.
//!
//! Op-specific error cases (every shape op, every loss) are unit-tested next to each op; this file
//! covers each variant once, end to end, through the public API.

use std::panic::{catch_unwind, AssertUnwindSafe};

use arenagrad::optim::{Sgd, SgdConfig};
use arenagrad::prelude::*;

/// The message of the panic `f` raises (it must raise one).
fn panic_text(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        panic!("panic payload is not a string")
    }
}

/// Asserts that `e`'s text contains every one of `parts` and returns the text.
#[track_caller]
fn text_has(e: &Error, parts: &[&str]) -> String {
    let text = e.to_string();
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    text
}

#[test]
fn shape_mismatch_names_op_and_both_shapes() {
    Graph::new()
        .run(|g| {
            let a = g.leaf(Tensor::zeros(&[2, 3])?);
            let b = g.leaf(Tensor::zeros(&[3, 2])?);
            for (r, op) in [
                (a.try_add(b), "add"),
                (a.try_sub(b), "sub"),
                (a.try_mul(b), "mul"),
                (a.try_div(b), "div"),
                (a.try_maximum(b), "maximum"),
                (a.try_minimum(b), "minimum"),
            ] {
                let e = r.unwrap_err();
                assert!(
                    matches!(e, Error::ShapeMismatch { op: o, .. } if o == op),
                    "{e:?}"
                );
                let want = format!("{op}: shapes [2, 3] and [3, 2]");
                text_has(&e, &[&want, "broadcast", "reshape or expand one operand"]);
            }
            // the operator form panics with the same text
            let text = a.try_add(b).unwrap_err().to_string();
            assert_eq!(
                panic_text(|| {
                    let _ = a + b;
                }),
                text
            );
            let text = a.try_div(b).unwrap_err().to_string();
            assert_eq!(
                panic_text(|| {
                    let _ = a / b;
                }),
                text
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn bad_axis_names_axis_shape_and_range() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2, 3])?);
            for (r, op) in [
                (x.try_sum_axis(2, false), "sum"),
                (x.try_mean_axis(-3, true), "mean"),
                (x.try_max_axis(2, false), "max"),
                (x.try_softmax(5), "softmax"),
                (x.try_log_softmax(-3), "log_softmax"),
            ] {
                let e = r.unwrap_err();
                assert!(
                    matches!(e, Error::BadAxis { op: o, .. } if o == op),
                    "{e:?}"
                );
                text_has(&e, &[&format!("{op}: axis"), "[2, 3]", "rank 2", "-2..2"]);
            }
            let text = x.try_sum_axis(2, false).unwrap_err().to_string();
            assert_eq!(
                panic_text(|| {
                    let _ = x.sum_axis(2, false);
                }),
                text
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn empty_names_op_and_shape() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[0, 3])?);
            for (r, op) in [
                (x.try_mean(), "mean"),
                (x.try_max(), "max"),
                (x.try_mean_axis(0, false), "mean"),
            ] {
                let e = r.unwrap_err();
                assert!(matches!(e, Error::Empty { op: o, .. } if o == op), "{e:?}");
                text_has(&e, &[&format!("{op}: "), "[0, 3]", "non-empty"]);
            }
            // a sum of nothing is 0, as in PyTorch
            assert_eq!(x.sum().item(), 0.0);
            let text = x.try_max().unwrap_err().to_string();
            assert_eq!(
                panic_text(|| {
                    let _ = x.max();
                }),
                text
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn matmul_mismatch_names_both_shapes() {
    Graph::new()
        .run(|g| {
            let a = g.leaf(Tensor::zeros(&[2, 3])?);
            let b = g.leaf(Tensor::zeros(&[4, 5])?);
            let e = a.try_matmul(b).unwrap_err();
            assert!(
                matches!(e, Error::MatmulMismatch { op: "matmul", .. }),
                "{e:?}"
            );
            let text = text_has(&e, &["matmul", "[2, 3] by [4, 5]", "transpose or reshape"]);
            assert_eq!(
                panic_text(|| {
                    let _ = a.matmul(b);
                }),
                text
            );
            // a 0-d operand cannot be multiplied either (torch.matmul needs rank >= 1)
            let e = g.scalar(2.0).try_matmul(b).unwrap_err();
            assert!(matches!(e, Error::MatmulMismatch { .. }), "{e:?}");
            text_has(&e, &["matmul", "[] by [4, 5]"]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn index_out_of_range_names_index_size_and_shape() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[3, 2])?);
            let e = x.try_index_select(0, &[0, 3]).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::IndexOutOfRange {
                        index: 3,
                        size: 3,
                        ..
                    }
                ),
                "{e:?}"
            );
            let text = text_has(
                &e,
                &["index_select", "index 3", "size 3", "[3, 2]", "in 0..3"],
            );
            assert_eq!(
                panic_text(|| {
                    let _ = x.index_select(0, &[0, 3]);
                }),
                text
            );
            // a class target beyond the logits' classes
            let e = x.cross_entropy(&[0, 1, 2]).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::IndexOutOfRange {
                        index: 2,
                        size: 2,
                        ..
                    }
                ),
                "{e:?}"
            );
            text_has(&e, &["cross_entropy", "index 2", "[3, 2]"]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn reshape_numel_names_both_shapes_and_counts() {
    let e = Tensor::zeros(&[2, 3]).unwrap().reshape(&[4]).unwrap_err();
    assert!(matches!(e, Error::ReshapeNumel { .. }));
    text_has(
        &e,
        &[
            "Tensor::reshape",
            "[2, 3] (6 elements)",
            "[4] (4 elements)",
            "must be equal",
        ],
    );
}

#[test]
fn data_length_names_shape_and_lengths() {
    let e = Tensor::new(vec![1.0; 5], &[2, 3]).unwrap_err();
    assert!(matches!(e, Error::DataLength { len: 5, .. }));
    text_has(
        &e,
        &["Tensor::new", "[2, 3] needs 6 values but 5 were given"],
    );
    let e = Graph::new()
        .run(|g| g.try_input_slice(&[1.0], &[2]).map(|_| ()))
        .unwrap_err();
    assert!(matches!(e, Error::DataLength { len: 1, .. }));
    text_has(&e, &["input", "[2] needs 2 values but 1 were given"]);
}

#[test]
fn size_overflow_names_op_and_shape() {
    let huge = [usize::MAX, 2];
    let e = Shape::new(&huge).unwrap_err();
    assert!(matches!(e, Error::SizeOverflow { .. }));
    text_has(
        &e,
        &["Shape::new", &format!("{huge:?}"), "use smaller dimensions"],
    );
    let e = Tensor::zeros(&huge).unwrap_err();
    assert!(matches!(e, Error::SizeOverflow { .. }));
    text_has(&e, &["Tensor::full", "overflow"]);
}

#[test]
fn graph_freed_says_pass_retain_graph() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::scalar(4.0));
            let f = x.powf(3.0);
            f.backward()?;
            let e = f.backward().unwrap_err();
            assert!(matches!(e, Error::GraphFreed { .. }));
            text_has(&e, &["backward", "second time", "Backward::retain_graph()"]);
            // the failed call left the gradient untouched: still 3 * 4^2
            assert_eq!(x.grad().unwrap().item(), 48.0);
            Ok(())
        })
        .unwrap();
}

#[test]
fn backward_misuse_names_shapes_and_remedy() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::ones(&[2, 3])?);
            let y = x * 2.0;
            let e = y.backward().unwrap_err();
            assert!(matches!(e, Error::NonScalarBackward { .. }));
            text_has(&e, &["backward", "[2, 3]", "Backward::gradient", ".sum()"]);

            let c = g.input(Tensor::ones(&[2])?) * 3.0;
            let e = c.sum().backward().unwrap_err();
            assert!(matches!(e, Error::NoGradFn { .. }));
            text_has(
                &e,
                &[
                    "backward",
                    "shape []",
                    "does not require grad",
                    "from leaves",
                ],
            );

            let wrong = Backward::gradient(Tensor::ones(&[3, 2])?);
            let e = y.backward_with(&wrong).unwrap_err();
            assert!(matches!(e, Error::GradShape { .. }));
            text_has(
                &e,
                &[
                    "backward",
                    "[3, 2]",
                    "[2, 3]",
                    "gradient of the output's shape",
                ],
            );
            // none of the failures released the graph
            y.backward_with(&Backward::gradient(Tensor::ones(&[2, 3])?))?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![2.0; 6]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn foreign_param_from_another_store_or_no_store() {
    let mut mine = ParamStore::new();
    mine.add("w", Tensor::scalar(1.0)).unwrap();
    let mut other = ParamStore::new();
    other.add("a", Tensor::scalar(1.0)).unwrap();
    let theirs = other.add("b", Tensor::scalar(1.0)).unwrap();
    let mut graph = Graph::new();
    let e = graph
        .run_with(&mut mine, |g| g.try_param(theirs).map(|_| ()))
        .unwrap_err();
    assert!(matches!(e, Error::ForeignParam { .. }));
    let text = text_has(&e, &["Scope::param", "#1", "Graph::run_with"]);
    let panicked = graph
        .run_with(&mut mine, |g| {
            Ok(panic_text(|| {
                let _ = g.param(theirs);
            }))
        })
        .unwrap();
    assert_eq!(panicked, text);

    // a scope without a store has no parameters at all
    let e = graph.run(|g| g.try_param(theirs).map(|_| ())).unwrap_err();
    assert!(matches!(e, Error::ForeignParam { .. }));
    text_has(&e, &["Scope::param", "Graph::run_with"]);
}

#[test]
fn duplicate_param_names_the_key() {
    let mut store = ParamStore::new();
    store
        .add("0.weight", Tensor::zeros(&[2, 2]).unwrap())
        .unwrap();
    let e = store
        .add("0.weight", Tensor::zeros(&[3]).unwrap())
        .unwrap_err();
    assert_eq!(
        e,
        Error::DuplicateParam {
            name: "0.weight".into()
        }
    );
    text_has(&e, &["ParamStore::add", "\"0.weight\"", "unique name"]);
}

#[test]
fn invalid_arguments_name_the_op_and_the_valid_range() {
    let e = Sgd::new(
        &ParamStore::new(),
        SgdConfig {
            lr: -1.0,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    text_has(&e, &["SGD", "-1", ">= 0"]);
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::ones(&[4])?);
            let mut rng = Rng::seed(0);
            let e = x.dropout(1.5, &mut rng, true).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument { op: "dropout", .. }));
            text_has(&e, &["dropout", "between 0 and 1", "1.5"]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn item_of_many_elements_is_invalid_argument() {
    let t = Tensor::zeros(&[2]).unwrap();
    let e = t.try_item().unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { op: "item", .. }));
    let text = text_has(
        &e,
        &["item", "2 elements", "[2]", "only one-element tensors"],
    );
    assert_eq!(
        panic_text(|| {
            let _ = t.item();
        }),
        text
    );
    Graph::new()
        .run(|g| {
            let v = g.input(Tensor::zeros(&[2])?);
            assert_eq!(v.try_item().unwrap_err().to_string(), text);
            assert_eq!(
                panic_text(|| {
                    let _ = v.item();
                }),
                text
            );
            Ok(())
        })
        .unwrap();
}
