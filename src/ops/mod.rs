//! Ops: one file per family, each with its forward, its backward rule, what it saves, and its
//! unit tests. Ops are methods on [`Var`](crate::Var); fallible ones come as `try_x` returning
//! [`Result`](crate::Result) plus a panicking `x` with the same message.

mod attention;
mod attention_graph;
mod batch_norm;
mod binary;
pub(crate) mod conv;
mod dropout;
pub(crate) mod grad_forms;
mod indices;
pub(crate) mod linear;
mod matmul;
mod max;
mod norm;
mod norm_forms;
mod pad;
mod pool;
mod reduce;
mod rms_norm;
mod select;
mod shape_ops;
mod softmax;
mod stats;
#[cfg(test)]
mod tests;
pub(crate) mod unary;

pub use batch_norm::BatchNormMode;
pub use pool::{AvgPool2dOptions, MaxPool2dOptions};
