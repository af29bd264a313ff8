//! What the digits examples share: the data and its split (`data`), the training loop over any
//! [`Module`](arenagrad::nn::Module) (`train`), the command line with its progress bar and
//! printout (`cli`), and the PNG plot (`plot`). An example supplies only its model
//! ([`train::Model`]).
//!
//! Included with `#[path = "../common/digits/mod.rs"] mod digits;` by `examples/digits`,
//! `examples/digits_cnn` and the tests that train them (`tests/digits.rs`,
//! `tests/digits_cnn.rs`), so the data, the recipe and the printout cannot drift apart.
//! The includer names the module `digits`: each example's `model.rs` refers to it as
//! `crate::digits`.

// each includer uses a different part (the tests no terminal or plot)
#![allow(dead_code)]

pub mod cli;
pub mod data;
pub mod plot;
pub mod train;
