//! The value side of a [`ParamStore`] beside `data_mut`: setting one parameter from a tensor,
//! with its shape checked (PyTorch's `with torch.no_grad(): p.copy_(value)`).

use super::{Param, ParamStore};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

impl ParamStore {
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
}
