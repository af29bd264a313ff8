//! The digits_cnn example's recipe trains, and its saved file round-trips: one epoch passes
//! 90% test accuracy (the default run, 20 epochs, reaches 99.7%; see the README); the file
//! holds PyTorch's `nn.Sequential` state_dict keys with `num_batches_tracked` as `int64`, and
//! loading it strictly into a freshly built model gives back every value and the same test
//! accuracy. Includes the example's model and the shared data and training code.

#[path = "../examples/common/digits/mod.rs"]
mod digits;
#[path = "../examples/digits_cnn/model.rs"]
mod model;

use std::path::Path;

use arenagrad::io::{self, LoadOptions};
use arenagrad::params::BufferDtype;
use arenagrad::{Graph, ParamStore, Rng};
use digits::data::{self, DATA_PATH};
use digits::train::{self, Config};

#[test]
fn one_epoch_trains_and_the_saved_file_loads_back_exactly() {
    let data = data::load(Path::new(DATA_PATH)).unwrap();
    let cfg = Config {
        epochs: 1,
        batch_size: 32,
        lr: 1e-2,
        label_smoothing: 0.1,
        seed: 0,
    };
    let mut steps = 0;
    let trained = train::train(&cfg, &data, &model::CNN, |_, _| steps += 1, |_| {}).unwrap();
    let accuracy = trained.history[0].test_accuracy;
    assert!(accuracy > 0.9, "{:?}", trained.history);

    // PyTorch's keys for nn.Sequential(Conv2d, BatchNorm2d, ReLU, Conv2d, BatchNorm2d, ReLU,
    // MaxPool2d, Flatten, Linear): layers 0, 3, 8 have weight and bias, 1 and 4 batch norm's five
    let params = &trained.params;
    let mut keys: Vec<&str> = params.metas().iter().map(|m| m.name.as_str()).collect();
    keys.extend(params.buffer_metas().iter().map(|m| m.name.as_str()));
    keys.sort();
    let bn = [
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ];
    let mut want: Vec<String> = ["0", "3", "8"]
        .iter()
        .flat_map(|l| ["weight", "bias"].map(|k| format!("{l}.{k}")))
        .chain(
            ["1", "4"]
                .iter()
                .flat_map(|l| bn.map(|k| format!("{l}.{k}"))),
        )
        .collect();
    want.sort();
    assert_eq!(keys, want);
    for layer in ["1", "4"] {
        let count = params
            .get_buffer(&format!("{layer}.num_batches_tracked"))
            .unwrap();
        assert_eq!(params.buffer_dtype(count), BufferDtype::I64);
        assert_eq!(params.buffer(count), &[steps as f32]); // one update per training step
    }

    let bytes = io::to_bytes(params).unwrap();
    let header = String::from_utf8_lossy(&bytes[8..]);
    assert!(header.contains(r#""1.num_batches_tracked":{"dtype":"I64","shape":[]"#));

    // a model built from another seed, then loaded: every value comes back
    let mut fresh = ParamStore::new();
    let net = (model::CNN.build)(&mut fresh, &mut Rng::seed(1)).unwrap();
    assert_ne!(fresh.flat_data(), params.flat_data());
    let report = io::load_bytes_into(&bytes, &mut fresh, LoadOptions::default()).unwrap();
    assert!(report.is_exact() && report.loaded.len() == 16, "{report:?}");
    assert_eq!(fresh.flat_data(), params.flat_data());
    for (b, f) in params.buffers().zip(fresh.buffers()) {
        assert_eq!(
            params.buffer(b),
            fresh.buffer(f),
            "{}",
            params.buffer_name(b)
        );
    }
    let mut graph = Graph::new();
    let again = train::accuracy(&net, model::CNN.image, &fresh, &mut graph, &data.test);
    assert_eq!(again.unwrap(), accuracy);
}
