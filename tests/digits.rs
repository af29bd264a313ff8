//! The digits example's recipe trains: three epochs reach > 90% test accuracy (the default run,
//! 20 epochs, reaches 98.3%; see the README). Includes the example's model and the shared data
//! and training code.

#[path = "../examples/common/digits/mod.rs"]
mod digits;
#[path = "../examples/digits/model.rs"]
mod model;

use std::path::Path;

use digits::data::{self, DATA_PATH, PIXELS};
use digits::train::{self, Config, EpochStats};

#[test]
fn three_epochs_of_digits_exceed_ninety_percent() {
    let data = data::load(Path::new(DATA_PATH)).unwrap();
    // 1,797 rows: indices 4, 9, ..., 1794 are the test set
    assert_eq!((data.train.len(), data.test.len()), (1438, 359));
    assert_eq!(data.train.features().shape(), [1438, PIXELS]);
    let pixels = data.train.features().data();
    assert!(pixels.iter().all(|&p| (0.0..=1.0).contains(&p)));
    let cfg = Config {
        epochs: 3,
        batch_size: 32,
        lr: 1e-2,
        label_smoothing: 0.1,
        seed: 0,
    };
    let mut steps = 0;
    let mut epochs = Vec::new();
    let trained = train::train(
        &cfg,
        &data,
        &model::MLP,
        |_, _| steps += 1,
        |s: &EpochStats| epochs.push(s.epoch),
    )
    .unwrap();
    assert_eq!(steps, 3 * 1438usize.div_ceil(32));
    assert_eq!(epochs, [1, 2, 3]);
    let h = &trained.history;
    assert!(h[2].train_loss < h[0].train_loss, "{h:?}");
    assert!(h[2].test_accuracy > 0.9, "{h:?}");
    assert_eq!(trained.params.num_values(), 64 * 128 + 128 + 128 * 10 + 10);
}
