//! Part 2 of the `shapes` target: a program of ops over vars with zero and huge dims, each
//! checked against the reference shape and, for constant inputs, the constant it must hold.

use arenagrad::prelude::*;

use super::expect::{self, Expect};
use super::{axis, compare, derive, dim, shape, too_big, MAX_OPS, MAX_POOL, SMALL};
use crate::reader::Reader;

/// A var and, when known, the value every one of its elements holds.
#[derive(Clone, Copy)]
struct Val<'g> {
    v: Var<'g>,
    c: Option<f32>,
}

/// Runs one op: the reference first, then (unless the result would be large) the op itself.
fn op<'g>(
    what: &str,
    want: Expect,
    c: Option<f32>,
    f: impl FnOnce() -> Result<Var<'g>>,
) -> Option<Val<'g>> {
    if crate::reader::tracing() {
        eprintln!("{what}: expect {want:?}");
    }
    if too_big(&want) {
        return None;
    }
    let v = compare(what, want, f(), |v| v.shape().to_vec())?;
    // products of constants can overflow f32: stop tracking values beyond 1e6
    let c = c.filter(|c| c.is_finite() && c.abs() <= 1e6);
    if let Some(c) = c {
        for &x in v.data() {
            assert!(
                (x - c).abs() <= 1e-5 * c.abs().max(1.0),
                "{what}: value {x} != {c}"
            );
        }
    }
    Some(Val { v, c })
}

fn leaf<'g>(g: &'g Scope<'g>, r: &mut Reader, s: Vec<usize>) -> Option<Val<'g>> {
    let c = 1.0 + (r.u8() % 4) as f32;
    let want: Expect = expect::numel(&s).map(|_| s.clone()).map_err(|k| vec![k]);
    let make = || Tensor::full(&s, c).map(|t| g.leaf(t));
    op("Tensor::full", want, Some(c), make)
}

/// A small list of indices, sometimes with a huge one.
fn indices(r: &mut Reader, len: usize) -> Vec<usize> {
    (0..len)
        .map(|_| match r.u8() % 16 {
            15 => dim(r),
            b => (b % 4) as usize,
        })
        .collect()
}

/// The length of dim `axis` (1 for a 0-d shape), if the axis is valid.
fn len_at(s: &[usize], ax: isize) -> Option<f32> {
    let a = expect::axis(ax, s.len(), true).ok()?;
    Some(if s.is_empty() { 1.0 } else { s[a] as f32 })
}

fn reduce<'g>(r: &mut Reader, x: Val<'g>) -> Option<Val<'g>> {
    let (v, s, ax, keep) = (x.v, x.v.shape(), axis(r), r.bool());
    let c = x.c;
    let len = len_at(s, ax);
    let all = |nonempty: bool| -> Expect {
        if nonempty && v.numel() == 0 {
            Err(vec![expect::Kind::Empty])
        } else {
            Ok(vec![])
        }
    };
    match r.u8() % 9 {
        0 => op(
            "sum_axis",
            expect::reduce(s, ax, keep, false),
            c.zip(len).map(|(c, l)| c * l),
            || v.try_sum_axis(ax, keep),
        ),
        1 => op("mean_axis", expect::reduce(s, ax, keep, true), c, || {
            v.try_mean_axis(ax, keep)
        }),
        2 => op("max_axis", expect::reduce(s, ax, keep, true), c, || {
            v.try_max_axis(ax, keep)
        }),
        3 => op(
            "softmax",
            expect::softmax(s, ax),
            c.and(len).map(|l| 1.0 / l),
            || v.try_softmax(ax),
        ),
        4 => op(
            "log_softmax",
            expect::softmax(s, ax),
            c.and(len).map(|l| -l.ln()),
            || v.try_log_softmax(ax),
        ),
        5 => op("layer_norm", expect::layer_norm(s), c.map(|_| 0.0), || {
            v.try_layer_norm(None, None, 1e-5)
        }),
        6 => op("sum", Ok(vec![]), c.map(|c| c * v.numel() as f32), || {
            Ok(v.sum())
        }),
        7 => op("mean", all(true), c, || v.try_mean()),
        _ => op("max", all(true), c, || v.try_max()),
    }
}

fn layout<'g>(r: &mut Reader, x: Val<'g>) -> Option<Val<'g>> {
    let (v, s, c) = (x.v, x.v.shape(), x.c);
    match r.u8() % 8 {
        0 => {
            let to = match r.u8() % 4 {
                0 => shape(r),
                1 => derive(r, s),
                2 => vec![v.numel()],
                _ => s.iter().rev().copied().collect(),
            };
            op("reshape", expect::reshape(s, &to), c, || v.try_reshape(&to))
        }
        1 => {
            let (d0, d1) = (axis(r), axis(r));
            op("transpose", expect::transpose(s, d0, d1), c, || {
                v.try_transpose(d0, d1)
            })
        }
        2 => {
            let mut perm: Vec<usize> = (0..s.len()).collect();
            for i in (1..perm.len()).rev() {
                perm.swap(i, r.below(i + 1));
            }
            if r.u8().is_multiple_of(4) {
                let n = r.u8() as usize % 6;
                perm = indices(r, n);
            }
            op("permute", expect::permute(s, &perm), c, || {
                v.try_permute(&perm)
            })
        }
        3 => {
            let mut to = derive(r, s);
            if r.bool() {
                to.insert(0, dim(r));
            }
            op("broadcast_to", expect::broadcast_to(s, &to), c, || {
                v.try_broadcast_to(&to)
            })
        }
        4 => {
            let (ax, start, len) = (axis(r), indices(r, 1)[0], indices(r, 1)[0]);
            let want = expect::narrow(s, ax, start, len);
            op("narrow", want, c, || v.try_narrow(ax, start, len))
        }
        5 => {
            let (ax, n) = (axis(r), r.u8() as usize % 5);
            let idx = indices(r, n);
            let want = expect::index_select(s, ax, &idx);
            op("index_select", want, c, || v.try_index_select(ax, &idx))
        }
        6 => {
            let n = r.u8() as usize % 5;
            let idx = indices(r, n);
            let idx_shape = match r.u8() % 3 {
                0 => vec![idx.len()],
                1 => vec![],
                _ => shape(r),
            };
            let want = expect::embedding(s, &idx, &idx_shape);
            op("embedding", want, c, || v.try_embedding(&idx, &idx_shape))
        }
        _ => {
            let ax = axis(r);
            let idx_shape = derive(r, s);
            let n = expect::numel(&idx_shape).unwrap_or(0).min(SMALL);
            let n = if r.u8().is_multiple_of(8) { n + 1 } else { n };
            let idx = indices(r, n);
            let want = expect::gather(s, ax, &idx, &idx_shape);
            op("gather", want, c, || v.try_gather(ax, &idx, &idx_shape))
        }
    }
}

fn step<'g>(g: &'g Scope<'g>, r: &mut Reader, pool: &[Val<'g>]) -> Option<Val<'g>> {
    let pick = |r: &mut Reader| pool[r.below(pool.len())];
    match r.u8() % 7 {
        0 => {
            let base = pick(r).v.shape();
            let s = if r.bool() { shape(r) } else { derive(r, base) };
            leaf(g, r, s)
        }
        1 => {
            let (a, b) = (pick(r), pick(r));
            let want = expect::broadcast(a.v.shape(), b.v.shape());
            let (x, y) = (a.v, b.v);
            match r.u8() % 3 {
                0 => op("add", want, a.c.zip(b.c).map(|(p, q)| p + q), || {
                    x.try_add(y)
                }),
                1 => op("mul", want, a.c.zip(b.c).map(|(p, q)| p * q), || {
                    x.try_mul(y)
                }),
                _ => op("maximum", want, a.c.zip(b.c).map(|(p, q)| p.max(q)), || {
                    x.try_maximum(y)
                }),
            }
        }
        2 => {
            let (a, b) = (pick(r), pick(r));
            let want = expect::matmul(a.v.shape(), b.v.shape());
            let k = a.v.shape().last().copied().unwrap_or(0) as f32;
            let c = a.c.zip(b.c).map(|(p, q)| p * q * k);
            op("matmul", want, c, || a.v.try_matmul(b.v))
        }
        3 => {
            let n = 1 + r.u8() as usize % 3;
            let vals: Vec<Val<'g>> = (0..n).map(|_| pick(r)).collect();
            let vars: Vec<Var<'g>> = vals.iter().map(|x| x.v).collect();
            let shapes: Vec<&[usize]> = vars.iter().map(|v| v.shape()).collect();
            let ax = axis(r);
            let c = vals[0].c.filter(|&c| vals.iter().all(|x| x.c == Some(c)));
            op("concat", expect::concat(&shapes, ax), c, || {
                Var::try_concat(&vars, ax)
            })
        }
        4 | 5 => {
            let x = pick(r);
            layout(r, x)
        }
        _ => {
            let x = pick(r);
            reduce(r, x)
        }
    }
}

/// Runs a program decoded from `r` in scope `g`, then backward through one of its values.
pub fn program<'g>(g: &'g Scope<'g>, r: &mut Reader) {
    let first = leaf(g, r, vec![]).expect("a scalar");
    let mut pool = vec![first];
    let mut leaves = vec![first.v];
    for _ in 0..MAX_OPS {
        if r.done() {
            break;
        }
        if let Some(x) = step(g, r, &pool) {
            if x.v.is_leaf() {
                leaves.push(x.v);
            }
            pool.push(x);
            if pool.len() > MAX_POOL {
                pool.remove(0);
            }
        }
    }
    let out = pool[r.below(pool.len())].v.sum();
    out.backward().expect("a fresh graph that requires grad");
    for x in leaves {
        if let Some(grad) = x.grad() {
            assert_eq!(grad.shape(), x.shape(), "a leaf's gradient has its shape");
        }
    }
}
