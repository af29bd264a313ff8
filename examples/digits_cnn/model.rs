//! The digits_cnn example's model, PyTorch's
//!
//! ```text
//! nn.Sequential(
//!     nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),   # 0 1 2: [N, 16, 8, 8]
//!     nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),  # 3 4 5: [N, 32, 8, 8]
//!     nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 10))               # 6 7 8: [N, 10]
//! ```
//!
//! built from arenagrad's layers with the same state_dict keys (`0.weight`, `0.bias`,
//! `1.weight`, `1.bias`, `1.running_mean`, `1.running_var`, `1.num_batches_tracked`, `3.*`,
//! `4.*`, `8.weight`, `8.bias`), shapes, dtypes (`num_batches_tracked` is `int64`) and
//! default initialisation (PyTorch's kaiming-uniform for the convolutions and the linear
//! layer, ones and zeros for batch norm). `scripts/digits_cnn_torch.py` builds the same
//! `nn.Sequential`. Included by `tests/digits_cnn.rs` too, beside `crate::digits`.

use arenagrad::nn::{BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, Relu, Sequential};
use arenagrad::prelude::*;

use crate::digits::data::CLASSES;
use crate::digits::train::Model;

/// The convolutional net, fed each image as one 8x8 channel.
pub const CNN: Model<Sequential> = Model {
    name:
        "Conv2d(1,16,3,p=1)-BN-ReLU-Conv2d(16,32,3,p=1)-BN-ReLU-MaxPool2d(2)-Flatten-Linear(512,10)",
    image: &[1, 8, 8],
    build,
};

fn build(params: &mut ParamStore, rng: &mut Rng) -> Result<Sequential> {
    let same = Conv2dOptions::default().padding([1, 1]);
    let mut net = Sequential::new();
    net.push_with(|name| Conv2d::new(params, name, 1, 16, [3, 3], same, true, rng))?
        .push_with(|name| BatchNorm2d::new(params, name, 16))?
        .push(Relu)
        .push_with(|name| Conv2d::new(params, name, 16, 32, [3, 3], same, true, rng))?
        .push_with(|name| BatchNorm2d::new(params, name, 32))?
        .push(Relu)
        .push(MaxPool2d(MaxPool2dOptions::square(2)))
        .push(Flatten::default())
        .push_with(|name| Linear::new(params, name, 32 * 4 * 4, CLASSES, rng))?;
    Ok(net)
}
