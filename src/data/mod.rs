//! Data loading: samples held in memory ([`TensorDataset`]) and seeded minibatches of them
//! ([`DataLoader`]), PyTorch's `torch.utils.data.TensorDataset` and `DataLoader`.
//!
//! ## Design
//!
//! - **A dataset is two row-major arrays** whose first dimension is the sample index:
//!   features (`f32`, a [`Tensor`](crate::Tensor) `[N, ...]`) and targets, either `f32`
//!   (`[N, ...]`) or class labels (`usize`, `[N]`, what `cross_entropy` and `nll_loss` take).
//!   The two counts must agree; a mismatch is an [`Error::InvalidArgument`](crate::Error)
//!   naming both shapes.
//! - **Batches are lent, not returned.** [`DataLoader::next_batch`] gathers the batch's rows
//!   into buffers the loader owns and returns a [`Batch`] that borrows them, so a training
//!   loop makes no allocation per batch: the buffers get a full batch's capacity when the
//!   loader is built, and `tests/data_alloc.rs` counts zero allocations over whole epochs. A
//!   `Batch` is two slices and their shapes, which go straight into
//!   `Scope::try_input_slice` and `cross_entropy`. (An `Iterator` cannot lend out of `self`;
//!   one that returned owned tensors would allocate twice per batch.)
//! - **The shuffle is seeded and in place.** With [`DataLoader::shuffle`] the loader owns an
//!   [`Rng`](crate::Rng) and, at the start of every epoch, permutes the previous epoch's order
//!   in place by Fisher-Yates from the back: for `i = N-1` down to `1`, swap `i` with
//!   `j = rng.next_u64() % (i + 1)`, one draw per position. The first epoch starts from
//!   `0..N`. A seed therefore fixes every epoch's order; the orders are uniform up to a modulo
//!   bias below `N / 2^64`. PyTorch draws a fresh `randperm` per epoch from its own generator,
//!   so the orders are equally distributed but not the same numbers.
//! - `drop_last` drops an epoch's final short batch, as in PyTorch. A batch size of 0 is an
//!   error; an empty dataset gives epochs of no batches.
//!
//! ## Example
//!
//! ```
//! use arenagrad::data::{DataLoader, TensorDataset};
//! use arenagrad::prelude::*;
//!
//! let mut rng = Rng::seed(0);
//! let x = rng.normal_tensor(&[20, 4], 0.0, 1.0);
//! let labels: Vec<usize> = (0..20).map(|i| i % 3).collect();
//! let ds = TensorDataset::with_labels(x, labels)?;
//!
//! let mut params = ParamStore::new();
//! let model = Mlp::new(&mut params, &[4, 8, 3], &mut rng)?;
//! let mut opt = Sgd::new(&params, SgdConfig { lr: 0.1, ..Default::default() })?;
//! let mut loader = DataLoader::new(&ds, 8)?.shuffle(rng);
//! let mut graph = Graph::new();
//! for _epoch in 0..3 {
//!     while let Some(batch) = loader.next_batch() {   // 8, 8, then 4 samples
//!         params.zero_grad();
//!         graph.run_with(&mut params, |g| {
//!             let x = g.try_input_slice(batch.features(), batch.features_shape())?;
//!             let loss = model.forward(g, x)?.cross_entropy(batch.targets())?;
//!             loss.backward()
//!         })?;
//!         opt.step(&mut params);
//!     }
//! }
//! assert_eq!(loader.epoch(), 3);
//! # Ok::<(), arenagrad::Error>(())
//! ```
//!
//! Arrays saved by NumPy load with `io::npy` (`load` for features, `load_labels` for `int64`
//! class labels): io sits above this module, so it is named here without a link.

mod batch;
mod dataset;
mod loader;

#[cfg(test)]
mod tests;

pub use batch::Batch;
pub use dataset::TensorDataset;
pub use loader::DataLoader;
