//! The second-order workload of torch_ref.py: a WGAN-GP critic step.

use arenagrad::prelude::*;

use super::harness::{peak_rss_mb, reset_peak_rss, time, Metrics, MIB};

/// `grad_penalty_mlp_256_b64_adam`: critic d-256-256-1 (tanh) on x [64, 128] that requires
/// grad; one step = zero_grad, out = critic(x), gx = grad(out.sum(), x, create_graph),
/// loss = out.mean() + 10·mean((‖gx‖₂ per row − 1)²), backward through the recorded
/// gradient, Adam (lr 1e-4).
pub fn grad_penalty(_name: &str, reps: usize, warmup: usize) -> Metrics {
    reset_peak_rss();
    let (batch, d, h) = (64, 128, 256);
    let mut rng = Rng::seed(0);
    let mut p = ParamStore::new();
    let layers = [
        Linear::new(&mut p, "0", d, h, &mut rng).expect("sizes"),
        Linear::new(&mut p, "2", h, h, &mut rng).expect("sizes"),
        Linear::new(&mut p, "4", h, 1, &mut rng).expect("sizes"),
    ];
    let config = AdamConfig {
        lr: 1e-4,
        ..Default::default()
    };
    let mut opt = Adam::new(&p, config).expect("valid config");
    let x = rng.normal_tensor(&[batch, d], 0.0, 1.0);
    let mut graph = Graph::new();
    let mut m = time(reps, warmup, || {
        p.zero_grad();
        graph
            .run_with(&mut p, |g| {
                let x = g.leaf(&x);
                let mut out = x;
                for (k, layer) in layers.iter().enumerate() {
                    out = layer.forward(g, out)?;
                    if k + 1 < layers.len() {
                        out = out.tanh();
                    }
                }
                let opts = GradOptions::new().create_graph(true);
                let gx = grad(&[out.sum()], &[x], &opts)?[0].expect("x is used");
                let norm = (gx * gx).try_sum_axis(1, false)?.sqrt();
                let penalty = (norm - 1.0).powf(2.0).mean();
                (out.mean() + penalty * 10.0).backward()
            })
            .expect("step");
        opt.step(&mut p);
    });
    m.push(("arena_peak_mb", graph.arena_capacity() as f64 / MIB));
    m.extend(peak_rss_mb().map(|v| ("peak_rss_mb", v)));
    m
}
