//! Loss tests: hand-computed values, a few PyTorch vectors copied from
//! /work/shared/vectors/ops.json (PyTorch 2.15, float32), error cases, and central-difference
//! gradient checks.

use super::CrossEntropy;
use crate::prelude::*;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[track_caller]
fn close(got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (a, b) in got.iter().zip(want) {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()),
            "{got:?} vs {want:?}"
        );
    }
}

/// `Σ w_k y_k` with fixed unequal weights, so an unreduced loss gets a non-uniform gradient.
fn weighted(y: Var<'_>) -> Var<'_> {
    let w: Vec<f32> = (0..y.numel()).map(|k| 0.5 + 0.25 * k as f32).collect();
    let w = y.scope().input(Tensor::new(w, y.shape()).unwrap());
    (y * w).sum()
}

/// Central differences of `f` (made scalar by a fixed weighting when it is not) against the
/// gradients backward gives for every input.
fn check_grads(inputs: &[Tensor], f: impl for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>) {
    let eval = |xs: &[Tensor]| -> f64 {
        Graph::new()
            .run(|g| {
                let vs: Vec<Var> = xs.iter().map(|x| g.input(x)).collect();
                Ok(weighted(f(&vs)?).item() as f64)
            })
            .unwrap()
    };
    let analytic: Vec<Vec<f32>> = Graph::new()
        .run(|g| {
            let vs: Vec<Var> = inputs.iter().map(|x| g.leaf(x)).collect();
            weighted(f(&vs)?).backward()?;
            Ok(vs.iter().map(|v| v.grad().unwrap().to_vec()).collect())
        })
        .unwrap();
    let h = 1e-2f32;
    for (i, grad) in analytic.iter().enumerate() {
        for (k, &got) in grad.iter().enumerate() {
            let mut xs = inputs.to_vec();
            xs[i].data_mut()[k] += h;
            let up = eval(&xs);
            xs[i].data_mut()[k] -= 2.0 * h;
            let down = eval(&xs);
            let numeric = ((up - down) / (2.0 * h as f64)) as f32;
            let tol = 2e-3 * (1.0 + numeric.abs());
            assert!(
                (got - numeric).abs() <= tol,
                "input {i} element {k}: backward {got} vs central difference {numeric}"
            );
        }
    }
}

#[test]
fn cross_entropy_by_hand_with_and_without_smoothing() {
    Graph::new()
        .run(|g| {
            // logits [0, ln 3]: p = [1/4, 3/4]; the second row [0, 0]: p = [1/2, 1/2]
            let x = g.leaf(t(&[0.0, 3f32.ln(), 0.0, 0.0], &[2, 2]));
            let loss = x.cross_entropy(&[1, 0])?;
            // mean of ln(4/3) and ln 2
            let want = ((4.0f32 / 3.0).ln() + 2f32.ln()) / 2.0;
            close(&[loss.item()], &[want], 1e-6);
            loss.backward()?;
            // (p - onehot) / 2
            close(
                &x.grad().unwrap().to_vec(),
                &[0.125, -0.125, -0.25, 0.25],
                1e-6,
            );
            // smoothing 0.2, C = 2, row 0 only: -(0.8) ln(3/4) - 0.1 (ln(1/4) + ln(3/4)),
            // gradient p - 0.8 onehot - 0.1 = [0.15, -0.15]
            let x = g.leaf(t(&[0.0, 3f32.ln()], &[1, 2]));
            let opts = CrossEntropy {
                label_smoothing: 0.2,
                ..Default::default()
            };
            let loss = x.cross_entropy_with(&[1], &opts)?;
            let want = 0.8 * (4.0f32 / 3.0).ln() + 0.1 * (4f32.ln() + (4.0f32 / 3.0).ln());
            close(&[loss.item()], &[want], 1e-6);
            loss.backward()?;
            close(&x.grad().unwrap().to_vec(), &[0.15, -0.15], 1e-6);
            Ok(())
        })
        .unwrap();
}

#[test]
fn cross_entropy_matches_pytorch_vectors() {
    // ops.json, cross_entropy [1, 3], targets [1]: (label_smoothing, logits, loss,
    // grad_output, grad)
    let cases = [
        (
            0.0,
            [-0.715_708_9, -1.965_753_6, 1.393_553],
            3.504_347_3,
            -0.960_831_94,
            [-0.100_836_14, 0.931_943_2, -0.831_107_1],
        ),
        (
            0.1,
            [1.524_658_1, -0.749_777_9, -0.903_393_1],
            2.378_588_4,
            0.249_441_83,
            [0.201_113_09, -0.211_271_7, 0.010_158_598],
        ),
    ];
    for (eps, logits, loss_want, go, grad_want) in cases {
        Graph::new()
            .run(|g| {
                let x = g.leaf(t(&logits, &[1, 3]));
                let opts = CrossEntropy {
                    label_smoothing: eps,
                    ..Default::default()
                };
                let loss = x.cross_entropy_with(&[1], &opts)?;
                close(&[loss.item()], &[loss_want], 1e-5);
                loss.backward_with(&Backward::gradient(Tensor::scalar(go)))?;
                close(&x.grad().unwrap().to_vec(), &grad_want, 1e-5);
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn cross_entropy_ignore_index_and_reductions() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[0.0, 3f32.ln(), 5.0, -5.0, 0.0, 0.0], &[3, 2]));
            // row 1 is ignored (its target 7 is not even a class): mean over rows 0 and 2
            let opts = CrossEntropy {
                ignore_index: Some(7),
                ..Default::default()
            };
            let loss = x.cross_entropy_with(&[1, 7, 0], &opts)?;
            let want = ((4.0f32 / 3.0).ln() + 2f32.ln()) / 2.0;
            close(&[loss.item()], &[want], 1e-6);
            loss.backward()?;
            let gx = x.grad().unwrap().to_vec();
            close(&gx, &[0.125, -0.125, 0.0, 0.0, -0.25, 0.25], 1e-6);
            let opts = CrossEntropy {
                reduction: Reduction::Sum,
                ..opts
            };
            let sum = x.cross_entropy_with(&[1, 7, 0], &opts)?.item();
            close(&[sum], &[2.0 * want], 1e-6);
            let opts = CrossEntropy {
                reduction: Reduction::None,
                ..opts
            };
            let none = x.cross_entropy_with(&[1, 7, 0], &opts)?;
            assert_eq!(none.shape(), &[3]);
            close(&none.to_vec(), &[(4.0f32 / 3.0).ln(), 0.0, 2f32.ln()], 1e-6);
            // every row ignored: PyTorch's mean is 0/0 = NaN, the gradient is zero
            x.set_grad_none();
            let all = x.cross_entropy_with(
                &[7, 7, 7],
                &CrossEntropy {
                    ignore_index: Some(7),
                    ..Default::default()
                },
            )?;
            assert!(all.item().is_nan());
            all.backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0; 6]);
            // N = 0: mean NaN, sum 0
            let empty = g.leaf(Tensor::zeros(&[0, 3])?);
            assert!(empty.cross_entropy(&[])?.item().is_nan());
            let sum = CrossEntropy {
                reduction: Reduction::Sum,
                ..Default::default()
            };
            assert_eq!(empty.cross_entropy_with(&[], &sum)?.item(), 0.0);
            // unbatched [C] scores with one target: a 0-d loss even unreduced
            let v = g.leaf(t(&[0.0, 3f32.ln()], &[2]));
            let none = CrossEntropy {
                reduction: Reduction::None,
                ..Default::default()
            };
            let l = v.cross_entropy_with(&[1], &none)?;
            assert_eq!(l.shape(), &[] as &[usize]);
            close(&[l.item()], &[(4.0f32 / 3.0).ln()], 1e-6);
            Ok(())
        })
        .unwrap();
}

#[test]
fn class_loss_errors_name_the_op_and_shapes() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[2, 3])?);
            let e = x.cross_entropy(&[0, 3]).unwrap_err();
            assert!(matches!(
                e,
                Error::IndexOutOfRange {
                    index: 3,
                    size: 3,
                    ..
                }
            ));
            assert!(e
                .to_string()
                .starts_with("cross_entropy: index 3 is out of range"));
            let e = x.cross_entropy(&[0]).unwrap_err();
            assert!(matches!(e, Error::ShapeMismatch { .. }));
            assert!(
                e.to_string()
                    .contains("cross_entropy: shapes [2, 3] and [1]"),
                "{e}"
            );
            let e = x.nll_loss(&[5, 0]).unwrap_err().to_string();
            assert!(e.starts_with("nll_loss: index 5"), "{e}");
            let e = g
                .leaf(Tensor::zeros(&[2, 0])?)
                .cross_entropy(&[0, 0])
                .unwrap_err();
            assert!(matches!(e, Error::Empty { .. }));
            let e = g
                .leaf(Tensor::zeros(&[1, 2, 3])?)
                .cross_entropy(&[0])
                .unwrap_err();
            assert!(
                e.to_string().contains("expects scores of shape [N, C]"),
                "{e}"
            );
            for eps in [-0.1, 1.5, f32::NAN] {
                let opts = CrossEntropy {
                    label_smoothing: eps,
                    ..Default::default()
                };
                let e = x
                    .cross_entropy_with(&[0, 1], &opts)
                    .unwrap_err()
                    .to_string();
                assert!(e.starts_with("cross_entropy: label_smoothing must be in [0, 1]"));
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn nll_loss_matches_pytorch_vector_and_ignores_rows() {
    Graph::new()
        .run(|g| {
            // ops.json, nll_loss [1, 3], targets [1]
            let x = g.leaf(t(&[-1.670_799_7, -4.132_544_5, -0.228_330_18], &[1, 3]));
            let loss = x.nll_loss(&[1])?;
            assert_eq!(loss.item(), 4.132_544_5);
            let go = -0.339_646_76;
            loss.backward_with(&Backward::gradient(Tensor::scalar(go)))?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, -go, 0.0]);
            let y = g.leaf(t(&[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0], &[3, 2]));
            let l = y.nll_loss_with(&[1, 0, 1], Reduction::Mean, Some(0))?;
            assert_eq!(l.item(), 4.0); // (2 + 6) / 2
            l.backward()?;
            assert_eq!(
                y.grad().unwrap().to_vec(),
                vec![0.0, -0.5, 0.0, 0.0, 0.0, -0.5]
            );
            let l = y.nll_loss_with(&[1, 0, 1], Reduction::None, None)?;
            assert_eq!(l.to_vec(), vec![2.0, 3.0, 6.0]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn regression_losses_by_hand() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[1.0, 3.0, -1.0, 0.25], &[2, 2]));
            let y = g.leaf(t(&[1.0, 0.0, 1.0, 0.0], &[2, 2]));
            // d = [0, 3, -2, 0.25]
            let mse = x.mse_loss(y)?; // (0 + 9 + 4 + 1/16) / 4
            assert_eq!(mse.item(), 13.0625 / 4.0);
            mse.backward()?; // 2d/4 for x, -2d/4 for y
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.5, -1.0, 0.125]);
            assert_eq!(y.grad().unwrap().to_vec(), vec![-0.0, -1.5, 1.0, -0.125]);
            let l1 = x.l1_loss_with(y, Reduction::Sum)?;
            assert_eq!(l1.item(), 5.25);
            x.set_grad_none();
            l1.backward()?; // sign d, 0 at d = 0
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, -1.0, 1.0]);
            // huber(1): [0, 1*(3 - 0.5), 1*(2 - 0.5), 0.5 * 0.0625]
            let hub = x.huber_loss_with(y, 1.0, Reduction::None)?;
            assert_eq!(hub.shape(), &[2, 2]);
            assert_eq!(hub.to_vec(), vec![0.0, 2.5, 1.5, 0.031_25]);
            // smooth_l1(2) = huber(2) / 2: [0, 3 - 1, 2 - 1, 0.5 * 0.0625 / 2]
            let sl = x.smooth_l1_loss_with(y, 2.0, Reduction::None)?;
            assert_eq!(sl.to_vec(), vec![0.0, 2.0, 1.0, 0.015_625]);
            let l1_mean = x.l1_loss(y)?.item();
            assert_eq!(x.smooth_l1_loss(y, 0.0)?.item(), l1_mean);
            // Mean of nothing is NaN, as PyTorch
            let e = g.leaf(Tensor::zeros(&[0])?);
            assert!(e.mse_loss(e)?.item().is_nan());
            Ok(())
        })
        .unwrap();
}

#[test]
fn bce_with_logits_matches_pytorch_on_large_logits() {
    // ops.json, binary_cross_entropy_with_logits [8], "large |logit|" case
    let x = [-40.0, -15.0, -1.0, 0.0, 2.0, 15.0, 40.0, 90.0];
    let y = [1.0, 0.0, 1.0, 0.0, 0.5, 0.0, 1.0, 0.0];
    let gx = [
        -0.005_618_343,
        1.718_663_7e-9,
        -0.004_107_338,
        0.002_809_171_6,
        0.002_139_448_4,
        0.005_618_341,
        0.0,
        0.005_618_343,
    ];
    let gy = [
        0.224_733_73,
        0.084_275_15,
        0.005_618_343,
        -0.0,
        -0.011_236_686,
        -0.084_275_15,
        -0.224_733_73,
        -0.505_650_9,
    ];
    Graph::new()
        .run(|g| {
            let (xv, yv) = (g.leaf(t(&x, &[8])), g.leaf(t(&y, &[8])));
            let loss = xv.bce_with_logits(yv)?;
            close(&[loss.item()], &[18.516_666], 1e-6);
            let go = Tensor::scalar(0.044_946_745);
            loss.backward_with(&Backward::gradient(go))?;
            close(&xv.grad().unwrap().to_vec(), &gx, 1e-5);
            close(&yv.grad().unwrap().to_vec(), &gy, 1e-5);
            Ok(())
        })
        .unwrap();
}

#[test]
fn pointwise_errors() {
    Graph::new()
        .run(|g| {
            let (a, b) = (
                g.leaf(Tensor::zeros(&[2, 3])?),
                g.leaf(Tensor::zeros(&[3])?),
            );
            let e = a.mse_loss(b).unwrap_err();
            assert!(matches!(e, Error::ShapeMismatch { .. }));
            assert!(
                e.to_string().starts_with("mse_loss: shapes [2, 3] and [3]"),
                "{e}"
            );
            let e = a.bce_with_logits(b).unwrap_err().to_string();
            assert!(
                e.starts_with("binary_cross_entropy_with_logits: shapes"),
                "{e}"
            );
            for d in [0.0, -1.0, f32::NAN] {
                let e = a.huber_loss(a, d).unwrap_err().to_string();
                assert!(e.starts_with("huber_loss: delta must be positive"), "{e}");
            }
            let e = a.smooth_l1_loss(a, -0.5).unwrap_err().to_string();
            assert!(
                e.starts_with("smooth_l1_loss: beta must be non-negative"),
                "{e}"
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn gradients_match_central_differences() {
    let logits = t(
        &[
            0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, -2.2, 0.0, 0.9, -0.6, 1.1,
        ],
        &[3, 4],
    );
    for reduction in [Reduction::Mean, Reduction::Sum, Reduction::None] {
        let opts = CrossEntropy {
            reduction,
            label_smoothing: 0.15,
            ignore_index: Some(2),
        };
        check_grads(std::slice::from_ref(&logits), |v| {
            v[0].cross_entropy_with(&[3, 2, 0], &opts)
        });
        check_grads(std::slice::from_ref(&logits), |v| {
            v[0].nll_loss_with(&[1, 0, 3], reduction, None)
        });
        // d = x - t = [0.9, -1.5, 1, -1.2, -0.3, 0.3] stays at least 0.1 (ten steps) away from
        // the kinks of l1 (0), huber(0.5) and smooth_l1(0.8) (±δ)
        let x = t(&[0.9, -1.0, 2.0, 0.1, -0.3, 1.2], &[2, 3]);
        let y = t(&[0.0, 0.5, 1.0, 1.3, 0.0, 0.9], &[2, 3]);
        let xy = [x, y];
        check_grads(&xy, |v| v[0].mse_loss_with(v[1], reduction));
        check_grads(&xy, |v| v[0].l1_loss_with(v[1], reduction));
        check_grads(&xy, |v| v[0].huber_loss_with(v[1], 0.5, reduction));
        check_grads(&xy, |v| v[0].smooth_l1_loss_with(v[1], 0.8, reduction));
        let p = t(&[0.2, 1.0, 0.5, 0.0, 0.9, 0.3], &[2, 3]);
        check_grads(&[xy[0].clone(), p], |v| {
            v[0].bce_with_logits_with(v[1], reduction)
        });
    }
}

/// A reduced cross-entropy read only after backward is computed by backward, in one pass
/// with its gradient: the loss and the gradients carry the bits of the loss read first
/// (forward, then backward's own pass), for every reduction, smoothing and ignored rows, a
/// leaf and a parameter, a second pass with the graph kept, and a loss read never.
#[test]
fn a_loss_left_to_backward_has_the_bits_of_one_read_first() {
    let (n, c) = (37, 29);
    let data: Vec<f32> = (0..n * c)
        .map(|k| ((k * 7919 % 613) as f32) * 0.01 - 3.0)
        .collect();
    let targets: Vec<usize> = (0..n)
        .map(|i| if i % 5 == 2 { 99 } else { i * 7 % c })
        .collect();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for reduction in [Reduction::Mean, Reduction::Sum] {
        for label_smoothing in [0.0, 0.2] {
            let opts = CrossEntropy {
                reduction,
                label_smoothing,
                ignore_index: Some(99),
            };
            let run = |read_first: bool| {
                let mut params = ParamStore::new();
                let p = params.add("p", t(&data, &[n, c])).unwrap();
                let (loss, leaf) = Graph::new()
                    .run_with(&mut params, |g| {
                        let x = g.leaf(t(&data, &[n, c]));
                        let y = g.param(p) * 0.5 + x;
                        let loss = y.cross_entropy_with(&targets, &opts)?;
                        let early = read_first.then(|| loss.item());
                        loss.backward_with(&Backward::retain_graph())?;
                        loss.backward()?;
                        let late = loss.item();
                        assert!(early.is_none_or(|e| e.to_bits() == late.to_bits()));
                        Ok((late, x.grad().unwrap().data().to_vec()))
                    })
                    .unwrap();
                (loss.to_bits(), bits(&leaf), bits(params.grad(p)))
            };
            assert_eq!(run(false), run(true), "{reduction:?} ε={label_smoothing}");
        }
    }
    // never read: backward computes it anyway, and a graph without backward never does
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&data, &[n, c]));
            let loss = x.cross_entropy(&targets[..n].iter().map(|&k| k % c).collect::<Vec<_>>())?;
            assert!(loss.node().is_pending());
            loss.backward()?;
            assert!(!loss.node().is_pending());
            Ok(())
        })
        .unwrap();
}
