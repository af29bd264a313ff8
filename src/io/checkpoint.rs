//! Checkpoints: parameters, optimizer state and the step count in one safetensors file.
//!
//! Layout (all in one file, readable by `safetensors.torch.load_file` like any other):
//! - every parameter under its own name, as [`save`](super::save) writes it;
//! - every optimizer state buffer under `optim.{key}` (keys of [`OptimState`], e.g.
//!   `optim.state.0.weight.exp_avg`);
//! - metadata `arenagrad.checkpoint = "1"`, `step`, `optim.optimizer` (PyTorch's class name),
//!   `optim.groups` (a JSON list of each group's parameter names) and `optim.scalars` (a JSON
//!   list of `[key, value]` pairs, the value written as Rust's shortest round-trip decimal, so
//!   every `f64` — hyper-parameters and step counts — comes back bit for bit).
//!
//! Loading checks everything before it changes anything: the parameters are loaded into a copy
//! of the store, the optimizer state is loaded against that copy, and only then is the copy
//! moved into place. So resuming from step `N` continues exactly as training straight through
//! would (a test checks it bit for bit), and a bad file leaves the store and optimizer as they
//! were.

use std::collections::BTreeMap;
use std::path::Path;

use super::file::{self, to_file};
use super::{format_error, write, LoadOptions};
use crate::error::Result;
use crate::optim::{OptimState, Optimizer};
use crate::params::ParamStore;

const PREFIX: &str = "optim.";

/// The bytes of a checkpoint of `params`, `opt`'s state and `step`.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::io::{checkpoint_to_bytes, load_checkpoint_bytes};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(1.0))?;
/// let mut opt = Adam::new(&params, AdamConfig::default())?;
/// params.set_grad(w, &[0.5])?;
/// opt.step(&mut params);
/// let bytes = checkpoint_to_bytes(&params, &opt, 1)?;
/// let mut fresh = ParamStore::new();
/// fresh.add("w", Tensor::scalar(0.0))?;
/// let mut fresh_opt = Adam::new(&fresh, AdamConfig::default())?;
/// assert_eq!(load_checkpoint_bytes(&bytes, &mut fresh, &mut fresh_opt)?, 1);
/// assert_eq!(fresh.flat_data(), params.flat_data());
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn checkpoint_to_bytes(params: &ParamStore, opt: &dyn Optimizer, step: u64) -> Result<Vec<u8>> {
    let state = opt.state_dict(params);
    let extra: Vec<_> = state
        .tensors
        .iter()
        .map(|(k, t)| (format!("{PREFIX}{k}"), t.clone()))
        .collect();
    let scalars: Vec<(&str, String)> = state
        .scalars
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_string()))
        .collect();
    let metadata = BTreeMap::from([
        ("arenagrad.checkpoint".to_string(), "1".to_string()),
        ("step".to_string(), step.to_string()),
        ("optim.optimizer".to_string(), state.optimizer.clone()),
        ("optim.groups".to_string(), json(&state.groups)),
        ("optim.scalars".to_string(), json(&scalars)),
    ]);
    write::serialize("io::save_checkpoint", params, &extra, &metadata)
}

/// Writes a checkpoint of `params`, `opt`'s state and `step` to `path` (atomically: a
/// temporary file renamed over `path`).
pub fn save_checkpoint(
    path: impl AsRef<Path>,
    params: &ParamStore,
    opt: &dyn Optimizer,
    step: u64,
) -> Result<()> {
    let bytes = checkpoint_to_bytes(params, opt, step)?;
    file::write_atomic("io::save_checkpoint", path.as_ref(), &bytes)
}

/// Restores `params` and `opt` from checkpoint bytes and returns the saved step. The store
/// must have exactly the checkpoint's parameters (names and shapes; strict loading) and `opt`
/// must be the same kind of optimizer over the same groups. On error nothing is changed.
pub fn load_checkpoint_bytes(
    bytes: &[u8],
    params: &mut ParamStore,
    opt: &mut dyn Optimizer,
) -> Result<u64> {
    let op = "io::load_checkpoint";
    let mut file = to_file(op, bytes)?;
    let meta = |key: &str| {
        file.metadata.get(key).cloned().ok_or_else(|| {
            format_error(
                op,
                format!("not an arenagrad checkpoint: metadata {key:?} is missing"),
            )
        })
    };
    let (step, optimizer) = (meta("step")?, meta("optim.optimizer")?);
    let (groups, scalars) = (meta("optim.groups")?, meta("optim.scalars")?);
    let step: u64 = step
        .parse()
        .map_err(|_| format_error(op, format!("bad step {step:?}")))?;
    let groups: Vec<Vec<String>> = serde_json::from_str(&groups)
        .map_err(|e| format_error(op, format!("bad optim.groups: {e}")))?;
    let scalars: Vec<(String, String)> = serde_json::from_str(&scalars)
        .map_err(|e| format_error(op, format!("bad optim.scalars: {e}")))?;
    let scalars = scalars
        .into_iter()
        .map(|(k, v)| match v.parse::<f64>() {
            Ok(x) => Ok((k, x)),
            Err(_) => Err(format_error(
                op,
                format!("bad value {v:?} of optim scalar {k:?}"),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let tensors = file.take_prefixed(PREFIX).into_iter().collect();
    let state = OptimState {
        optimizer,
        groups,
        scalars,
        tensors,
    };
    let mut staged = params.clone();
    file.load_into(&mut staged, LoadOptions { strict: true })?;
    opt.load_state_dict(&staged, &state)?;
    *params = staged;
    Ok(step)
}

/// Restores `params` and `opt` from the checkpoint at `path`; see [`load_checkpoint_bytes`].
pub fn load_checkpoint(
    path: impl AsRef<Path>,
    params: &mut ParamStore,
    opt: &mut dyn Optimizer,
) -> Result<u64> {
    let bytes = file::read_all("io::load_checkpoint", path.as_ref())?;
    load_checkpoint_bytes(&bytes, params, opt).map_err(|e| file::with_path(e, path.as_ref()))
}

/// JSON text of a metadata value (lists of strings: serialising them cannot fail).
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("strings and lists of strings serialise")
}
