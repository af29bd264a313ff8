//! Layers: structs that register their parameters in a [`ParamStore`](crate::ParamStore) (with
//! PyTorch's names and default initialisation) and build their part of a graph in `forward`.

mod linear;

pub use linear::Linear;
