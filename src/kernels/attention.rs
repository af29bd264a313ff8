//! Fused scaled dot-product attention, forward and backward, one (batch, head) pair at a time.
//!
//! For queries `Q [L, E]`, keys `K [S, E]`, values `V [S, Ev]` and scale `c`:
//! `P = softmax(c·Q·Kᵀ + M)` row-wise (`M` is 0 where a query may attend, −∞ where the causal
//! or boolean mask forbids it) and `O = P·V`. Backward, with `D = rowsum(dO ∘ O)`:
//! `dV = Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ∘ (dP − D)`, `dQ = c·dS·K`, `dK = c·dSᵀ·Q`.
//!
//! `P` ([L, S] per pair) is never stored. The forward pass walks blocks of 4 query
//! rows over tiles of [`KEYS`] keys with the online softmax: each row keeps its running
//! maximum `m` and sum `l`, and a new tile rescales what was accumulated by `e^(m_old − m)`.
//! It saves only the per-row log-sum-exp `m + ln l`, from which backward recomputes each
//! tile's `P` exactly. Everything per pair lives in a thread's scratch
//! buffer, `O((L + S)·E)`, so memory grows linearly with the sequence length.
//!
//! A causal mask skips the key tiles above the diagonal (about half the work for `L = S`).
//! A query row that may attend to nothing gets the output 0 and passes no gradient (what
//! PyTorch's CPU kernel returns for it), with `lse = +∞` marking it. A row with a NaN or +∞
//! score is not such a row: its output, log-sum-exp and gradients are NaN, as the formula's.
//!
//! Pairs run in parallel; each pair is computed by one thread in a fixed order, so the bits do
//! not depend on the number of threads. The scalar twin (`scalar.rs`) materialises `P` in f64.

#[cfg(test)]
mod scalar;
#[cfg(test)]
mod tests;
mod tile;

use super::layout::transpose_panel;
use super::par;
use super::scratch::with_scratch;
use super::simd::{dispatch_wide, exp, hsum, row_max_on, Lanes, Vector, LANES};
use super::Acc;
use tile::{rows_times, Rows, RowsMut, R};

#[cfg(test)]
pub(crate) use scalar::{backward_ref, forward_ref};

/// Keys per tile of the online softmax.
pub const KEYS: usize = 128;

/// Multiply-adds per thread task below which attention stays on the calling thread.
const GRAIN: usize = 1 << 16;

/// Sizes of one call: `pairs` (batch × heads) independent problems of `l` queries and `s`
/// keys, query/key width `e` and value width `ev`; every operand is row-major and contiguous
/// (`q [pairs, l, e]`, `k [pairs, s, e]`, `v [pairs, s, ev]`, `out [pairs, l, ev]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    /// Independent (batch, head) pairs.
    pub pairs: usize,
    /// Queries per pair.
    pub l: usize,
    /// Keys (and values) per pair.
    pub s: usize,
    /// Query and key width.
    pub e: usize,
    /// Value width.
    pub ev: usize,
}

/// Which scores take part in each query's softmax.
#[derive(Clone, Copy, Debug)]
pub enum Mask<'a> {
    /// Every key.
    None,
    /// Key `j` for query `i` when `j ≤ i` (PyTorch's `is_causal`: the top-left triangle).
    Causal,
    /// Key `j` for query `i` of pair `p` when `data[offsets[p] + i·row + j·col]` (strides 0
    /// along broadcast dimensions).
    Bool {
        /// The mask's elements.
        data: &'a [bool],
        /// Offset of each pair's `[l, s]` plane.
        offsets: &'a [usize],
        /// Stride between queries.
        row: usize,
        /// Stride between keys.
        col: usize,
    },
}

impl Mask<'_> {
    /// The first key no query of rows `i0..i1` may attend to and beyond which none may.
    fn key_end(&self, i1: usize, s: usize) -> usize {
        match self {
            Mask::Causal => i1.min(s),
            _ => s,
        }
    }

    /// Sets `row[j]` (key `j0 + j`) to −∞ where query `i` of pair `p` may not attend, and past
    /// the last key `s`.
    fn apply(&self, p: usize, i: usize, j0: usize, s: usize, row: &mut [f32]) {
        let end = match self {
            Mask::Causal => (i + 1).min(s),
            _ => s,
        };
        let keep = end.saturating_sub(j0).min(row.len());
        row[keep..].fill(f32::NEG_INFINITY);
        if let Mask::Bool {
            data,
            offsets,
            row: rs,
            col,
        } = *self
        {
            let base = offsets[p] + i * rs;
            for (j, x) in row.iter_mut().enumerate().take(end.saturating_sub(j0)) {
                if !data[base + (j0 + j) * col] {
                    *x = f32::NEG_INFINITY;
                }
            }
        }
    }
}

/// `n` rounded up to whole [`tile::W`]-lane vectors.
fn up16(n: usize) -> usize {
    n.next_multiple_of(tile::W)
}

/// Whether a call's groups run as parallel tasks: several groups, enough work, several
/// threads.
fn parallel(d: &Dims, lay: &Layout) -> bool {
    let work = d.l * d.s * (d.e + d.ev);
    lay.groups(d) > 1 && work * d.pairs >= 2 * GRAIN && par::count::threads() > 1
}

/// Groups per rayon task: at least [`GRAIN`] multiply-adds each.
fn groups_per_task(d: &Dims, lay: &Layout) -> usize {
    GRAIN.div_ceil((d.l * d.s * (d.e + d.ev) * lay.heads).max(1))
}

/// Forward: writes `out [pairs, l, ev]` and the per-row log-sum-exp `lse [pairs, l]` (`+∞` for a
/// query that may attend to no key), for `q [pairs, l, e]`, `k [pairs, s, e]` and
/// `v [pairs, s, ev]`.
#[allow(clippy::too_many_arguments)]
pub fn forward(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    mask: Mask<'_>,
    scale: f32,
    out: &mut [f32],
    lse: &mut [f32],
) {
    assert!(q.len() == d.pairs * d.l * d.e && k.len() == d.pairs * d.s * d.e);
    assert!(v.len() == d.pairs * d.s * d.ev);
    let lay = Layout::contiguous(&d);
    forward_in(q, k, v, d, lay, mask, scale, out, lse)
}

/// [`forward`] with the operands in `lay` (see [`Layout`]): `out` is
/// `[groups, l, heads, ev]`, `lse` `[pairs, l]`.
#[allow(clippy::too_many_arguments)]
pub fn forward_in(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    lay: Layout,
    mask: Mask<'_>,
    scale: f32,
    out: &mut [f32],
    lse: &mut [f32],
) {
    let Dims { l, ev, .. } = d;
    lay.check(&d);
    for (x, data) in [q, k, v].into_iter().enumerate() {
        assert!(
            data.len() >= lay.extent(&d, x),
            "attention: operand {x} too short"
        );
    }
    assert!(out.len() == d.pairs * l * ev && lse.len() == d.pairs * l);
    if l * ev == 0 {
        return;
    }
    let heads = lay.heads;
    let group = |g: usize, out: &mut [f32], lse: &mut [f32]| {
        for h in 0..heads {
            let ins = [0, 1, 2].map(|x| lay.view(&d, x, [q, k, v][x], g, h));
            let o = RowsOut {
                data: &mut out[h * ev..],
                rs: heads * ev,
            };
            forward_pair(
                g * heads + h,
                ins,
                &d,
                mask,
                scale,
                o,
                &mut lse[h * l..][..l],
            )
        }
    };
    let units = [heads * l * ev, heads * l];
    let groups = lay.groups(&d);
    if parallel(&d, &lay) {
        par::for_units(
            [out, lse],
            units,
            groups,
            groups_per_task(&d, &lay),
            2,
            &|g0, [o, s]| {
                (o.chunks_mut(units[0]).zip(s.chunks_mut(units[1])))
                    .enumerate()
                    .for_each(|(k, (o, s))| group(g0 + k, o, s))
            },
        );
    } else {
        (out.chunks_mut(units[0]).zip(lse.chunks_mut(units[1])))
            .enumerate()
            .for_each(|(g, (o, s))| group(g, o, s));
    }
}

/// A pair's output rows: row `i` is `data[i·rs..][..ev]`.
struct RowsOut<'a> {
    data: &'a mut [f32],
    rs: usize,
}

fn forward_pair(
    p: usize,
    [q, k, v]: [View<'_>; 3],
    d: &Dims,
    mask: Mask<'_>,
    scale: f32,
    out: RowsOut<'_>,
    lse: &mut [f32],
) {
    let Dims { l, s, e, ev, .. } = *d;
    let (sw, evw) = (up16(s), up16(ev));
    let sizes = [e * sw, s * evw, R * e, R * KEYS, R * evw];
    with_scratch(sizes.iter().sum(), |buf| {
        // the pair in the widest lanes (exp rows; the tiles are 16 wide in every form)
        dispatch_wide!(|V| {
            let (kt, rest) = buf.split_at_mut(sizes[0]);
            let (vp, rest) = rest.split_at_mut(sizes[1]);
            let (qs, rest) = rest.split_at_mut(sizes[2]);
            let (sc, acc) = rest.split_at_mut(sizes[3]);
            pack_t(k, s, kt, sw);
            pack(v, s, vp, evw);
            for i0 in (0..l).step_by(R) {
                let rows = R.min(l - i0);
                for r in 0..rows {
                    for (x, &y) in qs[r * e..(r + 1) * e].iter_mut().zip(q.row(i0 + r)) {
                        *x = y * scale;
                    }
                }
                acc.fill(0.0);
                let (mut m, mut sum) = ([f32::NEG_INFINITY; R], [0.0f32; R]);
                let end = mask.key_end(i0 + rows, s);
                for j0 in (0..end).step_by(KEYS) {
                    let w = KEYS.min(end - j0);
                    let w8 = up16(w);
                    rows_times::<<V as Lanes>::Wide>(
                        Rows {
                            data: qs,
                            stride: e,
                        },
                        rows,
                        e,
                        Rows {
                            data: &kt[j0..],
                            stride: sw,
                        },
                        w8,
                        RowsMut {
                            data: sc,
                            stride: KEYS,
                        },
                        Acc::Write,
                    );
                    // each row's new maximum; rows with no allowed key yet are zeros
                    let mut live = [false; R];
                    let mut m_new = [0.0f32; R];
                    for r in 0..rows {
                        let row = &mut sc[r * KEYS..r * KEYS + w8];
                        mask.apply(p, i0 + r, j0, s, row);
                        // the row max in the pair's lanes
                        m_new[r] = m[r].max(row_max_on::<V>(row));
                        if m_new[r] == f32::NEG_INFINITY {
                            // no allowed key so far, unless the scores are NaN (`max` skips NaN):
                            // then the row's sum must become NaN, not a masked row's 0
                            if !row.iter().any(|x| x.is_nan()) {
                                row.fill(0.0);
                                continue;
                            }
                            m_new[r] = f32::NAN;
                        }
                        live[r] = true;
                    }
                    let t = exp_rows::<V>(sc, KEYS, w8, &live, &m_new);
                    for r in (0..rows).filter(|&r| live[r]) {
                        // e^(−∞ − m) = 0 for a row's first allowed keys: no exp call
                        let alpha = if m[r] == f32::NEG_INFINITY && !m_new[r].is_nan() {
                            0.0
                        } else {
                            exp(m[r] - m_new[r])
                        };
                        sum[r] = sum[r] * alpha + hsum(t[r][0] + t[r][1]);
                        if alpha != 1.0 {
                            for a in &mut acc[r * evw..(r + 1) * evw] {
                                *a *= alpha;
                            }
                        }
                        m[r] = m_new[r];
                    }
                    rows_times::<<V as Lanes>::Wide>(
                        Rows {
                            data: sc,
                            stride: KEYS,
                        },
                        rows,
                        w,
                        Rows {
                            data: &vp[j0 * evw..],
                            stride: evw,
                        },
                        evw,
                        RowsMut {
                            data: acc,
                            stride: evw,
                        },
                        Acc::Add,
                    );
                }
                for r in 0..rows {
                    let o = &mut out.data[(i0 + r) * out.rs..][..ev];
                    // a NaN sum (a NaN or +∞ score) gives NaN, as the formula does; only a row
                    // that met no allowed key has the sum 0
                    if sum[r] > 0.0 || sum[r].is_nan() {
                        let inv = 1.0 / sum[r];
                        for (o, a) in o.iter_mut().zip(&acc[r * evw..]) {
                            *o = a * inv;
                        }
                        lse[i0 + r] = m[r] + sum[r].ln();
                    } else {
                        o.fill(0.0);
                        lse[i0 + r] = f32::INFINITY;
                    }
                }
            }
        })
    })
}

/// `row[j] = e^(row[j] − m)` over a row of whole 16-lane vectors; returns the sums of the even
/// and of the odd 8-lane vectors, which a 16-lane accumulator holds as its halves: the same
/// bits in either width.
#[cfg(test)]
fn exp_row<V: Lanes>(row: &mut [f32], m: f32) -> [V::L8; 2] {
    exp_rows::<V>(row, row.len(), row.len(), &[true], &[m])[0]
}

/// [`exp_row`] on the live rows `r` (`live[r]`) of a block, row `r` at `tile[r·stride..]` of
/// width `w` (whole 16-lane vectors), with its own maximum `m[r]`. The rows go through the
/// vectors side by side, so their exps (a long dependency chain each) overlap; each row sums
/// its vectors in order, as one row alone does.
#[inline(always)]
fn exp_rows<V: Lanes>(
    tile: &mut [f32],
    stride: usize,
    w: usize,
    live: &[bool],
    m: &[f32],
) -> [[V::L8; 2]; R] {
    let mut t = [[V::L8::splat(0.0); 2]; R];
    let n = live.len();
    if V::N == 2 * LANES {
        let mut sums = [V::splat(0.0); R];
        for c in (0..w).step_by(V::N) {
            for r in (0..n).filter(|&r| live[r]) {
                let at = &mut tile[r * stride + c..][..V::N];
                let x = exp(V::load(at) - V::splat(m[r]));
                sums[r] += x;
                x.store(at);
            }
        }
        for r in 0..n {
            let (lo, hi) = sums[r].halves();
            t[r] = [lo, hi];
        }
    } else {
        for c in (0..w).step_by(2 * LANES) {
            for r in (0..n).filter(|&r| live[r]) {
                for h in 0..2 {
                    let at = &mut tile[r * stride + c + h * LANES..][..LANES];
                    let x = exp(V::L8::load(at) - V::L8::splat(m[r]));
                    t[r][h] += x;
                    x.store(at);
                }
            }
        }
    }
    t
}

/// `dst[c·ld + j] = x[j][c]`: the transpose of `n` rows of `x` into rows of length `ld`
/// (zeros past `n`), by the GEMM packing's 8×8 register blocks.
fn pack_t(x: View<'_>, n: usize, dst: &mut [f32], ld: usize) {
    let w = x.w;
    if n > 0 {
        transpose_panel(dst, x.data, 0, x.rs, n, w, ld);
    }
    for c in 0..w {
        dst[c * ld + n..(c + 1) * ld].fill(0.0);
    }
}

/// `n` rows of `x` into rows of length `ld ≥ w` (zeros after each row's values).
fn pack(x: View<'_>, n: usize, dst: &mut [f32], ld: usize) {
    let w = x.w;
    for j in 0..n {
        let row = &mut dst[j * ld..(j + 1) * ld];
        row[..w].copy_from_slice(x.row(j));
        row[w..].fill(0.0);
    }
}

mod backward;
mod layout;

pub use backward::{backward, backward_in, Inputs};
use layout::View;
pub use layout::{Grads, Layout};
