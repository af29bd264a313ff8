//! Optimizers: they update a [`ParamStore`](crate::ParamStore)'s flat parameter buffer from its
//! flat gradient buffer in one pass, outside any graph (a graph borrows the store, so no step
//! can happen while one is alive).

mod sgd;

pub use sgd::{Sgd, SgdConfig};
