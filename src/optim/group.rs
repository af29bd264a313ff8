//! Param groups and the per-parameter bookkeeping every optimizer shares.
//!
//! A group is a set of parameters (ranges of the flat buffers) with its own options, as in
//! PyTorch's `param_groups`: `ParamGroup::new(vec![w1, w2]).lr(1e-3)` takes every option it does
//! not set from the optimizer's base config; [`ParamGroup::config`] replaces the whole config
//! for the group (write `AdamConfig { amsgrad: true, ..base }` to change any other option).
//! Without groups an optimizer has one group holding every parameter of the store.
//!
//! Step counts are per parameter, as PyTorch's `state[p]["step"]`: a parameter's count (and its
//! state) starts at its first step with a gradient; a step skips parameters without one
//! (`ParamStore::has_grad`, PyTorch's `p.grad is None`), leaving their values, state and count
//! untouched.

use std::ops::Range;

use super::options::{invalid, GroupConfig};
use crate::error::{Error, Result};
use crate::params::{Param, ParamStore};

/// A set of parameters with its own options (PyTorch's param group), for an optimizer's
/// `with_groups(&params, groups, base)`.
///
/// Options the group does not set come from `base`: [`ParamGroup::lr`] and
/// [`ParamGroup::weight_decay`] set the two usual ones, [`ParamGroup::config`] replaces the
/// whole config (write `AdamConfig { amsgrad: true, ..base }` for any other option). A parameter
/// in two groups, or not in the store, is an error at construction; parameters in no group are
/// not optimized. `new(&params, config)` is one group holding every parameter.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Adam, AdamConfig, Optimizer, ParamGroup};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::ones(&[2, 2])?)?;
/// let b = params.add("b", Tensor::zeros(&[2])?)?;
/// let base = AdamConfig { weight_decay: 0.01, ..Default::default() };
/// let opt = Adam::with_groups(&params, vec![
///     ParamGroup::new(vec![w]).lr(3e-4),               // weight_decay 0.01 from base
///     ParamGroup::new(vec![b]).weight_decay(0.0),      // lr 1e-3 from base
/// ], base)?;
/// assert_eq!((opt.group_lr(0), opt.group_config(1).weight_decay), (3e-4, 0.0));
/// // a parameter in two groups is an error
/// assert!(Adam::with_groups(&params, vec![ParamGroup::new(vec![w, w])], base).is_err());
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ParamGroup<C> {
    params: Vec<Param>,
    lr: Option<f32>,
    weight_decay: Option<f32>,
    config: Option<C>,
}

impl<C: GroupConfig> ParamGroup<C> {
    /// A group of `params` with the optimizer's base options.
    pub fn new(params: Vec<Param>) -> Self {
        ParamGroup {
            params,
            lr: None,
            weight_decay: None,
            config: None,
        }
    }
    /// This group's learning rate.
    pub fn lr(mut self, lr: f32) -> Self {
        self.lr = Some(lr);
        self
    }
    /// This group's weight decay (e.g. 0 for biases and norm weights).
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }
    /// Every option of this group (`lr`/`weight_decay` set on the group still take precedence).
    pub fn config(mut self, config: C) -> Self {
        self.config = Some(config);
        self
    }
    fn resolve(&self, base: &C) -> C {
        let mut c = self.config.unwrap_or(*base);
        if let Some(lr) = self.lr {
            c.set_lr(lr);
        }
        if let Some(wd) = self.weight_decay {
            c.set_weight_decay(wd);
        }
        c
    }
}

/// One resolved group: its options and where its parameters are.
#[derive(Clone, Debug)]
pub(crate) struct Group<C> {
    pub config: C,
    /// `(param index, range in the flat buffers)`.
    pub slots: Vec<(usize, Range<usize>)>,
}

/// The groups of an optimizer plus the per-parameter step counts.
#[derive(Clone, Debug)]
pub(crate) struct Groups<C> {
    pub op: &'static str,
    pub base: C,
    pub groups: Vec<Group<C>>,
    /// Per parameter (by index): steps taken with a gradient.
    pub steps: Vec<u64>,
    flat_len: usize,
    probe: Option<Param>,
}

impl<C: GroupConfig> Groups<C> {
    /// Resolves `groups` against `base`; a handle of another store or a parameter in two
    /// groups is an error, as is any invalid option, and so are groups that hold no parameter
    /// at all (PyTorch's "optimizer got an empty parameter list"; options are checked first,
    /// as PyTorch does).
    pub fn new(
        op: &'static str,
        params: &ParamStore,
        groups: Vec<ParamGroup<C>>,
        base: C,
    ) -> Result<Self> {
        base.validate(op)?;
        let mut owner: Vec<Option<usize>> = vec![None; params.len()];
        let mut resolved = Vec::with_capacity(groups.len());
        for (gi, group) in groups.iter().enumerate() {
            let config = group.resolve(&base);
            config.validate(op)?;
            let mut slots = Vec::with_capacity(group.params.len());
            for &p in &group.params {
                if !params.owns(p) {
                    return Err(Error::ForeignParam {
                        op,
                        name: crate::params::describe(p),
                    });
                }
                if let Some(first) = owner[p.index()].replace(gi) {
                    return Err(invalid(
                        op,
                        format!(
                            "parameter '{}' appears in param groups {first} and {gi}; a \
                             parameter may belong to one group only",
                            params.name(p)
                        ),
                    ));
                }
                let o = params.offset(p);
                slots.push((p.index(), o..o + params.numel_of(p)));
            }
            resolved.push(Group { config, slots });
        }
        if resolved.iter().all(|g| g.slots.is_empty()) {
            let why = if params.is_empty() {
                "the ParamStore has no parameters; build the model (register its parameters) \
                 before the optimizer"
                    .to_string()
            } else {
                format!(
                    "the {} param group(s) hold none of the store's {} parameters; list the \
                     parameters to optimize in the groups",
                    resolved.len(),
                    params.len()
                )
            };
            return Err(invalid(
                op,
                format!("optimizer got an empty parameter list: {why}"),
            ));
        }
        Ok(Groups {
            op,
            base,
            groups: resolved,
            steps: vec![0; params.len()],
            flat_len: params.flat_data().len(),
            probe: params.params().next(),
        })
    }

    /// One group holding every parameter of the store.
    pub fn all(op: &'static str, params: &ParamStore, base: C) -> Result<Self> {
        Self::new(
            op,
            params,
            vec![ParamGroup::new(params.params().collect())],
            base,
        )
    }

    pub fn flat_len(&self) -> usize {
        self.flat_len
    }

    #[track_caller]
    pub fn check_store(&self, params: &ParamStore) {
        assert!(
            params.flat_data().len() == self.flat_len
                && params.len() == self.steps.len()
                && self.probe.is_none_or(|p| params.owns(p)),
            "{}: step on a store other than the one the optimizer was built for (or one that \
             gained parameters since); build the optimizer after registering every parameter",
            self.op
        );
    }

    /// Calls `f(config, range, step, values, grads)` for every parameter that has a gradient,
    /// after incrementing its step count; parameters without one are skipped.
    #[track_caller]
    pub fn step(
        &mut self,
        params: &mut ParamStore,
        mut f: impl FnMut(&C, Range<usize>, u64, &mut [f32], &[f32]),
    ) {
        self.check_store(params);
        let (data, grad, has_grad) = params.split_for_step();
        let (groups, steps) = (&self.groups, &mut self.steps);
        for group in groups {
            for (index, r) in &group.slots {
                if !has_grad[*index] {
                    continue;
                }
                steps[*index] += 1;
                let (p, g) = (&mut data[r.clone()], &grad[r.clone()]);
                f(&group.config, r.clone(), steps[*index], p, g);
            }
        }
    }

    pub fn lr(&self, i: usize) -> f32 {
        self.group(i).config.lr()
    }

    /// Sets group `i`'s learning rate; an invalid value or group is an error and changes
    /// nothing.
    pub fn set_lr(&mut self, i: usize, lr: f32) -> Result<()> {
        let (op, n) = (self.op, self.groups.len());
        if i >= n {
            return Err(invalid(
                op,
                format!("param group {i} out of range ({n} groups)"),
            ));
        }
        let mut c = self.groups[i].config;
        c.set_lr(lr);
        c.validate(op)?;
        self.groups[i].config = c;
        Ok(())
    }

    #[track_caller]
    pub fn group(&self, i: usize) -> &Group<C> {
        let n = self.groups.len();
        self.groups
            .get(i)
            .unwrap_or_else(|| panic!("{}: param group {i} out of range ({n} groups)", self.op))
    }
}

#[cfg(test)]
mod tests;
