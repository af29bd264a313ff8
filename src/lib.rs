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
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod error;
pub mod gradcheck;
pub mod graph;
pub mod io;
pub mod kernels;
pub mod loss;
pub mod nn;
mod ops;
pub mod optim;
pub mod params;
pub mod rng;
pub mod shape;
pub mod tensor;

pub use error::{Error, Result};
pub use graph::{Backward, Graph, Scope, Var};
pub use kernels::simd_level;
pub use params::{Param, ParamStore};
pub use rng::Rng;
pub use shape::Shape;
pub use tensor::Tensor;

/// Everything a training loop needs, in one import.
pub mod prelude {
    pub use crate::error::{Error, Result};
    pub use crate::graph::{Backward, Graph, Scope, Var};
    pub use crate::loss::Reduction;
    pub use crate::params::{Param, ParamStore};
    pub use crate::rng::Rng;
    pub use crate::shape::Shape;
    pub use crate::tensor::Tensor;
}
