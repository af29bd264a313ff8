//! Steady steps of the two CNN workloads of `examples/bench_suite/cnn.rs`, same layers and
//! sizes: LeNet on 28×28 images with Adam (convolutions with bias, max pooling, linear layers)
//! and the conv + batch-norm net on 32×32 images with SGD momentum and weight decay (batch norm
//! in training mode, whose running statistics and counter are written through the store's
//! buffers every step; max pooling, adaptive average pooling). At 2 threads the
//! convolutions split their batch over the team's threads.

use arenagrad::nn::{
    AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Module, Relu, Sequential,
};
use arenagrad::optim::Optimizer;
use arenagrad::{Conv2dOptions, Graph, MaxPool2dOptions, ParamStore, Rng};

use super::{adam, assert_steady, serial, sgd};

/// A square conv layer (`[in, out, kernel]`) named for its place in `net`.
fn conv(net: &Sequential, p: &mut ParamStore, c: [usize; 3], pad: usize, bias: bool) -> Conv2d {
    let opts = Conv2dOptions::default().padding([pad, pad]);
    let rng = &mut Rng::seed(net.len() as u64);
    Conv2d::new(
        p,
        &net.next_name(),
        c[0],
        c[1],
        [c[2], c[2]],
        opts,
        bias,
        rng,
    )
    .unwrap()
}

fn linear(net: &Sequential, p: &mut ParamStore, i: usize, o: usize) -> Linear {
    let rng = &mut Rng::seed(net.len() as u64);
    Linear::new(p, &net.next_name(), i, o, rng).unwrap()
}

/// Steady steps of `net` on a batch of `image`-sized random inputs with seeded labels:
/// zero_grad, forward, cross-entropy, backward, `opt`'s step.
fn steps(net: &Sequential, params: &mut ParamStore, opt: &mut dyn Optimizer, image: [usize; 4]) {
    let mut rng = Rng::seed(11);
    let x = rng.normal_tensor(&image, 0.0, 1.0);
    let y: Vec<usize> = (0..image[0])
        .map(|_| (rng.next_u64() % 10) as usize)
        .collect();
    assert_steady(&mut Graph::new(), |graph| {
        params.zero_grad();
        let l = graph
            .run_with(params, |g| {
                let loss = net.forward(g, g.input(&x))?.cross_entropy(&y)?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        opt.step(params);
        l
    });
}

/// `cnn_lenet_28x28_b64_adam`: conv(1→16, 5, p2)-relu-pool2-conv(16→32, 5, p2)-relu-pool2-
/// flatten-linear(1568→128)-relu-linear(128→10), batch 64, Adam lr 1e-3.
#[test]
fn lenet_adam_step_allocates_nothing() {
    serial(|| {
        let (mut p, mut net) = (ParamStore::new(), Sequential::new());
        let pool = MaxPool2d(MaxPool2dOptions::square(2));
        let c = conv(&net, &mut p, [1, 16, 5], 2, true);
        net.push(c).push(Relu).push(pool);
        let c = conv(&net, &mut p, [16, 32, 5], 2, true);
        net.push(c).push(Relu).push(pool).push(Flatten::default());
        let l = linear(&net, &mut p, 32 * 7 * 7, 128);
        net.push(l).push(Relu);
        let l = linear(&net, &mut p, 128, 10);
        net.push(l);
        let mut opt = adam(&p, 1e-3);
        steps(&net, &mut p, opt.as_mut(), [64, 1, 28, 28]);
    });
}

/// `cnn_bn_32x32_b32_sgd`: three conv3×3 (no bias)-batchnorm-relu blocks (3→32, 32→32, pool,
/// 32→64, pool), adaptive average pool to 1×1, flatten, linear(64→10), batch 32, SGD lr 0.05,
/// momentum 0.9, weight decay 5e-4. After the 8 steps every batch norm layer has counted 8
/// batches and moved its running statistics off their initial zeros and ones.
#[test]
fn conv_batch_norm_sgd_step_allocates_nothing() {
    serial(|| {
        let (mut p, mut net) = (ParamStore::new(), Sequential::new());
        let mut norms = Vec::new();
        for (i, (c_in, c_out)) in [(3, 32), (32, 32), (32, 64)].into_iter().enumerate() {
            let c = conv(&net, &mut p, [c_in, c_out, 3], 1, false);
            net.push(c);
            let bn = BatchNorm2d::new(&mut p, &net.next_name(), c_out).unwrap();
            net.push(bn).push(Relu);
            norms.push(bn.0);
            if i > 0 {
                net.push(MaxPool2d(MaxPool2dOptions::square(2)));
            }
        }
        net.push(AdaptiveAvgPool2d([1, 1])).push(Flatten::default());
        let l = linear(&net, &mut p, 64, 10);
        net.push(l);
        let mut opt = sgd(&p, 0.05, 5e-4);
        steps(&net, &mut p, opt.as_mut(), [32, 3, 32, 32]);
        for bn in norms {
            assert_eq!(p.buffer(bn.num_batches_tracked), [8.0]);
            assert!(p.buffer(bn.running_mean).iter().all(|&m| m != 0.0));
            assert!(p.buffer(bn.running_var).iter().all(|&v| v != 1.0));
        }
    });
}
