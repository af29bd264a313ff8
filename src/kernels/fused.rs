//! Fused element-wise programs: a chain of unary and binary maps over same-length operands,
//! evaluated one cache-sized piece at a time instead of one whole-tensor pass per op.
//!
//! A [`Program`] is a list of [`Step`]s in topological order over *leaves* (full-length input
//! slices) and *slots* (the results of earlier steps). Running it walks the output in pieces
//! of [`CHUNK`] elements; for each piece every step runs the op's own slice kernel
//! ([`unary::forward`], [`binary::forward_same`]) from its operands' pieces into its slot's
//! piece, which lives in a per-thread scratch buffer and so stays in cache.
//! A chain `tanh(a·b + c)` then reads `a`, `b`, `c` once and writes its result once, where
//! op-by-op evaluation writes and re-reads two intermediate tensors.
//!
//! **Same bits as op by op.** Element-wise kernels give an element the same bits wherever it
//! sits in a slice (lanes and tails agree, see [`simd`](super::simd)), so running each op's
//! kernel on pieces is bitwise the unfused result; a [`Step::Fill`] stands for a broadcast
//! scalar operand (a slice full of it gives each lane the value a splat would).
//! [`sum64`] adds the root's values in the order of [`reduce::sum64`](super::reduce::sum64):
//! the same fixed parts, and within a part the same 16 accumulators fed piece by piece (pieces
//! are multiples of 16 elements). The backward [`GradStep`]s call the ops' own backward
//! kernels the same way, so a fused backward stores the bits the rules would.
//!
//! Why pieces of slices and not one expression per SIMD vector: the ops keep one kernel each
//! (with its scalar twin and its bounds), a program needs no code generation or
//! monomorphisation per chain, and the traffic saved is the same; the cost is a kernel call per
//! step and piece, which pieces of a thousand elements make small.

use super::binary::{self, Binary};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::par::{for_units, part_len, sum_parts, MAX_PARTS};
use super::scratch::with_scratch;
use super::simd::{fold64, sum4_acc, First, NONE};
use super::strided::{Plan, Role};
use super::unary::{self, Unary};
use crate::kernels::Acc;

/// Elements per piece: every slot holds one piece. A multiple of 16 (see [`sum64`]).
pub const CHUNK: usize = 1024;
/// The most slots (steps, forward and backward) a program may use.
pub const MAX_SLOTS: usize = 32;
/// The most outputs a fused backward writes.
pub const MAX_OUTS: usize = 8;
/// Elements per parallel task: pieces of the output handed to threads.
const TASK: usize = 16 * CHUNK;

/// An operand: a leaf (a full-length input) or the slot of an earlier step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Src {
    /// `leaves[i]`.
    Leaf(u8),
    /// The result of step `i` (forward steps first, then backward ones).
    Slot(u8),
}

/// A forward step; its result is the slot of its own index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// One value in every element (a broadcast scalar operand, or a splat gradient).
    Fill(f32),
    /// `f(x)`.
    Unary(Unary, Src),
    /// `f(a, b)`.
    Binary(Binary, Src, Src),
}

/// Where a backward step stores its gradient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dst {
    /// The step's own slot, after the forward steps' (an intermediate value's gradient):
    /// backward step `j` of a program with `k` forward steps writes slot `k + j`.
    Slot,
    /// Output buffer `i` (an input's gradient).
    Out(u8),
}

/// A backward step: `dst (=|+=)` an op's partial derivative times `g`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GradStep {
    /// [`unary::backward`] of `y = op(x)`.
    Unary {
        /// the op
        op: Unary,
        /// its input
        x: Src,
        /// its output
        y: Src,
        /// its output's gradient
        g: Src,
        /// where `x`'s gradient goes
        dst: Dst,
        /// write or add
        acc: Acc,
    },
    /// [`binary::backward`] of `y = op(a, b)` for operand `which` (0: `a`, 1: `b`).
    Binary {
        /// the op
        op: Binary,
        /// the operand whose gradient this is
        which: u8,
        /// the output's gradient
        g: Src,
        /// first operand
        a: Src,
        /// second operand
        b: Src,
        /// the output
        y: Src,
        /// where the gradient goes
        dst: Dst,
        /// write or add
        acc: Acc,
    },
}

/// Steps over leaves of one length; the root is the last step.
#[derive(Clone, Copy, Debug)]
pub struct Program<'a> {
    /// Full-length inputs.
    pub leaves: &'a [&'a [f32]],
    /// Forward steps, in topological order.
    pub steps: &'a [Step],
}

impl Program<'_> {
    /// Runs the forward steps on the piece at `start` of `len` elements into `slots`
    /// (`CHUNK` floats per slot), the last one into `last` instead when given.
    fn forward(&self, start: usize, len: usize, slots: &mut [f32], last: Option<&mut [f32]>) {
        for l in self.leaves {
            prefetch(l, start + len, start + 2 * len);
        }
        let k = self.steps.len();
        let mut last = last;
        for (j, step) in self.steps.iter().enumerate() {
            let (done, rest) = slots.split_at_mut(j * CHUNK);
            let out = match last.as_deref_mut() {
                Some(o) if j + 1 == k => o,
                _ => &mut rest[..len],
            };
            let get = |s: Src| self.piece(s, done, start, len);
            match *step {
                Step::Fill(v) => out.fill(v),
                Step::Unary(op, x) => unary::forward(op, get(x), out),
                Step::Binary(op, a, b) => binary::forward_same(op, get(a), get(b), out),
            }
        }
    }

    /// Operand `s` on the piece at `start`: a leaf's range, or the piece in its slot (which
    /// must lie in `done`).
    #[inline]
    fn piece<'s>(&'s self, s: Src, done: &'s [f32], start: usize, len: usize) -> &'s [f32] {
        match s {
            Src::Leaf(i) => &self.leaves[i as usize][start..start + len],
            Src::Slot(i) => &done[i as usize * CHUNK..i as usize * CHUNK + len],
        }
    }

    fn check(&self, n: usize, extra: usize) {
        // a forward has a root; a backward may read leaves only
        assert!(
            (extra > 0 || !self.steps.is_empty()) && self.steps.len() + extra <= MAX_SLOTS,
            "fused program: {} steps and {extra} gradient slots (1..={MAX_SLOTS} in all)",
            self.steps.len()
        );
        for l in self.leaves {
            assert_eq!(l.len(), n, "fused program: leaf length");
        }
    }
}

/// Asks the caches for `s[from..to]` (clamped to `s`), a line at a time: the next piece's
/// operands, fetched while this one computes.
#[inline]
fn prefetch(s: &[f32], from: usize, to: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let to = to.min(s.len());
        let mut i = from;
        while i < to {
            // SAFETY: a prefetch is a hint: it never faults, reads nothing into the program
            // and writes nothing; the address is in bounds anyway (`i < s.len()`).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(s.as_ptr().add(i) as *const i8) };
            i += 16;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, from, to);
}

/// `out = ` the program's root, every element.
pub fn eval(p: &Program<'_>, out: &mut [f32]) {
    let n = out.len();
    p.check(n, 0);
    for_units([out], [1], n, TASK, TASK, &|s0, [o]| {
        with_scratch(p.steps.len() * CHUNK, |slots| {
            for (c, piece) in o.chunks_mut(CHUNK).enumerate() {
                let len = piece.len();
                p.forward(s0 + c * CHUNK, len, slots, Some(piece));
            }
        })
    });
}

/// The sum of the root's `n` values in `f64`, bitwise [`reduce::sum64`](super::reduce::sum64)
/// of the evaluated root.
pub fn sum64(p: &Program<'_>, n: usize) -> f64 {
    p.check(n, 0);
    let root = p.steps.len() - 1;
    sum_parts(n, |r| {
        with_scratch(p.steps.len() * CHUNK, |slots| {
            let mut s = [0.0f64; 16];
            let mut start = r.start;
            while start < r.end {
                let len = CHUNK.min(r.end - start);
                p.forward(start, len, slots, None);
                let v = &slots[root * CHUNK..root * CHUNK + len];
                sum4_acc((v, NONE, NONE, NONE), len, First, &mut s);
                start += len;
            }
            fold64(&s)
        })
    })
}

/// Runs the forward steps, then `grads` in order, over every piece: gradients go to slots
/// (numbered after the forward steps) or to `outs` (each `n` long, or empty when unused; at
/// least one is not). With `sum_of`, also returns the sum of that operand's values in `f64`,
/// bitwise [`sum64`] of it: the threads' pieces are then [`sum_parts`]' parts, each summed
/// piece after piece into one set of accumulators.
pub fn backward(
    p: &Program<'_>,
    grads: &[GradStep],
    n: usize,
    outs: [&mut [f32]; MAX_OUTS],
    sum_of: Option<Src>,
) -> Option<f64> {
    p.check(n, grads.len());
    let k = p.steps.len();
    let part = part_len(n);
    let parts: [AtomicU64; MAX_PARTS] = [const { AtomicU64::new(0) }; MAX_PARTS];
    let chunk = if sum_of.is_some() { part } else { TASK };
    for_units(outs, [1; MAX_OUTS], n, chunk, TASK, &|s0, mut o| {
        with_scratch((k + grads.len()) * CHUNK, |slots| {
            let end = s0 + o.iter().map(|b| b.len()).max().unwrap_or(0);
            // `for_units` cuts at multiples of `chunk`: with a sum, each piece is in one part
            debug_assert!(sum_of.is_none() || end <= (s0 / part + 1) * part);
            let mut acc = [0.0f64; 16];
            let mut start = s0;
            while start < end {
                let len = CHUNK.min(end - start);
                for b in o.iter() {
                    let at = start - s0 + len;
                    prefetch(b, at, at + len);
                }
                p.forward(start, len, slots, None);
                if let Some(src) = sum_of {
                    let v = p.piece(src, slots, start, len);
                    sum4_acc((v, NONE, NONE, NONE), len, First, &mut acc);
                }
                for (j, step) in grads.iter().enumerate() {
                    let (done, rest) = slots.split_at_mut((k + j) * CHUNK);
                    let own = &mut rest[..len];
                    run_grad(p, step, done, (start, len), (s0, &mut o), own);
                }
                start += len;
            }
            if sum_of.is_some() {
                parts[s0 / part].store(fold64(&acc).to_bits(), Relaxed);
            }
        })
    });
    sum_of.map(|_| {
        let count = n.div_ceil(part).max(1);
        let sum = |i: usize| f64::from_bits(parts[i].load(Relaxed));
        (1..count).fold(sum(0), |a, i| a + sum(i))
    })
}

/// One backward step on one piece: operands from `done`, the result into the step's own slot
/// (`own`) or into its output's range (`outs` start at element `s0`).
fn run_grad(
    p: &Program<'_>,
    step: &GradStep,
    done: &[f32],
    (start, len): (usize, usize),
    (s0, outs): (usize, &mut [&mut [f32]; MAX_OUTS]),
    own: &mut [f32],
) {
    let get = |s: Src| p.piece(s, done, start, len);
    let (GradStep::Unary { dst, acc, .. } | GradStep::Binary { dst, acc, .. }) = *step;
    let out: &mut [f32] = match dst {
        Dst::Slot => own,
        Dst::Out(i) => &mut outs[i as usize][start - s0..start - s0 + len],
    };
    match *step {
        GradStep::Unary { op, x, y, g, .. } => {
            unary::backward(op, get(x), get(y), get(g), out, acc)
        }
        GradStep::Binary {
            op,
            which,
            g,
            a,
            b,
            y,
            ..
        } => {
            let plan = Plan {
                outer: 1,
                inner: len,
                a: Role::Full,
                b: Role::Full,
            };
            let rows = (get(g), get(a), get(b), get(y));
            binary::backward(op, which as usize, &plan, rows, out, acc)
        }
    }
}

#[cfg(test)]
mod tests;
