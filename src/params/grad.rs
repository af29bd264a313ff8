//! The gradient side of a [`ParamStore`]: `zero_grad`, the per-parameter has-grad flags
//! (PyTorch's `p.grad is None`), `set_grad` and its value twin `set_value`, and the borrows
//! optimizers and collectives use.

use super::{AlignedBuf, Param, ParamStore};
use crate::error::{Error, Result};
use crate::kernels::elementwise::fill;
use crate::kernels::Acc;
use crate::tensor::Tensor;

impl ParamStore {
    /// Zeroes every gradient and clears every has-grad flag: PyTorch's
    /// `optimizer.zero_grad()` (whose default `set_to_none=True` makes every `p.grad` None).
    ///
    /// It is one fill of the flat gradient buffer plus one of the flags. INVARIANT: the flat
    /// gradient buffer holds zeros for every parameter without a gradient (and in the
    /// padding), so clipping, collectives and optimizers may read it whole. Backward's first
    /// contribution to a parameter since the fill *writes* its range (a GEMM with `beta = 0`
    /// never reads it), later ones add, and the first sets the has-grad flag.
    ///
    /// Why still fill: skipping it would save one memset per step (about 3% of a small MLP's
    /// step), but a parameter that the next backward does not reach would keep last step's
    /// gradient, so every reader of the flat buffer (clipping, collectives, optimizers, `grad`)
    /// would have to consult the flags. Write-first already removes the costly part, the
    /// read-modify-write of every gradient (`docs/perf.md`, "Gradient buffers and zero_grad").
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::scalar(2.0))?;
    /// Graph::new().run_with(&mut params, |g| (g.param(w) * 3.0).backward())?;
    /// assert!(params.has_grad(w) && params.grad(w) == &[3.0]);
    /// params.zero_grad();
    /// assert!(!params.has_grad(w) && params.grad(w) == &[0.0]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn zero_grad(&mut self) {
        // split over the kernels' threads above the element-wise grain, like any fill
        fill(self.grad.as_mut_slice(), 0.0, Acc::Write);
        self.has_grad.fill(false);
    }

    /// Whether a backward reached `p` since the last [`zero_grad`](Self::zero_grad) (or it was
    /// marked with [`mark_has_grad`](Self::mark_has_grad)): PyTorch's `p.grad is not None`.
    /// Optimizers skip parameters without a gradient, as PyTorch does.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let (a, b) = (params.add("a", Tensor::scalar(1.0))?, params.add("b", Tensor::scalar(1.0))?);
    /// Graph::new().run_with(&mut params, |g| {
    ///     let _unused = g.param(b);               // in the graph, but the loss ignores it
    ///     (g.param(a) * 2.0).backward()
    /// })?;
    /// assert!(params.has_grad(a) && !params.has_grad(b));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn has_grad(&self, p: Param) -> bool {
        self.meta(p); // checks the handle
        self.has_grad[p.index]
    }

    /// Marks `p` as having a gradient, for code that writes gradients itself through
    /// [`flat_grad_mut`](Self::flat_grad_mut) (a collective, a test, a parity harness).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::from_slice(&[1.0, 2.0]))?;
    /// let o = params.offset(w);
    /// params.flat_grad_mut()[o..o + 2].copy_from_slice(&[0.5, -0.5]);
    /// params.mark_has_grad(w);
    /// assert!(params.has_grad(w));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn mark_has_grad(&mut self, p: Param) {
        self.meta(p); // checks the handle
        self.has_grad[p.index] = true;
    }

    /// Sets `p`'s gradient to `values` and marks it as having one (PyTorch's
    /// `p.grad = values`); a length other than `p`'s element count is an error.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::from_slice(&[1.0, 2.0]))?;
    /// params.set_grad(w, &[0.5, -0.5])?;
    /// assert!(params.has_grad(w) && params.grad(w) == &[0.5, -0.5]);
    /// assert!(params.set_grad(w, &[1.0]).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn set_grad(&mut self, p: Param, values: &[f32]) -> Result<()> {
        let m = self.meta(p);
        if values.len() != m.numel {
            return Err(Error::DataLength {
                op: "ParamStore::set_grad",
                shape: m.shape.clone(),
                len: values.len(),
            });
        }
        let o = m.offset;
        self.grad.as_mut_slice()[o..o + values.len()].copy_from_slice(values);
        self.has_grad[p.index] = true;
        Ok(())
    }

    /// Sets `p`'s value to `value`, whose shape must be `p`'s exactly (no broadcasting): a
    /// [`Error::ShapeMismatch`] naming both shapes otherwise, and nothing changes. The gradient
    /// and its has-grad flag are left as they are; the counterpart of
    /// [`set_grad`](Self::set_grad).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::zeros(&[2, 2])?)?;
    /// params.set_value(w, &Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?)?;
    /// assert_eq!(params.data(w), &[1.0, 2.0, 3.0, 4.0]);
    /// // four values, but shape [4]: the shape must be the parameter's
    /// let err = params.set_value(w, &Tensor::zeros(&[4])?).unwrap_err();
    /// assert!(err.to_string().contains("[2, 2]") && err.to_string().contains("[4]"));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn set_value(&mut self, p: Param, value: &Tensor) -> Result<()> {
        let shape = self.shape(p);
        if shape != value.shape() {
            return Err(Error::ShapeMismatch {
                op: "ParamStore::set_value",
                lhs: shape.to_vec(),
                rhs: value.shape().to_vec(),
            });
        }
        self.data_mut(p).copy_from_slice(value.data());
        Ok(())
    }

    /// The per-parameter has-grad flags, indexed by [`Param::index`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// params.add("a", Tensor::scalar(1.0))?;
    /// let b = params.add("b", Tensor::scalar(1.0))?;
    /// params.set_grad(b, &[2.0])?;
    /// assert_eq!(params.grad_flags(), &[false, true]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn grad_flags(&self) -> &[bool] {
        &self.has_grad
    }
    /// What an optimizer step needs, in one borrow: the flat values to update, the flat
    /// gradients to read, and the has-grad flags indexed by [`Param::index`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::from_slice(&[1.0, 2.0]))?;
    /// params.set_grad(w, &[0.5, 0.5])?;
    /// let (data, grad, has_grad) = params.split_for_step();
    /// if has_grad[w.index()] {
    ///     data.iter_mut().zip(grad).for_each(|(p, g)| *p -= 0.1 * g);   // padding: 0 - 0
    /// }
    /// assert_eq!(params.data(w), &[0.95, 1.95]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn split_for_step(&mut self) -> (&mut [f32], &[f32], &[bool]) {
        (
            self.data.as_mut_slice(),
            self.grad.as_slice(),
            &self.has_grad,
        )
    }
    /// The flat gradient buffer, mutable (for clipping or a collective). A gradient written
    /// here for a parameter without a has-grad flag counts only once it is marked with
    /// [`mark_has_grad`](Self::mark_has_grad) (until then backward's first contribution
    /// overwrites it); keep the zeros of unmarked parameters, the buffer's invariant.
    pub fn flat_grad_mut(&mut self) -> &mut [f32] {
        self.grad.as_mut_slice()
    }

    /// Exchanges the flat gradient buffer with `other` (same length), O(1): a collective can
    /// reduce from the store's buffer into `other` and make the result the store's gradients
    /// without copying it back. Panics on a length mismatch (a caller bug).
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn swap_grad_buffer(&mut self, other: &mut AlignedBuf) {
        assert_eq!(
            other.len, self.grad.len,
            "swap_grad_buffer: length mismatch"
        );
        std::mem::swap(&mut self.grad, other);
    }

    /// The has-grad flags, mutable: for a collective that makes them agree across processes.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn grad_flags_mut(&mut self) -> &mut [bool] {
        &mut self.has_grad
    }
}

#[cfg(test)]
mod tests;
