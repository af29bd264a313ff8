//! `DataLoader::next_batch` allocates nothing: a counting global allocator watches whole
//! shuffled epochs (the first batch included, since the loader sizes its buffers when it is
//! built), for class labels and for `f32` targets, with a short last batch and with
//! `drop_last`.

use arenagrad::data::{DataLoader, TensorDataset};
use arenagrad::Rng;

mod common;
use common::counting_alloc::allocations;

/// Runs `epochs` epochs and returns (batches, sum of the first feature of every sample seen).
fn run<T: Copy>(loader: &mut DataLoader<'_, T>, epochs: usize) -> (usize, f64) {
    let (mut batches, mut sum) = (0, 0.0);
    for _ in 0..epochs {
        while let Some(b) = loader.next_batch() {
            batches += 1;
            let row = b.features().len() / b.len();
            sum += b
                .features()
                .iter()
                .step_by(row)
                .map(|&v| v as f64)
                .sum::<f64>();
        }
    }
    (batches, sum)
}

#[test]
fn iterating_a_loader_allocates_nothing() {
    let mut rng = Rng::seed(3);
    // sample i's first feature is i, so every epoch's sum is 0 + 1 + ... + 99 = 4950
    let n = 100;
    let mut x = rng.normal_tensor(&[n, 3, 4], 0.0, 1.0);
    for i in 0..n {
        x.data_mut()[i * 12] = i as f32;
    }
    let labels = (0..n).map(|i| i % 10).collect();
    let ds = TensorDataset::with_labels(x.clone(), labels).unwrap();
    let mut loader = DataLoader::new(&ds, 32).unwrap().shuffle(Rng::seed(1));
    let ((batches, sum), allocs) = allocations(|| run(&mut loader, 3));
    assert_eq!((batches, sum), (3 * 4, 3.0 * 4950.0)); // 32, 32, 32, 4 per epoch
    assert_eq!(allocs, 0, "{allocs} allocations in 3 epochs of labels");

    let y = rng.normal_tensor(&[n, 2], 0.0, 1.0);
    let ds = TensorDataset::new(x, y).unwrap();
    let mut loader = DataLoader::new(&ds, 32)
        .unwrap()
        .shuffle(Rng::seed(2))
        .drop_last(true);
    let ((batches, _), allocs) = allocations(|| run(&mut loader, 3));
    assert_eq!(batches, 3 * 3);
    assert_eq!(allocs, 0, "{allocs} allocations in 3 epochs of f32 targets");
}
