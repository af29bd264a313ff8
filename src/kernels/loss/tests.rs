use super::*;

#[test]
fn cross_entropy_rows_by_hand() {
    // row [0, ln 3]: lse = ln(1 + 3) = ln 4; target 1 -> ln 4 - ln 3; row 1 ignored
    let p = Xent {
        logits: &[0.0, 3f32.ln(), 5.0, 5.0],
        c: 2,
        targets: &[1, 7],
        ignore: Some(7),
        eps: 0.0,
    };
    let (mut stats, mut loss) = ([9.0; 4], [9.0; 2]);
    cross_entropy_rows(p, &mut stats, &mut loss);
    // m = ln 3, Σ e^{x − m} = 1/3 + 1, so 1/Σ = 3/4
    assert!((stats[0] - 3f32.ln()).abs() < 1e-6 && (stats[1] - 0.75).abs() < 1e-6);
    assert!((loss[0] - (4f32.ln() - 3f32.ln())).abs() < 1e-6);
    assert_eq!((stats[2], stats[3], loss[1]), (0.0, 0.0, 0.0));
    // gradient: softmax [1/4, 3/4] minus one-hot [0, 1], times g = 2
    let mut d = [7.0; 4];
    cross_entropy_backward(p, &stats, Upstream::All(2.0), &mut d, Acc::Write);
    let want = [0.5, -0.5, 0.0, 0.0];
    assert!(
        d.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
        "{d:?}"
    );
}

#[test]
fn cross_entropy_survives_huge_logits() {
    // softmax-then-log would give ln(0) = -inf; the fused form gives the exact 1000
    let p = Xent {
        logits: &[1000.0, 0.0],
        c: 2,
        targets: &[1],
        ignore: None,
        eps: 0.0,
    };
    let (mut stats, mut loss) = ([0.0; 2], [0.0]);
    cross_entropy_rows(p, &mut stats, &mut loss);
    assert_eq!(loss[0], 1000.0);
}

#[test]
fn nll_rows_and_backward() {
    let x = [-1.0, -2.0, -3.0, -4.0];
    let mut loss = [0.0; 2];
    nll_rows(&x, 2, &[1, 0], None, &mut loss);
    assert_eq!(loss, [2.0, 3.0]);
    let mut d = [1.0; 4];
    nll_backward(
        2,
        &[1, 0],
        Some(0),
        Upstream::Each(&[0.5, 9.0]),
        &mut d,
        Acc::Add,
    );
    assert_eq!(d, [1.0, 0.5, 1.0, 1.0]);
}

#[test]
fn pointwise_values_and_partials() {
    // d = 3: mse 9 (grad 6), l1 3 (grad 1), huber(1) = 1*(3 - 0.5) = 2.5 (grad 1),
    // smooth_l1(2) = 3 - 1 = 2 (grad 1); d = 0.5: huber = 0.125, smooth_l1(2) = 0.0625
    assert_eq!(Pointwise::Mse.loss(4.0, 1.0), 9.0);
    assert_eq!(Pointwise::Mse.partials(4.0, 1.0), (6.0, -6.0));
    assert_eq!(Pointwise::L1.partials(1.0, 1.0), (0.0, -0.0));
    assert_eq!(Pointwise::Huber { delta: 1.0 }.loss(4.0, 1.0), 2.5);
    assert_eq!(Pointwise::Huber { delta: 1.0 }.loss(1.5, 1.0), 0.125);
    assert_eq!(Pointwise::SmoothL1 { beta: 2.0 }.loss(4.0, 1.0), 2.0);
    assert_eq!(Pointwise::SmoothL1 { beta: 2.0 }.loss(1.5, 1.0), 0.0625);
    assert_eq!(
        Pointwise::SmoothL1 { beta: 2.0 }.partials(1.5, 1.0),
        (0.25, -0.25)
    );
    // bce at x = 0, t = 1: ln 2, grads (sigmoid(0) - 1, -0) = (-0.5, 0)
    let b = Pointwise::BceWithLogits;
    assert!((b.loss(0.0, 1.0) - 2f32.ln()).abs() < 1e-7);
    assert_eq!(b.partials(0.0, 1.0), (-0.5, -0.0));
    // large logits stay finite: x = -40, t = 1 -> 40; x = 90, t = 0 -> 90
    assert_eq!((b.loss(-40.0, 1.0), b.loss(90.0, 0.0)), (40.0, 90.0));
}

#[test]
fn pointwise_slices() {
    let (x, t) = ([1.0, 2.0, 3.0], [1.0, 0.0, 5.0]);
    let mut out = [0.0; 3];
    pointwise_forward(Pointwise::Mse, &x, &t, &mut out);
    assert_eq!(out, [0.0, 4.0, 4.0]);
    pointwise_backward(
        Pointwise::Mse,
        1,
        &x,
        &t,
        Upstream::All(0.5),
        &mut out,
        Acc::Write,
    );
    assert_eq!(out, [-0.0, -2.0, 2.0]);
}
