//! The graph: a bump arena that holds one step's nodes, and the scope that builds them.
//!
//! [`Graph::run`] lends a [`Scope`] to a closure. Every node, shape, value and saved buffer the
//! closure creates is bump-allocated in the graph's arena; when the closure returns (or
//! unwinds) the arena is reset in O(1) and its largest chunk is kept, so the next step reuses
//! the same memory. Nodes are reached through [`Var`] handles whose lifetime `'g` is that of the
//! closure call, so no handle can outlive the memory it points into:
//!
//! ```compile_fail
//! use arenagrad::prelude::*;
//! let mut graph = Graph::new();
//! // error: the Var would escape the scope whose arena it lives in
//! let leaked = graph.run(|g| Ok(g.leaf(Tensor::scalar(1.0)))).unwrap();
//! ```
//!
//! Vars of two different scopes do not mix either (`'g` is invariant):
//!
//! ```compile_fail
//! use arenagrad::prelude::*;
//! let (mut g1, mut g2) = (Graph::new(), Graph::new());
//! g1.run(|a| {
//!     let x = a.leaf(Tensor::scalar(1.0));
//!     g2.run(|b| {
//!         let y = b.leaf(Tensor::scalar(2.0));
//!         let _ = x + y;
//!         Ok(())
//!     })
//! }).unwrap();
//! ```

mod arena;
mod backward;
pub mod custom;
mod eval;
pub(crate) mod fused_backward;
mod grad_sink;
mod higher;
mod hooks;
mod lazy;
mod node;
mod pool;
mod record;
mod scope;
mod sink;
#[cfg(test)]
mod tests;
mod var;

pub(crate) use grad_sink::GradSink;
pub use higher::{grad, GradOptions};
pub(crate) use lazy::{fuses, Elem};
pub(crate) use node::{Node, Rule};
pub(crate) use scope::ParamsView;
pub use scope::Scope;
pub(crate) use sink::Sink;
pub use var::{Backward, Var};

use std::cell::{Cell, RefCell};

use bumpalo::Bump;

use crate::error::Result;
use crate::params::ParamStore;
use arena::Written;
use scope::Access;

/// Owns the arena that holds one step's graph at a time.
///
/// ```
/// use arenagrad::prelude::*;
/// // f(x) = x^3, f'(4) = 3 * 4^2 = 48
/// let mut graph = Graph::new();
/// graph.run(|g| {
///     let x = g.leaf(Tensor::scalar(4.0));
///     let f = x.powf(3.0);
///     f.backward()?;
///     assert_eq!(x.grad().unwrap().item(), 48.0);
///     Ok(())
/// }).unwrap();
/// ```
#[derive(Default)]
pub struct Graph {
    bump: Bump,
    /// The part of the arena known to hold written bytes (see `arena.rs`).
    written: Written,
}

impl Graph {
    /// A graph with an empty arena.
    pub fn new() -> Self {
        Graph {
            bump: Bump::new(),
            written: Written::default(),
        }
    }

    /// Runs `f` with a fresh scope; the scope's arena is reset when `f` returns, whether or
    /// not backward ran.
    pub fn run<R>(&mut self, f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<R>) -> Result<R> {
        self.run_err(f)
    }

    /// [`run`](Self::run) for a closure that returns its own error type `E` (typically one
    /// with `From<arenagrad::Error>`, so `?` converts arenagrad's errors). `run` itself keeps
    /// [`Error`](crate::Error): were it generic, a closure using `?` on arenagrad's results
    /// would leave `E` for the compiler to guess, and existing code would stop compiling.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// #[derive(Debug)]
    /// enum AppError { Nn(arenagrad::Error), Diverged(f32) }
    /// impl From<arenagrad::Error> for AppError {
    ///     fn from(e: arenagrad::Error) -> Self { AppError::Nn(e) }
    /// }
    /// let r = Graph::new().run_err(|g| {
    ///     let x = g.leaf(Tensor::scalar(3.0));
    ///     let loss = (x * x).try_reshape(&[1])?.sum();    // arenagrad's error, converted
    ///     if loss.item() > 1.0 {
    ///         return Err(AppError::Diverged(loss.item())); // the caller's own
    ///     }
    ///     Ok(())
    /// });
    /// assert!(matches!(r, Err(AppError::Diverged(9.0))));
    /// let r = Graph::new().run_err(|g| Ok(g.leaf(Tensor::scalar(1.0)).try_reshape(&[2])?.item()));
    /// assert!(matches!(r, Err(AppError::Nn(Error::ReshapeNumel { .. }))));
    /// ```
    pub fn run_err<R, E>(
        &mut self,
        f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.bump.reset();
        let r = {
            let scope = Scope::new(&self.bump, self.written, None);
            f(&scope)
        };
        self.reset_after_run();
        r
    }

    /// Runs `f` with a scope whose [`Scope::param`]s are `params`' parameters; backward adds
    /// their gradients into `params`' flat gradient buffer. The store is borrowed for the
    /// scope, so no optimizer can change it while a graph reads it.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::scalar(2.0)).unwrap();
    /// let mut graph = Graph::new();
    /// graph.run_with(&mut params, |g| {
    ///     let w = g.param(w);
    ///     (w * w).backward()                // d(w^2)/dw = 2w = 4
    /// }).unwrap();
    /// assert_eq!(params.grad(w), &[4.0]);
    /// ```
    pub fn run_with<R>(
        &mut self,
        params: &mut ParamStore,
        f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<R>,
    ) -> Result<R> {
        self.run_with_err(params, f)
    }

    /// [`run_with`](Self::run_with) for a closure that returns its own error type `E` (see
    /// [`run_err`](Self::run_err)).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::scalar(2.0))?;
    /// let r: Result<f32, Box<dyn std::error::Error>> = Graph::new().run_with_err(&mut params, |g| {
    ///     let loss = g.try_param(w)?.powf(2.0);
    ///     loss.backward()?;
    ///     let n: u32 = "7".parse()?;                       // another library's error
    ///     Ok(loss.item() + n as f32)
    /// });
    /// assert_eq!(r.unwrap(), 11.0);
    /// assert_eq!(params.grad(w), &[4.0]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn run_with_err<R, E>(
        &mut self,
        params: &mut ParamStore,
        f: impl for<'g> FnOnce(&'g Scope<'g>) -> Result<R, E>,
    ) -> Result<R, E> {
        self.bump.reset();
        let r = {
            let b = params.split_for_graph();
            // one cell per buffer, in the arena (no heap allocation per run): buffers are
            // stored back to back in registration order
            let mut rest: &mut [f32] = b.buffers;
            let buffers = self
                .bump
                .alloc_slice_fill_iter(b.view.buffer_metas.iter().map(|m| {
                    let (head, tail) = std::mem::take(&mut rest).split_at_mut(m.numel);
                    rest = tail;
                    RefCell::new(head)
                }));
            let scope = Scope::new(
                &self.bump,
                self.written,
                Some(ParamsView {
                    store: b.view,
                    access: Access::Lent {
                        grads: RefCell::new(b.grads),
                        entered: self
                            .bump
                            .alloc_slice_fill_with(b.has_grad.len(), |_| Cell::new(0)),
                        has_grad: Cell::from_mut(b.has_grad).as_slice_of_cells(),
                        buffers,
                    },
                }),
            );
            f(&scope)
        };
        self.reset_after_run();
        r
    }

    /// Frees this run's graph for the next run. bumpalo's `reset` keeps only the last chunk, so
    /// a graph that spilled over several chunks would make the next identical run allocate
    /// again; instead the arena is then replaced by one chunk of the bytes this run used
    /// (plus a little slack for alignment padding, which differs between one chunk and
    /// several), and every later run of the same size allocates nothing (steady state from
    /// the second run on). Sizing by use rather than by the chunks held matters: chunks
    /// double as they spill, so their total can be much more than the run needed (MLP
    /// 784-512-512-10, batch 128: 2.71 MiB held for 1.90 MiB used). A chunk kept for the
    /// first time is primed (written once in full), so that later runs can take output and
    /// gradient buffers from it without zero-filling them (`arena.rs`).
    fn reset_after_run(&mut self) {
        let used = self.bump.allocated_bytes() - self.bump.chunk_capacity();
        self.bump.reset();
        if self.bump.chunk_capacity() < used {
            self.bump = Bump::with_capacity(used + used / 256 + 4096);
        }
        if !self.written.still_valid(&self.bump) {
            self.written = Written::prime(&mut self.bump);
        }
    }

    /// Bytes of arena memory held (kept across steps for reuse).
    pub fn arena_capacity(&self) -> usize {
        self.bump.allocated_bytes()
    }
}
