//! Optimizer state save and load: PyTorch's `optimizer.state_dict()` as named tensors and
//! scalars, plus a simple little-endian byte layout.
//!
//! [`OptimState`] holds, with parameters named by their store names (PyTorch uses positions):
//! - `groups`: each param group's parameter names, in order;
//! - `scalars`: every option of group `i` as `group.{i}.{option}` (PyTorch's option names,
//!   booleans 0/1, `betas.0`/`betas.1`) and each parameter's step count as `state.{name}.step`;
//! - `tensors`: each state buffer as `state.{name}.{buffer}` with the parameter's shape and
//!   PyTorch's buffer names (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`,
//!   `square_avg`, `grad_avg`, `sum`). A parameter that never had a gradient has no entries
//!   (Adagrad's, created at construction as in PyTorch, always do).
//!
//! A safetensors writer can store `tensors` as tensors and the rest as metadata; until then
//! [`OptimState::to_bytes`] writes a simple documented layout.

use crate::error::{Error, Result};
use crate::params::ParamStore;
use crate::tensor::Tensor;

use super::group::Groups;
use super::options::{invalid, GroupConfig};

/// An optimizer's state: hyper-parameters, step counts and state buffers (see the module doc).
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Adam, AdamConfig, OptimState, Optimizer};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(1.0))?;
/// let mut opt = Adam::new(&params, AdamConfig::default())?;
/// params.set_grad(w, &[0.5])?;
/// opt.step(&mut params);
/// let state = opt.state_dict(&params);
/// assert_eq!(state.scalar("state.w.step"), Some(1.0));
/// assert_eq!(state.tensor("state.w.exp_avg").unwrap().item(), 0.05);
/// let back = OptimState::from_bytes(&state.to_bytes())?;
/// assert_eq!(back, state);
/// let mut fresh = Adam::new(&params, AdamConfig::default())?;
/// fresh.load_state_dict(&params, &back)?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct OptimState {
    /// PyTorch's class name: `SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`.
    pub optimizer: String,
    /// Each group's parameter names.
    pub groups: Vec<Vec<String>>,
    /// `group.{i}.{option}` and `state.{name}.step`.
    pub scalars: Vec<(String, f64)>,
    /// `state.{name}.{buffer}`.
    pub tensors: Vec<(String, Tensor)>,
}

impl OptimState {
    /// The scalar under `key`.
    pub fn scalar(&self, key: &str) -> Option<f64> {
        self.scalars.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
    /// The tensor under `key`.
    pub fn tensor(&self, key: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }
}

impl<C: GroupConfig> Groups<C> {
    /// The state of the optimizer `name` whose flat state buffers are `buffers`; parameters
    /// with a step count of 0 are left out unless `always`.
    pub(crate) fn export(
        &self,
        params: &ParamStore,
        name: &str,
        buffers: &[(&str, &[f32])],
        always: bool,
    ) -> OptimState {
        let metas = params.metas();
        let mut state = OptimState {
            optimizer: name.to_string(),
            groups: vec![],
            scalars: vec![],
            tensors: vec![],
        };
        for (gi, g) in self.groups.iter().enumerate() {
            for (opt, v) in g.config.options() {
                state.scalars.push((format!("group.{gi}.{opt}"), v));
            }
            state.groups.push(
                g.slots
                    .iter()
                    .map(|(i, _)| metas[*i].name.clone())
                    .collect(),
            );
            for (i, r) in &g.slots {
                let (pname, shape) = (&metas[*i].name, &metas[*i].shape);
                if self.steps[*i] == 0 && !always {
                    continue;
                }
                state
                    .scalars
                    .push((format!("state.{pname}.step"), self.steps[*i] as f64));
                for (b, buf) in buffers {
                    let t =
                        Tensor::new(buf[r.clone()].to_vec(), shape).expect("meta matches layout");
                    state.tensors.push((format!("state.{pname}.{b}"), t));
                }
            }
        }
        state
    }

    /// Loads `state` (from [`Groups::export`] of the same optimizer over the same groups):
    /// options, step counts and `buffers`; a parameter without saved state gets a fresh one
    /// (`fresh(buffer, group config)`). Saved options must `fit` the buffers this optimizer
    /// has. Everything is checked before anything changes.
    pub(crate) fn import(
        &mut self,
        params: &ParamStore,
        name: &str,
        state: &OptimState,
        buffers: &mut [(&str, &mut [f32])],
        fresh: impl Fn(&str, &C) -> f32,
        fits: impl Fn(&C) -> bool,
    ) -> Result<()> {
        let (op, metas) = (self.op, params.metas());
        self.check_store(params);
        if state.optimizer != name {
            return Err(invalid(
                op,
                format!("cannot load the state of a {} optimizer", state.optimizer),
            ));
        }
        let ours: Vec<Vec<&str>> = self
            .groups
            .iter()
            .map(|g| {
                g.slots
                    .iter()
                    .map(|(i, _)| metas[*i].name.as_str())
                    .collect()
            })
            .collect();
        if state.groups != ours {
            return Err(invalid(
                op,
                format!(
                    "saved param groups {:?} differ from this optimizer's {ours:?}",
                    state.groups
                ),
            ));
        }
        let need = |k: String| {
            state
                .scalar(&k)
                .ok_or_else(|| invalid(op, format!("the state has no scalar '{k}'")))
        };
        let mut configs = Vec::with_capacity(self.groups.len());
        let mut steps = self.steps.clone();
        for (gi, g) in self.groups.iter().enumerate() {
            let mut c = g.config;
            for (opt, _) in c.options() {
                c.set_option(opt, need(format!("group.{gi}.{opt}"))?)?;
            }
            c.validate(op)?;
            if !fits(&c) {
                let why = "need state buffers this optimizer was built without; build it with \
                           the same options";
                return Err(invalid(
                    op,
                    format!("group {gi}'s saved options {c:?} {why}"),
                ));
            }
            configs.push(c);
            for (i, _) in &g.slots {
                let key = format!("state.{}.step", metas[*i].name);
                let s = state.scalar(&key).unwrap_or(0.0);
                if !(s >= 0.0 && s.fract() == 0.0 && s < 2f64.powi(53)) {
                    return Err(invalid(op, format!("'{key}' = {s} is not a step count")));
                }
                steps[*i] = s as u64;
                for (b, _) in buffers.iter() {
                    let key = format!("state.{}.{b}", metas[*i].name);
                    match state.tensor(&key) {
                        Some(t) if t.shape() != metas[*i].shape => {
                            return Err(Error::ShapeMismatch {
                                op,
                                lhs: t.shape().to_vec(),
                                rhs: metas[*i].shape.clone(),
                            })
                        }
                        None if steps[*i] > 0 => {
                            return Err(invalid(op, format!("the state has no tensor '{key}'")))
                        }
                        _ => {}
                    }
                }
            }
        }
        for (g, c) in self.groups.iter_mut().zip(configs) {
            g.config = c;
            for (i, r) in &g.slots {
                for (b, buf) in buffers.iter_mut() {
                    match state.tensor(&format!("state.{}.{b}", metas[*i].name)) {
                        Some(t) => buf[r.clone()].copy_from_slice(t.data()),
                        None => buf[r.clone()].fill(fresh(b, &c)),
                    }
                }
            }
        }
        self.steps = steps;
        Ok(())
    }
}

mod bytes;
#[cfg(test)]
mod tests;
