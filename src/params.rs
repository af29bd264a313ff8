//! `ParamStore`: every parameter of a model in one flat, 64-byte-aligned buffer.
//!
//! Parameters are registered by name (PyTorch's state_dict keys) and handed out as [`Param`]
//! handles. Their values sit back to back in one `f32` buffer, each starting on a 64-byte
//! boundary (16 floats: one cache line, two AVX registers); their gradients sit in a second
//! buffer of the same layout. So `zero_grad` is one fill, an optimizer step is one pass over
//! two (or more) parallel slices, and a checkpoint is one blob. Padding between parameters is
//! zero in both buffers and stays zero under every optimizer update.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::tensor::Tensor;

mod buffers;
mod grad;
mod layout;
mod names;

pub(crate) use buffers::fits_i64;
use buffers::Buffers;
pub use buffers::{Buffer, BufferDtype, BufferMeta};
pub(crate) use names::describe;

/// Floats per 64-byte line: every parameter starts at a multiple of this offset.
pub const ALIGN_FLOATS: usize = 16;

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// A handle to one parameter of a [`ParamStore`]. `Copy`, cheap, and checked against the
/// store it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    store: u64,
    index: usize,
}

impl Param {
    /// The parameter's position in registration order.
    pub fn index(&self) -> usize {
        self.index
    }
}

/// Where one parameter lives in the flat buffers.
#[derive(Clone, Debug)]
pub struct ParamMeta {
    /// The state_dict key.
    pub name: String,
    /// Dimensions (PyTorch's layout, e.g. `[out, in]` for a Linear weight).
    pub shape: Vec<usize>,
    /// Offset of the first element in the flat buffers (a multiple of [`ALIGN_FLOATS`]).
    pub offset: usize,
    /// Element count.
    pub numel: usize,
}

/// A `Vec<f32>` window whose first element is 64-byte aligned; safe code only (the window's
/// start is found with `align_offset`, and the spare capacity covers the shift).
#[derive(Clone, Debug, Default)]
pub(crate) struct AlignedBuf {
    raw: Vec<f32>,
    start: usize,
    len: usize,
}

impl AlignedBuf {
    pub(crate) fn zeros(len: usize) -> Self {
        let raw = vec![0.0f32; len + ALIGN_FLOATS];
        let start = raw.as_ptr().align_offset(64).min(ALIGN_FLOATS);
        AlignedBuf { raw, start, len }
    }
    pub(crate) fn as_slice(&self) -> &[f32] {
        &self.raw[self.start..self.start + self.len]
    }
    pub(crate) fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.raw[self.start..self.start + self.len]
    }
    /// A buffer of `len` floats whose prefix is a copy of this one.
    fn grown(&self, len: usize) -> Self {
        let mut b = Self::zeros(len);
        b.as_mut_slice()[..self.len].copy_from_slice(self.as_slice());
        b
    }
}

/// Named parameters in one flat aligned buffer, gradients in another of the same layout.
///
/// ```
/// use arenagrad::prelude::*;
/// let mut params = ParamStore::new();
/// let w = params.add("0.weight", Tensor::ones(&[2, 3]).unwrap()).unwrap();
/// let b = params.add("0.bias", Tensor::zeros(&[2]).unwrap()).unwrap();
/// assert_eq!(params.offset(b) % 16, 0);             // every param starts on a cache line
/// assert_eq!(params.data(w), &[1.0; 6]);
/// params.zero_grad();                               // one fill of the flat grad buffer
/// assert_eq!(params.grad(b), &[0.0, 0.0]);
/// ```
#[derive(Clone, Debug)]
pub struct ParamStore {
    id: u64,
    metas: Vec<ParamMeta>,
    by_name: HashMap<String, usize>,
    data: AlignedBuf,
    grad: AlignedBuf,
    /// Per parameter (by index): whether a backward reached it since the last `zero_grad`
    /// (PyTorch's `p.grad is not None`).
    has_grad: Vec<bool>,
    /// Non-trainable state (`buffers.rs`), outside the flat parameter buffers.
    buffers: Buffers,
    /// The parameter names again, shared with the registry (`names.rs`) for error messages
    /// about a handle used with another store.
    names: names::NameList,
}

impl Drop for ParamStore {
    fn drop(&mut self) {
        names::release(self.id, &self.names);
    }
}

impl Default for ParamStore {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamStore {
    /// An empty store.
    pub fn new() -> Self {
        let id = NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed);
        ParamStore {
            id,
            names: names::register(id),
            metas: Vec::new(),
            by_name: HashMap::new(),
            data: AlignedBuf::zeros(0),
            grad: AlignedBuf::zeros(0),
            has_grad: Vec::new(),
            buffers: Buffers::default(),
        }
    }

    /// Registers a parameter under a unique name; its gradient starts at zero.
    pub fn add(&mut self, name: &str, value: Tensor) -> Result<Param> {
        if self.by_name.contains_key(name) || self.get_buffer(name).is_some() {
            return Err(Error::DuplicateParam {
                name: name.to_string(),
            });
        }
        let offset = self.data.len.div_ceil(ALIGN_FLOATS) * ALIGN_FLOATS;
        let numel = value.numel();
        let end = offset
            .checked_add(numel)
            .ok_or_else(|| Error::SizeOverflow {
                op: "ParamStore::add",
                shape: value.shape().to_vec(),
            })?;
        self.data = self.data.grown(end);
        self.grad = self.grad.grown(end);
        self.data.as_mut_slice()[offset..end].copy_from_slice(value.data());
        let index = self.metas.len();
        self.metas.push(ParamMeta {
            name: name.to_string(),
            shape: value.shape().to_vec(),
            offset,
            numel,
        });
        self.by_name.insert(name.to_string(), index);
        names::record(&self.names, index, name);
        self.has_grad.push(false);
        Ok(Param {
            store: self.id,
            index,
        })
    }

    /// The handle of the parameter named `name`.
    pub fn get(&self, name: &str) -> Option<Param> {
        self.by_name.get(name).map(|&index| Param {
            store: self.id,
            index,
        })
    }
    /// Whether `p` is a handle of this store.
    pub fn owns(&self, p: Param) -> bool {
        p.store == self.id && p.index < self.metas.len()
    }
    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.metas.len()
    }
    /// Whether the store has no parameters.
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }
    /// Total number of parameter values (padding excluded).
    pub fn num_values(&self) -> usize {
        self.metas.iter().map(|m| m.numel).sum()
    }
    /// The handles in registration order.
    pub fn params(&self) -> impl Iterator<Item = Param> + '_ {
        (0..self.metas.len()).map(move |index| Param {
            store: self.id,
            index,
        })
    }
    /// Layout entries in registration order.
    pub fn metas(&self) -> &[ParamMeta] {
        &self.metas
    }

    #[track_caller]
    fn meta(&self, p: Param) -> &ParamMeta {
        if !self.owns(p) {
            panic!(
                "ParamStore: parameter {:?} is not from this store; use the store that \
                 registered it",
                names::describe(p)
            );
        }
        &self.metas[p.index]
    }
    /// The name of `p`.
    pub fn name(&self, p: Param) -> &str {
        &self.meta(p).name
    }
    /// The shape of `p`.
    pub fn shape(&self, p: Param) -> &[usize] {
        &self.meta(p).shape
    }
    /// The offset of `p` in the flat buffers.
    pub fn offset(&self, p: Param) -> usize {
        self.meta(p).offset
    }
    /// The element count of `p`.
    pub fn numel_of(&self, p: Param) -> usize {
        self.meta(p).numel
    }
    /// The values of `p`.
    pub fn data(&self, p: Param) -> &[f32] {
        let m = self.meta(p);
        &self.data.as_slice()[m.offset..m.offset + m.numel]
    }
    /// The values of `p`, mutable (e.g. to load weights).
    pub fn data_mut(&mut self, p: Param) -> &mut [f32] {
        let (o, n) = (self.meta(p).offset, self.meta(p).numel);
        &mut self.data.as_mut_slice()[o..o + n]
    }
    /// The accumulated gradient of `p`: zeros when no backward reached it since the last
    /// [`zero_grad`](Self::zero_grad) (see [`has_grad`](Self::has_grad) for PyTorch's
    /// `p.grad is None`).
    pub fn grad(&self, p: Param) -> &[f32] {
        let m = self.meta(p);
        &self.grad.as_slice()[m.offset..m.offset + m.numel]
    }
    /// The value of `p` as a tensor.
    pub fn tensor(&self, p: Param) -> Tensor {
        Tensor::new(self.data(p).to_vec(), self.shape(p)).expect("meta matches data")
    }
    /// The gradient of `p` as a tensor.
    pub fn grad_tensor(&self, p: Param) -> Tensor {
        Tensor::new(self.grad(p).to_vec(), self.shape(p)).expect("meta matches grad")
    }

    /// The whole flat value buffer (padding included).
    pub fn flat_data(&self) -> &[f32] {
        self.data.as_slice()
    }
    /// The whole flat gradient buffer (padding included).
    pub fn flat_grad(&self) -> &[f32] {
        self.grad.as_slice()
    }
    /// The flat value buffer to update and the flat gradient buffer to read: what an
    /// optimizer step needs, in one borrow.
    pub fn flat_mut(&mut self) -> (&mut [f32], &[f32]) {
        (self.data.as_mut_slice(), self.grad.as_slice())
    }
    /// For `Graph::run_with`: the store (values, layout) to read, the gradients to add into,
    /// the has-grad flags to set and the buffers' values (layout in the view).
    pub(crate) fn split_for_graph(&mut self) -> GraphBorrow<'_> {
        let view = StoreView {
            id: self.id,
            metas: &self.metas,
            buffer_metas: &self.buffers.metas,
            data: self.data.as_slice(),
        };
        GraphBorrow {
            view,
            grads: self.grad.as_mut_slice(),
            has_grad: &mut self.has_grad,
            buffers: &mut self.buffers.data,
        }
    }
    /// For `Graph::eval_with`: the store (values, layout) and the buffers' flat values, all
    /// read-only, so any number of scopes on any number of threads may hold them at once.
    pub(crate) fn view_for_eval(&self) -> (StoreView<'_>, &[f32]) {
        let view = StoreView {
            id: self.id,
            metas: &self.metas,
            buffer_metas: &self.buffers.metas,
            data: self.data.as_slice(),
        };
        (view, &self.buffers.data)
    }
}

/// What a graph scope borrows of a store: see [`ParamStore::split_for_graph`].
pub(crate) struct GraphBorrow<'a> {
    pub view: StoreView<'a>,
    pub grads: &'a mut [f32],
    pub has_grad: &'a mut [bool],
    pub buffers: &'a mut [f32],
}

/// A read-only view of a store's layout and values, held by a graph scope while the
/// gradient buffer is lent out for writing.
#[derive(Clone, Copy)]
pub(crate) struct StoreView<'a> {
    id: u64,
    metas: &'a [ParamMeta],
    pub buffer_metas: &'a [BufferMeta],
    pub data: &'a [f32],
}

impl<'a> StoreView<'a> {
    pub(crate) fn meta(&self, p: Param) -> Option<&'a ParamMeta> {
        (p.store == self.id)
            .then(|| self.metas.get(p.index))
            .flatten()
    }
    /// The index of `b` in this store's buffers, when it is one of them.
    pub(crate) fn buffer_index(&self, b: Buffer) -> Option<usize> {
        (b.store == self.id && b.index < self.buffer_metas.len()).then_some(b.index)
    }
}

#[cfg(test)]
mod tests;
