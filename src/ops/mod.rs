//! Ops: one file per family, each with its forward, its backward rule, what it saves, and its
//! unit tests. Ops are methods on [`Var`](crate::Var); fallible ones come as `try_x` returning
//! [`Result`](crate::Result) plus a panicking `x` with the same message.

mod binary;
pub(crate) mod conv;
mod dropout;
#[cfg(test)]
mod fd;
pub(crate) mod linear;
mod matmul;
mod max;
mod norm;
mod reduce;
mod shape_ops;
mod softmax;
pub(crate) mod unary;
