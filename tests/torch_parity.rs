//! PyTorch parity, data-driven: `ops.json` and `nn_ops.json` case by case, the `optim.json`
//! trajectories and the `autograd.json` scenarios.
//!
//! Vectors come from `$ARENAGRAD_VECTORS` (default: this crate's `tests/vectors/`), so a file of
//! the same schema with other seeds and shapes (`scripts/gen_vectors.py`) runs through the same
//! code: `ARENAGRAD_VECTORS=/tmp/vectors_big cargo test --release --test torch_parity` (for
//! higher.json, `scripts/gen_higher_vectors.py`). Add
//! `-- --nocapture` for the per-op error table.
//!
//! Every ops.json case: inputs become leaves, the op runs with the case's attrs
//! (tests/parity/dispatch.rs), the output is compared, and so are the case's `extra` outputs
//! (batch_norm's running stats after the call, `dispatch::extra`), then backward with the file's
//! `grad_output` and every input's gradient is compared, each with the case's tolerance
//! `|got - want| <= atol + rtol |want|`. An op the harness does not know fails, except the
//! nn_ops.json ops listed in `PENDING` (not implemented yet: counted and printed). All failures
//! are collected and reported together.
//!
//! Every optim.json trajectory (tests/parity/optim.rs) is replayed step by step with its optimizer
//! and compared after each step.
//!
//! Every higher.json case (tests/parity/higher.rs): the first-order gradients recorded with
//! create_graph, then the gradient of `Σ <v, G>` with respect to the inputs and to the output
//! gradient, against PyTorch's double backward.
//!
//! Each autograd.json scenario (and each higher.json one) is its own test that replays the scenario's `torch_code` and
//! checks every expected key; inputs and expected values come from the file.

mod parity;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use arenagrad::nn::Linear;
use arenagrad::optim::{Sgd, SgdConfig};
use arenagrad::prelude::*;
use arenagrad::rng::Rng;
use parity::scenario::Scenario;
use parity::vectors::{compare, dir, load, print_table, tensor, Stats, Tol};
use serde_json::Value;

/// Runs one case; `Err` lists everything that differs.
fn run_case(op: &str, case: &Value, st: &mut Stats) -> std::result::Result<(), String> {
    let list = |key: &str| -> Vec<Tensor> {
        let items = case[key].as_array();
        items
            .unwrap_or_else(|| panic!("case without {key:?}"))
            .iter()
            .map(tensor)
            .collect()
    };
    let (inputs, want_grads) = (list("inputs"), list("grads"));
    let (want, grad_out) = (tensor(&case["output"]), tensor(&case["grad_output"]));
    let tol = Tol::of(&case["tol"]);
    if want_grads.len() != inputs.len() {
        return Err(format!(
            "{} grads for {} inputs",
            want_grads.len(),
            inputs.len()
        ));
    }
    let mut fails = Vec::new();
    Graph::new()
        .run(|g| {
            let vars: Vec<Var<'_>> = inputs.iter().map(|t| g.leaf(t)).collect();
            let y = match parity::dispatch::apply(op, &case["attrs"], &vars) {
                Ok(y) => y,
                Err(e) => {
                    fails.push(e);
                    return Ok(());
                }
            };
            fails.extend(compare("output", &y.to_tensor(), &want, tol, st).err());
            fails.extend(compare_extra(op, case, &inputs, tol, st).err());
            if let Err(e) = y.backward_with(&Backward::gradient(grad_out.clone())) {
                fails.push(format!("backward: {e}"));
                return Ok(());
            }
            for (k, (v, want)) in vars.iter().zip(&want_grads).enumerate() {
                match v.grad() {
                    None => fails.push(format!("grad[{k}]: None, want a gradient")),
                    Some(got) => {
                        fails.extend(compare(&format!("grad[{k}]"), &got, want, tol, st).err())
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    if fails.is_empty() {
        Ok(())
    } else {
        Err(fails.join("; "))
    }
}

/// The case's `extra` outputs (batch_norm's running stats after the call) against what the
/// dispatch reports: every listed key must be reported and match.
fn compare_extra(
    op: &str,
    case: &Value,
    inputs: &[Tensor],
    tol: Tol,
    st: &mut Stats,
) -> std::result::Result<(), String> {
    let Some(want) = case.get("extra").and_then(Value::as_object) else {
        return Ok(());
    };
    let got = parity::dispatch::extra(op, &case["attrs"], inputs)?;
    let mut fails = Vec::new();
    for (key, w) in want {
        match got.iter().find(|(k, _)| k == key) {
            Some((_, t)) => fails.extend(compare(key, t, &tensor(w), tol, st).err()),
            None => fails.push(format!("extra {key:?}: not reported by the dispatch")),
        }
    }
    if fails.is_empty() {
        Ok(())
    } else {
        Err(fails.join("; "))
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    match (p.downcast_ref::<&str>(), p.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "a panic".to_string(),
    }
}

/// Every optimizer trajectory of optim.json (if the directory has one; the committed vectors do).
#[test]
fn optim_trajectories_match_pytorch() {
    let (dir, default) = dir();
    let path = dir.join("optim.json");
    if !default && !path.exists() {
        eprintln!("{} does not exist: skipped", path.display());
        return;
    }
    let failures = parity::optim::run_optim_file(&path);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The ops of `nn_ops.json` that arenagrad does not have yet, by the issue that adds them. A case
/// of one of these is counted and listed, not run; any other op must have a dispatch arm and
/// pass. An op leaves this list when it lands.
const PENDING: &[&str] = &[];

#[test]
fn ops_match_pytorch() {
    run_ops_file("ops.json", &[]);
}

#[test]
fn nn_ops_match_pytorch() {
    run_ops_file("nn_ops.json", PENDING);
}

/// Every case of an ops.json-schema file, except those of `pending` ops (listed, not run).
fn run_ops_file(name: &str, pending: &[&str]) {
    let Some(file) = load(name) else { return };
    let cases = file
        .as_array()
        .unwrap_or_else(|| panic!("{name} is a list of cases"));
    let mut stats: BTreeMap<String, Stats> = BTreeMap::new();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let op = case["op"].as_str().unwrap_or("<no op name>");
        if pending.contains(&op) {
            *skipped.entry(op).or_default() += 1;
            continue;
        }
        let st = stats.entry(op.to_string()).or_default();
        st.cases += 1;
        let msg = match catch_unwind(AssertUnwindSafe(|| run_case(op, case, st))) {
            Ok(Ok(())) => continue,
            Ok(Err(m)) => m,
            Err(p) => format!("panicked: {}", panic_text(&*p)),
        };
        st.failed += 1;
        let inputs = case["inputs"].as_array().into_iter().flatten();
        let shapes: Vec<String> = inputs.map(|t| t["shape"].to_string()).collect();
        let note = case["note"]
            .as_str()
            .map_or(String::new(), |n| format!(" ({n})"));
        let attrs = &case["attrs"];
        failures.push(format!(
            "#{i} {op} {attrs} inputs {}{note}: {msg}",
            shapes.join(" ")
        ));
    }
    print_table(
        &format!("{name} from {}: {} cases", dir().0.display(), cases.len()),
        &stats,
    );
    if !skipped.is_empty() {
        println!("not implemented yet (cases): {skipped:?}");
    }
    let run = cases.len() - skipped.values().sum::<usize>();
    assert!(
        failures.is_empty(),
        "{} of {run} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replays `name`'s scenario with `body` in one graph scope, then checks every expected key.
fn scenario(name: &str, body: impl for<'g> FnOnce(&'g Scope<'g>, &mut Scenario) -> Result<()>) {
    let Some(mut sc) = Scenario::load(name) else {
        return;
    };
    Graph::new()
        .run(|g| body(g, &mut sc))
        .expect("the replay itself");
    sc.finish();
}

#[test]
fn scenario_a_cube_grad() {
    scenario("a_cube_grad", |g, sc| {
        let x = sc.var(g, "x");
        let f = x.powf(3.0);
        sc.value("f", f.to_tensor());
        f.backward()?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_b_backward_twice_retain_graph_accumulates() {
    scenario("b_backward_twice_retain_graph_accumulates", |g, sc| {
        let x = sc.var(g, "x");
        let f = x.powf(3.0);
        f.backward_with(&Backward::retain_graph())?;
        sc.tensor("x.grad after 1st", x.grad());
        f.backward()?;
        sc.tensor("x.grad after 2nd", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_c_backward_twice_without_retain_graph_errors() {
    scenario("c_backward_twice_without_retain_graph_errors", |g, sc| {
        let x = sc.var(g, "x");
        let f = x.powf(3.0);
        f.backward()?;
        sc.tensor("x.grad after 1st", x.grad());
        let second = f.backward();
        sc.outcome("second backward", second, "Error::GraphFreed", |e| {
            matches!(e, Error::GraphFreed { .. })
        });
        sc.tensor("x.grad after failed 2nd", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_d_zero_grad_then_backward() {
    scenario("d_zero_grad_then_backward", |g, sc| {
        let x = sc.var(g, "x");
        let f = x.powf(3.0);
        f.backward_with(&Backward::retain_graph())?;
        sc.tensor("x.grad 1", x.grad());
        x.zero_grad(); // x.grad.zero_()
        sc.tensor("x.grad after zero", x.grad());
        f.backward_with(&Backward::retain_graph())?;
        sc.tensor("x.grad 2", x.grad());
        x.set_grad_none(); // x.grad = None
        f.backward()?;
        sc.tensor("x.grad 3 (after set_to_none)", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_e_backward_on_leaf_scalar() {
    scenario("e_backward_on_leaf_scalar", |g, sc| {
        let x = sc.var(g, "x");
        x.backward()?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_f_nonscalar_needs_gradient() {
    scenario("f_nonscalar_needs_gradient", |g, sc| {
        let x = sc.var(g, "x");
        let y = x.powf(2.0);
        sc.outcome(
            "backward without gradient",
            y.backward(),
            "Error::NonScalarBackward",
            |e| matches!(e, Error::NonScalarBackward { .. }),
        );
        sc.tensor("x.grad after failed call", x.grad());
        y.backward_with(&Backward::gradient(Tensor::ones(y.shape())?))?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_g_leaf_used_twice() {
    scenario("g_leaf_used_twice", |g, sc| {
        let x = sc.var(g, "x");
        let f = x * x + x;
        sc.value("f", f.to_tensor());
        f.backward()?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_h_detach_stops_gradient() {
    scenario("h_detach_stops_gradient", |g, sc| {
        let x = sc.var(g, "x");
        let d = x.detach();
        sc.flag("d.requires_grad", d.requires_grad());
        let y = x * d;
        sc.value("y", y.to_tensor());
        y.backward()?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_i_no_grad_builds_no_graph() {
    scenario("i_no_grad_builds_no_graph", |g, sc| {
        let x = sc.var(g, "x");
        let y = g.no_grad(|| x * 2.0);
        sc.value("y", y.to_tensor());
        sc.flag("y.requires_grad", y.requires_grad());
        sc.flag("y.grad_fn is None", y.is_leaf()); // no recorded backward rule
        sc.outcome("y.backward()", y.backward(), "Error::NoGradFn", |e| {
            matches!(e, Error::NoGradFn { .. })
        });
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_j_diamond_graph() {
    scenario("j_diamond_graph", |g, sc| {
        let x = sc.var(g, "x");
        let a = x * 2.0;
        let d = a.powf(2.0) + a.sin();
        sc.value("d", d.to_tensor());
        d.backward()?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_j2_diamond_vector() {
    scenario("j2_diamond_vector", |g, sc| {
        let (x, w) = (sc.var(g, "x"), sc.var(g, "w"));
        let u = x * w;
        let v = (u.exp() + u.tanh() * u).sum();
        sc.value("v", v.to_tensor());
        v.backward()?;
        sc.tensor("x.grad", x.grad());
        sc.tensor("w.grad", w.grad());
        Ok(())
    });
}

#[test]
#[allow(clippy::needless_update)] // SgdConfig grows momentum etc. with PyTorch's defaults
fn scenario_k_linear_regression() {
    let Some(mut sc) = Scenario::load("k_linear_regression") else {
        return;
    };
    sc.assert_code("range(100)");
    sc.assert_code("lr=0.01");
    let (x, y) = (sc.input("X"), sc.input("Y"));
    let mut params = ParamStore::new();
    let model = Linear::new(&mut params, "model", 1, 1, &mut Rng::seed(0)).unwrap();
    let bias = model.bias.expect("Linear has a bias by default");
    params.data_mut(model.weight).fill(sc.input("w0").item());
    params.data_mut(bias).fill(sc.input("b0").item());
    let mut opt = Sgd::new(
        &params,
        SgdConfig {
            lr: 0.01,
            ..Default::default()
        },
    )
    .unwrap();
    let mut graph = Graph::new();
    let mut losses = Vec::new();
    for _ in 0..100 {
        params.zero_grad();
        let loss = graph.run_with(&mut params, |g| {
            let loss = model.forward(g, g.input(&x))?.mse_loss(g.input(&y))?;
            loss.backward()?;
            Ok(loss.to_tensor())
        });
        losses.push(loss.unwrap());
        opt.step(&mut params);
    }
    for key in sc.keys("loss step ") {
        let step: usize = key["loss step ".len()..].parse().expect("loss step N");
        sc.value(&key, losses[step].clone());
    }
    sc.value("final weight", params.tensor(model.weight));
    sc.value("final bias", params.tensor(bias));
    let final_loss = graph.run_with(&mut params, |g| {
        g.no_grad(|| model.forward(g, g.input(&x))?.mse_loss(g.input(&y)))
            .map(|l| l.to_tensor())
    });
    sc.value("final loss", final_loss.unwrap());
    sc.finish();
}

#[test]
#[allow(clippy::needless_update)]
fn scenario_l_sgd_minimise_quadratic() {
    let Some(mut sc) = Scenario::load("l_sgd_minimise_quadratic") else {
        return;
    };
    sc.assert_code("lr=0.1");
    sc.assert_code("(x - 3) ** 2");
    let steps = sc.expected_tensor("x trajectory").map_or(0, |t| t.numel());
    let mut params = ParamStore::new();
    let p = params.add("x", sc.input("x")).unwrap();
    let mut opt = Sgd::new(
        &params,
        SgdConfig {
            lr: 0.1,
            ..Default::default()
        },
    )
    .unwrap();
    let mut graph = Graph::new();
    let (mut xs, mut fs) = (Vec::new(), Vec::new());
    for _ in 0..steps {
        params.zero_grad();
        let f = graph.run_with(&mut params, |g| {
            let f = (g.param(p) - 3.0).powf(2.0);
            f.backward()?;
            Ok(f.item())
        });
        fs.push(f.unwrap());
        opt.step(&mut params);
        xs.push(params.data(p)[0]);
    }
    sc.value("x trajectory", Tensor::from_slice(&xs));
    sc.value("f trajectory", Tensor::from_slice(&fs));
    sc.value("final x", params.tensor(p));
    sc.finish();
}

/// Every second-order case of higher.json.
#[test]
fn higher_order_matches_pytorch() {
    let failures = parity::higher::run_higher_file();
    assert!(
        failures.is_empty(),
        "{} higher.json cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replays higher.json's scenario `name` as [`scenario`] does autograd.json's.
fn scenario_higher(
    name: &str,
    body: impl for<'g> FnOnce(&'g Scope<'g>, &mut Scenario) -> Result<()>,
) {
    let Some(mut sc) = Scenario::load_higher(name) else {
        return;
    };
    Graph::new()
        .run(|g| body(g, &mut sc))
        .expect("the replay itself");
    sc.finish();
}

/// The only gradient of a one-output, one-input `grad` call.
fn grad1<'g>(f: Var<'g>, x: Var<'g>, opts: &GradOptions<'_, 'g>) -> Result<Var<'g>> {
    Ok(grad(&[f], &[x], opts)?[0].expect("x is used"))
}

#[test]
fn scenario_r_second_derivative_of_cube() {
    scenario_higher("r_second_derivative_of_cube", |g, sc| {
        sc.assert_code("f = x**3");
        let x = sc.var(g, "x");
        let f = x.powf(3.0);
        let d1 = grad1(f, x, &GradOptions::new().create_graph(true))?;
        sc.value("g", d1.to_tensor());
        sc.flag("g.requires_grad", d1.requires_grad());
        let h = grad1(d1, x, &GradOptions::new().retain_graph(true))?;
        sc.value("h", h.to_tensor());
        d1.backward()?;
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}

#[test]
fn scenario_s_third_derivative() {
    scenario_higher("s_third_derivative", |g, sc| {
        sc.assert_code("f = torch.sin(x) * x**2");
        let x = sc.var(g, "x");
        let f = x.sin() * x.powf(2.0);
        let create = GradOptions::new().create_graph(true);
        let d1 = grad1(f, x, &create)?;
        let d2 = grad1(d1, x, &create)?;
        let d3 = grad1(d2, x, &GradOptions::new())?;
        sc.value("d1", d1.to_tensor());
        sc.value("d2", d2.to_tensor());
        sc.value("d3", d3.to_tensor());
        Ok(())
    });
}

#[test]
fn scenario_t_hessian_vector_product() {
    scenario_higher("t_hessian_vector_product", |g, sc| {
        sc.assert_code("f = torch.tanh(A @ w).sum() + 0.5 * (w ** 3).sum()");
        sc.assert_code("torch.autograd.grad((gw * v).sum(), w)");
        let (w, a, v) = (sc.var(g, "w"), sc.var(g, "A"), sc.var(g, "v"));
        let f = a.try_matmul(w)?.tanh().sum() + (w.powf(3.0).sum() * 0.5);
        let gw = grad1(f, w, &GradOptions::new().create_graph(true))?;
        sc.value("grad", gw.to_tensor());
        let hv = grad1((gw * v).sum(), w, &GradOptions::new())?;
        sc.value("hv", hv.to_tensor());
        Ok(())
    });
}

#[test]
fn scenario_u_gradient_penalty() {
    scenario_higher("u_gradient_penalty", |g, sc| {
        sc.assert_code("out = torch.tanh(x @ W1.T + b1) @ W2.T + b2");
        sc.assert_code("gp = ((gx.pow(2).sum(1).sqrt() - 1) ** 2).mean()");
        let x = sc.var(g, "x");
        let (w1, b1) = (sc.var(g, "W1"), sc.var(g, "b1"));
        let (w2, b2) = (sc.var(g, "W2"), sc.var(g, "b2"));
        let hidden = (x.try_matmul(w1.try_transpose(0, 1)?)? + b1).tanh();
        let out = hidden.try_matmul(w2.try_transpose(0, 1)?)? + b2;
        let gx = grad1(out.sum(), x, &GradOptions::new().create_graph(true))?;
        let norm = gx.powf(2.0).try_sum_axis(1, false)?.sqrt();
        let gp = (norm - 1.0).powf(2.0).try_mean()?;
        sc.value("gp", gp.to_tensor());
        gp.backward()?;
        sc.tensor("W1.grad", w1.grad());
        sc.tensor("b1.grad", b1.grad());
        sc.tensor("W2.grad", w2.grad());
        sc.tensor("b2.grad", b2.grad());
        sc.tensor("x.grad", x.grad());
        Ok(())
    });
}
