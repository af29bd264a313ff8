//! `load_state_dict`: matching file tensors to parameters by name and shape.
//!
//! One plan serves both sources (raw file bytes and an already converted
//! [`SafeTensorsFile`](super::SafeTensorsFile)): parameters in registration order are looked
//! up in the file; a name found with the same shape is copied, with another shape is a
//! mismatch, not found is missing; file names no parameter has are unexpected. Nothing is
//! written until the whole plan (and, for raw bytes, every copied tensor's dtype) is known to
//! be acceptable, so a strict error or a bad dtype leaves the store unchanged.

use std::collections::{BTreeMap, HashMap};

use super::read;
use crate::error::{Error, Result};
use crate::params::{fits_i64, Buffer, BufferDtype, Param, ParamStore};
use crate::tensor::Tensor;

/// How [`load_into`](super::load_into) treats a file that does not match the store.
///
/// `strict: true` (the default, as in PyTorch) makes any missing key, unexpected key or size
/// mismatch an [`Error::StateDict`] and changes nothing; `strict: false` loads what matches
/// and reports the rest.
///
/// ```
/// use arenagrad::io::LoadOptions;
/// assert!(LoadOptions::default().strict);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// Whether every parameter and buffer must be in the file with its shape, and nothing else.
    pub strict: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { strict: true }
    }
}

/// What a load did: PyTorch's `_IncompatibleKeys` plus the size mismatches (which PyTorch
/// raises on even when not strict) and the keys loaded.
///
/// ```
/// # use arenagrad::prelude::*;
/// use arenagrad::io::{self, LoadOptions};
/// let mut saved = ParamStore::new();
/// saved.add("a", Tensor::zeros(&[2])?)?;
/// saved.add("b", Tensor::zeros(&[3])?)?;
/// let mut params = ParamStore::new();
/// params.add("a", Tensor::zeros(&[2])?)?;
/// params.add("b", Tensor::zeros(&[4])?)?;
/// params.add("c", Tensor::zeros(&[1])?)?;
/// let r = io::load_bytes_into(&io::to_bytes(&saved)?, &mut params, LoadOptions { strict: false })?;
/// assert_eq!((r.loaded, r.missing), (vec!["a".to_string()], vec!["c".to_string()]));
/// assert_eq!(r.mismatched, [("b".to_string(), vec![4], vec![3])]); // (key, store, file)
/// assert!(r.unexpected.is_empty());
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Keys copied into the store: parameters, then buffers, each in registration order.
    pub loaded: Vec<String>,
    /// Parameters and buffers the file does not have (left unchanged), parameters first, each
    /// in registration order.
    pub missing: Vec<String>,
    /// File tensors no parameter or buffer has (ignored), in name order.
    pub unexpected: Vec<String>,
    /// `(key, shape in the store, shape in the file)` for names found with another shape
    /// (left unchanged), in registration order.
    pub mismatched: Vec<(String, Vec<usize>, Vec<usize>)>,
}

impl LoadReport {
    /// Whether the file matched the store exactly (every parameter loaded, nothing else).
    ///
    /// ```
    /// assert!(arenagrad::io::LoadReport::default().is_exact());
    /// ```
    pub fn is_exact(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }
}

/// A state_dict entry of a store: a parameter or a buffer.
#[derive(Clone, Copy)]
enum Slot {
    Param(Param),
    Buffer(Buffer),
}

impl Slot {
    fn values(self, params: &mut ParamStore) -> &mut [f32] {
        match self {
            Slot::Param(p) => params.data_mut(p),
            Slot::Buffer(b) => params.buffer_mut(b),
        }
    }
}

/// The copies to make (entry, index of the file tensor) and the report; parameters first, then
/// buffers, each in registration order.
fn plan(params: &ParamStore, file: &[(&str, &[usize])]) -> (Vec<(Slot, usize)>, LoadReport) {
    let index: HashMap<&str, usize> = file.iter().enumerate().map(|(i, e)| (e.0, i)).collect();
    let mut report = LoadReport::default();
    let mut copies = Vec::new();
    let param_slots = params
        .params()
        .map(|p| (Slot::Param(p), params.name(p), params.shape(p)));
    let buffer_slots = params.buffers().map(|b| {
        (
            Slot::Buffer(b),
            params.buffer_name(b),
            params.buffer_shape(b),
        )
    });
    for (p, name, shape) in param_slots.chain(buffer_slots) {
        match index.get(name) {
            None => report.missing.push(name.to_string()),
            Some(&i) if file[i].1 == shape => {
                copies.push((p, i));
                report.loaded.push(name.to_string());
            }
            Some(&i) => {
                let m = (name.to_string(), shape.to_vec(), file[i].1.to_vec());
                report.mismatched.push(m);
            }
        }
    }
    report.unexpected = file
        .iter()
        .filter(|e| params.get(e.0).is_none() && params.get_buffer(e.0).is_none())
        .map(|e| e.0.to_string())
        .collect();
    report.unexpected.sort();
    (copies, report)
}

/// In strict mode, a report that is not exact becomes an [`Error::StateDict`].
fn check(op: &'static str, report: &LoadReport, options: LoadOptions) -> Result<()> {
    if options.strict && !report.is_exact() {
        return Err(Error::StateDict {
            op,
            missing: report.missing.clone(),
            unexpected: report.unexpected.clone(),
            mismatched: report.mismatched.clone(),
        });
    }
    Ok(())
}

/// [`load_into`](super::load_into) from bytes in memory.
///
/// ```
/// # use arenagrad::prelude::*;
/// use arenagrad::io::{self, LoadOptions};
/// let mut a = ParamStore::new();
/// a.add("w", Tensor::from_slice(&[1.0, 2.0]))?;
/// let mut b = ParamStore::new();
/// b.add("w", Tensor::zeros(&[2])?)?;
/// b.add("v", Tensor::zeros(&[3])?)?;
/// let err = io::load_bytes_into(&io::to_bytes(&a)?, &mut b, LoadOptions::default()).unwrap_err();
/// assert!(matches!(&err, Error::StateDict { missing, .. } if missing == &["v"]));
/// assert_eq!(b.data(b.get("w").unwrap()), &[0.0, 0.0]); // strict: all or nothing
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn load_bytes_into(
    bytes: &[u8],
    params: &mut ParamStore,
    options: LoadOptions,
) -> Result<LoadReport> {
    from_bytes("io::load_bytes_into", bytes, params, options)
}

/// Loads from safetensors bytes, converting only the tensors that are copied.
pub(crate) fn from_bytes(
    op: &'static str,
    bytes: &[u8],
    params: &mut ParamStore,
    options: LoadOptions,
) -> Result<LoadReport> {
    let raw = read::parse(op, bytes)?;
    let keys: Vec<(&str, &[usize])> = raw
        .tensors
        .iter()
        .map(|t| (t.name.as_str(), t.shape.as_slice()))
        .collect();
    let (copies, report) = plan(params, &keys);
    check(op, &report, options)?;
    // every dtype (and every I64 value) first: a bad one fails before anything is written
    let decoders = copies
        .iter()
        .map(|&(p, i)| Ok((p, raw.tensors[i].decoder(op)?, raw.tensors[i].bytes)))
        .collect::<Result<Vec<_>>>()?;
    for (p, to_f32, bytes) in decoders {
        to_f32.decode(bytes, p.values(params));
    }
    Ok(report)
}

/// Loads from tensors already converted to f32. A value copied into an `I64` buffer must be a
/// whole number in int64's range (as [`ParamStore::add_buffer_as`] requires), checked before
/// anything is written.
pub(crate) fn from_tensors(
    op: &'static str,
    tensors: &BTreeMap<String, Tensor>,
    params: &mut ParamStore,
    options: LoadOptions,
) -> Result<LoadReport> {
    let entries: Vec<(&str, &Tensor)> = tensors.iter().map(|(k, t)| (k.as_str(), t)).collect();
    let keys: Vec<(&str, &[usize])> = entries.iter().map(|e| (e.0, e.1.shape())).collect();
    let (copies, report) = plan(params, &keys);
    check(op, &report, options)?;
    for &(slot, i) in &copies {
        let Slot::Buffer(b) = slot else { continue };
        if params.buffer_dtype(b) != BufferDtype::I64 {
            continue;
        }
        let (key, t) = entries[i];
        if let Some((at, v)) = t.data().iter().enumerate().find(|e| !fits_i64(*e.1)) {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "key {key:?}: the buffer is int64 but element {at} is {v}, not a whole \
                     number in int64's range; nothing was loaded"
                ),
            });
        }
    }
    for (p, i) in copies {
        p.values(params).copy_from_slice(entries[i].1.data());
    }
    Ok(report)
}
