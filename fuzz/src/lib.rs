//! The `op_program` fuzz target: bytes → a small program of ops → forward and backward.
//!
//! The input is read as a stream of instructions over a pool of at most `MAX_POOL` values
//! (leaves, constants, parameters and op results with 0 to 3 dimensions of size 0 to 3, so
//! empty and 1-sized dimensions and broadcasting all come up). Missing bytes read as 0, so every
//! input is a valid program. Instructions: new leaves, inputs and parameters; every element-wise
//! op; `sum`, the axis reductions, softmax, log_softmax and layer_norm; matmul, the shape ops
//! (reshape, transpose, permute, broadcast_to, concat, narrow) and indexing (index_select,
//! embedding, gather); `detach` and `no_grad`;
//! `zero_grad` and `set_grad_none`; backward with and without retain_graph or an explicit output
//! gradient, once or twice. Only `try_` forms are used where an op can fail; operators appear
//! only where they cannot (a `Var` with an `f32` always broadcasts).
//!
//! The program runs in `Graph::run_with` over a store of 0 to 2 parameters read from the first
//! bytes (`check`), so parameters and leaves mix.
//!
//! Checked beyond "no panic, no UB":
//! - backward fails exactly when PyTorch's would, with the right variant: `NoGradFn` for a value
//!   that does not require grad, `GradShape` for an output gradient of the wrong shape,
//!   `NonScalarBackward` without one on a non-scalar, `GraphFreed` for a second pass through an
//!   op after a pass without retain_graph (and never after one with it);
//! - a leaf's gradient has the leaf's shape; a parameter from another store is `ForeignParam`;
//! - the same program run twice on one `Graph` (the arena reset and reused) gives bit-identical
//!   values, gradients and errors.
mod ops;
mod reader;

use arenagrad::prelude::*;

use ops::{backward, binary, record, reduce, shape_op, unary, with_scalar, Trace};
use reader::Reader;

/// Instructions per program.
const MAX_OPS: usize = 32;
/// Values alive at once; the oldest is dropped from the pool beyond this.
const MAX_POOL: usize = 12;
/// Results with more elements are computed but not kept, so sizes cannot snowball.
const MAX_NUMEL: usize = 1024;
/// A two-operand op runs only if the product of its operands' sizes is at most this (a bound on
/// a broadcast or matmul result).
const MAX_PAIR: usize = 16 * 1024;

/// Whether an op on `a` and `b` stays small enough to run.
fn small(a: Var<'_>, b: Var<'_>) -> bool {
    a.numel().max(1).saturating_mul(b.numel().max(1)) <= MAX_PAIR
}

/// Runs the program in `data` in scope `g`, whose store holds `params`; `foreign` is a handle
/// from another store.
fn program<'g>(g: &'g Scope<'g>, data: &[u8], params: &[Param], foreign: Param) -> Trace {
    let mut r = Reader::new(data);
    let mut trace = Trace::new();
    let mut pool = vec![g.leaf(Tensor::scalar(r.f32()))];
    let mut leaves = pool.clone();
    for _ in 0..MAX_OPS {
        if r.done() {
            break;
        }
        let new = match r.u8() % 14 {
            0 => {
                let s = r.shape();
                Some(g.leaf(r.tensor(&s)))
            }
            1 | 2 => {
                let leaf = r.u8() & 1 == 1;
                let base = r.pick(&pool);
                let s = r.derived_shape(base.shape());
                let t = r.tensor(&s);
                Some(if leaf { g.leaf(t) } else { g.input(t) })
            }
            3 => match params.get(r.u8() as usize % 4) {
                Some(&p) => Some(g.try_param(p).expect("a parameter of this scope's store")),
                None => {
                    let e = g.try_param(foreign).unwrap_err();
                    assert!(matches!(e, Error::ForeignParam { .. }), "{e}");
                    None
                }
            },
            4 | 5 => {
                let x = r.pick(&pool);
                Some(unary(&mut r, x))
            }
            6 | 7 => {
                let (a, b) = (r.pick(&pool), r.pick(&pool));
                small(a, b).then(|| binary(&mut r, a, b)).flatten()
            }
            8 => {
                let x = r.pick(&pool);
                Some(with_scalar(&mut r, x))
            }
            9 => {
                let (a, b) = (r.pick(&pool), r.pick(&pool));
                match r.u8() % 3 {
                    0 => Some(a.detach()),
                    1 => Some(g.no_grad(|| unary(&mut r, a))),
                    _ if small(a, b) => g.no_grad(|| binary(&mut r, a, b)),
                    _ => None,
                }
            }
            10 => {
                let (x, w) = (r.pick(&pool), r.pick(&pool));
                reduce(&mut r, x, w)
            }
            11 => {
                let (x, y) = (r.pick(&pool), r.pick(&pool));
                small(x, y).then(|| shape_op(&mut r, x, y)).flatten()
            }
            12 => {
                let v = r.pick(&pool);
                match r.u8() % 3 {
                    0 => v.zero_grad(),
                    1 => v.set_grad_none(),
                    _ => record(&mut trace, &v.to_vec()),
                }
                None
            }
            _ => {
                let v = r.pick(&pool);
                backward(&mut r, v, &mut trace);
                None
            }
        };
        if let Some(v) = new.filter(|v| v.numel() <= MAX_NUMEL) {
            if v.is_leaf() && v.requires_grad() {
                leaves.push(v);
            }
            pool.push(v);
            if pool.len() > MAX_POOL {
                pool.remove(0);
            }
        }
    }
    for v in &pool {
        record(&mut trace, v.data());
    }
    for x in &leaves {
        if let Some(grad) = x.grad() {
            assert_eq!(grad.shape(), x.shape(), "a leaf's gradient has its shape");
            record(&mut trace, grad.data());
        }
    }
    trace
}

/// Decodes `data` into a program and runs it twice on one graph, panicking on any violated
/// property. The body of the fuzz target, callable from a regression test.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let mut store = ParamStore::new();
    let params: Vec<Param> = (0..r.u8() % 3)
        .map(|i| {
            let s = r.shape();
            let t = r.tensor(&s);
            store.add(&format!("p{i}"), t).expect("unique names")
        })
        .collect();
    let foreign = ParamStore::new()
        .add("w", Tensor::scalar(1.0))
        .expect("empty store");
    let rest = &data[r.pos.min(data.len())..];
    let mut graph = Graph::new();
    let mut run = |store: &mut ParamStore| {
        store.zero_grad();
        let trace = graph
            .run_with(store, |g| Ok(program(g, rest, &params, foreign)))
            .expect("the program returns Ok");
        let mut all = trace;
        record(&mut all, store.flat_grad());
        all
    };
    let first = run(&mut store);
    let second = run(&mut store);
    assert!(first == second, "two runs of one program differ");
}
