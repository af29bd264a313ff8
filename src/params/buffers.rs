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
//! up to 2²⁴ batches). Each buffer also records the dtype PyTorch gives it ([`BufferDtype`]):
//! a counter registered with [`ParamStore::add_buffer_as`]`(.., BufferDtype::I64)` is written
//! to files as `I64`, so PyTorch's `load_state_dict` gets the `int64` it expects.

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

/// The dtype a buffer has in PyTorch's `state_dict`, which is the dtype
/// `io::save` writes it as. The store keeps `f32` values either way.
///
/// ```
/// use arenagrad::prelude::*;
/// use arenagrad::params::BufferDtype;
/// let mut params = ParamStore::new();
/// let n = params.add_buffer_as("bn.num_batches_tracked", Tensor::scalar(0.0), BufferDtype::I64)?;
/// assert_eq!(params.buffer_dtype(n), BufferDtype::I64);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BufferDtype {
    /// `float32`: statistics such as `running_mean` (the default).
    #[default]
    F32,
    /// `int64`: counters such as `num_batches_tracked`. The values must be whole numbers; they
    /// are exact in the store's `f32` up to 2²⁴ in magnitude.
    I64,
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
    /// The dtype files hold it as.
    pub dtype: BufferDtype,
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
        self.add_buffer_as(name, value, BufferDtype::F32)
    }

    /// [`add_buffer`](Self::add_buffer) with the dtype the buffer has in PyTorch (what a file
    /// holds it as). An `I64` buffer's initial values must be whole numbers.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::params::BufferDtype;
    /// let mut params = ParamStore::new();
    /// let n = params.add_buffer_as("steps", Tensor::scalar(3.0), BufferDtype::I64)?;
    /// assert_eq!(params.buffer(n), &[3.0]);
    /// assert!(params.add_buffer_as("half", Tensor::scalar(0.5), BufferDtype::I64).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn add_buffer_as(
        &mut self,
        name: &str,
        value: Tensor,
        dtype: BufferDtype,
    ) -> Result<Buffer> {
        if dtype == BufferDtype::I64 {
            if let Some(v) = value.data().iter().find(|v| !fits_i64(**v)) {
                return Err(Error::InvalidArgument {
                    op: "ParamStore::add_buffer_as",
                    message: format!(
                        "buffer {name:?} is I64 but its initial value {v} is not a whole number \
                         in int64's range; start a counter at a whole number such as 0"
                    ),
                });
            }
        }
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
            dtype,
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

    /// The dtype `b` was registered with (what a file holds it as).
    pub fn buffer_dtype(&self, b: Buffer) -> BufferDtype {
        self.buffer_meta(b).dtype
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

/// Whether `v` is a whole number in `[-2⁶³, 2⁶³)`, so `v as i64` is exact: what an `I64`
/// buffer may hold.
pub(crate) fn fits_i64(v: f32) -> bool {
    const TWO_63: f32 = 9_223_372_036_854_775_808.0;
    v.fract() == 0.0 && (-TWO_63..TWO_63).contains(&v)
}

#[cfg(test)]
mod tests;
