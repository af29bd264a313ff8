//! Applying custom ops and running their backward makes no heap allocation once the graph's
//! arena has settled: the output, saved values, the op itself and, for an op with drop glue,
//! its entry in the scope's drop list all live in the arena. (A counting global allocator
//! watches the steps; this file holds one test, so no other test allocates meanwhile.)

use std::rc::Rc;

use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, TensorRef};
use arenagrad::prelude::*;

mod common;
use common::counting_alloc::allocations;

/// `x·σ(x)`, saving `σ(x)`; no drop glue.
struct FusedSilu;

impl CustomOp for FusedSilu {
    fn name(&self) -> &'static str {
        "fused_silu"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let x = inputs[0];
        let s = out.save_with(x.data.len(), |s| {
            s.iter_mut()
                .zip(x.data)
                .for_each(|(s, &v)| *s = 1.0 / (1.0 + (-v).exp()))
        });
        out.output_with(x.shape, |y| {
            for ((y, &v), &s) in y.iter_mut().zip(x.data).zip(s) {
                *y = v * s;
            }
        })
    }
    fn backward(&self, saved: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        let (x, s) = (saved.input(0).data, saved.saved(0));
        if let Some(dx) = grads.get(0) {
            for (i, dx) in dx.iter_mut().enumerate() {
                *dx = grad[i] * s[i] * (1.0 + x[i] * (1.0 - s[i]));
            }
        }
    }
}

/// `x + table`, holding its table through an `Rc` (drop glue: listed in the scope).
struct AddTable(Rc<Vec<f32>>);

impl CustomOp for AddTable {
    fn name(&self) -> &'static str {
        "add_table"
    }
    fn forward(&self, inputs: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        let x = inputs[0];
        out.output_with(x.shape, |y| {
            for ((y, &v), &t) in y.iter_mut().zip(x.data).zip(self.0.iter()) {
                *y = v + t;
            }
        })
    }
    fn backward(&self, _: &Saved<'_>, grad: &[f32], grads: &mut InputGrads<'_>) {
        if let Some(dx) = grads.get(0) {
            dx.copy_from_slice(grad);
        }
    }
}

#[test]
fn custom_op_steps_do_not_allocate() {
    let n = 300;
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::full(&[n], 0.3).unwrap()).unwrap();
    let table = Rc::new((0..n).map(|i| i as f32 / n as f32).collect::<Vec<f32>>());
    let mut graph = Graph::new();
    let mut step = |params: &mut ParamStore| {
        params.zero_grad();
        graph
            .run_with(params, |g| {
                let mut h = g.param(w);
                for _ in 0..4 {
                    h = h.custom(FusedSilu)?.custom(AddTable(table.clone()))?;
                }
                let loss = h.sum();
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap()
    };
    for _ in 0..3 {
        step(&mut params);
    }
    let (loss, allocs) = allocations(|| (0..5).map(|_| step(&mut params)).sum::<f32>());
    assert!(loss.is_finite());
    assert_eq!(allocs, 0, "heap allocations in 5 steps");
    assert_eq!(Rc::strong_count(&table), 1, "every op was dropped");
    assert!(params.grad(w).iter().all(|&d| d > 0.0));
}
