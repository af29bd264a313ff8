//! The attention op of the sequence-model instruction: `q.try_scaled_dot_product_attention(k,
//! v, attn_mask, is_causal, scale)` on `q [B.., L, E]`, `k [B.., S, E]`, `v [B.., S, Ev]` (rank
//! 3 or 4, every dim at most 6, so the `f64` reference stays cheap), with `L ≠ S` and `E ≠ Ev`
//! as often as not. `q` is now and then a value of the program (reshaped), `k` now and then
//! `q` itself, `v` now and then the program's other value, so gradients flow on into the
//! program; the rest are fresh leaves.
//!
//! Arguments: no mask, `is_causal` (query `i` attends to keys `j ≤ i`), or a boolean mask
//! (`true` = may attend) of shape `[L, S]`, `[S]`, `[1, S]`, `[L, 1]`, `[B, 1, L, S]` (`[B, L,
//! S]` at rank 3) or any shape that broadcasts to `[B.., L, S]`, dense or sparse enough that
//! some query rows may attend to nothing (PyTorch 2.15's CPU kernel: output 0, no gradient);
//! the default scale `1/√E` or an explicit one (0 and negative ones included). About a fifth
//! of the calls are invalid: a key width other than the query's, a value count other than the
//! key count, other batch dims or rank, a mask that does not broadcast (a dim neither equal
//! nor 1, or too many dims), a mask together with `is_causal` (PyTorch raises): each must be
//! the documented `Err` (`ShapeMismatch`, `InvalidArgument` for mask + causal), never a panic
//! and never a result.
//!
//! Checked like the other sequence ops: the output against `softmax(scale·q·kᵀ + M)·v`
//! evaluated in `f64` on arenagrad's own inputs ([`forward::compare`], within `1e-5` of a
//! magnitude that includes the scores' own rounding), and the op rebuilt on the scalar tape
//! (scores, the tape's softmax, weighted sums) so the gradients of `q`, `k` and `v` are compared
//! like every other op's.

use arenagrad::prelude::*;

use super::forward::{self, attn_case, compare, AttnCase, SEQ};
use super::mirror::{broadcast_index, RT};
use super::tape::{Id, Tape};
use super::{Origin, Ref, Val};
use crate::reader::Reader;

/// The attention kind's index in [`forward::KINDS`].
pub const KIND: usize = SEQ + 9;

/// Sizes of one call (as the reference sees it).
#[derive(Clone, Copy, Debug)]
struct Dims {
    pairs: usize,
    l: usize,
    s: usize,
    e: usize,
    ev: usize,
}

/// A dim of 1 to 6, now and then 0 (`zero`: how often, out of 32).
fn dim(r: &mut Reader, zero: u8) -> usize {
    let b = r.u8();
    if b % 32 < zero {
        0
    } else {
        1 + (b as usize / 32) % 6
    }
}

/// `x` reshaped to `shape` (same element count), on both sides.
fn reshaped<'g>(m: &mut Ref<'g>, x: Val<'g>, shape: &[usize]) -> Val<'g> {
    let v = x.v.try_reshape(shape).expect("the same number of elements");
    let rx = m.rts[x.r].clone();
    let rt = m.tape.select(&[&rx], rx.reshape(shape));
    m.val(v, rt, Origin::Other)
}

/// `[rows, last]` if `x` can serve as a `[1.., rows, last]` operand with both at most 6.
fn as_operand(x: Var<'_>) -> Option<(usize, usize)> {
    let s = x.shape();
    let last = *s.last()?;
    let rows: usize = s[..s.len() - 1].iter().product();
    ((1..=6).contains(&last) && (1..=6).contains(&rows)).then_some((rows, last))
}

/// The operand of shape `shape`: `from` reshaped if given, else a fresh leaf.
fn operand<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    from: Option<Val<'g>>,
    shape: &[usize],
) -> Val<'g> {
    match from {
        Some(x) => reshaped(m, x, shape),
        None => m.leaf(g.leaf(r.tensor(shape))),
    }
}

/// The mask's shape for the target `[*batch, l, s]`: one of the usual forms, any broadcasting
/// one, or (`bad`) one that does not broadcast.
fn mask_shape(r: &mut Reader, batch: &[usize], l: usize, s: usize, bad: bool) -> Vec<usize> {
    let mut target = batch.to_vec();
    target.extend([l, s]);
    if bad {
        let mut shape = target.clone();
        match r.u8() % 3 {
            // one more dim than the target
            0 => shape.insert(0, 2),
            // a dim neither equal to the target's nor 1
            _ => {
                let k = r.u8() as usize % shape.len();
                shape[k] = if shape[k] == 1 { 2 } else { shape[k] + 1 };
            }
        }
        return shape;
    }
    match r.u8() % 7 {
        0 => vec![l, s],
        1 => vec![s],
        2 => vec![1, s],
        3 => vec![l, 1],
        4 => {
            // [B, 1, L, S] (rank 3: [B, L, S])
            let mut shape = target.clone();
            if batch.len() == 2 {
                shape[1] = 1;
            }
            shape
        }
        _ => {
            // any broadcasting form: leading dims dropped, others set to 1
            let drop = r.u8() as usize % (target.len() + 1);
            let ones = r.u8();
            target[drop..]
                .iter()
                .enumerate()
                .map(|(i, &d)| if ones >> i & 1 == 1 { 1 } else { d })
                .collect()
        }
    }
}

/// Whether `mask` (a shape) broadcasts to `target` without growing it (PyTorch adds it into
/// the `[.., L, S]` scores in place).
fn broadcasts(mask: &[usize], target: &[usize]) -> bool {
    mask.len() <= target.len()
        && (mask.iter().rev().zip(target.iter().rev())).all(|(&m, &t)| m == t || m == 1)
}

/// Inputs beyond this magnitude (or not finite) leave their rows uncompared: their products
/// overflow `f32`, or `0 · ∞` turns a masked key's zero weight into NaN.
const HUGE: f32 = 1e15;

/// `(value, magnitude)` of every output element: `softmax(scale·q·kᵀ + M)·v` per pair in
/// `f64`, 0 for a query that may attend to no key. The magnitude is `Σ_j p_j·(|v_j| + A·|v_j −
/// o|)`, where `A` bounds the rounding of a score and of its `exp` (the scores' no-cancellation
/// size, and how far each sits below the row's maximum), so an `f32` evaluation lands within
/// `FWD_RTOL` of it; NaN (not compared) where an input of the pair is huge (see [`HUGE`]).
/// Also, per element, whether the output must be NaN (a NaN or `+∞` score the row attends to).
fn reference(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    scale: f64,
    allowed: &dyn Fn(usize, usize, usize) -> bool,
) -> (Vec<(f64, f64)>, Vec<bool>) {
    let Dims { pairs, l, s, e, ev } = d;
    let (mut want, mut nan) = (Vec::with_capacity(pairs * l * ev), vec![]);
    for p in 0..pairs {
        for i in 0..l {
            let js: Vec<usize> = (0..s).filter(|&j| allowed(p, i, j)).collect();
            if js.is_empty() {
                want.extend((0..ev).map(|_| (0.0, 0.0)));
                nan.extend((0..ev).map(|_| false));
                continue;
            }
            // an input beyond `HUGE` (or not finite) anywhere in the row's pair, masked keys
            // included: whether it reaches the output depends on the kernel (arenagrad
            // overwrites masked scores with −∞ and skips causal tiles, PyTorch adds −∞ to them;
            // both multiply the masked keys' zero weights into `v`), so nothing is compared
            let huge = |xs: &[f32]| xs.iter().any(|x| !x.is_finite() || x.abs() > HUGE);
            let row_bad = huge(&q[(p * l + i) * e..][..e]) || huge(&k[p * s * e..][..s * e]);
            let (mut sc, mut size) = (vec![], vec![]);
            for &j in &js {
                let (qi, kj) = (&q[(p * l + i) * e..][..e], &k[(p * s + j) * e..][..e]);
                let dot = (qi.iter().zip(kj)).map(|(&a, &b)| a as f64 * b as f64);
                let abs = (qi.iter().zip(kj)).map(|(&a, &b)| (a as f64 * b as f64).abs());
                sc.push(scale * dot.sum::<f64>());
                size.push(scale.abs() * abs.sum::<f64>());
            }
            // a NaN score among the allowed ones, or one beyond f32's range (a term is +∞ in
            // f32 then, and the score +∞ or NaN): softmax is NaN in the definition and in
            // PyTorch's kernel (`exp(∞ − ∞)`), so the row's output must be NaN
            let row_nan = sc.iter().any(|&x| x.is_nan() || x > 1e40);
            nan.extend((0..ev).map(|_| row_nan));
            let mx = sc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let ex: Vec<f64> = sc.iter().map(|&x| (x - mx).exp()).collect();
            let sum: f64 = ex.iter().sum();
            let a = (sc.iter().zip(&size))
                .map(|(&x, &z)| z + (x - mx).abs())
                .fold(0.0, f64::max)
                + 1.0;
            for c in 0..ev {
                let vj = |j: usize| v[(p * s + j) * ev + c] as f64;
                let o: f64 = (js.iter().zip(&ex)).map(|(&j, &x)| x / sum * vj(j)).sum();
                let mag: f64 = (js.iter().zip(&ex))
                    .map(|(&j, &x)| x / sum * (vj(j).abs() + a * (vj(j) - o).abs()))
                    .sum();
                let bad =
                    row_bad || (0..s).any(|j| !vj(j).is_finite() || vj(j).abs() > HUGE as f64);
                want.push((o, if bad { f64::NAN } else { mag }));
            }
        }
    }
    (want, nan)
}

impl Tape {
    /// Attention rebuilt on scalar nodes: each allowed score `scale·Σ q·k` a node, the tape's
    /// softmax over a query's allowed scores, each output `Σ p·v` a node. A query that may
    /// attend to nothing gives constant zeros. Every output of a pair also has a derivative-0
    /// edge to a node reading all of the pair's inputs: an input that is not finite (or huge)
    /// makes the whole pair rough, and input elements no output reads (masked keys, fully
    /// masked queries) are still reached, as arenagrad's backward reaches them.
    fn attention(
        &mut self,
        (q, k, v): (&RT, &RT, &RT),
        d: Dims,
        scale: f64,
        allowed: &dyn Fn(usize, usize, usize) -> bool,
        out: &[usize],
    ) -> RT {
        let Dims { pairs, l, s, e, ev } = d;
        let mut ids = Vec::with_capacity(pairs * l * ev);
        for p in 0..pairs {
            let inputs: Vec<(Id, f64)> = (q.ids[p * l * e..][..l * e].iter())
                .chain(&k.ids[p * s * e..][..s * e])
                .chain(&v.ids[p * s * ev..][..s * ev])
                .map(|&i| (i, 0.0))
                .collect();
            let guard = self.node(0.0, &inputs, false);
            for i in 0..l {
                let js: Vec<usize> = (0..s).filter(|&j| allowed(p, i, j)).collect();
                if js.is_empty() {
                    ids.extend((0..ev).map(|_| self.node(0.0, &[(guard, 0.0)], false)));
                    continue;
                }
                let scores: Vec<Id> = (js.iter())
                    .map(|&j| {
                        let (mut val, mut parents) = (0.0, vec![]);
                        for c in 0..e {
                            let (a, b) = (q.ids[(p * l + i) * e + c], k.ids[(p * s + j) * e + c]);
                            let (av, bv) = (self.value(a), self.value(b));
                            val += av * bv;
                            parents.extend([(a, scale * bv), (b, scale * av)]);
                        }
                        self.node(scale * val, &parents, false)
                    })
                    .collect();
                let row = RT {
                    shape: vec![js.len()],
                    ids: scores,
                    hidden: None,
                };
                let probs = self.softmax(&row, 0, false).ids;
                for c in 0..ev {
                    let (mut val, mut parents) = (0.0, vec![(guard, 0.0)]);
                    for (&j, &pj) in js.iter().zip(&probs) {
                        let vj = v.ids[(p * s + j) * ev + c];
                        let (pv, vv) = (self.value(pj), self.value(vj));
                        val += pv * vv;
                        parents.extend([(pj, vv), (vj, pv)]);
                    }
                    ids.push(self.node(val, &parents, false));
                }
            }
        }
        RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        }
    }
}

/// How a call is made invalid, if it is.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Bad {
    None,
    /// k's width other than q's
    KeyWidth,
    /// v's key count other than k's
    ValueCount,
    /// k's or v's batch dims other than q's
    Batch,
    /// k or v of another rank
    Rank,
    /// a mask that does not broadcast
    Mask,
    /// a mask and `is_causal`
    MaskAndCausal,
}

/// The attention instruction on the program's values `x` (perhaps `q`) and `y` (perhaps `v`).
pub fn attention<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    x: Val<'g>,
    y: Val<'g>,
) -> Option<Val<'g>> {
    let name = forward::KINDS[KIND];
    let bad = match r.u8() % 32 {
        0 => Bad::KeyWidth,
        1 => Bad::ValueCount,
        2 => Bad::Batch,
        3 => Bad::Rank,
        4 | 5 => Bad::Mask,
        6 => Bad::MaskAndCausal,
        _ => Bad::None,
    };
    let rank = 3 + (r.u8() % 2) as usize;
    // q from x, v from y: with batch dims of 1, their rows and widths from their own shapes
    let (from_x, from_y) = (r.u8().is_multiple_of(3), r.u8().is_multiple_of(3));
    let qx = as_operand(x.v).filter(|_| from_x);
    let vy = as_operand(y.v).filter(|_| from_y);
    let batch: Vec<usize> = if qx.is_some() || vy.is_some() {
        vec![1; rank - 2]
    } else {
        (0..rank - 2).map(|_| 1 + r.u8() as usize % 3).collect()
    };
    let (l, e) = qx.unwrap_or_else(|| (dim(r, 1), dim(r, 0)));
    // self-attention: k is q itself (so S = L, unless v's rows come from y and differ)
    let self_attn = r.u8().is_multiple_of(4);
    let (s, ev) = vy.unwrap_or_else(|| {
        let (s, ev) = (dim(r, 1), dim(r, 0));
        (if self_attn { l } else { s }, ev)
    });
    let k_is_q = self_attn && l == s && bad != Bad::KeyWidth && bad != Bad::Batch;
    let shape = |b: &[usize], rows: usize, w: usize| {
        let mut v = b.to_vec();
        v.extend([rows, w]);
        v
    };
    // the invalid variants of k's and v's shapes
    let mut other_batch = batch.clone();
    let kb = r.u8() as usize % other_batch.len();
    other_batch[kb] += 1;
    let on_k = r.u8() & 1 == 1;
    let (mut ks, mut vs) = (shape(&batch, s, e), shape(&batch, s, ev));
    match bad {
        Bad::KeyWidth => ks[rank - 1] += 1,
        Bad::ValueCount => vs[rank - 2] += 1 + r.u8() as usize % 2,
        Bad::Batch if on_k => ks = shape(&other_batch, s, e),
        Bad::Batch => vs = shape(&other_batch, s, ev),
        Bad::Rank => {
            let t = if on_k { &mut ks } else { &mut vs };
            if rank == 4 {
                t.remove(0);
            } else {
                t.insert(0, 1);
            }
        }
        _ => {}
    }
    let qs = shape(&batch, l, e);
    let q = operand(g, r, m, qx.map(|_| x), &qs);
    let k = if k_is_q && ks == qs {
        q
    } else {
        operand(g, r, m, None, &ks)
    };
    let v = operand(
        g,
        r,
        m,
        vy.map(|_| y).filter(|_| vs == shape(&batch, s, ev)),
        &vs,
    );
    // the mask, or is_causal, or neither
    let (with_mask, causal) = match bad {
        Bad::Mask => (true, false),
        Bad::MaskAndCausal => (true, true),
        _ => match r.u8() % 4 {
            0 => (false, false),
            1 => (false, true),
            _ => (true, false),
        },
    };
    let mask = with_mask.then(|| {
        let shape = mask_shape(r, &batch, l, s, bad == Bad::Mask);
        // keys allowed with probability 1/4 to 7/8: sparse masks leave rows with none
        let density = [2u8, 4, 6, 7][r.u8() as usize % 4];
        let n: usize = shape.iter().product();
        let bits = (0..n).map(|_| r.u8() % 8 < density).collect();
        Mask::new(bits, &shape).expect("bits of the shape's size")
    });
    let scale = match r.u8() % 8 {
        0 => Some(0.5),
        1 => Some(2.0),
        2 => Some(-0.75),
        3 => Some(0.0),
        _ => None,
    };
    if crate::reader::tracing() {
        let data = |x: Val<'g>| (x.v.shape().to_vec(), x.v.data().to_vec());
        let mk = mask
            .as_ref()
            .map(|mk| (mk.shape().to_vec(), mk.data().to_vec()));
        eprintln!(
            "attention: q {:?}, k {:?}, v {:?}, mask {mk:?}, causal {causal}, scale {scale:?}",
            data(q),
            data(k),
            data(v)
        );
    }
    let res =
        q.v.try_scaled_dot_product_attention(k.v, v.v, mask.as_ref(), causal, scale);
    // PyTorch's rules: equal ranks, batch dims and key counts, q's and k's widths equal; the
    // mask broadcasts to [B.., L, S]; not both a mask and is_causal
    let (qs, ks, vs) = (q.v.shape(), k.v.shape(), v.v.shape());
    let shapes_ok = ks.len() == rank
        && vs.len() == rank
        && ks[..rank - 2] == qs[..rank - 2]
        && vs[..rank - 2] == qs[..rank - 2]
        && ks[rank - 1] == e
        && vs[rank - 2] == ks[rank - 2];
    let mut target = batch.clone();
    target.extend([l, s]);
    let mask_ok = mask
        .as_ref()
        .is_none_or(|mk| broadcasts(mk.shape(), &target));
    let describe = || {
        format!(
            "{name} of q {qs:?}, k {ks:?}, v {vs:?}, mask {:?}, causal {causal}, scale {scale:?}",
            mask.as_ref().map(|mk| mk.shape().to_vec())
        )
    };
    let out = match res {
        Ok(out) if shapes_ok && mask_ok && !(with_mask && causal) => out,
        Err(Error::ShapeMismatch { op, .. })
            if (!shapes_ok && op == name)
                || (shapes_ok
                    && !mask_ok
                    && !causal
                    && op == "scaled_dot_product_attention mask") =>
        {
            attn_case(AttnCase::Rejected);
            forward::rejected();
            return None;
        }
        Err(Error::InvalidArgument { op, .. })
            if shapes_ok && with_mask && causal && op == name =>
        {
            attn_case(AttnCase::Rejected);
            forward::rejected();
            return None;
        }
        res => panic!(
            "{}: arenagrad {:?}, reference: shapes ok {shapes_ok}, mask ok {mask_ok}",
            describe(),
            res.map(|o| o.shape().to_vec())
        ),
    };
    assert_eq!(
        out.shape(),
        &shape(&batch, l, ev)[..],
        "{}: result shape",
        describe()
    );
    let d = Dims {
        pairs: batch.iter().product(),
        l,
        s,
        e,
        ev,
    };
    let bits = mask.as_ref().map(|mk| {
        let at = broadcast_index(mk.shape(), &target);
        at.iter().map(|&i| mk.data()[i]).collect::<Vec<bool>>()
    });
    let allowed = |p: usize, i: usize, j: usize| match &bits {
        Some(b) => b[(p * l + i) * s + j],
        None => !causal || j <= i,
    };
    let scale64 = scale.map_or(1.0 / (e as f64).sqrt(), |c| c as f64);
    // what this call covered
    attn_case(if causal {
        AttnCase::Causal
    } else if with_mask {
        AttnCase::Mask
    } else {
        AttnCase::NoMask
    });
    let none_allowed =
        (0..d.pairs * l).any(|pi| (0..s).all(|j| !allowed(pi / l.max(1), pi % l, j)));
    if none_allowed {
        attn_case(AttnCase::FullyMaskedRow);
    }
    if scale.is_some() {
        attn_case(AttnCase::Scale);
    }
    if l != s && e != ev {
        attn_case(AttnCase::Rectangular);
    }
    if rank == 4 && d.pairs > 1 {
        attn_case(AttnCase::Rank4);
    }
    if k.r == q.r {
        attn_case(AttnCase::SelfAttention);
    }
    let (want, nan) = reference(q.v.data(), k.v.data(), v.v.data(), d, scale64, &allowed);
    compare(name, out.data(), &want);
    for (k, (&o, _)) in out
        .data()
        .iter()
        .zip(&nan)
        .enumerate()
        .filter(|(_, (_, &n))| n)
    {
        assert!(o.is_nan(), "{}: output {k} is {o:e}, not NaN", describe());
    }
    let (rq, rk, rv) = (m.rts[q.r].clone(), m.rts[k.r].clone(), m.rts[v.r].clone());
    let rt = m
        .tape
        .attention((&rq, &rk, &rv), d, scale64, &allowed, out.shape());
    Some(m.arith(out, &[q.r, k.r, v.r], rt))
}
