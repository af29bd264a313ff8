//! Fused programs against the ops' own kernels run one whole-tensor pass at a time.

use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::reduce;
use crate::rng::Rng;

/// Lengths around the piece, task and reduction part sizes, odd tails included.
const LENS: [usize; 8] = [
    1,
    7,
    33,
    CHUNK - 1,
    CHUNK + 5,
    TASK + 13,
    3 * TASK + CHUNK + 9,
    4 * crate::kernels::par::SUM_CHUNK + 77,
];

fn data(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.normal()).collect()
}

/// `tanh(a·b + c) · 0.5 − exp(−|a|)`, a program of nine steps over three leaves, and the same
/// op by op with whole-tensor kernels.
fn chain(n: usize) -> (Vec<Vec<f32>>, Vec<Step>, Vec<f32>) {
    let mut rng = Rng::seed(n as u64);
    let (a, b, c) = (data(&mut rng, n), data(&mut rng, n), data(&mut rng, n));
    use Src::{Leaf, Slot};
    let steps = vec![
        Step::Binary(Binary::Mul, Leaf(0), Leaf(1)), // 0: a·b
        Step::Binary(Binary::Add, Slot(0), Leaf(2)), // 1: + c
        Step::Unary(Unary::Tanh, Slot(1)),           // 2: tanh
        Step::Fill(0.5),                             // 3
        Step::Binary(Binary::Mul, Slot(2), Slot(3)), // 4: · 0.5
        Step::Unary(Unary::Abs, Leaf(0)),            // 5: |a|
        Step::Unary(Unary::Neg, Slot(5)),            // 6
        Step::Unary(Unary::Exp, Slot(6)),            // 7
        Step::Binary(Binary::Sub, Slot(4), Slot(7)), // 8
    ];
    let un = |op, x: &[f32]| {
        let mut o = vec![0.0; n];
        unary::forward(op, x, &mut o);
        o
    };
    let bin = |op, x: &[f32], y: &[f32]| {
        let mut o = vec![0.0; n];
        binary::forward_same(op, x, y, &mut o);
        o
    };
    let t = un(
        Unary::Tanh,
        &bin(Binary::Add, &bin(Binary::Mul, &a, &b), &c),
    );
    let half = bin(Binary::Mul, &t, &vec![0.5; n]);
    let e = un(Unary::Exp, &un(Unary::Neg, &un(Unary::Abs, &a)));
    (vec![a, b, c], steps, bin(Binary::Sub, &half, &e))
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn eval_is_op_by_op_bit_for_bit() {
    for n in LENS {
        let (leaves, steps, want) = chain(n);
        let leaves: Vec<&[f32]> = leaves.iter().map(|v| &v[..]).collect();
        let p = Program {
            leaves: &leaves,
            steps: &steps,
        };
        let (one, two) = on_1_and_2_threads(|| {
            let mut out = vec![f32::NAN; n];
            eval(&p, &mut out);
            out
        });
        assert_eq!(bits(&one), bits(&want), "n = {n}");
        assert_eq!(bits(&two), bits(&want), "n = {n}, 2 threads");
    }
}

#[test]
fn sum_is_the_sum_of_the_evaluated_root() {
    for n in LENS {
        let (leaves, steps, want) = chain(n);
        let leaves: Vec<&[f32]> = leaves.iter().map(|v| &v[..]).collect();
        let p = Program {
            leaves: &leaves,
            steps: &steps,
        };
        let (one, two) = on_1_and_2_threads(|| sum64(&p, n));
        let want = reduce::sum64(&want);
        assert_eq!(one.to_bits(), want.to_bits(), "n = {n}");
        assert_eq!(two.to_bits(), want.to_bits(), "n = {n}, 2 threads");
    }
}

/// The backward of `y = tanh(a·b + c)` with `g` given: `c`'s gradient added to what it held,
/// `a`'s and `b`'s written, against the op-by-op kernels.
#[test]
fn backward_is_op_by_op_bit_for_bit() {
    use Src::{Leaf, Slot};
    for n in LENS {
        let mut rng = Rng::seed(7 + n as u64);
        let (a, b, c, g) = (
            data(&mut rng, n),
            data(&mut rng, n),
            data(&mut rng, n),
            data(&mut rng, n),
        );
        let prior = data(&mut rng, n);
        let steps = [
            Step::Binary(Binary::Mul, Leaf(0), Leaf(1)),
            Step::Binary(Binary::Add, Slot(0), Leaf(2)),
            Step::Unary(Unary::Tanh, Slot(1)),
        ];
        let leaves: [&[f32]; 4] = [&a, &b, &c, &g];
        let p = Program {
            leaves: &leaves,
            steps: &steps,
        };
        let grads = [
            // 3: dz = (1 − y²)·g
            GradStep::Unary {
                op: Unary::Tanh,
                x: Slot(1),
                y: Slot(2),
                g: Leaf(3),
                dst: Dst::Slot,
                acc: Acc::Write,
            },
            GradStep::Binary {
                op: Binary::Add,
                which: 1,
                g: Slot(3),
                a: Slot(0),
                b: Leaf(2),
                y: Slot(1),
                dst: Dst::Out(2),
                acc: Acc::Add,
            },
            GradStep::Binary {
                op: Binary::Add,
                which: 0,
                g: Slot(3),
                a: Slot(0),
                b: Leaf(2),
                y: Slot(1),
                dst: Dst::Slot,
                acc: Acc::Write,
            },
            GradStep::Binary {
                op: Binary::Mul,
                which: 0,
                g: Slot(5),
                a: Leaf(0),
                b: Leaf(1),
                y: Slot(0),
                dst: Dst::Out(0),
                acc: Acc::Write,
            },
            GradStep::Binary {
                op: Binary::Mul,
                which: 1,
                g: Slot(5),
                a: Leaf(0),
                b: Leaf(1),
                y: Slot(0),
                dst: Dst::Out(1),
                acc: Acc::Write,
            },
        ];
        // op by op
        let mut ab = vec![0.0; n];
        binary::forward_same(Binary::Mul, &a, &b, &mut ab);
        let mut z = vec![0.0; n];
        binary::forward_same(Binary::Add, &ab, &c, &mut z);
        let mut y = vec![0.0; n];
        unary::forward(Unary::Tanh, &z, &mut y);
        let mut dz = vec![0.0; n];
        unary::backward(Unary::Tanh, &z, &y, &g, &mut dz, Acc::Write);
        let mut want_c = prior.clone();
        crate::kernels::elementwise::store(&mut want_c, &dz, Acc::Add);
        let (mut want_a, mut want_b) = (vec![0.0; n], vec![0.0; n]);
        binary::mul_backward_both(
            (&dz, &a, &b),
            (&mut want_a, Acc::Write),
            (&mut want_b, Acc::Write),
        );

        let (one, two) = on_1_and_2_threads(|| {
            let (mut ga, mut gb, mut gc) = (vec![f32::NAN; n], vec![f32::NAN; n], prior.clone());
            let mut outs: [&mut [f32]; MAX_OUTS] = Default::default();
            outs[0] = &mut ga;
            outs[1] = &mut gb;
            outs[2] = &mut gc;
            let total = backward(&p, &grads, n, outs, Some(Slot(2)));
            (ga, gb, gc, total)
        });
        let want_sum = reduce::sum64(&y);
        for (got, t) in [(one, 1), (two, 2)] {
            let total = got.3.expect("asked for").to_bits();
            assert_eq!(total, want_sum.to_bits(), "sum of y, n = {n}, {t} threads");
            assert_eq!(bits(&got.0), bits(&want_a), "a, n = {n}, {t} threads");
            assert_eq!(bits(&got.1), bits(&want_b), "b, n = {n}, {t} threads");
            assert_eq!(bits(&got.2), bits(&want_c), "c, n = {n}, {t} threads");
        }
    }
}

#[test]
#[should_panic(expected = "fused program")]
fn too_many_steps_is_refused() {
    let steps = [Step::Fill(1.0); MAX_SLOTS + 1];
    let mut out = [0.0; 4];
    eval(
        &Program {
            leaves: &[],
            steps: &steps,
        },
        &mut out,
    );
}
