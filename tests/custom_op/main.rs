//! Custom ops ([`arenagrad::custom`]): gradients against finite differences and the built-in
//! ops (`grads.rs`), the errors and that they leave `.grad` as it was (`errors.rs`), and that
//! ops holding heap data are dropped when their graph run ends (`drops.rs`). The ops are in
//! `ops.rs`.

mod drops;
mod errors;
mod grads;
mod ops;
