//! Attention backward, one pair at a time: each block of query rows recomputes its tiles of
//! `P` from the saved log-sum-exp, then `dV += Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ∘ (dP − D)`,
//! `dQ = c·dS·K` (finished per block) and `dK += dSᵀ·(c·Q)` (finished after the last block).

use super::tile::{add_cols, rows_times, Rows, RowsMut, R};
use super::{pack, pack_t, pairs_per_task, parallel, up16, Dims, Mask, KEYS};
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
    let Dims { l, s, e, ev, .. } = d;
    assert!(dq.len() == d.pairs * l * e && dk.len() == d.pairs * s * e);
    assert!(dv.len() == d.pairs * s * ev && dout.len() == d.pairs * l * ev);
    assert!(out.len() == dout.len() && lse.len() == d.pairs * l);
    if l == 0 || s == 0 || e == 0 || ev == 0 {
        // every product is empty: the gradients are zero
        for (g, a) in [dq, dk, dv].into_iter().zip(acc) {
            if a == Acc::Write {
                g.fill(0.0);
            }
        }
        return;
    }
    type Grads<'a> = ((&'a mut [f32], &'a mut [f32]), &'a mut [f32]);
    let pair = |(p, ((dq, dk), dv)): (usize, Grads<'_>)| {
        let ins = Pair {
            q: &q[p * l * e..][..l * e],
            k: &k[p * s * e..][..s * e],
            v: &v[p * s * ev..][..s * ev],
            out: &out[p * l * ev..][..l * ev],
            dout: &dout[p * l * ev..][..l * ev],
            lse: &lse[p * l..][..l],
        };
        backward_pair(p, &ins, &d, mask, scale, [dq, dk, dv], acc)
    };
    if parallel(&d) {
        let units = [l * e, s * e, s * ev];
        par::for_units(
            [dq, dk, dv],
            units,
            d.pairs,
            pairs_per_task(&d),
            2,
            &|p0, [q, k, v]| {
                (q.chunks_mut(l * e).zip(k.chunks_mut(s * e)))
                    .zip(v.chunks_mut(s * ev))
                    .enumerate()
                    .for_each(|(i, b)| pair((p0 + i, b)))
            },
        );
    } else {
        (dq.chunks_mut(l * e).zip(dk.chunks_mut(s * e)))
            .zip(dv.chunks_mut(s * ev))
            .enumerate()
            .for_each(pair);
    }
}

/// One pair's inputs.
struct Pair<'a> {
    q: &'a [f32],
    k: &'a [f32],
    v: &'a [f32],
    out: &'a [f32],
    dout: &'a [f32],
    lse: &'a [f32],
}

#[allow(clippy::too_many_arguments)]
fn backward_pair(
    p: usize,
    x: &Pair<'_>,
    d: &Dims,
    mask: Mask<'_>,
    scale: f32,
    [dq, dk, dv]: [&mut [f32]; 3],
    [acc_q, acc_k, acc_v]: [Acc; 3],
) {
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
            pack_t(x.k, s, e, kt, sw);
            pack_t(x.v, s, ev, vt, sw);
            pack(x.k, s, e, kp, ew);
            dkp.fill(0.0);
            dvp.fill(0.0);
            for i0 in (0..l).step_by(R) {
                let rows = R.min(l - i0);
                let mut dd = [0.0f32; R]; // D = rowsum(dO ∘ O)
                for r in 0..rows {
                    let i = i0 + r;
                    let (qrow, orow) = (&x.q[i * e..][..e], &x.out[i * ev..][..ev]);
                    let dorow = &x.dout[i * ev..][..ev];
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
                    let g = &mut dq[(i0 + r) * e..][..e];
                    for (g, a) in g.iter_mut().zip(&dqa[r * ew..]) {
                        acc_q.put(g, a * scale);
                    }
                }
            }
            for j in 0..s {
                for (g, &a) in dk[j * e..][..e].iter_mut().zip(&dkp[j * ew..]) {
                    acc_k.put(g, a);
                }
                for (g, &a) in dv[j * ev..][..ev].iter_mut().zip(&dvp[j * evw..]) {
                    acc_v.put(g, a);
                }
            }
        })
    })
}
