//! Second-order gradient checks of the differentiable backward forms (`Rule::backward_graph`)
//! of matmul, linear, the softmax family, var, the norms, dropout, attention and the losses.
//!
//! `arenagrad::gradcheck::gradgradcheck` checks, for `y = f(x)`, the gradient recorded with
//! `grad(.., create_graph)` against central differences of it, in the inputs and in the output
//! gradient (PyTorch's gradgradcheck). Inputs keep clear of kinks by far more than the step (l1/huber/smooth-l1
//! differences away from 0 and the switch points).
//!
//! Each check also compares the recorded first-order gradients with the fused backward's (which
//! gradcheck covers elsewhere), since gradgradcheck alone accepts a form that is consistently
//! wrong at first order; a last test does so for dropout's mask and attention rows with no key,
//! which no PyTorch vector covers, and checks that such a row passes no gradient.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::slice::from_ref;

use arenagrad::gradcheck::{Report, Tolerance};
use arenagrad::loss::{CrossEntropy, Reduction};
use arenagrad::prelude::*;
use arenagrad::rng::Rng;

#[path = "common/xorshift.rs"]
mod xorshift;
use xorshift::XorShift;

/// Fixed weights of `shape`, different for each `phase`.
fn fixed(shape: &[usize], phase: f32) -> Tensor {
    let n = shape.iter().product::<usize>();
    let data = (0..n)
        .map(|k| (0.9 * k as f32 + 1.3 * phase + 0.4).sin() + 0.25)
        .collect();
    Tensor::new(data, shape).expect("matching length")
}

/// The library's gradgradcheck, its error as text for the report.
fn gradgradcheck<F>(inputs: &[Tensor], f: F, tol: &Tolerance) -> Result<Report, String>
where
    F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
{
    arenagrad::gradcheck::gradgradcheck(inputs, f, tol).map_err(|e| e.to_string())
}

/// Collects every failing check (errors and panics) for one report.
struct Checks {
    tol: Tolerance,
    passed: usize,
    failures: Vec<String>,
}

impl Checks {
    fn new() -> Self {
        Checks {
            tol: Tolerance::default(),
            passed: 0,
            failures: Vec::new(),
        }
    }
    fn run<F>(&mut self, name: &str, inputs: &[Tensor], f: F)
    where
        F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
    {
        let shapes: Vec<&[usize]> = inputs.iter().map(Tensor::shape).collect();
        let both = || first_order_matches(inputs, &f).and(gradgradcheck(inputs, &f, &self.tol));
        match catch_unwind(AssertUnwindSafe(both)) {
            Ok(Ok(_)) => self.passed += 1,
            Ok(Err(e)) => self.failures.push(format!("{name} {shapes:?}: {e}")),
            Err(_) => self.failures.push(format!("{name} {shapes:?}: panicked")),
        }
    }
    fn finish(self, family: &str) {
        println!("{family}: {} checks passed", self.passed);
        assert!(
            self.failures.is_empty(),
            "{family}: {} failed:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

#[test]
fn gradgrad_matmul_linear() {
    let mut c = Checks::new();
    let mut r = XorShift::new(11);
    let pairs: [(&[usize], &[usize]); 7] = [
        (&[3, 4], &[4, 2]),
        (&[2, 3, 4], &[4, 5]),
        (&[2, 1, 3, 4], &[3, 4, 2]),
        (&[4], &[2, 4, 3]),
        (&[2, 3, 4], &[4]),
        (&[4], &[4]),
        (&[3], &[3, 2]),
    ];
    for (sa, sb) in pairs {
        let (a, b) = (r.tensor(sa, -1.0, 1.0), r.tensor(sb, -1.0, 1.0));
        c.run("matmul", &[a, b], |_, v| v[0].try_matmul(v[1]));
    }
    let (x, w, b) = (
        r.tensor(&[2, 3, 4], -1.0, 1.0),
        r.tensor(&[5, 4], -1.0, 1.0),
        r.tensor(&[5], -1.0, 1.0),
    );
    c.run("linear", &[x.clone(), w.clone(), b], |_, v| {
        v[0].try_linear(v[1], Some(v[2]))
    });
    c.run("linear (no bias)", &[x, w], |_, v| {
        v[0].try_linear(v[1], None)
    });
    // a second-order use: the product of two linear maps, so d²/dx dW is not zero
    let (x, w) = (r.tensor(&[3, 4], -1.0, 1.0), r.tensor(&[4, 4], -1.0, 1.0));
    c.run("linear∘linear", &[x, w], |_, v| {
        v[0].try_linear(v[1], None)?.try_linear(v[1], None)
    });
    c.finish("matmul/linear");
}

#[test]
fn gradgrad_softmax_family_and_var() {
    let mut c = Checks::new();
    let mut r = XorShift::new(12);
    for (shape, axis) in [(&[3, 5][..], -1), (&[4, 3][..], 0), (&[2, 3, 4][..], 1)] {
        let x = r.tensor(shape, -2.0, 2.0);
        c.run("softmax", from_ref(&x), |_, v| v[0].try_softmax(axis));
        c.run("log_softmax", from_ref(&x), |_, v| {
            v[0].try_log_softmax(axis)
        });
        c.run("logsumexp", from_ref(&x), |_, v| {
            v[0].try_logsumexp(axis, false)
        });
        c.run("logsumexp keepdim", from_ref(&x), |_, v| {
            v[0].try_logsumexp(axis, true)
        });
        for corr in [0, 1] {
            c.run("var", from_ref(&x), |_, v| {
                v[0].try_var(axis, corr, axis == 0)
            });
        }
    }
    c.finish("softmax/log_softmax/logsumexp/var");
}

#[test]
fn gradgrad_norms() {
    let mut c = Checks::new();
    let mut r = XorShift::new(13);
    let (x, w, b) = (
        r.tensor(&[3, 5], -2.0, 2.0),
        r.tensor(&[5], 0.5, 1.5),
        r.tensor(&[5], -1.0, 1.0),
    );
    c.run("layer_norm", &[x.clone(), w.clone(), b], |_, v| {
        v[0].try_layer_norm(Some(v[1]), Some(v[2]), 1e-5)
    });
    c.run("layer_norm (no affine)", from_ref(&x), |_, v| {
        v[0].try_layer_norm(None, None, 1e-3)
    });
    c.run("rms_norm", &[x.clone(), w], |_, v| {
        v[0].try_rms_norm(&[5], Some(v[1]), Some(1e-5))
    });
    let x3 = r.tensor(&[2, 2, 3], -2.0, 2.0);
    c.run("rms_norm [2, 3], no weight", from_ref(&x3), |_, v| {
        v[0].try_rms_norm(&[2, 3], None, None)
    });
    for shape in [&[5, 3][..], &[2, 3, 2, 2][..]] {
        let x = r.tensor(shape, -2.0, 2.0);
        let (w, b) = (r.tensor(&[3], 0.5, 1.5), r.tensor(&[3], -1.0, 1.0));
        let inputs = [x.clone(), w, b];
        c.run("batch_norm train", &inputs, |_, v| {
            let mode = BatchNormMode::Train {
                running: None,
                momentum: 0.1,
                eps: 1e-5,
            };
            v[0].try_batch_norm(Some(v[1]), Some(v[2]), mode)
        });
        c.run("batch_norm train (no affine)", from_ref(&x), |_, v| {
            v[0].try_batch_norm(None, None, BatchNormMode::train(None))
        });
        c.run("batch_norm eval", &inputs, |_, v| {
            let (mean, var) = ([0.2, -0.1, 0.3], [0.8, 1.5, 1.1]);
            v[0].try_batch_norm(Some(v[1]), Some(v[2]), BatchNormMode::eval(&mean, &var))
        });
    }
    c.finish("layer_norm/rms_norm/batch_norm");
}

#[test]
fn gradgrad_class_losses() {
    let mut c = Checks::new();
    let mut r = XorShift::new(14);
    let x = r.tensor(&[4, 5], -2.0, 2.0);
    let t = [3, 0, 4, 3];
    for reduction in [Reduction::Mean, Reduction::Sum, Reduction::None] {
        for (label_smoothing, ignore_index) in [(0.0, None), (0.2, None), (0.1, Some(3))] {
            let opts = CrossEntropy {
                reduction,
                label_smoothing,
                ignore_index,
            };
            c.run("cross_entropy", from_ref(&x), |_, v| {
                v[0].cross_entropy_with(&t, &opts)
            });
            c.run("nll_loss", from_ref(&x), |_, v| {
                v[0].try_log_softmax(-1)?
                    .nll_loss_with(&t, reduction, ignore_index)
            });
        }
    }
    let row = r.tensor(&[6], -2.0, 2.0);
    c.run("cross_entropy [C]", from_ref(&row), |_, v| {
        v[0].cross_entropy(&[2])
    });
    c.finish("cross_entropy/nll_loss");
}

#[test]
fn gradgrad_pointwise_losses() {
    let mut c = Checks::new();
    let mut r = XorShift::new(15);
    let x = r.tensor(&[2, 4], -2.0, 2.0);
    // differences x − t of ±0.2..0.4 and ±1.3..1.8: away from 0 and from the switch points 1, 0.5
    let d: Vec<f32> = [0.3, -0.25, 1.5, -1.7, 0.35, -1.4, 0.22, 1.8].to_vec();
    let t = Tensor::new(
        x.data().iter().zip(&d).map(|(a, d)| a - d).collect(),
        &[2, 4],
    )
    .unwrap();
    let p = r.tensor(&[2, 4], 0.0, 1.0);
    for red in [Reduction::Mean, Reduction::Sum, Reduction::None] {
        let xt = [x.clone(), t.clone()];
        c.run("mse", &xt, |_, v| v[0].mse_loss_with(v[1], red));
        c.run("l1", &xt, |_, v| v[0].l1_loss_with(v[1], red));
        c.run("huber", &xt, |_, v| v[0].huber_loss_with(v[1], 1.0, red));
        c.run("smooth_l1", &xt, |_, v| {
            v[0].smooth_l1_loss_with(v[1], 0.5, red)
        });
        c.run("bce_with_logits", &[x.clone(), p.clone()], |_, v| {
            v[0].bce_with_logits_with(v[1], red)
        });
        // through a nonlinearity, so the constant-factor losses have non-zero second derivatives
        c.run("l1 of tanh", &xt, |_, v| {
            v[0].tanh().l1_loss_with(v[1], red)
        });
    }
    c.finish("pointwise losses");
}

#[test]
fn gradgrad_dropout_and_attention() {
    let mut c = Checks::new();
    let mut r = XorShift::new(16);
    let x = r.tensor(&[3, 4], -2.0, 2.0);
    // the same seed in every evaluation: the same mask
    c.run("dropout∘tanh", from_ref(&x), |_, v| {
        v[0].tanh().dropout(0.3, &mut Rng::seed(7), true)
    });
    let (q, k, v) = (
        r.tensor(&[2, 3, 4], -1.0, 1.0),
        r.tensor(&[2, 5, 4], -1.0, 1.0),
        r.tensor(&[2, 5, 3], -1.0, 1.0),
    );
    let qkv = [q, k, v];
    c.run("attention", &qkv, |_, a| {
        a[0].try_scaled_dot_product_attention(a[1], a[2], None, false, None)
    });
    c.run("attention causal", &qkv, |_, a| {
        a[0].try_scaled_dot_product_attention(a[1], a[2], None, true, Some(0.7))
    });
    // query 1 may attend to no key
    let mask = Mask::from_fn(3, 5, |i, j| i != 1 && (i + j) % 2 == 0);
    c.run("attention masked", &qkv, |_, a| {
        a[0].try_scaled_dot_product_attention(a[1], a[2], Some(&mask), false, None)
    });
    // self-attention over a fused projection (two heads of width 2): the unfused chain's
    // recorded backward
    let packed = r.tensor(&[2, 3, 12], -1.0, 1.0);
    c.run("attention packed causal", from_ref(&packed), |_, a| {
        a[0].try_self_attention_packed(2, None, true, None)
    });
    let square = Mask::from_fn(3, 3, |i, j| i != 1 && (i + j) % 2 == 0);
    c.run("attention packed masked", from_ref(&packed), |_, a| {
        a[0].try_self_attention_packed(2, Some(&square), false, Some(0.6))
    });
    c.finish("dropout/attention");
}

/// The recorded first-order gradients (`grad`) against the fused backward's, element by
/// element (`|a − b| ≤ 1e-5 + 1e-4·|a|`): gradgradcheck alone would accept a form that is
/// consistently wrong at first order.
fn first_order_matches<F>(inputs: &[Tensor], f: F) -> Result<(), String>
where
    F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
{
    let mut bad = Vec::new();
    Graph::new()
        .run(|g| {
            let vars: Vec<Var<'_>> = inputs.iter().map(|t| g.leaf(t)).collect();
            let y = f(g, &vars)?;
            let u = g.input(fixed(y.shape(), 3.0));
            let opts = GradOptions::new()
                .grad_outputs(from_ref(&u))
                .retain_graph(true)
                .allow_unused(true);
            let recorded = grad(&[y], &vars, &opts)?;
            y.backward_with(&Backward::gradient(u.to_tensor()))?;
            for (k, (x, rec)) in vars.iter().zip(&recorded).enumerate() {
                let zeros = || vec![0.0; x.numel()];
                let fused = x.grad().map_or_else(zeros, Tensor::into_vec);
                let rec = rec.map_or_else(zeros, |r| r.to_vec());
                for (i, (a, b)) in fused.iter().zip(&rec).enumerate() {
                    if (a - b).abs() > 1e-5 + 1e-4 * a.abs() || a.is_nan() != b.is_nan() {
                        bad.push(format!("input {k} [{i}]: fused {a}, recorded {b}"));
                    }
                }
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    if bad.is_empty() {
        Ok(())
    } else {
        bad.truncate(3);
        Err(format!("first order: {}", bad.join(", ")))
    }
}

#[test]
fn recorded_matches_fused_dropout_and_masked_attention() {
    let mut r = XorShift::new(17);
    let x = r.tensor(&[4, 6], -2.0, 2.0);
    first_order_matches(from_ref(&x), |_, v| {
        v[0].dropout(0.4, &mut Rng::seed(3), true)
    })
    .unwrap();
    let qkv = [
        r.tensor(&[2, 1, 4, 3], -1.0, 1.0),
        r.tensor(&[2, 1, 5, 3], -1.0, 1.0),
        r.tensor(&[2, 1, 5, 2], -1.0, 1.0),
    ];
    // query 0 and query 3 attend to no key: zero output and zero gradient in both paths
    let mask = Mask::from_fn(4, 5, |i, j| i != 0 && i != 3 && j <= i);
    first_order_matches(&qkv, |_, a| {
        a[0].try_scaled_dot_product_attention(a[1], a[2], Some(&mask), false, None)
    })
    .unwrap();
    let packed = r.tensor(&[2, 4, 6], -1.0, 1.0);
    let square = Mask::from_fn(4, 4, |i, j| i != 0 && i != 3 && j <= i);
    first_order_matches(from_ref(&packed), |_, a| {
        a[0].try_self_attention_packed(1, Some(&square), false, None)
    })
    .unwrap();
    Graph::new()
        .run(|g| {
            let vars: Vec<Var<'_>> = qkv.iter().map(|t| g.leaf(t)).collect();
            let y = vars[0].try_scaled_dot_product_attention(
                vars[1],
                vars[2],
                Some(&mask),
                false,
                None,
            )?;
            let opts = GradOptions::new().create_graph(true);
            let dq = grad(&[y.sum()], &vars[..1], &opts)?[0].unwrap().to_vec();
            // rows 0 and 3 of each [4, 3] query block
            for b in 0..2 {
                for row in [0, 3] {
                    let start = b * 12 + row * 3;
                    assert_eq!(&dq[start..start + 3], &[0.0; 3]);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// `∂<f(x), w>/∂x₀` recorded with create_graph, for gradgradcheck to differentiate twice more:
/// third derivatives, through the forms of the forms.
fn first_grad<'g>(
    g: &'g Scope<'g>,
    v: &[Var<'g>],
    f: impl Fn(&[Var<'g>]) -> Result<Var<'g>>,
) -> Result<Var<'g>> {
    let x: Vec<Var<'g>> = v
        .iter()
        .map(|&x| {
            if x.requires_grad() {
                x
            } else {
                g.leaf(x.to_tensor())
            }
        })
        .collect();
    let y = f(&x)?;
    let w = g.input(fixed(y.shape(), 5.0));
    let s = y.try_mul(w)?.sum();
    let opts = GradOptions::new().create_graph(true);
    Ok(grad(&[s], &x[..1], &opts)?[0].expect("x₀ is used"))
}

#[test]
fn third_order_through_forms() {
    let mut c = Checks::new();
    let mut r = XorShift::new(18);
    let x = r.tensor(&[3, 4], -1.5, 1.5);
    c.run("softmax‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| x[0].try_softmax(-1))
    });
    c.run("log_softmax‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| x[0].try_log_softmax(0))
    });
    c.run("logsumexp‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| x[0].try_logsumexp(1, false))
    });
    c.run("var‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| Ok(x[0].try_var(1, 1, false)?.powf(1.5)))
    });
    c.run("layer_norm‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| x[0].try_layer_norm(None, None, 1e-3))
    });
    c.run("rms_norm‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| x[0].try_rms_norm(&[4], None, Some(1e-3)))
    });
    c.run("batch_norm train‴", from_ref(&x), |g, v| {
        first_grad(g, v, |x| {
            x[0].try_batch_norm(None, None, BatchNormMode::train(None))
        })
    });
    c.run("cross_entropy‴", from_ref(&x), |g, v| {
        let opts = CrossEntropy {
            label_smoothing: 0.1,
            ..Default::default()
        };
        first_grad(g, v, |x| x[0].cross_entropy_with(&[1, 0, 3], &opts))
    });
    c.run("bce_with_logits‴", from_ref(&x), |g, v| {
        let t = g.input(r_const(&[3, 4]));
        first_grad(g, v, |x| x[0].bce_with_logits(t))
    });
    let w = r.tensor(&[4, 4], -1.0, 1.0);
    c.run("tanh(x·W)·W‴", &[x.clone(), w], |g, v| {
        first_grad(g, v, |x| {
            x[0].try_matmul(x[1])?.tanh().try_linear(x[1], None)
        })
    });
    let qkv = [
        r.tensor(&[1, 3, 2], -1.0, 1.0),
        r.tensor(&[1, 4, 2], -1.0, 1.0),
        r.tensor(&[1, 4, 2], -1.0, 1.0),
    ];
    c.run("attention‴ (in q)", &qkv, |g, v| {
        first_grad(g, v, |x| {
            x[0].try_scaled_dot_product_attention(x[1], x[2], None, true, None)
        })
    });
    c.finish("third order");
}

/// Fixed targets in `[0, 1]`.
fn r_const(shape: &[usize]) -> Tensor {
    let t = fixed(shape, 2.0);
    Tensor::new(t.data().iter().map(|v| (v + 1.0) / 3.0).collect(), shape).unwrap()
}

/// The loss of [`backward_create_graph_matches_grad`].
fn small_net<'g>(x: Var<'g>, w: Var<'g>) -> Result<Var<'g>> {
    let h = x.try_linear(w, None)?.try_layer_norm(None, None, 1e-5)?;
    let a = h.try_scaled_dot_product_attention(h, h, None, true, None)?;
    a.try_reshape(&[6, 4])?.cross_entropy(&[0, 1, 2, 3, 0, 1])
}

/// `backward` with create_graph goes through the same forms as `grad`: the Hessian-vector
/// product of a small network with every family (linear, layer norm, attention, softmax,
/// cross-entropy) is the same either way, and `.grad` holds the first-order values.
#[test]
fn backward_create_graph_matches_grad() {
    let mut r = XorShift::new(19);
    let (xt, wt) = (
        r.tensor(&[2, 3, 4], -1.0, 1.0),
        r.tensor(&[4, 4], -1.0, 1.0),
    );
    let hvp = |create_with_backward: bool| -> (Vec<f32>, Vec<f32>) {
        Graph::new()
            .run(|g| {
                let (x, w) = (g.leaf(&xt), g.leaf(&wt));
                let l = small_net(x, w)?;
                let gw = if create_with_backward {
                    l.backward_with(&Backward::create_graph())?;
                    w.grad_var().expect("w reached")
                } else {
                    let opts = GradOptions::new().create_graph(true);
                    grad(&[l], &[w], &opts)?[0].unwrap()
                };
                let v = g.input(fixed(&[4, 4], 1.0));
                let hv = grad(&[gw.try_mul(v)?.sum()], &[w], &GradOptions::new())?[0].unwrap();
                if create_with_backward {
                    assert_eq!(w.grad().unwrap().to_vec(), gw.to_vec());
                }
                Ok((gw.to_vec(), hv.to_vec()))
            })
            .unwrap()
    };
    let (a, b) = (hvp(true), hvp(false));
    assert_eq!(a, b);
    assert!(a.1.iter().any(|&v| v.abs() > 1e-4), "a non-trivial Hessian");
}
