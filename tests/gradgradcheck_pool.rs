//! `arenagrad::gradcheck::gradgradcheck` over the pooling ops (`max_pool2d`, `avg_pool2d`,
//! `adaptive_avg_pool2d`), on shapes and options from a seeded generator (those of
//! `gradcheck_pool.rs`: padding, dilation, strides, ceil mode, count_include_pad).
//!
//! Each pooling is linear in its input (max pooling at its argmax: distinct values spread
//! evenly over [-1.5, 1.5], at least 3/324 ≈ 0.009 = 9 steps apart in the largest input, so
//! no step changes it; values of order one, as the default tolerance assumes), so each is
//! checked as is (the output-gradient part), squared,
//! `P(x)·P(x)`, whose gradient `2·Pᵀ(P(x)·u)` runs the form on a value that depends on `x`,
//! and third order, `grad(Σ P(x)³)` recorded and differentiated twice more, which runs the
//! forms of the gradient ops themselves.

use arenagrad::prelude::*;

#[path = "common/checker.rs"]
mod checker;
#[path = "common/xorshift.rs"]
mod xorshift;
use checker::Checker;
use xorshift::XorShift;

/// An `[N, C, H, W]` shape with small random dims, at least `min` high and wide.
fn nchw(r: &mut XorShift, min: usize) -> Vec<usize> {
    vec![
        1 + r.below(2),
        1 + r.below(2),
        min + r.below(3),
        min + r.below(3),
    ]
}

/// Checks `op` plain, squared and third order (see the module docs).
fn run_all<F>(c: &mut Checker, name: &str, x: Tensor, op: F)
where
    F: for<'g> Fn(Var<'g>) -> Result<Var<'g>>,
{
    let x = [x];
    c.run(name, &x, |_, v| op(v[0]));
    c.run(&format!("{name} squared"), &x, |_, v| {
        let y = op(v[0])?;
        y.try_mul(y)
    });
    c.run(&format!("third order {name}"), &x, |_, v| {
        let s = op(v[0])?.powf(3.0).sum();
        let d = grad(&[s], v, &GradOptions::new().create_graph(true))?;
        Ok(d[0].expect("x is used"))
    });
}

/// Distinct values spread evenly over [-1.5, 1.5] in random order.
fn distinct_unit(r: &mut XorShift, shape: &[usize]) -> Tensor {
    let n = shape.iter().product::<usize>() as f32;
    let t = r.distinct(shape); // 0.15 apart, centred on 0: within ±0.075·n
    let data = t.data().iter().map(|v| v * 1.5 / (0.075 * n)).collect();
    Tensor::new(data, shape).unwrap()
}

#[test]
fn max_pool2d() {
    let (mut r, mut c) = (XorShift::new(41), Checker::second());
    for k in 1..=3 {
        for (s, p, d, ceil) in [
            (1, 0, 1, false),
            (2, k / 2, 1, true),
            (1, 0, 2, false),
            (3, k / 2, 1, true),
        ] {
            let shape = nchw(&mut r, 2 * k + 1);
            let o = MaxPool2dOptions::new([k, k.max(2)])
                .stride([s, 1 + s % 2])
                .padding([p, p])
                .dilation([d, 1])
                .ceil_mode(ceil);
            let name = format!("max_pool2d {o:?} {shape:?}");
            let x = distinct_unit(&mut r, &shape);
            run_all(&mut c, &name, x, move |x| x.try_max_pool2d(o));
        }
    }
    c.finish("max_pool2d (second order)");
}

#[test]
fn avg_pool2d() {
    let (mut r, mut c) = (XorShift::new(42), Checker::second());
    for k in 1..=3 {
        for (s, ceil) in [(1, false), (2, true), (3, true)] {
            for include in [true, false] {
                let shape = nchw(&mut r, k);
                let o = AvgPool2dOptions::new([k, 3])
                    .stride([s, 2])
                    .padding([k / 2, 1])
                    .ceil_mode(ceil)
                    .count_include_pad(include);
                let name = format!("avg_pool2d {o:?} {shape:?}");
                let x = r.tensor(&shape, -2.0, 2.0);
                run_all(&mut c, &name, x, move |x| x.try_avg_pool2d(o));
            }
        }
    }
    c.finish("avg_pool2d (second order)");
}

#[test]
fn adaptive_avg_pool2d() {
    let (mut r, mut c) = (XorShift::new(43), Checker::second());
    for out in [[1, 1], [2, 3], [3, 2], [5, 4], [1, 6]] {
        let shape = nchw(&mut r, 1);
        let x = r.tensor(&shape, -2.0, 2.0);
        let name = format!("adaptive_avg_pool2d {out:?} {shape:?}");
        run_all(&mut c, &name, x, move |x| x.try_adaptive_avg_pool2d(out));
    }
    c.finish("adaptive_avg_pool2d (second order)");
}
