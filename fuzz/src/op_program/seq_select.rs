//! The selection ops of the sequence-model instruction: where and masked_fill with masks that
//! broadcast (or not), stack, and split (its pieces concatenated back in reverse order, so the
//! gradient of every piece flows into the input). Each result's elements are elements of the
//! inputs (or the fill value): its output is compared exactly, and on the tape it is a
//! rearrangement of node ids ([`Tape::select`]).

use arenagrad::prelude::*;

use super::forward::{self, compare_exact, SEQ};
use super::layout::axis as resolve;
use super::mirror::{broadcast_index, RT};
use super::{small, Origin, Ref, Val, MAX_PAIR};
use crate::reader::Reader;

/// NumPy broadcasting of two shapes, or `None`.
fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], k: usize| (k + s.len()).checked_sub(n).map_or(1, |i| s[i]);
    (0..n)
        .map(|k| match (at(a, k), at(b, k)) {
            (p, q) if p == q || q == 1 => Some(p),
            (1, q) => Some(q),
            _ => None,
        })
        .collect()
}

/// A mask shape for `x`: its own, one that broadcasts with it, or any shape.
fn mask_of(r: &mut Reader, x: &[usize]) -> Mask {
    let shape = match r.u8() % 4 {
        0 => x.to_vec(),
        1 | 2 => r.derived_shape(x),
        _ => r.shape(),
    };
    let n: usize = shape.iter().product();
    let bits = (0..n).map(|_| r.u8() & 1 == 1).collect();
    Mask::new(bits, &shape).expect("bits of the shape's size")
}

/// An `RT` whose ids are flat element indices (not tape nodes): run through the reference's
/// layout functions, it says where each output element comes from.
fn positions(shape: &[usize], from: usize) -> RT {
    let n: usize = shape.iter().product();
    RT {
        shape: shape.to_vec(),
        ids: (from..from + n).map(|i| i as u32).collect(),
        hidden: None,
    }
}

pub fn select<'g>(
    r: &mut Reader,
    m: &mut Ref<'g>,
    x: Val<'g>,
    y: Val<'g>,
    kind: usize,
) -> Option<Val<'g>> {
    let name = forward::KINDS[kind];
    let (xs, ys) = (x.v.shape().to_vec(), y.v.shape().to_vec());
    let (rx, ry) = (m.rts[x.r].clone(), m.rts[y.r].clone());
    // arenagrad's result, and the reference's as flat positions into x ++ y (++ the fill value)
    let (res, want): (Result<Var<'g>>, Option<RT>) = match kind - SEQ {
        5 | 6 => {
            let mask = mask_of(r, &xs);
            let (res, out) = if kind - SEQ == 5 {
                if !small(x.v, y.v) {
                    return None;
                }
                let out = broadcast(mask.shape(), &xs).and_then(|s| broadcast(&s, &ys));
                (Var::try_where_cond(&mask, x.v, y.v), out)
            } else {
                let out = broadcast(mask.shape(), &xs);
                (x.v.try_masked_fill(&mask, 0.5), out)
            };
            if out
                .as_ref()
                .is_some_and(|s| s.iter().product::<usize>() > MAX_PAIR)
            {
                return None;
            }
            let want = out.map(|out| {
                let (bm, bx) = (
                    broadcast_index(mask.shape(), &out),
                    broadcast_index(&xs, &out),
                );
                let by = if kind - SEQ == 5 {
                    broadcast_index(&ys, &out)
                } else {
                    vec![0; bx.len()] // masked_fill: y is not read
                };
                let n = x.v.numel() + y.v.numel();
                let ids = (0..bm.len())
                    .map(|i| match (mask.data()[bm[i]], kind - SEQ) {
                        (true, 5) => bx[i],
                        (true, _) => n, // the fill value
                        (false, 5) => x.v.numel() + by[i],
                        (false, _) => bx[i],
                    })
                    .map(|i| i as u32)
                    .collect();
                RT {
                    shape: out,
                    ids,
                    hidden: None,
                }
            });
            (res, want)
        }
        7 => {
            let ax = (r.u8() % 9) as isize - 4;
            let both = r.u8() & 1 == 1;
            let rank = xs.len();
            let ok = (!both || xs == ys) && resolve(ax, rank + 1, false).is_some();
            let want = ok.then(|| {
                let a = resolve(ax, rank + 1, false).expect("checked");
                let mut s = xs.clone();
                s.insert(a, 1);
                let p = positions(&xs, 0);
                let q = if both {
                    positions(&ys, x.v.numel())
                } else {
                    p.clone()
                };
                RT::concat(&[&p.reshape(&s), &q.reshape(&s), &p.reshape(&s)], a)
            });
            let third = if both { y.v } else { x.v };
            (Var::try_stack(&[x.v, third, x.v], ax), want)
        }
        _ => {
            let ax = (r.u8() % 9) as isize - 4;
            let mut sizes: Vec<usize> =
                (0..1 + r.u8() % 3).map(|_| (r.u8() % 3) as usize).collect();
            let a = resolve(ax, xs.len(), false);
            if let (Some(a), true) = (a, !r.u8().is_multiple_of(4)) {
                // mostly make them sum to the dim
                let rest: usize = sizes[1..].iter().sum();
                sizes[0] = xs[a].saturating_sub(rest);
            }
            let want = a
                .filter(|&a| sizes.iter().sum::<usize>() == xs[a])
                .map(|a| {
                    let p = positions(&xs, 0);
                    let mut start = 0;
                    let mut pieces: Vec<RT> = sizes
                        .iter()
                        .map(|&len| {
                            start += len;
                            p.narrow(a, start - len, len)
                        })
                        .collect();
                    pieces.reverse();
                    RT::concat(&pieces.iter().collect::<Vec<_>>(), a)
                });
            let res = x.v.try_split(&sizes, ax).and_then(|mut p| {
                p.reverse();
                Var::try_concat(&p, a.map_or(0, |a| a as isize))
            });
            (res, want)
        }
    };
    let (v, want) = match (res, want) {
        (Ok(v), Some(want)) => (v, want),
        (Err(Error::ShapeMismatch { op, .. } | Error::InvalidArgument { op, .. }), None)
            if op == name || op == "where" =>
        {
            forward::rejected();
            return None;
        }
        (Err(Error::BadAxis { .. }), None) => return None,
        (res, want) => panic!(
            "{name} of {xs:?} and {ys:?}: arenagrad {:?}, reference {:?}",
            res.map(|v| v.shape().to_vec()),
            want.map(|w| w.shape)
        ),
    };
    assert_eq!(v.shape(), &want.shape[..], "{name}: result shape");
    // the values: positions into x ++ y (++ the fill value)
    let (xd, yd) = (x.v.data(), y.v.data());
    let value = |i: u32| {
        let i = i as usize;
        let v = if i < xd.len() {
            xd[i]
        } else {
            yd.get(i - xd.len()).copied().unwrap_or(0.5)
        };
        v as f64
    };
    compare_exact(
        name,
        v.data(),
        &want.ids.iter().map(|&i| value(i)).collect::<Vec<_>>(),
    );
    // the same positions into the reference's nodes
    let fill = m.tape.constant(0.5);
    let node = |i: u32| {
        let i = i as usize;
        if i < rx.ids.len() {
            rx.ids[i]
        } else {
            ry.ids.get(i - rx.ids.len()).copied().unwrap_or(fill)
        }
    };
    let rt = RT {
        shape: want.shape.clone(),
        ids: want.ids.iter().map(|&i| node(i)).collect(),
        hidden: None,
    };
    // the inputs read: y only by where and a stack of both
    let rt = if kind - SEQ == 5 || want.ids.iter().any(|&i| i as usize >= rx.ids.len()) {
        m.tape.select(&[&rx, &ry], rt)
    } else {
        m.tape.select(&[&rx], rt)
    };
    Some(m.val(v, rt, Origin::Other))
}
