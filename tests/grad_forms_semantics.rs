//! What the differentiable backward forms do where finite differences cannot tell: ties,
//! non-finite output gradients, and agreement of the recorded gradients with the fused
//! backward. The expected values are derived in the comments (and agree with PyTorch 2's
//! `torch.autograd.grad` on the same inputs).

use arenagrad::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[test]
fn tied_maxima_share_the_gradient_at_every_order() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[3.0, 1.0, 3.0], &[3]));
            let y = x.try_max()?;
            let f = y * y; // 9
            let opts = GradOptions::new().create_graph(true);
            // df/dx = 2y·[x = y]/2 = [3, 0, 3]
            let d = grad(&[f], &[x], &opts)?[0].unwrap();
            assert_eq!(d.to_vec(), vec![3.0, 0.0, 3.0]);
            // Σ df/dx = 2y, whose gradient is 2·[x = y]/2 = [1, 0, 1]
            let d2 = grad(&[d.sum()], &[x], &GradOptions::new())?[0].unwrap();
            assert_eq!(d2.to_vec(), vec![1.0, 0.0, 1.0]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_non_finite_output_gradient_stays_where_it_is_routed() {
    Graph::new()
        .run(|g| {
            // max along rows: argmax 1 (first of the tie) and 0; NaN routed to row 0's argmax only
            let x = g.leaf(t(&[1.0, 5.0, 5.0, 4.0, 2.0, 4.0], &[2, 3]));
            let u = [g.input(t(&[f32::NAN, 2.0], &[2]))];
            let opts = GradOptions::new().grad_outputs(&u).create_graph(true);
            let d = grad(&[x.try_max_axis(1, false)?], &[x], &opts)?[0].unwrap();
            let d = d.to_vec();
            assert!(d[1].is_nan());
            assert_eq!([d[0], d[2], d[3], d[4], d[5]], [0.0, 0.0, 2.0, 0.0, 0.0]);
            // where: the NaN goes to a only (selected there), b gets 0 at that position
            let (a, b) = (
                g.leaf(t(&[1.0, 2.0, 3.0], &[3])),
                g.leaf(t(&[4.0, 5.0, 6.0], &[3])),
            );
            let m = Mask::new(vec![true, false, true], &[3])?;
            let u = [g.input(t(&[f32::NAN, 1.0, 2.0], &[3]))];
            let opts = GradOptions::new().grad_outputs(&u).create_graph(true);
            let d = grad(&[Var::try_where_cond(&m, a, b)?], &[a, b], &opts)?;
            let (da, db) = (d[0].unwrap().to_vec(), d[1].unwrap().to_vec());
            assert!(da[0].is_nan() && da[1..] == [0.0, 2.0]);
            assert_eq!(db, vec![0.0, 1.0, 0.0]);
            // max over all with an infinite gradient: NaN is the max and takes it all
            let x = g.leaf(t(&[3.0, f32::NAN, 1.0], &[3]));
            let u = [g.input(Tensor::scalar(f32::INFINITY))];
            let opts = GradOptions::new().grad_outputs(&u).create_graph(true);
            let d = grad(&[x.try_max()?], &[x], &opts)?[0].unwrap();
            assert_eq!(d.to_vec(), vec![0.0, f32::INFINITY, 0.0]);
            Ok(())
        })
        .unwrap();
}

fn net<'g>(v: &[Var<'g>]) -> Result<Var<'g>> {
    let (x, w, b, wt) = (v[0], v[1], v[2], v[3]);
    let opts = Conv2dOptions::default()
        .stride([2, 1])
        .padding([1, 1])
        .dilation([1, 2])
        .groups(2);
    let y = x.try_conv2d(w, Some(b), opts)?.tanh(); // [2, 4, 4, 4]
    let p = y.try_max_pool2d(MaxPool2dOptions::square(2).stride([1, 1]))?;
    let q = y.try_avg_pool2d(AvgPool2dOptions::square(3).padding([1, 1]))?;
    let r = q
        .try_adaptive_avg_pool2d([3, 3])?
        .try_pad(&[1, 0, 0, 1], 0.0)?; // [2,4,4,4]
    let s = Var::try_concat(&[p.try_narrow(2, 0, 3)?, r.try_narrow(2, 1, 3)?], 3)?;
    let s = s
        .try_index_select(1, &[3, 0, 0])?
        .try_gather(3, &[0, 2, 7, 7, 1, 0], &[1, 1, 1, 6])?;
    let m = Mask::new(vec![true, false, true, true, false, false], &[6])?;
    let s = Var::try_where_cond(&m, s, s * 2.0)?.try_max_axis(-1, false)?;
    let z = y.try_conv_transpose2d(wt, None, ConvTranspose2dOptions::default().stride([2, 2]))?;
    Ok(s.sum() + z.sin().sum() + y.try_max()?)
}

/// A network through every op with a new form: the recorded gradients (grad, no
/// create_graph) against the fused backward's.
#[test]
fn recorded_gradients_match_the_fused_backward() {
    let ramp = |n: usize, s: f32| -> Vec<f32> {
        (0..n).map(|i| ((i * 7 % 11) as f32 - 5.0) * s).collect()
    };
    let x = t(&ramp(2 * 2 * 7 * 6, 0.1), &[2, 2, 7, 6]);
    let w = t(&ramp(4 * 3 * 2, 0.2), &[4, 1, 3, 2]);
    let b = t(&[0.1, -0.2, 0.3, 0.0], &[4]);
    let wt = t(&ramp(4 * 3 * 2 * 2, 0.15), &[4, 3, 2, 2]);
    let grads = |recorded: bool| -> Vec<Vec<f32>> {
        Graph::new()
            .run(|g| {
                let v = [g.leaf(&x), g.leaf(&w), g.leaf(&b), g.leaf(&wt)];
                let out = net(&v)?;
                if recorded {
                    let d = grad(&[out], &v, &GradOptions::new())?;
                    return Ok(d.iter().map(|d| d.unwrap().to_vec()).collect());
                }
                out.backward()?;
                Ok(v.iter().map(|v| v.grad().unwrap().into_vec()).collect())
            })
            .unwrap()
    };
    let (fused, recorded) = (grads(false), grads(true));
    for (k, (f, r)) in fused.iter().zip(&recorded).enumerate() {
        assert_eq!(f.len(), r.len());
        for (i, (a, b)) in f.iter().zip(r).enumerate() {
            // the same sums, but in another order (bias and weight gradients, joins)
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + a.abs()),
                "input {k}[{i}]: {a} vs {b}"
            );
        }
    }
}

/// A gradient penalty (WGAN-GP's `Σ (∂D/∂x)²`) on a critic whose weights are parameters in a
/// `ParamStore`: backward through the recorded input gradient reaches the parameters, and
/// their gradients match central differences of the penalty.
#[test]
fn a_gradient_penalty_reaches_conv_parameters() {
    let mut params = ParamStore::new();
    let ramp = |n: usize, s: f32| -> Vec<f32> {
        (0..n)
            .map(|k| ((k as f32) * 0.61 + s).sin() * 0.7)
            .collect()
    };
    let w = params
        .add("w", t(&ramp(3 * 2 * 2 * 3, 0.3), &[3, 2, 2, 3]))
        .unwrap();
    let b = params.add("b", t(&ramp(3, 1.1), &[3])).unwrap();
    let x = t(&ramp(2 * 2 * 5 * 4, 2.0), &[2, 2, 5, 4]);
    let opts = Conv2dOptions::default()
        .stride([2, 1])
        .padding([1, 1])
        .dilation([1, 2]);
    let mut graph = Graph::new();
    // the penalty, with its parameter gradients left in the store when `train`
    let mut penalty = |params: &mut ParamStore, train: bool| -> f64 {
        graph
            .run_with(params, |g| {
                let xv = g.leaf(&x);
                let d = xv
                    .try_conv2d(g.param(w), Some(g.param(b)), opts)?
                    .tanh()
                    .sum();
                let create = GradOptions::new().create_graph(train);
                let dx = grad(&[d], &[xv], &create)?[0].unwrap();
                let gp = (dx * dx).sum();
                if train {
                    gp.backward()?;
                }
                Ok(f64::from(gp.item()))
            })
            .unwrap()
    };
    params.zero_grad();
    penalty(&mut params, true);
    let analytic: Vec<f32> = params.flat_grad().to_vec();
    let h = 1e-3;
    for (k, &a) in analytic.iter().enumerate() {
        let v = params.flat_mut().0[k];
        params.flat_mut().0[k] = v + h;
        let up = penalty(&mut params, false);
        params.flat_mut().0[k] = v - h;
        let down = penalty(&mut params, false);
        params.flat_mut().0[k] = v;
        let numeric = (up - down) / (f64::from(v + h) - f64::from(v - h));
        let err = (f64::from(a) - numeric).abs();
        assert!(
            err <= 1e-3 + 1e-2 * numeric.abs(),
            "param element {k}: {a} vs {numeric}"
        );
    }
    assert!(analytic.iter().any(|&a| a.abs() > 0.1), "{analytic:?}");
}
