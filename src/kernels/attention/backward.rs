//! Attention backward, one pair at a time: each block of query rows recomputes its tiles of
//! `P` from the saved log-sum-exp, then `dV += Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ∘ (dP − D)`,
//! `dQ = c·dS·K` (finished per block) and `dK += dSᵀ·(c·Q)` (finished after the last block).

use super::layout::{GroupGrads, View};
use super::tile::{add_cols, rows_times, Rows, RowsMut, R};
use super::{groups_per_task, pack, pack_t, parallel, up16, Dims, Grads, Layout, Mask, KEYS};
use crate::kernels::elementwise::store;
use crate::kernels::par;
use crate::kernels::scratch::with_scratch;
use crate::kernels::simd::{dispatch_wide, exp, Lanes};
use crate::kernels::Acc;

/// Backward: stores the gradients of `q`, `k` and `v` into `dq`, `dk` and `dv`, each written or
/// added as its [`Acc`] says (`acc = [q, k, v]`; a written buffer may hold anything before).
/// `out` and `lse` are what [`forward`](super::forward) wrote for the same inputs, `dout` the
/// gradient of `out`.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    out: &[f32],
    lse: &[f32],
    dout: &[f32],
    d: Dims,
    mask: Mask<'_>,
    scale: f32,
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
    acc: [Acc; 3],
) {
    assert!(dq.len() == d.pairs * d.l * d.e && dk.len() == d.pairs * d.s * d.e);
    assert!(dv.len() == d.pairs * d.s * d.ev);
    let lay = Layout::contiguous(&d);
    let ins = Inputs {
        q,
        k,
        v,
        out,
        lse,
        dout,
    };
    backward_in(&ins, d, lay, mask, scale, Grads::Split([dq, dk, dv]), acc)
}

/// The inputs of [`backward_in`]: the forward's operands (in its [`Layout`]), its output and
/// log-sum-exp, and the output's gradient (laid out as the output).
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// Queries.
    pub q: &'a [f32],
    /// Keys.
    pub k: &'a [f32],
    /// Values.
    pub v: &'a [f32],
    /// What the forward wrote.
    pub out: &'a [f32],
    /// The forward's log-sum-exp per query row.
    pub lse: &'a [f32],
    /// The gradient of `out`.
    pub dout: &'a [f32],
}

/// [`backward`] with the operands in `lay` and the gradients stored as `grads` says.
pub fn backward_in(
    x: &Inputs<'_>,
    d: Dims,
    lay: Layout,
    mask: Mask<'_>,
    scale: f32,
    grads: Grads<'_>,
    acc: [Acc; 3],
) {
    let Dims { l, s, e, ev, .. } = d;
    lay.check(&d);
    for (i, data) in [x.q, x.k, x.v].into_iter().enumerate() {
        assert!(
            data.len() >= lay.extent(&d, i),
            "attention: operand {i} too short"
        );
    }
    assert!(x.dout.len() == d.pairs * l * ev && x.out.len() == x.dout.len());
    assert!(x.lse.len() == d.pairs * l);
    let heads = lay.heads;
    let groups = lay.groups(&d);
    let units = grads.check(&d, &lay);
    if l == 0 || s == 0 || e == 0 || ev == 0 {
        // every product is empty: the gradients are zero
        return zero_grads(grads, &d, &lay, acc);
    }
    let group = |g: usize, mut gg: GroupGrads<'_>| {
        for h in 0..heads {
            let p = g * heads + h;
            let ins = [0, 1, 2].map(|i| lay.view(&d, i, [x.q, x.k, x.v][i], g, h));
            // a group's output rows: `l` rows of `heads · ev`
            let (start, ors) = (g * l * heads * ev + h * ev, heads * ev);
            let pair = Pair {
                ins,
                out: &x.out[start..],
                dout: &x.dout[start..],
                ors,
                lse: &x.lse[p * l..][..l],
            };
            backward_pair(p, h, &pair, &d, &lay, mask, scale, &mut gg, acc);
        }
    };
    match grads {
        Grads::Split(bufs) => {
            let run = |g0: usize, [q, k, v]: [&mut [f32]; 3]| {
                (q.chunks_mut(units[0].max(1))
                    .zip(k.chunks_mut(units[1].max(1))))
                .zip(v.chunks_mut(units[2].max(1)))
                .enumerate()
                .for_each(|(i, ((q, k), v))| group(g0 + i, GroupGrads::Split([q, k, v])))
            };
            if parallel(&d, &lay) {
                par::for_units(bufs, units, groups, groups_per_task(&d, &lay), 2, &run);
            } else {
                run(0, bufs);
            }
        }
        Grads::Packed { data, bases } => {
            let unit = units[0];
            let run = |g0: usize, [b]: [&mut [f32]; 1]| {
                b.chunks_mut(unit.max(1))
                    .enumerate()
                    .for_each(|(i, c)| group(g0 + i, GroupGrads::Packed(c, bases)))
            };
            if parallel(&d, &lay) {
                par::for_units([data], [unit], groups, groups_per_task(&d, &lay), 2, &run);
            } else {
                run(0, [data]);
            }
        }
    }
}

/// Writes zeros where `acc` says `Write` (the gradients of a call whose products are empty).
fn zero_grads(grads: Grads<'_>, d: &Dims, lay: &Layout, acc: [Acc; 3]) {
    match grads {
        Grads::Split(bufs) => {
            for (b, a) in bufs.into_iter().zip(acc) {
                if a == Acc::Write {
                    b.fill(0.0);
                }
            }
        }
        Grads::Packed { data, bases } => {
            let rs = lay.rows[0];
            for (x, a) in acc.into_iter().enumerate() {
                let (n, w) = Layout::shape(d, x);
                if a == Acc::Write && w > 0 {
                    for r in 0..lay.groups(d) * n {
                        data[bases[x] + r * rs..][..lay.heads * w].fill(0.0);
                    }
                }
            }
        }
    }
}

/// One pair's inputs.
struct Pair<'a> {
    ins: [View<'a>; 3],
    /// The pair's output rows (row `i` at `i·ors`), and the output gradient's.
    out: &'a [f32],
    dout: &'a [f32],
    ors: usize,
    lse: &'a [f32],
}

#[allow(clippy::too_many_arguments)]
fn backward_pair(
    p: usize,
    h: usize,
    x: &Pair<'_>,
    d: &Dims,
    lay: &Layout,
    mask: Mask<'_>,
    scale: f32,
    grads: &mut GroupGrads<'_>,
    [acc_q, acc_k, acc_v]: [Acc; 3],
) {
    let [xq, xk, xv] = x.ins;
    let Dims { l, s, e, ev, .. } = *d;
    let (sw, ew, evw) = (up16(s), up16(e), up16(ev));
    let sizes = [
        e * sw,       // Kᵀ
        ev * sw,      // Vᵀ
        s * ew,       // K
        s * ew,       // dK
        s * evw,      // dV
        R * ew,       // c·Q of the block
        R * evw,      // dO of the block
        R * ew,       // the block's dQ / c
        2 * R * KEYS, // a tile of P (then dS) and of dP
    ];
    with_scratch(sizes.iter().sum(), |buf| {
        // the pair in the widest lanes (exp rows; the tiles are 16 wide in every form)
        dispatch_wide!(|V| {
            let mut parts: [&mut [f32]; 9] = Default::default();
            let mut rest = buf;
            for (part, &n) in parts.iter_mut().zip(&sizes) {
                let (h, t) = rest.split_at_mut(n);
                *part = h;
                rest = t;
            }
            let [kt, vt, kp, dkp, dvp, qs, dop, dqa, tiles] = parts;
            let (pt, dpt) = tiles.split_at_mut(R * KEYS);
            pack_t(xk, s, kt, sw);
            pack_t(xv, s, vt, sw);
            pack(xk, s, kp, ew);
            dkp.fill(0.0);
            dvp.fill(0.0);
            for i0 in (0..l).step_by(R) {
                let rows = R.min(l - i0);
                let mut dd = [0.0f32; R]; // D = rowsum(dO ∘ O)
                for r in 0..rows {
                    let i = i0 + r;
                    let (qrow, orow) = (xq.row(i), &x.out[i * x.ors..][..ev]);
                    let dorow = &x.dout[i * x.ors..][..ev];
                    let qd = &mut qs[r * ew..(r + 1) * ew];
                    for (y, &v) in qd.iter_mut().zip(qrow) {
                        *y = v * scale;
                    }
                    qd[e..].fill(0.0);
                    dop[r * evw..r * evw + ev].copy_from_slice(dorow);
                    dop[r * evw + ev..(r + 1) * evw].fill(0.0);
                    dd[r] = dorow.iter().zip(orow).map(|(a, b)| a * b).sum();
                }
                dqa.fill(0.0);
                let end = mask.key_end(i0 + rows, s);
                for j0 in (0..end).step_by(KEYS) {
                    let w = KEYS.min(end - j0);
                    let w8 = up16(w);
                    rows_times::<<V as Lanes>::Wide>(
                        Rows {
                            data: qs,
                            stride: ew,
                        },
                        rows,
                        e,
                        Rows {
                            data: &kt[j0..],
                            stride: sw,
                        },
                        w8,
                        RowsMut {
                            data: pt,
                            stride: KEYS,
                        },
                        Acc::Write,
                    );
                    rows_times::<<V as Lanes>::Wide>(
                        Rows {
                            data: dop,
                            stride: evw,
                        },
                        rows,
                        ev,
                        Rows {
                            data: &vt[j0..],
                            stride: sw,
                        },
                        w8,
                        RowsMut {
                            data: dpt,
                            stride: KEYS,
                        },
                        Acc::Write,
                    );
                    for r in 0..rows {
                        let row = &mut pt[r * KEYS..r * KEYS + w8];
                        mask.apply(p, i0 + r, j0, s, row);
                        let (lse, dr) = (V::splat(x.lse[i0 + r]), V::splat(dd[r]));
                        let dprow = &mut dpt[r * KEYS..r * KEYS + w8];
                        for (c, dc) in row.chunks_exact_mut(V::N).zip(dprow.chunks_exact_mut(V::N))
                        {
                            let pv = exp(V::load(c) - lse);
                            pv.store(c);
                            (pv * (V::load(dc) - dr)).store(dc); // dS
                        }
                    }
                    add_cols::<<V as Lanes>::Wide>(
                        Rows {
                            data: pt,
                            stride: KEYS,
                        },
                        rows,
                        w,
                        Rows {
                            data: dop,
                            stride: evw,
                        },
                        evw,
                        RowsMut {
                            data: &mut dvp[j0 * evw..],
                            stride: evw,
                        },
                    );
                    rows_times::<<V as Lanes>::Wide>(
                        Rows {
                            data: dpt,
                            stride: KEYS,
                        },
                        rows,
                        w,
                        Rows {
                            data: &kp[j0 * ew..],
                            stride: ew,
                        },
                        ew,
                        RowsMut {
                            data: dqa,
                            stride: ew,
                        },
                        Acc::Add,
                    );
                    add_cols::<<V as Lanes>::Wide>(
                        Rows {
                            data: dpt,
                            stride: KEYS,
                        },
                        rows,
                        w,
                        Rows {
                            data: qs,
                            stride: ew,
                        },
                        ew,
                        RowsMut {
                            data: &mut dkp[j0 * ew..],
                            stride: ew,
                        },
                    );
                }
                for r in 0..rows {
                    let dq = &mut dqa[r * ew..][..e];
                    dq.iter_mut().for_each(|a| *a *= scale);
                    store(grads.row(0, h, i0 + r, e, lay.rows[0]), dq, acc_q);
                }
            }
            for j in 0..s {
                store(
                    grads.row(1, h, j, e, lay.rows[1]),
                    &dkp[j * ew..][..e],
                    acc_k,
                );
                store(
                    grads.row(2, h, j, ev, lay.rows[2]),
                    &dvp[j * evw..][..ev],
                    acc_v,
                );
            }
        })
    })
}
