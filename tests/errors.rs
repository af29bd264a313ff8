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
    // the handle is named as its store registered it, not by its index
    let text = text_has(&e, &["Scope::param", "\"b\"", "Graph::run_with"]);
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
    text_has(&e, &["Scope::param", "\"b\"", "Graph::run_with"]);
    // once the store that registered it is gone, its index is all there is
    drop(other);
    let e = graph.run(|g| g.try_param(theirs).map(|_| ())).unwrap_err();
    text_has(&e, &["Scope::param", "\"#1\""]);
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

#[test]
fn io_names_op_path_and_remedy() {
    let dir = std::env::temp_dir().join("arenagrad-errors-test-missing-dir");
    let path = dir.join("model.safetensors");
    let e = arenagrad::io::read(&path).unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Io {
                op: "io::read",
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ),
        "{e:?}"
    );
    text_has(
        &e,
        &[
            "io::read",
            &format!("{:?}", path.display().to_string()),
            "check the path",
        ],
    );
    // writing into a directory that does not exist fails the same way, naming the writer
    let e = arenagrad::io::save(&path, &ParamStore::new()).unwrap_err();
    assert!(matches!(&e, Error::Io { op: "io::save", .. }), "{e:?}");
    text_has(&e, &["io::save", "model.safetensors"]);
}

/// A safetensors file with one tensor, `name` of `dtype` and `shape`, and `data`.
fn file_with(name: &str, dtype: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let header = format!(
        "{{\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape:?},\"data_offsets\":[0,{}]}}}}",
        data.len()
    );
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

#[test]
fn format_names_op_check_and_key() {
    let e = arenagrad::io::from_bytes(b"\x01\x02").unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Format {
                op: "io::from_bytes",
                ..
            }
        ),
        "{e:?}"
    );
    text_has(
        &e,
        &[
            "io::from_bytes",
            "truncated, corrupt or not a safetensors file",
        ],
    );
    // a dtype that does not convert: the key and the dtype are named
    let bytes = file_with("step_counter", "I32", &[1], &[0; 4]);
    let e = arenagrad::io::from_bytes(&bytes).unwrap_err();
    assert!(matches!(&e, Error::Format { .. }), "{e:?}");
    text_has(
        &e,
        &[
            "io::from_bytes",
            "\"step_counter\"",
            "I32",
            "F32, F64, F16, BF16 and I64",
        ],
    );
    // an I64 that f32 cannot hold exactly: the key, the element and the value are named
    let big = ((1i64 << 24) + 1).to_le_bytes();
    let bytes = file_with("step_counter", "I64", &[1], &big);
    let e = arenagrad::io::from_bytes(&bytes).unwrap_err();
    assert!(matches!(&e, Error::Format { .. }), "{e:?}");
    text_has(
        &e,
        &["\"step_counter\"", "16777217 at element 0", "t.float()"],
    );
    // offsets that disagree with the shape: the check that failed is named
    let bytes = file_with("w", "F32", &[3], &[0; 8]);
    text_has(
        &arenagrad::io::from_bytes(&bytes).unwrap_err(),
        &["io::from_bytes", "shape"],
    );
    // read from a file, the message also names the path
    let path = std::env::temp_dir().join("arenagrad-errors-test-format.safetensors");
    std::fs::write(&path, b"not safetensors").unwrap();
    let e = arenagrad::io::read(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    text_has(
        &e,
        &["io::read", "arenagrad-errors-test-format.safetensors"],
    );
}

#[test]
fn state_dict_names_every_key_and_shape() {
    let mut saved = ParamStore::new();
    saved
        .add("0.weight", Tensor::zeros(&[4, 2]).unwrap())
        .unwrap();
    saved
        .add("extra.bias", Tensor::zeros(&[4]).unwrap())
        .unwrap();
    let bytes = arenagrad::io::to_bytes(&saved).unwrap();
    let mut params = ParamStore::new();
    params
        .add("0.weight", Tensor::zeros(&[3, 2]).unwrap())
        .unwrap();
    params.add("0.bias", Tensor::zeros(&[3]).unwrap()).unwrap();
    let e = arenagrad::io::load_bytes_into(&bytes, &mut params, Default::default()).unwrap_err();
    let Error::StateDict {
        op: "io::load_bytes_into",
        missing,
        unexpected,
        mismatched,
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (missing, unexpected),
        (&vec!["0.bias".to_string()], &vec!["extra.bias".to_string()])
    );
    assert_eq!(
        mismatched,
        &vec![("0.weight".to_string(), vec![3, 2], vec![4, 2])]
    );
    text_has(
        &e,
        &[
            "io::load_bytes_into: the state dict",
            "missing keys (in the store, not in the state dict) [\"0.bias\"]",
            "unexpected keys (in the state dict, not in the store) [\"extra.bias\"]",
            "size mismatch for \"0.weight\": the store has [3, 2], the state dict [4, 2]",
            "strict: false",
        ],
    );
}

/// The name of `e`'s variant, from its `Debug` text.
fn variant(e: &Error) -> String {
    let text = format!("{e:?}");
    text.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// One error of every variant, each produced through the public API.
fn one_of_each() -> Vec<Error> {
    let mut errors = vec![];
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2, 3])?);
            errors.push(x.try_add(g.input(Tensor::zeros(&[3, 2])?)).unwrap_err());
            errors.push(x.try_matmul(x).unwrap_err());
            errors.push(x.try_sum_axis(5, false).unwrap_err());
            errors.push(x.try_reshape(&[7]).unwrap_err());
            errors.push(g.try_input_slice(&[1.0], &[2]).unwrap_err());
            errors.push(x.try_index_select(0, &[9]).unwrap_err());
            errors.push(x.try_narrow(1, 2, 2).unwrap_err());
            errors.push(g.input(Tensor::zeros(&[0])?).try_max().unwrap_err());
            errors.push(x.try_permute(&[0, 0]).unwrap_err());
            errors.push(x.backward().unwrap_err());
            // grad with respect to a leaf the output does not use, without allow_unused
            let unused = g.leaf(Tensor::scalar(1.0));
            errors.push(grad(&[x.sum()], &[unused], &GradOptions::new()).unwrap_err());
            errors.push(x.sum().detach().backward().unwrap_err());
            let grad = Backward::gradient(Tensor::zeros(&[3])?);
            errors.push((x * 2.0).backward_with(&grad).unwrap_err());
            let y = x.sum() * 2.0;
            y.backward()?;
            errors.push(y.backward().unwrap_err());
            errors.push(
                g.try_param(ParamStore::new().add("w", Tensor::scalar(0.0))?)
                    .unwrap_err(),
            );
            Ok(())
        })
        .unwrap();
    errors.push(Tensor::zeros(&[usize::MAX, 2]).unwrap_err());
    let mut store = ParamStore::new();
    store.add("w", Tensor::scalar(0.0)).unwrap();
    errors.push(store.add("w", Tensor::scalar(0.0)).unwrap_err());
    errors.push(arenagrad::io::read("/nonexistent/arenagrad.safetensors").unwrap_err());
    errors.push(arenagrad::io::from_bytes(b"").unwrap_err());
    let bytes = arenagrad::io::to_bytes(&ParamStore::new()).unwrap();
    errors
        .push(arenagrad::io::load_bytes_into(&bytes, &mut store, Default::default()).unwrap_err());
    // backward in an evaluation scope (shared store, no grad)
    let w = store.get("w").unwrap();
    let e = Graph::new().eval_with(&store, |g| g.param(w).sum().backward());
    errors.push(e.unwrap_err());
    errors.extend(recorded_backward_errors());
    errors
}

/// The errors of a backward recorded as graph nodes (create_graph, `grad`): an op without a
/// differentiable form, an unused input, and a custom op without a `Var`-based backward or
/// whose backward returns the wrong number or shape of gradients.
fn recorded_backward_errors() -> Vec<Error> {
    use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, SavedVars, TensorRef};
    /// `x` itself; `backward_graph` returns `Some(n)`: `n` gradients of shape `[1]`.
    struct Ident(Option<usize>);
    impl CustomOp for Ident {
        fn name(&self) -> &'static str {
            "ident"
        }
        fn forward(&self, x: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
            out.output(x[0].shape, x[0].data)
        }
        fn backward(&self, _: &Saved<'_>, g: &[f32], grads: &mut InputGrads<'_>) {
            grads.get(0).unwrap().copy_from_slice(g);
        }
        fn backward_graph<'g>(
            &self,
            s: &SavedVars<'g>,
            g: Var<'g>,
        ) -> Result<Vec<Option<Var<'g>>>> {
            let Some(n) = self.0 else {
                return Err(Error::CustomNotDifferentiable { op: self.name() });
            };
            Ok(vec![Some(s.scope().scalar(0.0).reshape(&[1]) + g.sum()); n])
        }
    }
    /// `x` itself, with the plain backward only.
    struct Plain;
    impl CustomOp for Plain {
        fn name(&self) -> &'static str {
            "plain"
        }
        fn forward(&self, x: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
            out.output(x[0].shape, x[0].data)
        }
        fn backward(&self, _: &Saved<'_>, g: &[f32], grads: &mut InputGrads<'_>) {
            grads.get(0).unwrap().copy_from_slice(g);
        }
    }
    fn create<'g>(y: Var<'g>, x: Var<'g>) -> Error {
        let opts = GradOptions::new().create_graph(true);
        grad(&[y.sum()], &[x], &opts).unwrap_err()
    }
    let mut errors = vec![];
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2, 3])?);
            let u = g.leaf(Tensor::zeros(&[4])?);
            let e = grad(&[x.sum()], &[x, u], &GradOptions::new()).unwrap_err();
            text_has(&e, &["input 1", "[4]", "allow_unused"]);
            errors.push(e);
            let e = create(x.custom(Plain)?, x);
            text_has(&e, &["plain", "CustomOp::backward_graph"]);
            errors.push(e);
            let e = create(x.custom(Ident(Some(2)))?, x);
            text_has(&e, &["ident", "2 gradients", "1 inputs"]);
            errors.push(e);
            let e = create(x.custom(Ident(Some(1)))?, x);
            text_has(&e, &["ident", "[1]", "input 0", "[2, 3]"]);
            errors.push(e);
            Ok(())
        })
        .unwrap();
    errors
}

/// Every variant declared in `src/error.rs` is produced by some test: the list of variants is
/// read from the source, so a new variant fails this test until a test produces it.
#[test]
fn every_variant_is_produced() {
    let source = include_str!("../src/error.rs");
    let body = &source[source.find("pub enum Error {").unwrap()..];
    let body = &body[..body.find("\n}\n").unwrap()];
    let declared: std::collections::BTreeSet<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.split([' ', '{', ',', '(']).next().unwrap().to_string())
        .collect();
    assert!(declared.len() >= 18, "{declared:?}");
    let produced: std::collections::BTreeSet<String> = one_of_each().iter().map(variant).collect();
    let missing: Vec<&String> = declared.difference(&produced).collect();
    assert!(missing.is_empty(), "no test produces {missing:?}");
    for e in one_of_each() {
        // every message names what failed and says what to do: more than a bare name
        assert!(e.to_string().len() > 40, "{e:?}: {e}");
    }
}

#[test]
fn sequence_ops_name_the_op_and_shapes() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2, 5])?);
            // split sizes that do not sum to the dim
            let e = x.try_split(&[2, 2], 1).unwrap_err();
            let text = text_has(&e, &["split", "[2, 2]", "[2, 5]", "sum exactly to 5"]);
            assert_eq!(panic_text(|| drop(x.split(&[2, 2], 1))), text);
            text_has(&x.try_chunk(0, 1).unwrap_err(), &["chunk", "[2, 5]"]);
            // stack of different shapes
            let y = g.leaf(Tensor::zeros(&[5, 2])?);
            let e = Var::try_stack(&[x, y], 0).unwrap_err();
            text_has(&e, &["stack", "[2, 5]", "[5, 2]", "same shape"]);
            // masks that do not broadcast
            let m = Mask::tril(3, 3, 0);
            let e = x.try_masked_fill(&m, 0.0).unwrap_err();
            let text = text_has(&e, &["masked_fill", "[2, 5]", "[3, 3]", "broadcast"]);
            assert_eq!(
                panic_text(|| {
                    let _ = x.masked_fill(&m, 0.0);
                }),
                text
            );
            let e = Var::try_where_cond(&m, x, x).unwrap_err();
            text_has(&e, &["where", "[3, 3]", "[2, 5]"]);
            // rms_norm over dims that are not the trailing ones, or a wrong weight
            let e = x.try_rms_norm(&[2], None, None).unwrap_err();
            text_has(&e, &["rms_norm", "[2, 5]", "[2]", "trailing"]);
            let w = g.leaf(Tensor::zeros(&[4])?);
            text_has(
                &x.try_rms_norm(&[5], Some(w), None).unwrap_err(),
                &["rms_norm", "[4]"],
            );
            // indices: topk past the dim, argmax of nothing, var of an empty axis
            text_has(&x.try_topk(6, 1).unwrap_err(), &["topk", "k = 6", "[2, 5]"]);
            let empty = g.input(Tensor::zeros(&[2, 0])?);
            assert!(matches!(
                empty.try_argmax(),
                Err(Error::Empty { op: "argmax", .. })
            ));
            assert!(matches!(
                empty.try_var(1, 1, false),
                Err(Error::Empty { op: "var", .. })
            ));
            // out-of-range indices into gather and embedding
            let e = x.try_gather(1, &[0, 5], &[2, 1]).unwrap_err();
            assert!(matches!(
                e,
                Error::IndexOutOfRange {
                    op: "gather",
                    index: 5,
                    size: 5,
                    ..
                }
            ));
            let e = x.try_embedding(&[1, 2], &[2]).unwrap_err();
            text_has(&e, &["embedding", "index 2", "size 2", "[2, 5]"]);
            Ok(())
        })
        .unwrap();
    // sampling from weights that are not a distribution
    let mut rng = Rng::seed(0);
    for (w, part) in [
        (Tensor::from_slice(&[0.5, -1.0]), "-1"),
        (Tensor::from_slice(&[f32::NAN, 1.0]), "NaN"),
        (Tensor::from_slice(&[0.0, 0.0]), "sums to 0"),
    ] {
        let e = rng.multinomial(&w, 1, true).unwrap_err();
        text_has(&e, &["multinomial", part, "[2]"]);
    }
}
