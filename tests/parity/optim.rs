//! optim.json parity: replays every PyTorch optimizer trajectory of a file (schema in
//! tests/vectors/README.md) and compares the parameters after every step.
//!
//! For each trajectory: the initial params go into a `ParamStore`, the optimizer is built from
//! `optimizer` + `kwargs` (an unknown optimizer or kwarg is a failure), its options are checked
//! against PyTorch's full param group `hyperparams` (so our defaults are PyTorch's), then for
//! each step the flat gradients are set and flagged, the optimizer steps, and every value must
//! satisfy `|got − want| <= atol + rtol·|want|`. Prints a per-trajectory error table.

use std::path::Path;

use arenagrad::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, GroupConfig, Optimizer, Rmsprop,
    RmspropConfig, Sgd, SgdConfig,
};
use arenagrad::{ParamStore, Tensor};
use serde_json::Value;

/// PyTorch options that select an implementation (not the maths); accepted when null or false.
const SELECTORS: [&str; 4] = ["foreach", "differentiable", "capturable", "fused"];

fn tensor(v: &Value) -> Result<Tensor, String> {
    let shape: Vec<usize> =
        serde_json::from_value(v["shape"].clone()).map_err(|e| e.to_string())?;
    let data: Vec<f64> = serde_json::from_value(v["data"].clone()).map_err(|e| e.to_string())?;
    Tensor::new(data.into_iter().map(|x| x as f32).collect(), &shape).map_err(|e| e.to_string())
}

/// `(option name, value)` pairs of a kwargs/hyperparams object (`betas` → `betas.0`, `betas.1`).
fn options(obj: &Value) -> Result<Vec<(String, Option<f64>)>, String> {
    let map = obj.as_object().ok_or("kwargs is not an object")?;
    let mut out = Vec::new();
    for (k, v) in map {
        match v {
            Value::Array(xs) => {
                for (i, x) in xs.iter().enumerate() {
                    out.push((format!("{k}.{i}"), x.as_f64()));
                }
            }
            Value::Bool(b) => out.push((k.clone(), Some(*b as u8 as f64))),
            Value::Null => out.push((k.clone(), None)),
            _ => out.push((
                k.clone(),
                Some(v.as_f64().ok_or(format!("kwarg {k} = {v}"))?),
            )),
        }
    }
    Ok(out)
}

fn config<C: GroupConfig + Default>(
    kwargs: &Value,
    hyper: &Value,
    fixed: &[(&str, f64)],
) -> Result<C, String> {
    let mut c = C::default();
    for (k, v) in options(kwargs)? {
        if SELECTORS.contains(&k.as_str()) && v.unwrap_or(0.0) == 0.0 {
            continue;
        }
        let v = v.ok_or(format!("kwarg {k} is null"))?;
        c.set_option(&k, v).map_err(|e| format!("kwarg {k}: {e}"))?;
    }
    let ours = c.options();
    for (k, v) in options(hyper)? {
        let want = v.unwrap_or(0.0);
        let got = match (
            ours.iter().find(|(n, _)| *n == k),
            fixed.iter().find(|(n, _)| *n == k),
        ) {
            (Some(&(_, got)), _) | (None, Some(&(_, got))) => got,
            _ if SELECTORS.contains(&k.as_str()) => 0.0,
            _ => return Err(format!("hyperparam {k} is not modelled")),
        };
        if got != want as f32 as f64 {
            return Err(format!("hyperparam {k}: ours {got}, PyTorch's {want}"));
        }
    }
    Ok(c)
}

fn build(t: &Value, params: &ParamStore) -> Result<Box<dyn Optimizer>, String> {
    let (kw, hp) = (&t["kwargs"], &t["hyperparams"]);
    let e = |e: arenagrad::Error| e.to_string();
    Ok(match t["optimizer"].as_str().unwrap_or("") {
        "SGD" => Box::new(Sgd::new(params, config::<SgdConfig>(kw, hp, &[])?).map_err(e)?),
        "Adam" => Box::new(Adam::new(params, config::<AdamConfig>(kw, hp, &[])?).map_err(e)?),
        "AdamW" => {
            let fixed = [("decoupled_weight_decay", 1.0)];
            Box::new(AdamW::new(params, config::<AdamWConfig>(kw, hp, &fixed)?).map_err(e)?)
        }
        "RMSprop" => {
            Box::new(Rmsprop::new(params, config::<RmspropConfig>(kw, hp, &[])?).map_err(e)?)
        }
        "Adagrad" => {
            Box::new(Adagrad::new(params, config::<AdagradConfig>(kw, hp, &[])?).map_err(e)?)
        }
        other => return Err(format!("unknown optimizer '{other}'")),
    })
}

/// Max abs error, max error relative to the tolerance, bitwise-equal count, element count.
type Stats = (f64, f64, usize, usize);

fn run_one(t: &Value) -> Result<Stats, String> {
    let (rtol, atol) = (
        t["tol"]["rtol"].as_f64().ok_or("no rtol")?,
        t["tol"]["atol"].as_f64().ok_or("no atol")?,
    );
    let mut params = ParamStore::new();
    let init = t["initial_params"].as_array().ok_or("no initial_params")?;
    let handles = init
        .iter()
        .enumerate()
        .map(|(i, v)| {
            params
                .add(&format!("p{i}"), tensor(v)?)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut opt = build(t, &params)?;
    let mut stats: Stats = (0.0, 0.0, 0, 0);
    for (si, step) in t["steps"].as_array().ok_or("no steps")?.iter().enumerate() {
        params.zero_grad();
        for (&p, g) in handles
            .iter()
            .zip(step["grads"].as_array().ok_or("no grads")?)
        {
            let (g, o) = (tensor(g)?, params.offset(p));
            params.flat_grad_mut()[o..o + g.numel()].copy_from_slice(g.data());
            params.mark_has_grad(p);
        }
        opt.step(&mut params);
        for (i, (&p, want)) in handles
            .iter()
            .zip(step["params_after"].as_array().ok_or("no params_after")?)
            .enumerate()
        {
            let want = tensor(want)?;
            for (k, (&got, &w)) in params.data(p).iter().zip(want.data()).enumerate() {
                let err = (got as f64 - w as f64).abs();
                let allowed = atol + rtol * (w as f64).abs();
                stats = (
                    stats.0.max(err),
                    stats.1.max(err / allowed),
                    stats.2 + (got == w) as usize,
                    stats.3 + 1,
                );
                if err.is_nan() || err > allowed {
                    return Err(format!("step {si}, param {i}[{k}]: got {got}, want {w} (err {err:.3e} > {allowed:.3e})"));
                }
            }
        }
    }
    Ok(stats)
}

/// Replays every trajectory of the optim.json-format file at `path`; returns one description
/// per failure (an empty list means the file passes).
pub fn run_optim_file(path: &Path) -> Vec<String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return vec![format!("{}: {e}", path.display())],
    };
    let cases: Vec<Value> = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => return vec![format!("{}: {e}", path.display())],
    };
    let mut failures = Vec::new();
    println!("{}: {} trajectories", path.display(), cases.len());
    println!(
        "{:<28} {:>8} {:>11} {:>9} {:>13}",
        "trajectory", "optim", "max |err|", "err/tol", "bitwise"
    );
    for t in &cases {
        let name = t["name"].as_str().unwrap_or("?");
        let optim = t["optimizer"].as_str().unwrap_or("?");
        match run_one(t) {
            Ok((abs, rel, same, n)) => {
                println!(
                    "{name:<28} {optim:>8} {abs:>11.3e} {rel:>9.4} {:>13}",
                    format!("{same}/{n}")
                )
            }
            Err(e) => {
                println!("{name:<28} {optim:>8} FAILED: {e}");
                failures.push(format!("{}: {name}: {e}", path.display()));
            }
        }
    }
    failures
}
