//! The reference: each optimizer's update of one element, written from PyTorch's
//! single-tensor formulas and the rounding `arenagrad::optim::update` documents (`add(alpha)`,
//! `addcmul` and `lerp` fused multiply-adds; scalar factors in `f64` from the decimal the user
//! wrote), and PyTorch's argument checks. Nothing here calls arenagrad's kernels.

use arenagrad::prelude::*;

/// A hyper-parameter as Python holds it: the `f64` of the shortest decimal of the `f32`.
pub fn widen(x: f32) -> f64 {
    if x.is_finite() {
        format!("{x:e}").parse().expect("a formatted float parses")
    } else {
        x as f64
    }
}

/// `a·b + c` with one rounding when the kernels' lanes fuse — the build has FMA (as PyTorch's
/// vectorised CPU kernels on such a machine) or chose its AVX2+FMA or AVX-512 lanes at run
/// time (`simd_level()`) — two otherwise: the rounding `arenagrad::kernels::simd::fma` documents,
/// restated here so that the reference does not call arenagrad's maths.
fn fma(a: f32, b: f32, c: f32) -> f32 {
    static FUSED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let fused = *FUSED.get_or_init(|| {
        cfg!(any(
            target_feature = "fma",
            all(target_arch = "aarch64", target_feature = "neon")
        )) || matches!(arenagrad::simd_level(), "avx2+fma" | "avx512")
    });
    if fused {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `torch.lerp` on CPU: one fused multiply-add, from the nearer end.
fn lerp(start: f32, end: f32, w: f32) -> f32 {
    let diff = end - start;
    if w.abs() < 0.5 {
        fma(w, diff, start)
    } else {
        fma(w - 1.0, diff, end)
    }
}

/// `torch.maximum`: NaN wins.
fn maximum(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}

/// A config of any of the five optimizers.
#[derive(Clone, Copy, Debug)]
pub enum Config {
    Sgd(SgdConfig),
    Adam(AdamConfig),
    AdamW(AdamWConfig),
    Rmsprop(RmspropConfig),
    Adagrad(AdagradConfig),
}

/// PyTorch's `0.0 <= x` (NaN fails).
fn nonneg(x: f32) -> bool {
    x >= 0.0
}

fn beta(b: f32) -> bool {
    (0.0..1.0).contains(&b)
}

impl Config {
    /// Whether PyTorch's constructor accepts these options.
    pub fn valid(&self) -> bool {
        match *self {
            Config::Sgd(c) => {
                let nesterov_ok = !c.nesterov || (c.momentum > 0.0 && c.dampening == 0.0);
                nonneg(c.lr)
                    && nonneg(c.momentum)
                    && nonneg(c.weight_decay)
                    && !c.dampening.is_nan()
                    && nesterov_ok
            }
            Config::Adam(AdamConfig {
                lr,
                betas,
                eps,
                weight_decay,
                ..
            })
            | Config::AdamW(AdamWConfig {
                lr,
                betas,
                eps,
                weight_decay,
                ..
            }) => {
                nonneg(lr) && nonneg(eps) && beta(betas.0) && beta(betas.1) && nonneg(weight_decay)
            }
            Config::Rmsprop(c) => [c.lr, c.eps, c.momentum, c.weight_decay, c.alpha]
                .into_iter()
                .all(nonneg),
            Config::Adagrad(c) => [
                c.lr,
                c.lr_decay,
                c.weight_decay,
                c.initial_accumulator_value,
                c.eps,
            ]
            .into_iter()
            .all(nonneg),
        }
    }

    /// With a param group's `lr` and `weight_decay` overrides applied.
    pub fn with(mut self, lr: Option<f32>, wd: Option<f32>) -> Config {
        macro_rules! set {
            ($c:expr) => {{
                if let Some(lr) = lr {
                    $c.lr = lr;
                }
                if let Some(wd) = wd {
                    $c.weight_decay = wd;
                }
            }};
        }
        match &mut self {
            Config::Sgd(c) => set!(c),
            Config::Adam(c) => set!(c),
            Config::AdamW(c) => set!(c),
            Config::Rmsprop(c) => set!(c),
            Config::Adagrad(c) => set!(c),
        }
        self
    }

    /// The state buffers of this kind of optimizer, in PyTorch's names.
    pub fn buffers(&self) -> &'static [&'static str] {
        match self {
            Config::Sgd(_) => &["momentum_buffer"],
            Config::Adam(_) | Config::AdamW(_) => &["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
            Config::Rmsprop(_) => &["square_avg", "momentum_buffer", "grad_avg"],
            Config::Adagrad(_) => &["sum"],
        }
    }

    /// Whether this group uses buffer `i` of [`Config::buffers`] (the optimizer keeps a buffer
    /// when any of its groups uses it).
    pub fn uses(&self, i: usize) -> bool {
        match (*self, i) {
            (Config::Sgd(c), 0) => c.momentum != 0.0,
            (Config::Adam(c), 2) => c.amsgrad,
            (Config::AdamW(c), 2) => c.amsgrad,
            (Config::Rmsprop(c), 1) => c.momentum > 0.0,
            (Config::Rmsprop(c), 2) => c.centered,
            _ => true,
        }
    }

    /// The value buffer `i` starts at (Adagrad's initial accumulator; else 0).
    pub fn initial(&self, _i: usize) -> f32 {
        match self {
            Config::Adagrad(c) => c.initial_accumulator_value,
            _ => 0.0,
        }
    }

    /// One update of one element `p` with gradient `g` at the parameter's step `t` (counting
    /// this one); `s` holds the element of each of [`Config::buffers`].
    pub fn update(&self, t: u64, p: &mut f32, g: f32, s: &mut [f32; 3]) {
        match *self {
            Config::Sgd(c) => sgd(&c, t, p, g, s),
            Config::Adam(c) => {
                let decoupled = c.decoupled_weight_decay;
                let h = (c.lr, c.betas, c.eps, c.weight_decay, c.amsgrad, c.maximize);
                adam(h, decoupled, t, p, g, s)
            }
            Config::AdamW(c) => {
                let h = (c.lr, c.betas, c.eps, c.weight_decay, c.amsgrad, c.maximize);
                adam(h, true, t, p, g, s)
            }
            Config::Rmsprop(c) => rmsprop(&c, p, g, s),
            Config::Adagrad(c) => adagrad(&c, t, p, g, s),
        }
    }
}

fn signed(g: f32, maximize: bool) -> f32 {
    if maximize {
        -g
    } else {
        g
    }
}

fn sgd(c: &SgdConfig, t: u64, p: &mut f32, g: f32, s: &mut [f32; 3]) {
    let mut d = signed(g, c.maximize);
    if c.weight_decay != 0.0 {
        d = fma(*p, c.weight_decay, d); // d.add(p, alpha=wd)
    }
    if c.momentum != 0.0 {
        let b = &mut s[0];
        *b = if t == 1 {
            d // torch.clone(d): no dampening on the first step
        } else {
            fma(d, (1.0 - widen(c.dampening)) as f32, *b * c.momentum)
        };
        d = if c.nesterov {
            fma(*b, c.momentum, d)
        } else {
            *b
        };
    }
    *p = fma(d, -c.lr, *p);
}

type AdamHyper = (f32, (f32, f32), f32, f32, bool, bool);

fn adam(h: AdamHyper, decoupled: bool, t: u64, p: &mut f32, g: f32, s: &mut [f32; 3]) {
    let (lr, (b1, b2), eps, wd, amsgrad, maximize) = h;
    let (lr64, b1, b2) = (widen(lr), widen(b1), widen(b2));
    let mut d = signed(g, maximize);
    if wd != 0.0 {
        if decoupled {
            *p *= (1.0 - lr64 * widen(wd)) as f32;
        } else {
            d = fma(*p, wd, d);
        }
    }
    let [m, v, v_max] = s;
    *m = lerp(*m, d, (1.0 - b1) as f32);
    *v = fma((1.0 - b2) as f32 * d, d, *v * b2 as f32);
    let second = if amsgrad {
        *v_max = maximum(*v_max, *v);
        *v_max
    } else {
        *v
    };
    let t = t as f64;
    let step_size = lr64 / (1.0 - b1.powf(t));
    let bc2_sqrt = (1.0 - b2.powf(t)).powf(0.5) as f32;
    let denom = second.sqrt() / bc2_sqrt + widen(eps) as f32;
    *p += (-step_size) as f32 * *m / denom;
}

fn rmsprop(c: &RmspropConfig, p: &mut f32, g: f32, s: &mut [f32; 3]) {
    let alpha = widen(c.alpha);
    let w = (1.0 - alpha) as f32;
    let eps = widen(c.eps) as f32;
    let mut d = signed(g, c.maximize);
    if c.weight_decay != 0.0 {
        d = fma(*p, c.weight_decay, d);
    }
    let [sq, buf, avg] = s;
    *sq = fma(w * d, d, *sq * alpha as f32);
    let denom = if c.centered {
        *avg = lerp(*avg, d, w);
        fma(-*avg, *avg, *sq).sqrt() + eps
    } else {
        sq.sqrt() + eps
    };
    if c.momentum > 0.0 {
        *buf = *buf * c.momentum + d / denom;
        *p = fma(*buf, -c.lr, *p);
    } else {
        *p += -c.lr * d / denom;
    }
}

fn adagrad(c: &AdagradConfig, t: u64, p: &mut f32, g: f32, s: &mut [f32; 3]) {
    let clr = widen(c.lr) / (1.0 + (t as f64 - 1.0) * widen(c.lr_decay));
    let mut d = signed(g, c.maximize);
    if c.weight_decay != 0.0 {
        d = fma(*p, c.weight_decay, d);
    }
    let sum = &mut s[0];
    *sum = fma(d, d, *sum);
    *p += (-clr) as f32 * d / (sum.sqrt() + widen(c.eps) as f32);
}
