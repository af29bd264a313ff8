//! The element-wise, broadcast and reduction kernels make no heap allocation, on the
//! sequential path and through rayon: a counting global allocator watches every layout of
//! `kernels::binary`, every `kernels::unary` op, and the sums and maxima, after one warm-up
//! call has started the thread pool.

use arenagrad::kernels::binary::{self, Binary};
use arenagrad::kernels::reduce::{self, AxisLayout};
use arenagrad::kernels::strided::plan;
use arenagrad::kernels::unary::{self, Unary};
use arenagrad::kernels::Acc;

mod common;
use common::counting_alloc::allocations;

const R: usize = 512;
const C: usize = 1024;
const N: usize = R * C;

/// Runs every kernel once over `[R, C]`-sized operands (large enough for the parallel paths).
fn all_kernels(x: &[f32], y: &[f32], g: &[f32], o1: &mut [f32], o2: &mut [f32], arg: &mut [usize]) {
    let layouts: [(&[usize], &[usize], &[usize]); 6] = [
        (&[R, C], &[R, C], &[R, C]),
        (&[R, C], &[], &[R, C]),
        (&[C], &[R, C], &[R, C]),
        (&[R, C], &[R, 1], &[R, C]),
        (&[R, 1], &[C], &[R, C]),
        (&[2, R / 2, C], &[2, 1, C], &[2, R / 2, C]), // the general walk
    ];
    for op in [
        Binary::Add,
        Binary::Sub,
        Binary::Mul,
        Binary::Div,
        Binary::Max,
        Binary::Min,
    ] {
        for (sa, sb, so) in layouts {
            let (ka, kb) = (sa.iter().product::<usize>(), sb.iter().product::<usize>());
            let (a, b) = (&x[..ka], &y[..kb]);
            binary::forward(op, (a, sa), (b, sb), so, o1);
            for which in 0..2 {
                let k = if which == 0 { ka } else { kb };
                match plan(sa, sb, so) {
                    Some(p) => {
                        binary::backward(op, which, &p, (g, a, b, o1), &mut o2[..k], Acc::Add)
                    }
                    None => binary::backward_general(op, which, (a, sa), (b, sb), (g, o1, so), o2),
                }
            }
        }
    }
    let ops = [
        Unary::Neg,
        Unary::Exp,
        Unary::Log,
        Unary::Sqrt,
        Unary::Tanh,
        Unary::Sigmoid,
        Unary::Relu,
        Unary::GeluErf,
        Unary::GeluTanh,
        Unary::Softplus {
            beta: 1.0,
            threshold: 20.0,
        },
        Unary::Abs,
        Unary::Sin,
        Unary::Cos,
        Unary::Clamp { lo: -1.0, hi: 1.0 },
        Unary::Pow(2.0),
        Unary::Pow(1.5),
    ];
    for op in ops {
        unary::forward(op, x, o1);
        unary::backward(op, x, o1, g, o2, Acc::Add);
    }
    assert!(reduce::sum(x).is_finite());
    for axis in 0..3 {
        let l = AxisLayout::new(&[4, R / 4, C], axis);
        reduce::sum_axis(x, l, 1.0, &mut o1[..l.reduced()], Acc::Write);
        reduce::broadcast_axis(&g[..l.reduced()], l, 0.5, o2, Acc::Add);
        reduce::max_axis(x, l, &mut o1[..l.reduced()], &mut arg[..l.reduced()]);
        reduce::max_axis_backward(&g[..l.reduced()], &arg[..l.reduced()], l, o2, Acc::Add);
    }
    let m = reduce::max_all(x).unwrap();
    reduce::max_all_backward(x, m, 1.0, o2, Acc::Add);
}

#[test]
fn kernels_do_not_allocate() {
    let v = |s: u32| -> Vec<f32> {
        (0..N as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) ^ s) % 1999) as f32 / 400.0 - 2.0)
            .collect()
    };
    let (x, y, g) = (v(1), v(2).iter().map(|t| t + 3.0).collect::<Vec<_>>(), v(3));
    let (mut o1, mut o2, mut arg) = (vec![0.0; N], vec![0.0; N], vec![0usize; N]);
    // Two threads: the splits run as the team's pieces, on this thread and a helper (started,
    // with its own buffers, during the warm-up).
    let count = arenagrad::with_num_threads(2, || {
        for _ in 0..2 {
            all_kernels(&x, &y, &g, &mut o1, &mut o2, &mut arg); // warm-up
        }
        let ((), count) = allocations(|| {
            for _ in 0..3 {
                all_kernels(&x, &y, &g, &mut o1, &mut o2, &mut arg);
            }
        });
        count
    })
    .unwrap();
    assert_eq!(count, 0, "kernels allocated {count} times");
}
