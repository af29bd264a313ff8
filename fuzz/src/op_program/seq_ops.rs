//! The sequence-model instruction: silu, leaky_relu and elu; logsumexp and var along an axis;
//! where and masked_fill with broadcast masks, stack and split (`seq_select.rs`);
//! scaled_dot_product_attention (`seq_attn.rs`).
//!
//! Each op's output is compared with its definition evaluated in `f64` on arenagrad's own
//! inputs ([`forward`]: within `1e-5` of the output's magnitude, selections exactly), each is
//! rebuilt on the scalar tape so its gradients are compared like every other op's, and each
//! accepts exactly the arguments PyTorch accepts (a rejection must be one the op documents).

use arenagrad::prelude::*;

use super::forward::{self, compare, SEQ};
use super::layout::axis as resolve;
use super::mirror::{unary_at, Un, RT};
use super::reduce::split;
use super::tape::{Id, Tape, NEAR};
use super::{seq_attn, seq_select};
use super::{Ref, Val};
use crate::reader::Reader;

/// One sequence-model op on the program's values `x` and `y`.
pub fn seq_op<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    x: Val<'g>,
    y: Val<'g>,
) -> Option<Val<'g>> {
    // attention takes the top bytes (an older input's kind byte below them decodes as before)
    let b = r.u8();
    let kind = if b >= 232 {
        seq_attn::KIND
    } else {
        SEQ + (b % 9) as usize
    };
    let v = match kind - SEQ {
        0..=2 => unary(r, m, x, kind),
        3 | 4 => reduction(r, m, x, kind),
        5..=8 => seq_select::select(r, m, x, y, kind),
        _ => seq_attn::attention(g, r, m, x, y),
    }?;
    forward::ran(kind);
    Some(v)
}

fn unary<'g>(r: &mut Reader, m: &mut Ref<'g>, x: Val<'g>, kind: usize) -> Option<Val<'g>> {
    let b = r.u8() as usize;
    let (v, u) = match kind - SEQ {
        0 => (x.v.silu(), Un::Silu),
        1 => {
            let s = [0.01, 0.2, -0.5, 1.5][b % 4];
            (x.v.leaky_relu(s), Un::LeakyRelu(s))
        }
        _ => {
            let a = [1.0, 0.5, 2.0][b % 3];
            (x.v.elu(a), Un::Elu(a))
        }
    };
    let want: Vec<(f64, f64)> = (x.v.data().iter())
        .map(|&xi| {
            let y = unary_at(u, xi as f64).0;
            (y, y.abs())
        })
        .collect();
    compare(forward::KINDS[kind], v.data(), &want);
    let rt = m.tape.unary(u, &m.rts[x.r].clone());
    Some(m.arith(v, &[x.r], rt))
}

/// `(value, derivative per element)` of logsumexp or var (`correction`) of one line.
fn line_stat(xs: &[f64], var: Option<usize>) -> (f64, Vec<f64>) {
    match var {
        None => {
            let mx = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mx = if mx.is_infinite() { 0.0 } else { mx };
            let y = mx + xs.iter().map(|&v| (v - mx).exp()).sum::<f64>().ln();
            (y, xs.iter().map(|&v| (v - y).exp()).collect())
        }
        Some(c) => {
            let n = xs.len() as f64;
            let mu = xs.iter().sum::<f64>() / n;
            let m2: f64 = xs.iter().map(|&v| (v - mu).powi(2)).sum();
            let y = m2 / (n - c as f64).max(0.0);
            (
                y,
                xs.iter()
                    .map(|&v| 2.0 * (v - mu) / (n - c as f64))
                    .collect(),
            )
        }
    }
}

fn reduction<'g>(r: &mut Reader, m: &mut Ref<'g>, x: Val<'g>, kind: usize) -> Option<Val<'g>> {
    let ax = (r.u8() % 9) as isize - 4;
    let keepdim = r.u8() & 1 == 1;
    let correction = (r.u8() % 3) as usize;
    let is_var = kind - SEQ == 4;
    let res = if is_var {
        x.v.try_var(ax, correction, keepdim)
    } else {
        x.v.try_logsumexp(ax, keepdim)
    };
    let a = resolve(ax, x.v.rank(), true);
    let (outer, len, inner) = a.map_or((0, 0, 0), |a| split(x.v.shape(), a));
    let v = match res {
        Ok(v) if a.is_some() && !(is_var && len == 0) => v,
        Err(Error::BadAxis { .. }) if a.is_none() => return None,
        Err(Error::Empty { op: "var", .. }) if is_var && len == 0 => return None,
        res => panic!(
            "{} {:?} axis {ax}: {res:?}",
            forward::KINDS[kind],
            x.v.shape()
        ),
    };
    let var = is_var.then_some(correction);
    let (xd, rx) = (x.v.data(), m.rts[x.r].clone());
    let (mut want, mut ids) = (vec![], vec![]);
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * len + k) * inner + i;
            let own: Vec<f64> = (0..len).map(|k| xd[at(k)] as f64).collect();
            let y = line_stat(&own, var).0;
            want.push((y, y.abs() + if is_var { 0.0 } else { 1.0 }));
            let line: Vec<Id> = (0..len).map(|k| rx.ids[at(k)]).collect();
            ids.push(node(&mut m.tape, &line, var));
        }
    }
    compare(forward::KINDS[kind], v.data(), &want);
    let rt = RT {
        shape: v.shape().to_vec(),
        ids,
        hidden: None,
    };
    Some(m.arith(v, &[x.r], rt))
}

/// The tape node of one line's logsumexp or variance. A variance's gradient `2(x − μ)/(n − c)`
/// is computed in `f32` from a rounded mean: rough where `x − μ` is within `NEAR` of `|μ|`
/// (the rounding of μ is then a large part of it), and where `n ≤ c` (no finite result).
fn node(tape: &mut Tape, line: &[Id], var: Option<usize>) -> Id {
    let xs: Vec<f64> = line.iter().map(|&i| tape.value(i)).collect();
    let (y, d) = line_stat(&xs, var);
    let rough = var.is_some_and(|c| {
        let mu = xs.iter().sum::<f64>() / xs.len() as f64;
        xs.len() <= c || xs.iter().any(|&v| (v - mu).abs() < NEAR * mu.abs())
    });
    let parents: Vec<(Id, f64)> = line.iter().copied().zip(d).collect();
    tape.node(y, &parents, rough)
}
