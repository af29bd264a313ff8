//! The CNN workloads of torch_ref.py: one training step (zero_grad, forward, cross-entropy,
//! backward, optimizer step) of the same layers on the same sizes.

use arenagrad::nn::{
    AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, Relu, Sequential,
};
use arenagrad::prelude::*;
use arenagrad::{Conv2dOptions, MaxPool2dOptions};

use super::harness::{peak_rss_mb, reset_peak_rss, time, Metrics, MIB};

/// A conv layer named for its place in `net`.
fn conv(
    net: &Sequential,
    p: &mut ParamStore,
    c: [usize; 3],
    pad: usize,
    bias: bool,
    rng: &mut Rng,
) -> Conv2d {
    let opts = Conv2dOptions::default().padding([pad, pad]);
    let name = net.next_name();
    Conv2d::new(p, &name, c[0], c[1], [c[2], c[2]], opts, bias, rng).expect("sizes")
}

fn linear(net: &Sequential, p: &mut ParamStore, i: usize, o: usize, rng: &mut Rng) -> Linear {
    Linear::new(p, &net.next_name(), i, o, rng).expect("sizes")
}

/// `cnn_lenet_28x28_b64_adam`: conv(1→16, 5, p2)-relu-pool2-conv(16→32, 5, p2)-relu-pool2-
/// flatten-linear(1568→128)-relu-linear(128→10), batch 64, Adam lr 1e-3.
/// `cnn_bn_32x32_b32_sgd`: three conv3×3 (no bias)-batchnorm-relu blocks (3→32, 32→32, pool,
/// 32→64, pool), adaptive average pool to 1×1, flatten, linear(64→10), batch 32, SGD lr 0.05,
/// momentum 0.9, weight decay 5e-4, training mode.
pub fn cnn(name: &str, reps: usize, warmup: usize) -> Metrics {
    reset_peak_rss();
    let lenet = name.starts_with("cnn_lenet");
    let mut rng = Rng::seed(0);
    let mut p = ParamStore::new();
    let mut net = Sequential::new();
    let pool = MaxPool2d(MaxPool2dOptions::square(2));
    let (batch, input): (usize, [usize; 3]) = if lenet {
        let c = conv(&net, &mut p, [1, 16, 5], 2, true, &mut rng);
        net.push(c).push(Relu).push(pool);
        let c = conv(&net, &mut p, [16, 32, 5], 2, true, &mut rng);
        net.push(c).push(Relu).push(pool).push(Flatten::default());
        let l = linear(&net, &mut p, 32 * 7 * 7, 128, &mut rng);
        net.push(l).push(Relu);
        let l = linear(&net, &mut p, 128, 10, &mut rng);
        net.push(l);
        (64, [1, 28, 28])
    } else {
        for (i, (c_in, c_out)) in [(3, 32), (32, 32), (32, 64)].into_iter().enumerate() {
            let c = conv(&net, &mut p, [c_in, c_out, 3], 1, false, &mut rng);
            net.push(c);
            let bn = BatchNorm2d::new(&mut p, &net.next_name(), c_out).expect("sizes");
            net.push(bn).push(Relu);
            if i > 0 {
                net.push(pool);
            }
        }
        net.push(AdaptiveAvgPool2d([1, 1])).push(Flatten::default());
        let l = linear(&net, &mut p, 64, 10, &mut rng);
        net.push(l);
        (32, [3, 32, 32])
    };
    let x = rng.normal_tensor(&[batch, input[0], input[1], input[2]], 0.0, 1.0);
    let y: Vec<usize> = (0..batch).map(|_| (rng.next_u64() % 10) as usize).collect();
    let mut opt: Box<dyn Optimizer> = if lenet {
        let config = AdamConfig {
            lr: 1e-3,
            ..Default::default()
        };
        Box::new(Adam::new(&p, config).expect("valid config"))
    } else {
        let config = SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 5e-4,
            ..Default::default()
        };
        Box::new(Sgd::new(&p, config).expect("valid config"))
    };
    let mut graph = Graph::new();
    let mut m = time(reps, warmup, || {
        p.zero_grad();
        graph
            .run_with(&mut p, |g| {
                net.forward(g, g.input(&x))?.cross_entropy(&y)?.backward()
            })
            .expect("step");
        opt.step(&mut p);
    });
    m.push(("arena_peak_mb", graph.arena_capacity() as f64 / MIB));
    m.extend(peak_rss_mb().map(|v| ("peak_rss_mb", v)));
    m
}
