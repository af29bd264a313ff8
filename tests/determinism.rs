//! Results do not depend on the number of threads: a full MLP training step (forward, cross
//! entropy, backward, Adam) run in a 1-thread and in a 2-thread rayon pool gives bitwise
//! identical losses, gradients and parameters.
//!
//! The sizes (batch 256, 784-512-10) are large enough that every kernel with a parallel path
//! takes it (rayon splits above grain sizes of about 32K elements: the hidden activations have
//! 131K, the first weight 401K). Parallel reductions must therefore split at fixed chunk
//! boundaries, independent of the thread count, for this to hold.

use arenagrad::prelude::*;

const SIZES: [usize; 3] = [784, 512, 10];
const BATCH: usize = 256;
const STEPS: usize = 3;

/// Losses of each step, then the final gradients and parameters (padding included).
fn train() -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Rng::seed(11);
    let mut params = ParamStore::new();
    let mlp = Mlp::new(&mut params, &SIZES, &mut rng).unwrap();
    let mut adam = Adam::new(&params, AdamConfig::default()).unwrap();
    let x = rng.normal_tensor(&[BATCH, SIZES[0]], 0.0, 1.0);
    let classes: Vec<usize> = (0..BATCH).map(|i| (i * 7 + 3) % SIZES[2]).collect();
    let mut graph = Graph::new();
    let mut losses = Vec::new();
    for _ in 0..STEPS {
        params.zero_grad();
        let loss = graph
            .run_with(&mut params, |g| {
                let loss = mlp.forward(g, g.input(&x))?.cross_entropy(&classes)?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        losses.push(loss);
        adam.step(&mut params);
    }
    let grads = params.flat_grad().to_vec();
    (losses, grads, params.flat_data().to_vec())
}

fn in_pool(threads: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    arenagrad::with_num_threads(threads, train).expect("a thread count")
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn an_mlp_step_is_bitwise_identical_on_one_and_two_threads() {
    let (l1, g1, p1) = in_pool(1);
    let (l2, g2, p2) = in_pool(2);
    assert!(
        l1.iter().all(|l| l.is_finite()) && l1[STEPS - 1] < l1[0],
        "{l1:?}"
    );
    assert_eq!(bits(&l1), bits(&l2), "losses: {l1:?} vs {l2:?}");
    let differ = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .filter(|(x, y)| x.to_bits() != y.to_bits())
            .count()
    };
    assert_eq!(
        differ(&g1, &g2),
        0,
        "gradients differ between 1 and 2 threads"
    );
    assert_eq!(
        differ(&p1, &p2),
        0,
        "parameters differ between 1 and 2 threads"
    );
}
