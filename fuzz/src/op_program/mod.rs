//! The `op_program` fuzz target: bytes → a small program of ops → forward and backward.
//!
//! The input is read as a stream of instructions over a pool of at most `MAX_POOL` values
//! (leaves, constants, parameters and op results with 0 to 3 dimensions of size 0 to 3, so
//! empty and 1-sized dimensions and broadcasting all come up). Missing bytes read as 0, so every
//! input is a valid program. Instructions: new leaves, inputs and parameters; every element-wise
//! op; `sum`, the axis reductions, softmax, log_softmax and layer_norm; matmul, the shape ops
//! (reshape, transpose, permute, broadcast_to, concat, narrow) and indexing (index_select,
//! embedding, gather); the convolutions (conv1d, conv2d, conv_transpose2d with stride,
//! padding, dilation, groups, output_padding and bias), pooling (max, average, adaptive
//! average) and batch norm (training with running statistics, evaluation); silu, leaky_relu,
//! elu, logsumexp, var, where and masked_fill with broadcast masks, stack and split, and
//! scaled_dot_product_attention with causal or boolean masks (`seq_ops.rs`, `seq_select.rs`,
//! `seq_attn.rs`); `detach` and
//! `no_grad`; `zero_grad` and `set_grad_none`; backward with and without retain_graph or an
//! explicit output gradient, once or twice. Only `try_` forms are used where an op can fail;
//! operators appear only where they cannot (a `Var` with an `f32` always broadcasts).
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
//! - an op of the CNN and sequence-model instructions (`cnn_conv.rs`, `cnn_pool.rs`,
//!   `seq_ops.rs`, `seq_attn.rs`) accepts exactly the arguments PyTorch accepts, with its output shape, and its
//!   output and any running statistics equal an `f64` evaluation of the definition on the same
//!   inputs ([`forward`]);
//! - the same program run twice on one `Graph` (the arena reset and reused) gives bit-identical
//!   values, gradients and errors;
//! - every gradient (each leaf's `.grad()` and each parameter's in the store, after any mix of
//!   backward calls, `retain_graph`, `zero_grad` and `set_grad_none`) equals the one a scalar
//!   `f64` reference evaluator ([`tape`]: every op rebuilt from its definition on scalar nodes,
//!   `detach`/`no_grad` results as constants) accumulates over the same successful backward
//!   calls, within `1e-3` of the gradient's magnitude, wherever the program is smooth and well
//!   conditioned at the point (the tape's taint: away from kinks, poles, ties and huge values).
mod cnn_conv;
mod cnn_pool;
mod conv_ref;
pub mod forward;
pub mod grads;
mod layout;
mod mirror;
mod norm_ref;
mod ops;
mod pool_ref;
mod reduce;
mod seq_attn;
mod seq_ops;
mod seq_select;
pub mod tape;
mod tensor_ops;

use arenagrad::prelude::*;

use crate::reader::Reader;
use grads::Acc;
use mirror::{Bin, RT};
use ops::{backward, binary, record, record_err, unary, with_scalar, Trace};
use tape::Tape;
use tensor_ops::{reduce, shape_op};

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

/// Where a value's gradient is kept: a leaf's own, a parameter's in the store, or nowhere.
#[derive(Clone, Copy, PartialEq)]
enum Origin {
    Leaf(usize),
    Param(usize),
    Other,
}

/// A value of the program and its mirror in the reference.
#[derive(Clone, Copy)]
struct Val<'g> {
    v: Var<'g>,
    r: usize,
    origin: Origin,
}

/// The reference's state during a run.
struct Ref<'g> {
    tape: Tape,
    rts: Vec<RT>,
    leaves: Vec<(Var<'g>, Acc)>,
    /// Per parameter of the store: its tensor and gradient in the reference, once used.
    params: Vec<Option<(usize, Acc)>>,
}

impl<'g> Ref<'g> {
    fn val(&mut self, v: Var<'g>, rt: RT, origin: Origin) -> Val<'g> {
        assert_eq!(rt.ids.len(), v.numel(), "the reference's element count");
        self.rts.push(rt);
        Val {
            v,
            r: self.rts.len() - 1,
            origin,
        }
    }

    /// The result of an element-wise op or a sum of the values `inputs` (see `RT::hidden`).
    fn arith(&mut self, v: Var<'g>, inputs: &[usize], rt: RT) -> Val<'g> {
        let inputs: Vec<RT> = inputs.iter().map(|&i| self.rts[i].clone()).collect();
        let refs: Vec<&RT> = inputs.iter().collect();
        let rt = self.tape.arith(&refs, rt);
        self.val(v, rt, Origin::Other)
    }

    fn leaf(&mut self, v: Var<'g>) -> Val<'g> {
        let rt = self.tape.tensor(v.shape(), v.data());
        self.leaves.push((v, Acc::new(&rt)));
        let origin = Origin::Leaf(self.leaves.len() - 1);
        self.val(v, rt, origin)
    }

    fn detached(&mut self, x: Val<'g>, v: Var<'g>) -> Val<'g> {
        let rt = self.tape.detach(&self.rts[x.r]);
        self.val(v, rt, Origin::Other)
    }

    /// Adds a backward pass from value `x` to every leaf's and parameter's gradient.
    fn backward(&mut self, x: Val<'g>, seeds: Option<&[f32]>) {
        let out = self.rts[x.r].clone();
        let leaves = self.leaves.iter_mut().map(|(_, a)| a);
        let params = self.params.iter_mut().flatten().map(|(_, a)| a);
        let mut accs: Vec<&mut Acc> = leaves.chain(params).collect();
        grads::backward(&self.tape, &out, seeds, &mut accs);
    }
}

/// Runs the program in `data` in scope `g`, whose store holds `params`; `foreign` is a handle
/// from another store. Returns the trace and the reference's parameter gradients.
fn program<'g>(
    g: &'g Scope<'g>,
    data: &[u8],
    params: &[Param],
    foreign: Param,
) -> (Trace, Vec<Option<Acc>>, Tape) {
    let mut r = Reader::new(data);
    let mut trace = Trace::new();
    let mut m = Ref {
        tape: Tape::default(),
        rts: vec![],
        leaves: vec![],
        params: vec![None; params.len()],
    };
    let first = m.leaf(g.leaf(Tensor::scalar(r.f32())));
    let mut pool = vec![first];
    for _ in 0..MAX_OPS {
        if r.done() {
            break;
        }
        let trace_step = crate::reader::tracing();
        let pick = |r: &mut Reader, pool: &[Val<'g>]| pool[r.u8() as usize % pool.len()];
        let byte = r.u8();
        let code = byte % 16;
        let new = match code {
            // the sequence-model ops take the top sixteenth of instruction bytes (an older
            // input's byte there now decodes to them, the others as before)
            _ if byte >= 240 => {
                let (x, y) = (pick(&mut r, &pool), pick(&mut r, &pool));
                seq_ops::seq_op(g, &mut r, &mut m, x, y)
            }
            0 => {
                let s = r.shape();
                Some(m.leaf(g.leaf(r.tensor(&s))))
            }
            1 | 2 => {
                let leaf = r.u8() & 1 == 1;
                let base = pick(&mut r, &pool);
                let s = r.derived_shape(base.v.shape());
                let t = r.tensor(&s);
                Some(if leaf {
                    m.leaf(g.leaf(t))
                } else {
                    let v = g.input(t);
                    let rt = m.tape.tensor(v.shape(), v.data());
                    m.val(v, rt, Origin::Other)
                })
            }
            3 => match params.get(r.u8() as usize % 4) {
                Some(&p) => {
                    let v = g.try_param(p).expect("a parameter of this scope's store");
                    let i = p.index();
                    if m.params[i].is_none() {
                        let rt = m.tape.tensor(v.shape(), v.data());
                        let acc = Acc::new(&rt);
                        m.rts.push(rt);
                        m.params[i] = Some((m.rts.len() - 1, acc));
                    }
                    let ri = m.params[i].as_ref().expect("just set").0;
                    Some(Val {
                        v,
                        r: ri,
                        origin: Origin::Param(i),
                    })
                }
                None => {
                    let e = g.try_param(foreign).unwrap_err();
                    assert!(matches!(e, Error::ForeignParam { .. }), "{e}");
                    None
                }
            },
            4 | 5 => {
                let x = pick(&mut r, &pool);
                let (v, u) = unary(&mut r, x.v);
                let rx = &m.rts[x.r];
                let rt = match u {
                    Some(u) => m.tape.unary(u, rx),
                    None => {
                        let all = rx.reshape(&[rx.ids.len()]);
                        m.tape.sum_axis(&all, 0, false, &[])
                    }
                };
                Some(m.arith(v, &[x.r], rt))
            }
            6 | 7 => {
                let (a, b) = (pick(&mut r, &pool), pick(&mut r, &pool));
                small(a.v, b.v)
                    .then(|| binary(&mut r, a.v, b.v))
                    .flatten()
                    .map(|(v, op)| {
                        let rt =
                            m.tape
                                .binary(op, &m.rts[a.r].clone(), &m.rts[b.r].clone(), v.shape());
                        m.arith(v, &[a.r, b.r], rt)
                    })
            }
            8 => {
                let x = pick(&mut r, &pool);
                let (v, op, c, left) = with_scalar(&mut r, x.v);
                let (rc, rx) = (m.tape.scalar(c), m.rts[x.r].clone());
                let rt = if left {
                    m.tape.binary(op, &rc, &rx, v.shape())
                } else {
                    m.tape.binary(op, &rx, &rc, v.shape())
                };
                Some(m.arith(v, &[x.r], rt))
            }
            9 => {
                let (a, b) = (pick(&mut r, &pool), pick(&mut r, &pool));
                no_grad(g, &mut r, &mut m, a, b)
            }
            10 => {
                let (x, w) = (pick(&mut r, &pool), pick(&mut r, &pool));
                let (rx, rw) = (m.rts[x.r].clone(), m.rts[w.r].clone());
                reduce(&mut r, (x.v, &rx), (w.v, &rw), &mut m.tape)
                    .map(|(v, rt)| m.val(v, rt, Origin::Other))
            }
            11 => {
                let (x, y) = (pick(&mut r, &pool), pick(&mut r, &pool));
                let (rx, ry) = (m.rts[x.r].clone(), m.rts[y.r].clone());
                small(x.v, y.v)
                    .then(|| shape_op(&mut r, (x.v, &rx), (y.v, &ry), &mut m.tape))
                    .flatten()
                    .map(|(v, rt)| m.val(v, rt, Origin::Other))
            }
            12 => {
                let x = pick(&mut r, &pool);
                let which = r.u8() % 3;
                match which {
                    0 => x.v.zero_grad(),
                    1 => x.v.set_grad_none(),
                    _ => record(&mut trace, &x.v.to_vec()),
                }
                // only a leaf's own gradient is reset (a parameter's lives in the store)
                if let (Origin::Leaf(i), 0 | 1) = (x.origin, which) {
                    m.leaves[i].1.reset();
                }
                None
            }
            14 => {
                let x = pick(&mut r, &pool);
                cnn_conv::conv(g, &mut r, &mut m, x)
            }
            15 => {
                let x = pick(&mut r, &pool);
                cnn_pool::pool_or_norm(g, &mut r, &mut m, x, &mut trace)
            }
            _ => {
                let x = pick(&mut r, &pool);
                let calls = backward(&mut r, x.v, &mut trace);
                if trace_step {
                    let grads: Vec<_> = m
                        .leaves
                        .iter()
                        .map(|(v, _)| v.grad().map(|t| t.to_vec()))
                        .collect();
                    eprintln!(
                        "backward from {:?}: {calls:?}; leaf grads {grads:?}",
                        x.v.shape()
                    );
                }
                for seeds in calls {
                    m.backward(x, seeds.as_deref());
                }
                None
            }
        };
        if trace_step {
            let values = |x: &Val<'g>| {
                let rt = &m.rts[x.r];
                let r: Vec<f64> = rt.ids.iter().map(|&i| m.tape.value(i)).collect();
                format!("{:?} {:?} ref {:?}", x.v.shape(), x.v.data(), r)
            };
            eprintln!("op {code}: {}", new.as_ref().map_or("-".into(), values));
        }
        if let Some(x) = new.filter(|x| x.v.numel() <= MAX_NUMEL) {
            pool.push(x);
            if pool.len() > MAX_POOL {
                pool.remove(0);
            }
        }
    }
    // a last backward through the newest value that requires grad, with fixed output weights,
    // so every program ends with gradients to compare
    if let Some(&x) = pool.iter().rev().find(|x| x.v.requires_grad()) {
        let w: Vec<f32> = (0..x.v.numel())
            .map(|k| ((k * 7 % 11) as f32 - 5.0) / 4.0)
            .collect();
        let t = Tensor::new(w.clone(), x.v.shape()).expect("weights of the value's size");
        let res = x.v.backward_with(&Backward::gradient(t));
        assert!(
            matches!(res, Ok(()) | Err(Error::GraphFreed { .. })),
            "{res:?}"
        );
        record_err(&mut trace, &res);
        if res.is_ok() {
            m.backward(x, Some(&w));
        }
    }
    for x in &pool {
        record(&mut trace, x.v.data());
    }
    for (i, (v, acc)) in m.leaves.iter().enumerate() {
        let grad = v.grad();
        if let Some(g) = &grad {
            assert_eq!(g.shape(), v.shape(), "a leaf's gradient has its shape");
            record(&mut trace, g.data());
        }
        acc.compare(
            &format!("leaf {i} {:?}", v.shape()),
            grad.as_ref().map(|g| g.data()),
            &m.tape,
        );
    }
    let params = m.params.into_iter().map(|p| p.map(|(_, a)| a)).collect();
    (trace, params, m.tape)
}

/// `detach`, or a unary or binary op under `no_grad`: the reference computes the op and keeps
/// its result as constants.
fn no_grad<'g>(
    g: &'g Scope<'g>,
    r: &mut Reader,
    m: &mut Ref<'g>,
    a: Val<'g>,
    b: Val<'g>,
) -> Option<Val<'g>> {
    match r.u8() % 3 {
        0 => Some(m.detached(a, a.v.detach())),
        1 => {
            let (v, u) = g.no_grad(|| unary(r, a.v));
            let rx = m.rts[a.r].clone();
            let rt = match u {
                Some(u) => m.tape.unary(u, &rx),
                None => m.tape.sum_axis(&rx.reshape(&[rx.ids.len()]), 0, false, &[]),
            };
            let x = m.val(v, rt, Origin::Other);
            Some(m.detached(x, v))
        }
        _ if small(a.v, b.v) => {
            let (v, op): (Var<'g>, Bin) = g.no_grad(|| binary(r, a.v, b.v))?;
            let rt = m
                .tape
                .binary(op, &m.rts[a.r].clone(), &m.rts[b.r].clone(), v.shape());
            let x = m.val(v, rt, Origin::Other);
            Some(m.detached(x, v))
        }
        _ => None,
    }
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
        let (mut trace, accs, tape) = graph
            .run_with(store, |g| Ok(program(g, rest, &params, foreign)))
            .expect("the program returns Ok");
        for (p, acc) in params.iter().zip(&accs) {
            if let Some(acc) = acc {
                let got = store.has_grad(*p).then(|| store.grad(*p));
                acc.compare(&format!("parameter {}", store.name(*p)), got, &tape);
            }
        }
        record(&mut trace, store.flat_grad());
        trace
    };
    let first = run(&mut store);
    let second = run(&mut store);
    assert!(first == second, "two runs of one program differ");
}
