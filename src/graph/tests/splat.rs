//! Broadcast scalar gradients (`Sink::splat`): the gradient of a whole-tensor sum or mean
//! stays one value until a rule that cannot read it as such, or a second contribution of
//! another kind, makes it dense. Each case is checked bit for bit against the same graph
//! routed through `* ones`, whose rule (mul) reads the gradient as a dense buffer.

use crate::prelude::*;

/// A graph of `x`, with `wrap` around the values whose gradient is under test.
type Case = for<'g> fn(Var<'g>, &dyn Fn(Var<'g>) -> Var<'g>) -> Var<'g>;

/// `x.grad()` after two backwards of `f(x, wrap)` (the first retaining the graph), where
/// `wrap` is the identity (splat path) or `* ones` (dense path).
fn grads(f: Case, dense: bool) -> Vec<f32> {
    let xs = [0.3f32, -1.2, 2.0, 0.0, -0.5, 1.5, 0.25, -2.5, 0.75];
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&xs));
            let ones = g.input(Tensor::from_slice(&[1.0; 9]));
            let wrap = move |v| if dense { v * ones } else { v };
            let y = f(x, &wrap);
            y.backward_with(&Backward::retain_graph())?;
            y.backward()?;
            Ok(x.grad().unwrap().to_vec())
        })
        .unwrap()
}

fn same_bits(f: Case) {
    let (a, b) = (grads(f, false), grads(f, true));
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b), "splat {a:?} vs dense {b:?}");
}

#[test]
fn a_unary_rule_reads_the_sum_gradient_as_one_value() {
    same_bits(|x, w| w(x.tanh()).sum());
    same_bits(|x, w| w((x * 2.0).exp()).mean());
    same_bits(|x, w| w(x.sigmoid()).sum() * 3.0);
}

#[test]
fn add_and_sub_pass_the_value_on_and_fan_in_adds_it() {
    // x - x and x + x: both splats land on the same node
    same_bits(|x, w| w((x.tanh() - x).sin() + (x - x.tanh())).sum());
    same_bits(|x, w| w(x.tanh() + x.tanh()).sum());
    // two sums of one node: the second splat adds to the first
    same_bits(|x, w| {
        let y = x.tanh();
        w(y).sum() + w(y).mean()
    });
}

#[test]
fn a_dense_contribution_makes_a_splat_gradient_dense_first() {
    // y gets a splat from its sum and a dense gradient from y·y (either order on the tape)
    same_bits(|x, w| {
        let y = x.tanh();
        w(y).sum() + (y * y).sum()
    });
    same_bits(|x, w| {
        let y = x.exp();
        (y * y).sum() + w(y).sum()
    });
    // a rule without a splat form (mul) gets the buffer made dense
    same_bits(|x, w| w(x * x).sum());
}
