//! Convolutions do not depend on the number of threads: conv2d and conv_transpose2d, forward
//! and backward (input, weight and bias gradients), give bitwise identical results in a
//! 1-thread and a 2-thread rayon pool.
//!
//! The sizes are large enough that the batch is split over threads (forward and input
//! gradient) and that the per-image GEMMs of the weight gradient go parallel inside, where the
//! summation order over the batch must stay fixed.

use arenagrad::prelude::*;

/// Output, then the gradients of input, weight and bias, as bits.
fn step(transpose: bool) -> Vec<Vec<u32>> {
    let mut rng = Rng::seed(5);
    let x = rng.normal_tensor(&[4, 32, 24, 24], 0.0, 1.0);
    let w = rng.normal_tensor(&[64, 32, 3, 3], 0.0, 0.1);
    let bias_len = if transpose { 32 } else { 64 };
    let b = rng.normal_tensor(&[bias_len], 0.0, 0.1);
    Graph::new()
        .run(|g| {
            let (x, w, b) = (g.leaf(&x), g.leaf(&w), g.leaf(&b));
            let y = if transpose {
                // weight [C_in = 64, C_out = 32, 3, 3]: the input reshaped to 64 channels
                let x = x.try_reshape(&[4, 64, 16, 18])?;
                let opts = ConvTranspose2dOptions::default()
                    .stride([2, 1])
                    .padding([1, 1])
                    .output_padding([1, 0]);
                x.try_conv_transpose2d(w, Some(b), opts)?
            } else {
                let opts = Conv2dOptions::default().padding([1, 1]);
                x.try_conv2d(w, Some(b), opts)?
            };
            (y.tanh() * y).sum().backward()?;
            let bits = |t: Tensor| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            Ok(vec![
                bits(y.to_tensor()),
                bits(x.grad().unwrap()),
                bits(w.grad().unwrap()),
                bits(b.grad().unwrap()),
            ])
        })
        .unwrap()
}

fn in_pool(threads: usize, transpose: bool) -> Vec<Vec<u32>> {
    arenagrad::with_num_threads(threads, || step(transpose)).expect("a thread count")
}

#[test]
fn conv2d_is_bitwise_identical_on_one_and_two_threads() {
    assert!(in_pool(1, false) == in_pool(2, false));
}

#[test]
fn conv_transpose2d_is_bitwise_identical_on_one_and_two_threads() {
    assert!(in_pool(1, true) == in_pool(2, true));
}
