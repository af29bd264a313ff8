//! Buffers: a model's named state that is not trained (PyTorch's `register_buffer`: batch
//! norm's `running_mean`, `running_var` and `num_batches_tracked`).
//!
//! They live in the [`ParamStore`] beside the parameters, under their state_dict names, so a
//! save or a load moves parameters and buffers together, as PyTorch's `state_dict` does. They
//! sit in a flat buffer of their own, outside the parameters' value and gradient buffers: no
//! optimizer step, `zero_grad`, clipping or gradient allreduce reads or writes them, without a
//! single check in those passes. A graph scope lends each buffer out on its own
//! ([`Scope::buffer_mut`](crate::Scope::buffer_mut)), so a layer can update its running
//! statistics during the forward pass, as PyTorch's batch norm does in training mode.
//!
//! Values are `f32`, also for counters (`num_batches_tracked`, an `int64` in PyTorch: exact
//! up to 2²⁴ batches).

use super::ParamStore;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// A handle to one buffer of a [`ParamStore`]: `Copy`, cheap, and checked against the store
/// it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Buffer {
    pub(super) store: u64,
    pub(super) index: usize,
}

impl Buffer {
    /// The buffer's position in registration order.
    pub fn index(&self) -> usize {
        self.index
    }
}

/// Where one buffer lives in the store's flat buffer storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BufferMeta {
    /// The state_dict key.
    pub name: String,
    /// Dimensions (`[]` for a scalar such as `num_batches_tracked`).
    pub shape: Vec<usize>,
    /// Offset of the first element.
    pub offset: usize,
    /// Element count.
    pub numel: usize,
}

/// The buffers of a store: layout and values.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers {
    pub(crate) metas: Vec<BufferMeta>,
    pub(crate) data: Vec<f32>,
}

impl ParamStore {
    /// Registers a buffer (non-trainable state) under a name no parameter or buffer has.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// let w = params.add("bn.weight", Tensor::ones(&[3])?)?;
    /// let mean = params.add_buffer("bn.running_mean", Tensor::zeros(&[3])?)?;
    /// params.buffer_mut(mean)[1] = 0.5;
    /// assert_eq!(params.buffer(mean), &[0.0, 0.5, 0.0]);
    /// assert_eq!(params.len(), 1);                       // buffers are not parameters
    /// assert!(params.add_buffer("bn.weight", Tensor::scalar(0.0)).is_err());
    /// # let _ = w;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn add_buffer(&mut self, name: &str, value: Tensor) -> Result<Buffer> {
        if self.get(name).is_some() || self.get_buffer(name).is_some() {
            return Err(Error::DuplicateParam {
                name: name.to_string(),
            });
        }
        let b = &mut self.buffers;
        let offset = b.data.len();
        b.data.extend_from_slice(value.data());
        b.metas.push(BufferMeta {
            name: name.to_string(),
            shape: value.shape().to_vec(),
            offset,
            numel: value.numel(),
        });
        Ok(Buffer {
            store: self.id,
            index: b.metas.len() - 1,
        })
    }

    /// The handle of the buffer named `name`.
    pub fn get_buffer(&self, name: &str) -> Option<Buffer> {
        let index = self.buffers.metas.iter().position(|m| m.name == name)?;
        Some(Buffer {
            store: self.id,
            index,
        })
    }

    /// Whether `b` is a handle of this store.
    pub fn owns_buffer(&self, b: Buffer) -> bool {
        b.store == self.id && b.index < self.buffers.metas.len()
    }

    /// The buffer handles in registration order.
    pub fn buffers(&self) -> impl Iterator<Item = Buffer> + '_ {
        (0..self.buffers.metas.len()).map(move |index| Buffer {
            store: self.id,
            index,
        })
    }

    /// The buffers' layout entries in registration order.
    pub fn buffer_metas(&self) -> &[BufferMeta] {
        &self.buffers.metas
    }

    #[track_caller]
    fn buffer_meta(&self, b: Buffer) -> &BufferMeta {
        assert!(
            self.owns_buffer(b),
            "ParamStore: buffer #{} is not from this store; use the store that registered it",
            b.index
        );
        &self.buffers.metas[b.index]
    }

    /// The name of `b`.
    pub fn buffer_name(&self, b: Buffer) -> &str {
        &self.buffer_meta(b).name
    }

    /// The shape of `b`.
    pub fn buffer_shape(&self, b: Buffer) -> &[usize] {
        &self.buffer_meta(b).shape
    }

    /// The values of `b`.
    pub fn buffer(&self, b: Buffer) -> &[f32] {
        let m = self.buffer_meta(b);
        &self.buffers.data[m.offset..m.offset + m.numel]
    }

    /// The values of `b`, to change.
    pub fn buffer_mut(&mut self, b: Buffer) -> &mut [f32] {
        let (offset, numel) = {
            let m = self.buffer_meta(b);
            (m.offset, m.numel)
        };
        &mut self.buffers.data[offset..offset + numel]
    }

    /// `b` as a tensor (a copy).
    pub fn buffer_tensor(&self, b: Buffer) -> Tensor {
        Tensor::new(self.buffer(b).to_vec(), self.buffer_shape(b)).expect("meta matches data")
    }
}

#[cfg(test)]
mod tests;
