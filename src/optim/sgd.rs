//! Stochastic gradient descent: `p ← p − lr · g`, one pass over the flat buffers.
//!
//! Padding between parameters has zero gradient, so it stays zero. Momentum, dampening,
//! Nesterov, weight decay and `maximize` are PyTorch's `SGD` options still to come.

use crate::error::{Error, Result};
use crate::kernels::optim::sgd;
use crate::params::ParamStore;

/// Options of [`Sgd`], with PyTorch's defaults (`torch.optim.SGD` has defaulted `lr` to 1e-3
/// since 2.2, pytorch/pytorch#114467).
///
/// ```
/// use arenagrad::optim::SgdConfig;
/// assert_eq!(SgdConfig::default().lr, 1e-3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate, `>= 0`.
    pub lr: f32,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig { lr: 1e-3 }
    }
}

/// Plain SGD over every parameter of a store.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{Sgd, SgdConfig};
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(3.0))?;
/// let mut opt = Sgd::new(&params, SgdConfig { lr: 0.1 })?;
/// let mut graph = Graph::new();
/// graph.run_with(&mut params, |g| {
///     let w = g.param(w);
///     ((w - 1.0) * (w - 1.0)).backward()   // d/dw (w - 1)^2 = 2(w - 1) = 4
/// })?;
/// opt.step(&mut params);                   // 3 - 0.1 * 4
/// assert!((params.data(w)[0] - 2.6).abs() < 1e-6);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sgd {
    config: SgdConfig,
}

impl Sgd {
    /// An optimizer for `params` (plain SGD keeps no per-parameter state, so the store is only
    /// a placeholder for the stateful variants); a negative or NaN `lr` is an error.
    pub fn new(_params: &ParamStore, config: SgdConfig) -> Result<Sgd> {
        check_lr(config.lr)?;
        Ok(Sgd { config })
    }

    /// The options in use.
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }

    /// Changes the learning rate (for schedules); a negative or NaN `lr` is an error.
    pub fn set_lr(&mut self, lr: f32) -> Result<()> {
        check_lr(lr)?;
        self.config.lr = lr;
        Ok(())
    }

    /// One update of every parameter from its accumulated gradient: `p -= lr · g`.
    pub fn step(&mut self, params: &mut ParamStore) {
        let (p, g) = params.flat_mut();
        sgd(p, g, self.config.lr);
    }
}

fn check_lr(lr: f32) -> Result<()> {
    if lr.is_nan() || lr < 0.0 {
        return Err(Error::InvalidArgument {
            op: "SGD",
            message: format!("invalid learning rate {lr}; it must be >= 0"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Tensor;

    #[test]
    fn bad_learning_rates_are_errors() {
        let params = ParamStore::new();
        for lr in [-0.1, f32::NAN] {
            let err = Sgd::new(&params, SgdConfig { lr }).unwrap_err().to_string();
            assert!(err.starts_with("SGD: invalid learning rate"), "{err}");
            assert!(err.contains(&lr.to_string()), "{err}");
        }
        let mut opt = Sgd::new(&params, SgdConfig::default()).unwrap();
        assert!(opt.set_lr(-1.0).is_err());
        assert_eq!(opt.config().lr, 1e-3);
    }

    #[test]
    fn step_updates_every_parameter_and_keeps_padding() {
        let mut params = ParamStore::new();
        let a = params.add("a", Tensor::from_slice(&[1.0, 2.0])).unwrap();
        let b = params.add("b", Tensor::scalar(5.0)).unwrap();
        let (oa, ob) = (params.offset(a), params.offset(b));
        {
            let g = params.flat_grad_mut();
            g[oa..oa + 2].copy_from_slice(&[10.0, -10.0]);
            g[ob] = 1.0;
        }
        let mut opt = Sgd::new(&params, SgdConfig { lr: 0.5 }).unwrap();
        opt.step(&mut params);
        assert_eq!(
            (params.data(a), params.data(b)),
            (&[-4.0, 7.0][..], &[4.5][..])
        );
        assert!(params.flat_data()[oa + 2..ob].iter().all(|&v| v == 0.0));
    }
}
