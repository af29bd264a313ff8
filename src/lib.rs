//! # arenagrad
//!
//! CPU autograd with PyTorch's semantics. A step's graph lives in a bump arena that is reset in
//! O(1) when the step ends; kernels are slice functions (SIMD and parallel where it pays);
//! parameters live in one flat aligned buffer so `zero_grad` and optimizer steps are single
//! passes.
//!
//! What do `loss.backward()`, `optimizer.zero_grad()` and `optimizer.step()` do? Here:
//!
//! ```
//! use arenagrad::prelude::*;
//!
//! // f(x) = x^3, f'(4) = 3 * 4^2 = 48
//! let mut graph = Graph::new();
//! graph.run(|g| {
//!     let x = g.leaf(Tensor::scalar(4.0));
//!     assert!(x.grad().is_none());                  // no gradient before backward
//!     let f = x.powf(3.0);
//!     f.backward_with(&Backward::retain_graph())?;  // keep the graph for a second pass
//!     assert_eq!(x.grad().unwrap().item(), 48.0);
//!     f.backward()?;                                // gradients accumulate: 48 + 48
//!     assert_eq!(x.grad().unwrap().item(), 96.0);
//!     // the graph is released now: PyTorch's "backward through the graph a second time"
//!     assert!(matches!(f.backward(), Err(Error::GraphFreed { .. })));
//!     x.set_grad_none();                            // what zero_grad(set_to_none) does
//!     let f = x.powf(3.0);
//!     f.backward()?;
//!     assert_eq!(x.grad().unwrap().item(), 48.0);
//!     Ok(())
//! })?;
//! # Ok::<(), arenagrad::Error>(())
//! ```
//!
//! Coming from PyTorch? [The guide](guide) maps PyTorch's calls to arenagrad's, explains the
//! lifetime errors a first program meets, and lists what arenagrad does differently.
//!
//! Training, with parameters in a flat [`ParamStore`] and the arena reused every step:
//!
//! ```
//! use arenagrad::prelude::*;
//!
//! let mut params = ParamStore::new();
//! let mut rng = Rng::seed(0);
//! let model = Mlp::new(&mut params, &[4, 16, 3], &mut rng)?; // "0.weight", "0.bias", "2.weight", ...
//! let mut opt = Adam::new(&params, AdamConfig { lr: 1e-2, ..Default::default() })?;
//! let x = rng.normal_tensor(&[8, 4], 0.0, 1.0);
//! let y: Vec<usize> = (0..8).map(|i| i % 3).collect();
//! let mut graph = Graph::new();
//! let mut losses = vec![];
//! for _ in 0..50 {
//!     params.zero_grad();                              // one fill of the flat grad buffer
//!     let loss = graph.run_with(&mut params, |g| {     // nodes live until this closure returns
//!         let logits = model.forward(g, g.input(&x))?;
//!         let loss = logits.cross_entropy(&y)?;
//!         loss.backward()?;                            // += into the store's flat grad buffer
//!         Ok(loss.item())
//!     })?;
//!     opt.step(&mut params);                           // one fused pass over flat buffers
//!     losses.push(loss);
//! }
//! assert!(losses[49] < 0.5 * losses[0]);
//! # Ok::<(), arenagrad::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod data;
#[cfg(feature = "mpi")]
pub mod distributed;
pub mod error;
pub mod gradcheck;
pub mod graph;
pub mod io;
pub mod kernels;
pub mod loss;
pub mod mask;
pub mod nn;
mod ops;
pub mod optim;
pub mod params;
pub mod rng;
pub mod shape;
pub mod tensor;
mod threads;

pub use error::{Error, Result};
pub use graph::custom::{self, CustomOp};
pub use graph::{grad, Backward, GradOptions, Graph, Scope, Var};
pub use kernels::simd_level;
pub use mask::Mask;
pub use ops::conv::{Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions};
pub use ops::{AvgPool2dOptions, BatchNormMode, MaxPool2dOptions};
pub use params::{Buffer, Param, ParamStore};
pub use rng::Rng;
pub use shape::Shape;
pub use tensor::Tensor;
pub use threads::{num_threads, set_num_threads, with_num_threads};

/// Everything a training loop needs, in one import.
pub mod prelude {
    pub use crate::error::{Error, Result};
    pub use crate::graph::custom::CustomOp;
    pub use crate::graph::{grad, Backward, GradOptions, Graph, Scope, Var};
    pub use crate::loss::{CrossEntropy, Reduction};
    pub use crate::mask::Mask;
    pub use crate::nn::{
        Embedding, LayerNorm, Linear, Mlp, Module, MultiheadAttention, RMSNorm, Sequential,
        TransformerBlock,
    };
    pub use crate::ops::conv::{Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions};
    pub use crate::ops::{AvgPool2dOptions, BatchNormMode, MaxPool2dOptions};
    pub use crate::optim::{
        clip_grad_norm, clip_grad_value, Adagrad, AdagradConfig, Adam, AdamConfig, AdamW,
        AdamWConfig, Optimizer, ParamGroup, Rmsprop, RmspropConfig, Sgd, SgdConfig,
    };
    pub use crate::params::{Buffer, Param, ParamStore};
    pub use crate::rng::Rng;
    pub use crate::shape::Shape;
    pub use crate::tensor::Tensor;
}

/// arenagrad for PyTorch users: `docs/guide.md`, rendered here and its Rust examples run as
/// doctests. Only documentation builds contain it (a module with no items), so the library
/// itself does not recompile when the guide changes.
#[cfg(any(doc, doctest))]
#[doc = include_str!("../docs/guide.md")]
pub mod guide {}

/// The README's code blocks, compiled and run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
