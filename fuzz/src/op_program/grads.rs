//! The reference's side of backward: accumulated gradients of every leaf and parameter, and
//! the comparison with arenagrad's.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::mirror::RT;
use super::tape::{Id, Tape, RTOL};

/// Absolute tolerance.
const ATOL: f64 = 1e-6;

/// Gradient elements compared and skipped (tainted) so far in this process: how much of the
/// programs the reference covers (`tests/fuzz_props.rs` prints it).
pub static COMPARED: AtomicU64 = AtomicU64::new(0);
pub static SKIPPED: AtomicU64 = AtomicU64::new(0);
/// Of the compared elements, those with a non-zero reference gradient.
pub static NONZERO: AtomicU64 = AtomicU64::new(0);

/// One leaf's (or parameter's) gradient as the reference accumulates it.
#[derive(Clone, Debug)]
pub struct Acc {
    pub ids: Vec<Id>,
    pub grad: Vec<f64>,
    pub mag: Vec<f64>,
    pub taint: Vec<bool>,
}

impl Acc {
    pub fn new(rt: &RT) -> Acc {
        let n = rt.ids.len();
        Acc {
            ids: rt.ids.clone(),
            grad: vec![0.0; n],
            mag: vec![0.0; n],
            taint: vec![false; n],
        }
    }

    /// Back to no gradient (`zero_grad`, `set_grad_none`).
    pub fn reset(&mut self) {
        self.grad.fill(0.0);
        self.mag.fill(0.0);
        self.taint.fill(false);
    }

    /// Compares arenagrad's gradient `got` (`None`: never reached) element by element, except
    /// where tainted.
    #[track_caller]
    pub fn compare(&self, what: &str, got: Option<&[f32]>, tape: &Tape) {
        for k in 0..self.ids.len() {
            if self.taint[k] || tape.rough(self.ids[k]) {
                SKIPPED.fetch_add(1, Relaxed);
                continue;
            }
            COMPARED.fetch_add(1, Relaxed);
            if self.grad[k] != 0.0 {
                NONZERO.fetch_add(1, Relaxed);
            }
            let (want, tol) = (self.grad[k], RTOL * self.mag[k] + ATOL);
            let g = got.map_or(0.0, |g| g[k] as f64);
            assert!(
                (g - want).abs() <= tol,
                "{what}[{k}]: arenagrad {g:e} (gradient {}), reference {want:e} ± {tol:e}",
                if got.is_some() { "set" } else { "None" }
            );
        }
    }
}

/// Adds one backward pass from `out` (seeded by `seeds`, or 1 for a scalar) to `accs`.
pub fn backward(tape: &Tape, out: &RT, seeds: Option<&[f32]>, accs: &mut [&mut Acc]) {
    let mut pairs: Vec<(Id, f64)> = match seeds {
        Some(s) => out
            .ids
            .iter()
            .zip(s)
            .map(|(&i, &v)| (i, v as f64))
            .collect(),
        None => vec![(out.ids[0], 1.0)],
    };
    pairs.extend(out.hidden.map(|h| (h, 0.0)));
    let g = tape.backward(&pairs);
    for acc in accs {
        for k in 0..acc.ids.len() {
            let i = acc.ids[k] as usize;
            acc.grad[k] += g.adj[i];
            acc.mag[k] += g.mag[i];
            acc.taint[k] |= g.taint[i];
        }
    }
}
