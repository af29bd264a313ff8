//! The shakespeare example's recipe trains and its saved file round-trips: 60 steps of the
//! default recipe (the full run is 4500) lower the training loss well below its start (ln 76 ≈
//! 4.33), the validation estimate falls with it, a seeded sample is reproducible and uses the
//! vocabulary, and the saved weights load back strictly into a fresh model with the same
//! validation loss. Includes the example's data, model and training code.

#[path = "../examples/shakespeare/data.rs"]
mod data;
#[path = "../examples/common/gpt.rs"]
mod model;
#[path = "../examples/shakespeare/train.rs"]
mod train;

use std::path::Path;

use arenagrad::io::{self, LoadOptions};
use arenagrad::Rng;
use data::Corpus;
use model::GptConfig;
use train::{Recipe, Trainer};

#[test]
fn a_short_run_learns_and_the_saved_file_loads_back() {
    let data = Corpus::load(Path::new(data::DATA_PATH)).unwrap();
    assert_eq!(data.vocab.len(), 76);
    let recipe = Recipe {
        steps: 60,
        lr: 2e-3,
        warmup: 10,
        batch: 12,
    };
    let config = GptConfig {
        vocab: 76,
        block: 64,
        d: 128,
        heads: 4,
        layers: 4,
        tied: true,
    };
    let mut rng = Rng::seed(0);
    let mut t = Trainer::new(config, &recipe, &mut rng).unwrap();
    // every 16th validation window: a quick estimate
    let before = train::val_loss(&t.model, &t.params, &data, 16).unwrap();
    assert!((before - 76f32.ln()).abs() < 0.2, "initial loss {before}");
    let losses: Vec<f32> = (0..60)
        .map(|s| t.step(&data, &recipe, s, &mut rng).unwrap())
        .collect();
    let late: f32 = losses[50..].iter().sum::<f32>() / 10.0;
    assert!(late < 3.3, "mean loss of steps 50-59: {late}");
    let after = train::val_loss(&t.model, &t.params, &data, 16).unwrap();
    assert!(
        after < before - 0.8,
        "validation estimate {before} -> {after}"
    );

    let a = train::sample(&t.model, &t.params, 40, &mut Rng::seed(5)).unwrap();
    let b = train::sample(&t.model, &t.params, 40, &mut Rng::seed(5)).unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|&i| i < 76));
    assert_eq!(data.decode(&a).chars().count(), 40);

    let path = std::env::temp_dir().join(format!(
        "arenagrad-shakespeare-{}.safetensors",
        std::process::id()
    ));
    io::save(&path, &t.params).unwrap();
    let mut fresh = Trainer::new(config, &recipe, &mut Rng::seed(9)).unwrap();
    io::load_into(&path, &mut fresh.params, LoadOptions { strict: true }).unwrap();
    std::fs::remove_file(&path).ok();
    let reloaded = train::val_loss(&fresh.model, &fresh.params, &data, 16).unwrap();
    assert_eq!(reloaded, after);
}
