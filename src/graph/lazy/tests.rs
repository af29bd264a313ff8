//! Fused graphs against their unfused twins: the same values and gradients, bit for bit, for
//! random element-wise programs; and the memory fusion saves.

use super::unfused;
use crate::prelude::*;
use crate::rng::Rng;

/// Sizes around the fusion threshold and the kernel's pieces, odd tails included.
const SIZES: [usize; 3] = [4096, 4096 + 13, 70_001];

/// What a run observed: the loss, an intermediate value read before backward, the leaf's and
/// the parameter's gradients after two backward passes, and a retained gradient.
type Seen = (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>);

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A random element-wise program of `len` steps over a leaf, a parameter and a constant:
/// unary and binary ops, scalar operands, values used more than once; then two losses
/// (a sum and a mean) backward, the first keeping the graph.
fn program(seed: u64, n: usize, len: usize) -> Seen {
    let mut rng = Rng::seed(seed);
    let t = |rng: &mut Rng| rng.normal_tensor(&[n], 0.0, 1.0);
    let (ta, tb, tc) = (t(&mut rng), t(&mut rng), t(&mut rng));
    let mut params = ParamStore::new();
    let p = params.add("p", tb).unwrap();
    let mut ops = Rng::seed(seed ^ 0x5eed);
    let mut pick = move |k: usize| (ops.next_u64() % k as u64) as usize;
    let seen: Seen = Graph::new()
        .run_with(&mut params, |g| {
            let (a, b, c) = (g.leaf(ta.clone()), g.param(p), g.input(&tc));
            let mut pool = vec![a, b, c];
            let mut read = vec![];
            let mut kept = None;
            for step in 0..len {
                let x = pool[pick(pool.len())];
                let y = pool[pick(pool.len())];
                let v = match pick(14) {
                    0 => x.tanh(),
                    1 => x.sigmoid(),
                    2 => (x * 0.25).exp(),
                    3 => x.abs().sqrt(),
                    4 => x.relu(),
                    5 => x.gelu(),
                    6 => -x,
                    7 => x + y,
                    8 => x - y,
                    9 => x * y,
                    10 => x / (y.abs() + 1.0),
                    11 => x.maximum(y),
                    12 => 2.0 - x,
                    _ => x.sin() * 0.5,
                };
                if step == len / 2 {
                    read = v.to_vec(); // evaluates a pending value mid-program
                }
                if step == len / 3 && v.requires_grad() {
                    v.retain_grad();
                    kept = Some(v);
                }
                pool.push(v);
            }
            let last = pool[pool.len() - 1];
            let other = pool[pool.len() / 2 + 1];
            // a sum read before backward, or one left pending for backward to compute
            let loss = match seed % 3 {
                0 => last.sum() + other.mean(),
                1 => last.sum(),
                _ => last.mean(),
            };
            if loss.requires_grad() {
                loss.backward_with(&Backward::retain_graph())?;
                loss.backward()?;
            }
            let grad = |v: Option<Var>| v.and_then(|v| v.grad()).map_or(vec![], |t| bits(t.data()));
            Ok((
                vec![loss.item().to_bits()],
                bits(&read),
                grad(Some(a)),
                grad(kept),
                vec![],
            ))
        })
        .unwrap();
    let (l, r, ga, gk, _) = seen;
    (l, r, ga, gk, bits(params.grad(p)))
}

#[test]
fn random_programs_give_the_unfused_bits() {
    let ran = crate::graph::fused_backward::RAN.get();
    for seed in 0..40u64 {
        for (k, &n) in SIZES.iter().enumerate() {
            let len = 3 + (seed as usize * 7 + k) % 14;
            let fused = program(seed, n, len);
            let plain = unfused(|| program(seed, n, len));
            assert!(fused == plain, "seed {seed}, n = {n}, {len} ops");
        }
    }
    let ran = crate::graph::fused_backward::RAN.get() - ran;
    assert!(ran >= 40, "only {ran} fused backward passes ran");
}

/// `tanh(a·b + c).sum()` over parameters: the forward stores no intermediate and the
/// backward keeps no gradient buffer; op by op stores three values and recycles gradients.
#[test]
fn a_fused_chain_stores_nothing_between_its_ops() {
    let n = 1 << 16;
    let run = || {
        let mut rng = Rng::seed(3);
        let mut params = ParamStore::new();
        let p: Vec<Param> = (0..3)
            .map(|i| {
                params
                    .add(&i.to_string(), rng.normal_tensor(&[n], 0.0, 1.0))
                    .unwrap()
            })
            .collect();
        let used = Graph::new()
            .run_with(&mut params, |g| {
                let v: Vec<Var> = p.iter().map(|&p| g.param(p)).collect();
                let before = g.arena_used();
                let loss = (v[0] * v[1] + v[2]).tanh().sum();
                let forward = g.arena_used() - before;
                let before = g.arena_used();
                loss.backward()?;
                // the loss was left to backward, which computed it on the way
                assert!(!loss.node().is_pending());
                Ok((forward, g.arena_used() - before, loss.item()))
            })
            .unwrap();
        let grads: Vec<Vec<u32>> = p.iter().map(|&q| bits(params.grad(q))).collect();
        (used, grads)
    };
    let ((fwd, bwd, loss), grads) = run();
    let ran = crate::graph::fused_backward::RAN.get();
    let ((fwd0, bwd0, loss0), grads0) = unfused(run);
    assert_eq!(
        crate::graph::fused_backward::RAN.get(),
        ran,
        "nothing fused when told"
    );
    assert_eq!((loss.to_bits(), grads), (loss0.to_bits(), grads0));
    let values = n * 4;
    assert!(fwd < values / 8, "fused forward stored {fwd} bytes");
    assert!(
        fwd0 >= 3 * values,
        "op by op stores three values: {fwd0} bytes"
    );
    assert!(bwd < values / 8, "fused backward stored {bwd} bytes");
    assert!(
        bwd0 >= values,
        "op by op keeps gradient buffers: {bwd0} bytes"
    );
}

/// A parameter entered twice is one gradient range written by two nodes: a fused region
/// reading one node must not reorder its terms around the other node's. Here the rules add
/// `∂w`, then `p2.sum()`'s splat, then `∂u` (reverse order of creation); a fused pass over
/// `u + w` would add `∂u` and `∂w` first.
#[test]
fn a_parameter_entered_twice_keeps_its_sum_order() {
    for seed in 0..8 {
        let run = || {
            let mut rng = Rng::seed(seed);
            let n = 4096 + 13;
            let mut params = ParamStore::new();
            let p = params.add("p", rng.normal_tensor(&[n], 0.0, 1.0)).unwrap();
            let c = rng.normal_tensor(&[n], 0.0, 1.0);
            Graph::new()
                .run_with(&mut params, |g| {
                    let (p1, p2, c) = (g.param(p), g.param(p), g.input(&c));
                    let u = p1.tanh();
                    let z = (p2 * 0.3).sum();
                    let w = p1 * c;
                    ((u + w).sum() + z).backward()
                })
                .unwrap();
            bits(params.grad(p))
        };
        let (fused, plain) = (run(), unfused(run));
        let differ = fused.iter().zip(&plain).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ, 0,
            "seed {seed}: {differ} gradients differ in their bits"
        );
    }
}

/// A sum or mean of a pending 0-d value (a pending sum, a cross-entropy left to backward) is
/// the value itself, forward and backward, as op by op.
#[test]
fn sums_of_pending_scalars_evaluate_them() {
    let n = 4096 + 13;
    let run = || {
        let mut rng = Rng::seed(5);
        let x = rng.normal_tensor(&[n], 0.0, 1.0);
        let logits = rng.normal_tensor(&[64, 10], 0.0, 1.0);
        let targets: Vec<usize> = (0..64).map(|i| i % 10).collect();
        Graph::new()
            .run(|g| {
                let (a, z) = (g.leaf(x.clone()), g.leaf(logits.clone()));
                let s = a.tanh().sum().sum() + a.sigmoid().mean().mean();
                let ce = z.cross_entropy(&targets)?.sum();
                let total = s + ce;
                total.backward()?;
                Ok((
                    bits(&[s.item(), ce.item(), total.item()]),
                    bits(a.grad().unwrap().data()),
                    bits(z.grad().unwrap().data()),
                ))
            })
            .unwrap()
    };
    assert_eq!(run(), unfused(run));
}
