//! higher.json's cases: second-order gradients against PyTorch.
//!
//! Per case (an ops.json case plus `gg_inputs`, `grad_grads`, `grad_grad_output`; schema at
//! the end of tests/vectors/README.md): the inputs become leaves and the op runs with the
//! case's attrs (the same dispatch as ops.json); the output gradient `g` is a leaf too. Then
//!
//! - `G = grad(y, inputs, grad_outputs = g, create_graph)`, compared with `grads`;
//! - `s = Σ_i <v_i, G_i>` with the case's `v_i = gg_inputs[i]`;
//! - `grad(s, inputs ++ [g], allow_unused)`, compared with `grad_grads` and
//!   `grad_grad_output` (an input `s` does not depend on, as relu's, must have zeros there;
//!   so must every one when `s` is constant).
//!
//! Every tensor is compared with the case's tolerance; all failures are collected.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::slice::from_ref;

use arenagrad::prelude::*;
use serde_json::Value;

use super::vectors::{compare, dir, load, print_table, tensor, Stats, Tol};

/// The tensors under `key`, a list.
fn list(case: &Value, key: &str) -> Result<Vec<Tensor>, String> {
    let items = case[key]
        .as_array()
        .ok_or(format!("case without {key:?}"))?;
    Ok(items.iter().map(tensor).collect())
}

/// Runs one case; `Err` lists everything that differs.
fn run_case(op: &str, case: &Value, st: &mut Stats) -> Result<(), String> {
    let inputs = list(case, "inputs")?;
    let (want_grads, v, want_gg) = (
        list(case, "grads")?,
        list(case, "gg_inputs")?,
        list(case, "grad_grads")?,
    );
    let (want, grad_out) = (tensor(&case["output"]), tensor(&case["grad_output"]));
    let want_ggo = tensor(&case["grad_grad_output"]);
    let tol = Tol::of(&case["tol"]);
    let n = inputs.len();
    if want_grads.len() != n || v.len() != n || want_gg.len() != n {
        return Err(format!(
            "{n} inputs but {} grads, {} gg_inputs, {} grad_grads",
            want_grads.len(),
            v.len(),
            want_gg.len()
        ));
    }
    let mut fails = Vec::new();
    let mut check = |what: &str, got: Option<Tensor>, want: &Tensor, zero_if_none: bool| {
        let got = match got {
            Some(t) => t,
            None if zero_if_none => Tensor::zeros(want.shape()).expect("a valid shape"),
            None => return fails.push(format!("{what}: None, want a gradient")),
        };
        fails.extend(compare(what, &got, want, tol, st).err());
    };
    Graph::new()
        .run(|g| {
            let vars: Vec<Var<'_>> = inputs.iter().map(|t| g.leaf(t)).collect();
            let y = match super::dispatch::apply(op, &case["attrs"], &vars) {
                Ok(y) => y,
                Err(message) => {
                    let op = "dispatch";
                    return Err(Error::InvalidArgument { op, message });
                }
            };
            check("output", Some(y.to_tensor()), &want, false);
            let go = g.leaf(&grad_out);
            let first = GradOptions::new()
                .grad_outputs(from_ref(&go))
                .create_graph(true);
            let grads = grad(&[y], &vars, &first)?;
            let mut s: Option<Var<'_>> = None;
            for (k, gk) in grads.iter().enumerate() {
                let Some(gk) = *gk else {
                    check(&format!("grad[{k}]"), None, &want_grads[k], false);
                    continue;
                };
                check(
                    &format!("grad[{k}]"),
                    Some(gk.to_tensor()),
                    &want_grads[k],
                    false,
                );
                let term = gk.try_mul(g.input(&v[k]))?.sum();
                s = Some(match s {
                    Some(acc) => acc.try_add(term)?,
                    None => term,
                });
            }
            let Some(s) = s else { return Ok(()) };
            let mut wrt = vars.clone();
            wrt.push(go);
            // a gradient that is constant (zeros where nothing passes) leaves s constant too
            let gg = if s.requires_grad() {
                grad(&[s], &wrt, &GradOptions::new().allow_unused(true))?
            } else {
                vec![None; wrt.len()]
            };
            for (k, want) in want_gg.iter().enumerate() {
                let got = gg[k].map(|t| t.to_tensor());
                check(&format!("grad_grads[{k}]"), got, want, true);
            }
            let got = gg[n].map(|t| t.to_tensor());
            check("grad_grad_output", got, &want_ggo, true);
            Ok(())
        })
        .map_err(|e| {
            let mut all = fails.clone();
            all.push(e.to_string());
            all.join("; ")
        })?;
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

/// Every case of higher.json (if the vectors directory has one); prints the per-op table and
/// returns the failures, one line per failing case.
pub fn run_higher_file() -> Vec<String> {
    let Some(file) = load("higher.json") else {
        return Vec::new();
    };
    let cases = file["cases"]
        .as_array()
        .expect("higher.json has a list of cases");
    let mut stats: BTreeMap<String, Stats> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let op = case["op"].as_str().unwrap_or("<no op name>");
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
        failures.push(format!(
            "#{i} {op} {} inputs {}: {msg}",
            case["attrs"],
            shapes.join(" ")
        ));
    }
    print_table(
        &format!(
            "higher.json from {}: {} cases (second order)",
            dir().0.display(),
            cases.len()
        ),
        &stats,
    );
    failures
}
