//! An optimizer chosen by name with PyTorch-style keyword options, as a training config in a
//! file would give it: `OptimConfig::from_options("adamw", &[("lr", 1e-3), ...])`, or the text
//! form `OptimConfig::parse("adamw lr=1e-3 betas=0.9,0.95 weight_decay=0.1")`.
//!
//! Options carry the names of [`GroupConfig::options`] (PyTorch's keyword names; a pair such as
//! `betas` is `betas.0` and `betas.1`, booleans are 0 or 1); every option not given keeps
//! PyTorch's default. An unknown optimizer, an unknown or repeated option, a malformed value
//! and an invalid value are errors naming them.

use super::options::invalid;
use super::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, GroupConfig, Optimizer, Rmsprop,
    RmspropConfig, Sgd, SgdConfig,
};
use crate::error::Result;
use crate::params::ParamStore;

/// Which optimizer, with its options: built with [`OptimConfig::build`].
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim::{AdamWConfig, OptimConfig, Optimizer};
/// let config = OptimConfig::from_options(
///     "AdamW",
///     &[("lr", 3e-4), ("betas.1", 0.95), ("weight_decay", 0.1)],
/// )?;
/// let want = AdamWConfig { lr: 3e-4, betas: (0.9, 0.95), weight_decay: 0.1, ..Default::default() };
/// assert_eq!(config, OptimConfig::AdamW(want));
/// let mut params = ParamStore::new();
/// params.add("w", Tensor::zeros(&[4])?)?;
/// let opt = config.build(&params)?;
/// assert_eq!(opt.group_lr(0), 3e-4);
/// // unknown names are errors naming them
/// let err = OptimConfig::from_options("adamx", &[]).unwrap_err().to_string();
/// assert!(err.contains("'adamx'") && err.contains("adamw"));
/// let err = OptimConfig::from_options("sgd", &[("betas.0", 0.9)]).unwrap_err().to_string();
/// assert!(err.contains("SGD") && err.contains("'betas.0'") && err.contains("momentum"));
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimConfig {
    /// `"sgd"`: [`Sgd`].
    Sgd(SgdConfig),
    /// `"adam"`: [`Adam`].
    Adam(AdamConfig),
    /// `"adamw"`: [`AdamW`].
    AdamW(AdamWConfig),
    /// `"rmsprop"`: [`Rmsprop`].
    Rmsprop(RmspropConfig),
    /// `"adagrad"`: [`Adagrad`].
    Adagrad(AdagradConfig),
}

/// The names [`OptimConfig::from_options`] knows (matched ignoring ASCII case).
pub const OPTIMIZER_NAMES: [&str; 5] = ["sgd", "adam", "adamw", "rmsprop", "adagrad"];

const OP: &str = "OptimConfig";

/// `each!(config, c => expr)`: `expr` with `c` bound to the config inside any variant (a
/// [`GroupConfig`] is `Copy`, so not a trait object).
macro_rules! each {
    ($config:expr, $c:ident => $e:expr) => {
        match $config {
            OptimConfig::Sgd($c) => $e,
            OptimConfig::Adam($c) => $e,
            OptimConfig::AdamW($c) => $e,
            OptimConfig::Rmsprop($c) => $e,
            OptimConfig::Adagrad($c) => $e,
        }
    };
}

impl OptimConfig {
    /// The optimizer `name` (one of [`OPTIMIZER_NAMES`], any ASCII case) with PyTorch's
    /// defaults, then `options` set in order; the result is validated.
    pub fn from_options(name: &str, options: &[(&str, f64)]) -> Result<OptimConfig> {
        let mut config = match name.to_ascii_lowercase().as_str() {
            "sgd" => OptimConfig::Sgd(SgdConfig::default()),
            "adam" => OptimConfig::Adam(AdamConfig::default()),
            "adamw" => OptimConfig::AdamW(AdamWConfig::default()),
            "rmsprop" => OptimConfig::Rmsprop(RmspropConfig::default()),
            "adagrad" => OptimConfig::Adagrad(AdagradConfig::default()),
            _ => {
                return Err(invalid(
                    OP,
                    format!(
                        "unknown optimizer '{name}'; the optimizers are {}",
                        OPTIMIZER_NAMES.join(", ")
                    ),
                ))
            }
        };
        for (i, &(key, value)) in options.iter().enumerate() {
            if options[..i].iter().any(|&(k, _)| k == key) {
                return Err(invalid(OP, format!("option '{key}' is given twice")));
            }
            each!(&mut config, c => c.set_option(key, value))?;
        }
        let op = config.name();
        each!(&mut config, c => c.validate(op))?;
        Ok(config)
    }

    /// [`from_options`](Self::from_options) from one line of text: the name, then
    /// `key=value` words separated by whitespace. A value is a number, `true`/`false`, or a
    /// comma-separated pair (`betas=0.9,0.95` sets `betas.0` and `betas.1`).
    ///
    /// ```
    /// use arenagrad::optim::{OptimConfig, SgdConfig};
    /// let c = OptimConfig::parse("sgd lr=0.1 momentum=0.9 nesterov=true")?;
    /// let want = SgdConfig { lr: 0.1, momentum: 0.9, nesterov: true, ..Default::default() };
    /// assert_eq!(c, OptimConfig::Sgd(want));
    /// let c = OptimConfig::parse("adam betas=0.8,0.9")?;
    /// assert!(matches!(c, OptimConfig::Adam(a) if a.betas == (0.8, 0.9)));
    /// assert!(OptimConfig::parse("adam lr").is_err());          // no value
    /// assert!(OptimConfig::parse("adam lr=fast").is_err());     // not a number
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<OptimConfig> {
        let mut words = text.split_whitespace();
        let name = words
            .next()
            .ok_or_else(|| invalid(OP, "empty config; start with an optimizer name".into()))?;
        let mut options: Vec<(String, f64)> = Vec::new();
        for word in words {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| invalid(OP, format!("'{word}' is not key=value (e.g. lr=0.001)")))?;
            let values = value
                .split(',')
                .map(|v| match v {
                    "true" => Ok(1.0),
                    "false" => Ok(0.0),
                    _ => v
                        .parse::<f64>()
                        .map_err(|_| invalid(OP, format!("option '{key}': '{v}' is not a number"))),
                })
                .collect::<Result<Vec<f64>>>()?;
            match values[..] {
                [v] => options.push((key.to_string(), v)),
                _ => options.extend(
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| (format!("{key}.{i}"), v)),
                ),
            }
        }
        let options: Vec<(&str, f64)> = options.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        Self::from_options(name, &options)
    }

    /// The optimizer's name in errors and states (`"SGD"`, `"AdamW"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            OptimConfig::Sgd(_) => "SGD",
            OptimConfig::Adam(_) => "Adam",
            OptimConfig::AdamW(_) => "AdamW",
            OptimConfig::Rmsprop(_) => "RMSprop",
            OptimConfig::Adagrad(_) => "Adagrad",
        }
    }

    /// The optimizer over every parameter of `params` (its `new(params, config)`).
    pub fn build(&self, params: &ParamStore) -> Result<Box<dyn Optimizer + Send + Sync>> {
        Ok(match *self {
            OptimConfig::Sgd(c) => Box::new(Sgd::new(params, c)?),
            OptimConfig::Adam(c) => Box::new(Adam::new(params, c)?),
            OptimConfig::AdamW(c) => Box::new(AdamW::new(params, c)?),
            OptimConfig::Rmsprop(c) => Box::new(Rmsprop::new(params, c)?),
            OptimConfig::Adagrad(c) => Box::new(Adagrad::new(params, c)?),
        })
    }
}

/// The text form [`OptimConfig::parse`] reads, every option spelled out (booleans as 0/1):
/// `sgd lr=0.1 momentum=0 dampening=0 weight_decay=0 nesterov=0 maximize=0`.
///
/// ```
/// use arenagrad::optim::OptimConfig;
/// let c: OptimConfig = "adamw lr=3e-4 betas=0.9,0.95".parse()?;
/// let text = c.to_string();
/// assert!(text.starts_with("adamw lr=0.0003 betas.0=0.9 betas.1=0.95 eps=0.00000001"));
/// assert_eq!(OptimConfig::parse(&text)?, c);                      // the text round-trips
/// # Ok::<(), arenagrad::Error>(())
/// ```
impl std::fmt::Display for OptimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name().to_ascii_lowercase())?;
        let options = each!(self, c => c.options());
        for (key, value) in options {
            // the f32 the option holds, printed shortest: parsing it back gives the same f32
            write!(f, " {key}={}", value as f32)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for OptimConfig {
    type Err = crate::error::Error;
    fn from_str(text: &str) -> Result<OptimConfig> {
        OptimConfig::parse(text)
    }
}

/// The optimizer `name` with keyword `options` over every parameter of `params`:
/// [`OptimConfig::from_options`] then [`OptimConfig::build`].
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::optim;
/// let mut params = ParamStore::new();
/// let w = params.add("w", Tensor::scalar(3.0))?;
/// let mut opt = optim::from_config("sgd", &params, &[("lr", 0.1)])?;
/// params.set_grad(w, &[4.0])?;
/// opt.step(&mut params);                                   // 3 - 0.1 * 4
/// assert!((params.data(w)[0] - 2.6).abs() < 1e-6);
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn from_config(
    name: &str,
    params: &ParamStore,
    options: &[(&str, f64)],
) -> Result<Box<dyn Optimizer + Send + Sync>> {
    OptimConfig::from_options(name, options)?.build(params)
}

#[cfg(test)]
mod tests;
