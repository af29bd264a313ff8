//! Optimizer options by name: the [`GroupConfig`] trait every config implements, the checks
//! PyTorch makes on them, and a macro for the by-name accessors.
//!
//! Options carry PyTorch's names (`lr`, `betas.0`, `betas.1`, `amsgrad`, ...) with booleans as
//! 0/1, so a saved state and a PyTorch keyword-argument dict map onto a config the same way.

use crate::error::{Error, Result};

/// What the group machinery needs from an optimizer's config: the learning rate and weight
/// decay (the options groups most often change), validation, and every option by PyTorch's
/// name (`lr`, `betas.0`, `amsgrad` as 0/1, ...) for state export and for building a config
/// from PyTorch keyword arguments.
///
/// ```
/// use arenagrad::optim::{AdamConfig, GroupConfig};
/// let mut c = AdamConfig::default();
/// c.set_option("betas.1", 0.99)?;
/// c.set_option("amsgrad", 1.0)?;
/// assert_eq!((c.betas.1, c.amsgrad), (0.99, true));
/// assert!(c.set_option("momentum", 0.9).is_err());  // Adam has no such option
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub trait GroupConfig: Copy + std::fmt::Debug + Send + Sync {
    /// The learning rate.
    fn lr(&self) -> f32;
    /// Sets the learning rate (unchecked; [`GroupConfig::validate`] checks).
    fn set_lr(&mut self, lr: f32);
    /// Sets the weight decay (unchecked).
    fn set_weight_decay(&mut self, weight_decay: f32);
    /// Checks every option; errors name `op` (the optimizer) and the value.
    fn validate(&self, op: &'static str) -> Result<()>;
    /// Every option as `(PyTorch name, value)`; booleans are 0 or 1, pairs `name.0`, `name.1`.
    fn options(&self) -> Vec<(&'static str, f64)>;
    /// Sets the option `name` (a name of [`GroupConfig::options`]); an unknown name is an error.
    fn set_option(&mut self, name: &str, value: f64) -> Result<()>;
}

/// Checks a learning rate, weight decay, eps, ...: `>= 0` and not NaN.
pub(crate) fn non_negative(op: &'static str, what: &str, v: f32) -> Result<()> {
    if v.is_nan() || v < 0.0 {
        return Err(invalid(op, format!("invalid {what} {v}; it must be >= 0")));
    }
    Ok(())
}

pub(crate) fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

/// A boolean option from its 0/1 value.
pub(crate) fn flag(op: &'static str, name: &str, v: f64) -> Result<bool> {
    match v {
        0.0 => Ok(false),
        1.0 => Ok(true),
        _ => Err(invalid(
            op,
            format!("option {name} is a boolean (0 or 1), got {v}"),
        )),
    }
}

pub(crate) fn unknown(op: &'static str, name: &str, known: &[(&str, f64)]) -> Error {
    let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
    invalid(
        op,
        format!(
            "unknown option '{name}'; the options are {}",
            names.join(", ")
        ),
    )
}

/// Implements [`GroupConfig`]'s accessors for a config with `lr` and `weight_decay` fields:
/// `config_options!("Adam"; "lr" => lr, "betas.0" => betas.0, ...; "amsgrad" => amsgrad, ...)`
/// lists the `f32` options, then the `bool` ones.
macro_rules! config_options {
    ($op:literal; $($name:literal => $($f:tt).+),* ; $($bname:literal => $b:ident),*) => {
        fn lr(&self) -> f32 {
            self.lr
        }
        fn set_lr(&mut self, lr: f32) {
            self.lr = lr;
        }
        fn set_weight_decay(&mut self, weight_decay: f32) {
            self.weight_decay = weight_decay;
        }
        fn options(&self) -> Vec<(&'static str, f64)> {
            vec![$(($name, self.$($f).+ as f64),)* $(($bname, self.$b as u8 as f64),)*]
        }
        fn set_option(&mut self, name: &str, v: f64) -> $crate::error::Result<()> {
            use $crate::optim::options::{flag, unknown};
            match name {
                $($name => self.$($f).+ = v as f32,)*
                $($bname => self.$b = flag($op, name, v)?,)*
                _ => return Err(unknown($op, name, &self.options())),
            }
            Ok(())
        }
    };
}
pub(crate) use config_options;
