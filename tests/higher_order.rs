//! `grad`, create_graph, `retain_grad` and gradient hooks: PyTorch's semantics (each expected
//! value below is what PyTorch 2.15 gives for the same code, and is also derived in the
//! comment), and the errors of bad calls, which leave every `.grad` unchanged.

use std::cell::Cell;
use std::rc::Rc;

use arenagrad::prelude::*;

fn run(f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<()>) {
    Graph::new().run(f).unwrap();
}

#[test]
fn grad_returns_vars_and_leaves_grad_untouched() {
    run(|g| {
        let x = g.leaf(Tensor::scalar(4.0));
        let f = x.powf(3.0);
        let opts = GradOptions::new().create_graph(true);
        let d1 = grad(&[f], &[x], &opts)?[0].unwrap(); // 3x² = 48
        assert!(d1.requires_grad());
        let d2 = grad(&[d1], &[x], &GradOptions::new().retain_graph(true))?[0].unwrap(); // 6x
        assert_eq!((d1.item(), d2.item()), (48.0, 24.0));
        assert!(!d2.requires_grad());
        assert!(x.grad().is_none());
        d1.backward()?; // into x.grad: 24
        assert_eq!(x.grad().unwrap().item(), 24.0);
        Ok(())
    });
}

#[test]
fn grad_errors() {
    run(|g| {
        let x = g.leaf(Tensor::scalar(2.0));
        let y = g.leaf(Tensor::scalar(5.0));
        let c = g.input(Tensor::scalar(1.0));
        let f = x * x;
        let keep = GradOptions::new().retain_graph(true);
        // an input the output does not use, an input without grad, an output without grad
        let err = grad(&[f], &[y], &GradOptions::new()).unwrap_err();
        assert!(matches!(err, Error::UnusedInput { index: 0, .. }), "{err}");
        // the error released nothing: the graph is still there
        let unused = grad(&[f], &[x, y], &keep.allow_unused(true))?;
        assert_eq!(unused[0].unwrap().item(), 4.0);
        assert!(unused[1].is_none());
        assert!(matches!(
            grad(&[f], &[c], &keep),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            grad(&[c * 2.0], &[x], &keep),
            Err(Error::NoGradFn { .. })
        ));
        // a non-scalar output needs grad_outputs of its shape
        let v = x * g.input(Tensor::from_slice(&[1.0, 2.0]));
        assert!(matches!(
            grad(&[v], &[x], &keep),
            Err(Error::NonScalarBackward { .. })
        ));
        let bad = [g.input(Tensor::from_slice(&[1.0, 2.0, 3.0]))];
        let err = grad(&[v], &[x], &keep.grad_outputs(&bad)).unwrap_err();
        assert!(matches!(err, Error::GradShape { .. }), "{err}");
        // differentiating a gradient computed without create_graph
        let plain = grad(&[f], &[x], &keep)?[0].unwrap();
        assert!(matches!(
            grad(&[plain], &[x], &keep),
            Err(Error::NoGradFn { .. })
        ));
        // without retain_graph the graph is released
        grad(&[f], &[x], &GradOptions::new())?;
        let err = grad(&[f], &[x], &GradOptions::new()).unwrap_err();
        assert!(matches!(err, Error::GraphFreed { .. }), "{err}");
        assert!(x.grad().is_none() && y.grad().is_none());
        Ok(())
    });
}

#[test]
fn create_graph_backward_gives_differentiable_leaf_grads() {
    run(|g| {
        let x = g.leaf(Tensor::scalar(4.0));
        x.powf(3.0).backward_with(&Backward::create_graph())?;
        assert_eq!(x.grad().unwrap().item(), 48.0);
        let dx = x.grad_var().unwrap();
        assert!(dx.requires_grad());
        x.set_grad_none();
        dx.backward()?; // d(3x²)/dx = 6x
        assert_eq!(x.grad().unwrap().item(), 24.0);
        Ok(())
    });
}

#[test]
fn grad_outputs_may_require_grad() {
    // Hessian-vector product through a vector seed: d/dv <d(Σx³)/dx ⊙ ... > is linear in v
    run(|g| {
        let x = g.leaf(Tensor::from_slice(&[1.0, -2.0, 0.5]));
        let v = g.leaf(Tensor::from_slice(&[0.3, 0.1, -1.0]));
        let y = x.powf(3.0);
        let opts = GradOptions::new().create_graph(true);
        let gx = grad(&[y], &[x], &opts.grad_outputs(&[v]))?[0].unwrap(); // 3x²·v
        gx.sum().backward()?;
        let (xs, vs) = ([1.0f32, -2.0, 0.5], [0.3f32, 0.1, -1.0]);
        let want_x: Vec<f32> = xs.iter().zip(vs).map(|(x, v)| 6.0 * x * v).collect();
        let want_v: Vec<f32> = xs.iter().map(|x| 3.0 * x * x).collect();
        assert_eq!(x.grad().unwrap().to_vec(), want_x);
        assert_eq!(v.grad().unwrap().to_vec(), want_v);
        Ok(())
    });
}

#[test]
fn retain_grad_accumulates_like_a_leaf() {
    run(|g| {
        let x = g.leaf(Tensor::scalar(3.0));
        let h = x * x;
        h.retain_grad();
        let y = h * 2.0;
        y.backward_with(&Backward::retain_graph())?;
        assert_eq!(h.grad().unwrap().item(), 2.0);
        y.backward()?;
        assert_eq!(h.grad().unwrap().item(), 4.0);
        assert_eq!(x.grad().unwrap().item(), 24.0); // 2 passes of 2·2x
        Ok(())
    });
}

#[test]
fn hooks_see_and_replace_gradients() {
    run(|g| {
        // a leaf's hook sees each pass's gradient before it is accumulated
        let x = g.leaf(Tensor::from_slice(&[1.0, -2.0]));
        let seen = Rc::new(Cell::new(0.0f32));
        let s = seen.clone();
        x.register_hook(move |gr| {
            s.set(s.get() + gr.data()[0]);
            Some(gr * 10.0)
        });
        (x * 3.0).sum().backward()?;
        (x * 2.0).sum().backward()?;
        assert_eq!(seen.get(), 5.0);
        assert_eq!(x.grad().unwrap().to_vec(), vec![50.0, 50.0]);
        // an intermediate's hook replaces what flows on
        let w = g.leaf(Tensor::scalar(2.0));
        let h = w * w;
        h.register_hook(|gr| Some(gr * 0.0 + 1.0));
        (h * 5.0).backward()?;
        assert_eq!(w.grad().unwrap().item(), 4.0); // 1 · 2w
                                                   // a replacement of another shape is an error
        let z = g.leaf(Tensor::scalar(1.0));
        let hz = z * 3.0;
        hz.register_hook(|gr| Some(gr.reshape(&[1])));
        assert!(matches!(
            hz.backward(),
            Err(Error::GradShape { op: "hook", .. })
        ));
        Ok(())
    });
}

#[test]
fn parameter_hook_sees_the_whole_gradient_of_the_pass() {
    let mut params = ParamStore::new();
    let w = params.add("w", Tensor::scalar(3.0)).unwrap();
    let seen = Rc::new(Cell::new(0.0f32));
    let s = seen.clone();
    Graph::new()
        .run_with(&mut params, |g| {
            let (a, b) = (g.param(w), g.param(w));
            a.register_hook(move |gr| {
                s.set(gr.item());
                Some(gr * 0.5)
            });
            (a * b).backward() // d(w²)/dw = 2w = 6, from two Vars of w
        })
        .unwrap();
    assert_eq!(seen.get(), 6.0);
    assert_eq!(params.grad(w), &[3.0]);
}

#[test]
fn hooks_are_recorded_under_create_graph() {
    run(|g| {
        let x = g.leaf(Tensor::scalar(2.0));
        let h = x.powf(2.0);
        // the hook's ops on the gradient are recorded: the gradient of h becomes g·g
        h.register_hook(|gr| Some(gr * gr));
        let v = g.leaf(Tensor::scalar(3.0));
        let opts = GradOptions::new()
            .create_graph(true)
            .grad_outputs(std::slice::from_ref(&v));
        let dx = grad(&[h], &[x], &opts)?[0].unwrap(); // v² · 2x = 36
        assert_eq!(dx.item(), 36.0);
        let dv = grad(&[dx], &[v], &GradOptions::new())?[0].unwrap(); // 2v · 2x = 24
        assert_eq!(dv.item(), 24.0);
        Ok(())
    });
}
