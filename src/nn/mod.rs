//! Layers: structs that register their parameters in a [`ParamStore`](crate::ParamStore) (with
//! PyTorch's names and default initialisation) and build their part of a graph in `forward`.
//!
//! Every layer with parameters takes the name it is registered under, and its parameters are
//! `"{name}.weight"`, `"{name}.bias"`: the state_dict keys PyTorch gives the same structure
//! (checked against PyTorch 2.15 in this module's tests). Containers
//! ([`Sequential`], [`Mlp`]) name their children by index.
//!
//! Loading weights instead of drawing them: [`Linear::zeros`], [`Mlp::zeros`] and
//! [`Mlp::zeros_with_prefix`] register the same parameters as zeros and take no `Rng`; fill them
//! with [`ParamStore::load_state_dict`](crate::ParamStore::load_state_dict) or a file loader.
//! The other layers that draw their initial weights (convolutions, `Embedding`,
//! `MultiheadAttention`, `TransformerBlock`) still take an `Rng`: pass any seed, the load
//! overwrites every value it draws (a strict load fails if one is left out).
//!
//! Threads: [`Module`] requires `Send + Sync`, so every layer and container (including
//! `Box<dyn Module>`) can move to another thread or be shared by several
//! (`tests/send_sync.rs` keeps it so).

mod activation;
mod attention;
mod batch_norm;
mod conv;
mod dropout;
mod embedding;
mod linear;
mod mlp;
mod module;
mod norm;
mod pool;
mod rms_norm;
mod sequential;
mod transformer;

pub use activation::{Gelu, Relu, Sigmoid, Tanh};
pub use attention::MultiheadAttention;
pub use batch_norm::{BatchNorm, BatchNorm1d, BatchNorm2d};
pub use conv::{Conv1d, Conv2d, ConvTranspose2d};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use linear::Linear;
pub use mlp::Mlp;
pub use module::{key, Module};
pub use norm::LayerNorm;
pub use pool::{AdaptiveAvgPool2d, AvgPool2d, Flatten, MaxPool2d};
pub use rms_norm::RMSNorm;
pub use sequential::Sequential;
pub use transformer::TransformerBlock;

#[cfg(test)]
mod tests;
