//! The `optim` fuzz target: random optimizer configurations (invalid ones included) and
//! gradients full of NaN, infinities and subnormals.
//!
//! From the input: a store of 1 to 4 parameters (0 to 20 elements, values from an edge-value
//! palette), one of SGD, Adam, AdamW, RMSprop and Adagrad with every option drawn from a
//! palette of typical, zero, negative, NaN, infinite, subnormal and boundary values, and
//! optionally param groups (with `lr`/`weight_decay` overrides or whole configs; some
//! parameters in no group, sometimes one in two). Then up to 5 steps, each giving a random
//! subset of the parameters a gradient (the others have none: PyTorch's `p.grad is None`), and
//! sometimes a `set_group_lr` with any value or group index.
//!
//! Checked: construction and `set_group_lr` succeed exactly when PyTorch's checks pass; no
//! step panics; after every step each parameter's values, step count and state buffers (read
//! through `state_dict`) equal [`reference`]'s element-by-element update bit for bit (NaN
//! matches any NaN), padding between parameters stays 0 and parameters without a gradient or
//! group stay as they were; an optimizer rebuilt from the saved state continues identically.

pub mod reference;

use arenagrad::optim::{Optimizer, ParamGroup};
use arenagrad::prelude::*;

use crate::reader::Reader;
use reference::Config;

/// Allowed difference in units in the last place between arenagrad and the reference: 0 while
/// the kernels round exactly as documented (a faster kernel with a stated bound sets it).
pub const ULPS: u32 = 0;

/// An element value: small numbers, signed zeros, NaN, infinities, subnormals, extremes.
pub fn value(r: &mut Reader) -> f32 {
    match r.u8() % 16 {
        0..=6 => (r.u8() as f32 - 128.0) / 32.0,
        7 => 0.0,
        8 => -0.0,
        9 => f32::NAN,
        10 => f32::INFINITY,
        11 => f32::NEG_INFINITY,
        12 => f32::from_bits(r.u32() & 0x807f_ffff), // a subnormal (or ±0)
        13 => [f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e20, -1e-20][r.below(5)],
        _ => r.f32_bits(),
    }
}

/// An option: mostly `typical`, else an edge or invalid value.
fn hyper(r: &mut Reader, typical: f32) -> f32 {
    match r.u8() % 16 {
        0..=7 => typical,
        8 => 0.0,
        9 => -0.0,
        10 => -typical,
        11 => f32::NAN,
        12 => f32::INFINITY,
        13 => 1.0,
        14 => 1e-40,
        _ => r.u8() as f32 / 255.0,
    }
}

fn config(r: &mut Reader, kind: u8) -> Config {
    match kind % 5 {
        0 => Config::Sgd(SgdConfig {
            lr: hyper(r, 0.1),
            momentum: hyper(r, 0.9),
            dampening: hyper(r, 0.0),
            weight_decay: hyper(r, 0.01),
            nesterov: r.bool(),
            maximize: r.bool(),
        }),
        1 => Config::Adam(AdamConfig {
            lr: hyper(r, 1e-3),
            betas: (hyper(r, 0.9), hyper(r, 0.999)),
            eps: hyper(r, 1e-8),
            weight_decay: hyper(r, 0.0),
            amsgrad: r.bool(),
            maximize: r.bool(),
            decoupled_weight_decay: r.bool(),
        }),
        2 => Config::AdamW(AdamWConfig {
            lr: hyper(r, 1e-3),
            betas: (hyper(r, 0.9), hyper(r, 0.999)),
            eps: hyper(r, 1e-8),
            weight_decay: hyper(r, 1e-2),
            amsgrad: r.bool(),
            maximize: r.bool(),
        }),
        3 => Config::Rmsprop(RmspropConfig {
            lr: hyper(r, 1e-2),
            alpha: hyper(r, 0.99),
            eps: hyper(r, 1e-8),
            weight_decay: hyper(r, 0.0),
            momentum: hyper(r, 0.0),
            centered: r.bool(),
            maximize: r.bool(),
        }),
        _ => Config::Adagrad(AdagradConfig {
            lr: hyper(r, 1e-2),
            lr_decay: hyper(r, 0.0),
            weight_decay: hyper(r, 0.0),
            initial_accumulator_value: hyper(r, 0.0),
            eps: hyper(r, 1e-10),
            maximize: r.bool(),
        }),
    }
}

/// A param group as decoded: members and overrides.
#[derive(Clone, Debug)]
pub struct Spec {
    params: Vec<usize>,
    lr: Option<f32>,
    wd: Option<f32>,
    config: Option<Config>,
}

impl Spec {
    fn resolve(&self, base: Config) -> Config {
        self.config.unwrap_or(base).with(self.lr, self.wd)
    }
}

/// Builds the optimizer `base` names over `groups` (`None`: every parameter, `new`).
fn build(
    store: &ParamStore,
    base: Config,
    groups: &Option<Vec<Spec>>,
) -> Result<Box<dyn Optimizer>> {
    let handles: Vec<Param> = store.params().collect();
    macro_rules! make {
        ($t:ident, $variant:ident, $b:expr) => {{
            let Some(groups) = groups else {
                return $t::new(store, $b).map(|o| Box::new(o) as Box<dyn Optimizer>);
            };
            let gs = groups.iter().map(|s| {
                let mut g = ParamGroup::new(s.params.iter().map(|&i| handles[i]).collect());
                if let Some(Config::$variant(c)) = s.config {
                    g = g.config(c);
                }
                if let Some(lr) = s.lr {
                    g = g.lr(lr);
                }
                if let Some(wd) = s.wd {
                    g = g.weight_decay(wd);
                }
                g
            });
            $t::with_groups(store, gs.collect(), $b).map(|o| Box::new(o) as Box<dyn Optimizer>)
        }};
    }
    match base {
        Config::Sgd(b) => make!(Sgd, Sgd, b),
        Config::Adam(b) => make!(Adam, Adam, b),
        Config::AdamW(b) => make!(AdamW, AdamW, b),
        Config::Rmsprop(b) => make!(Rmsprop, Rmsprop, b),
        Config::Adagrad(b) => make!(Adagrad, Adagrad, b),
    }
}

/// Decodes `data` and checks every property; the body of the fuzz target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let mut store = ParamStore::new();
    for i in 0..1 + r.u8() % 4 {
        let n = r.u8() as usize % 21;
        let values: Vec<f32> = (0..n).map(|_| value(&mut r)).collect();
        store
            .add(&format!("p{i}"), Tensor::from_slice(&values))
            .expect("unique names");
    }
    let kind = r.u8();
    let base = config(&mut r, kind);
    let groups = r.bool().then(|| {
        let n = store.len();
        (0..1 + r.u8() % 3)
            .map(|_| Spec {
                params: (0..n).filter(|_| r.u8().is_multiple_of(3)).collect(),
                lr: r.bool().then(|| hyper(&mut r, 0.05)),
                wd: r.bool().then(|| hyper(&mut r, 0.0)),
                config: r.u8().is_multiple_of(4).then(|| config(&mut r, kind)),
            })
            .collect::<Vec<_>>()
    });
    let resolved: Vec<(Vec<usize>, Config)> = match &groups {
        None => vec![((0..store.len()).collect(), base)],
        Some(gs) => gs
            .iter()
            .map(|s| (s.params.clone(), s.resolve(base)))
            .collect(),
    };
    let mut seen = vec![false; store.len()];
    let duplicate = resolved
        .iter()
        .flat_map(|(ps, _)| ps)
        .any(|&i| std::mem::replace(&mut seen[i], true));
    // groups that hold no parameter at all: "optimizer got an empty parameter list"
    let empty = resolved.iter().all(|(ps, _)| ps.is_empty());
    let valid = base.valid() && resolved.iter().all(|(_, c)| c.valid()) && !duplicate && !empty;
    let built = build(&store, base, &groups);
    if crate::reader::tracing() {
        eprintln!(
            "base {base:?}\ngroups {groups:?}\nbuilt: {:?}",
            built.as_ref().err()
        );
    }
    match (valid, built) {
        (true, Ok(opt)) => steps::run(&mut r, &mut store, opt, resolved, base, &groups),
        (false, Err(Error::InvalidArgument { .. })) => {}
        (valid, built) => panic!("valid: {valid}, built: {:?}", built.err()),
    }
}

mod steps;
