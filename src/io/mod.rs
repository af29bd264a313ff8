//! Saving and loading a [`ParamStore`] as safetensors, the format of `safetensors.torch`; and
//! single arrays as NumPy's `.npy` files ([`npy`]).
//!
//! ## The format
//!
//! A file is an 8-byte little-endian `u64` `N`, a JSON header of `N` bytes, then the data:
//!
//! ```text
//! N | {"__metadata__":{"format":"pt"},"0.bias":{"dtype":"F32","shape":[32],"data_offsets":[0,128]},…} | bytes
//! ```
//!
//! A tensor's `data_offsets = [begin, end)` index the data section, which holds its elements
//! row-major, little-endian, so `end − begin = numel · size_of(dtype)`; the tensors tile the
//! data section exactly. `__metadata__` is an optional string-to-string map.
//!
//! ## What arenagrad writes and reads
//!
//! - [`save`] writes one tensor per parameter and buffer, under its name (PyTorch's state_dict
//!   keys, shapes in PyTorch's layout, e.g. `[out, in]` for a Linear weight), with the
//!   metadata `{"format": "pt"}` that Hugging Face tools expect. Parameters and buffers are
//!   `F32`, except buffers registered as [`BufferDtype::I64`](crate::params::BufferDtype)
//!   (batch norm's `num_batches_tracked`), which are `I64` as in PyTorch, so
//!   `load_state_dict` gets the dtype it expects; `I64` tensors come first, then `F32`, each
//!   in name order. The header is padded with spaces to a multiple of 8 bytes, so every tensor
//!   starts 8-byte aligned. For the same tensors and metadata these are byte for byte the files
//!   `safetensors.torch.save_file` writes, and the same store always gives the same bytes.
//! - [`read`] converts every tensor to `f32`: `F32` as is, `F64` rounded to nearest, `F16` and
//!   `BF16` widened exactly (every value representable), `I64` only when exact (integers up to
//!   2^24 in magnitude, and larger ones with few enough significant bits; any other value is
//!   an [`Error::Format`] naming the key, the element and the value, before anything is
//!   loaded); any other dtype is an [`Error::Format`] naming the key and the dtype.
//! - [`load_into`] is PyTorch's `load_state_dict`: file tensors are matched to parameters by
//!   name and must have the parameter's shape. With [`LoadOptions`]` { strict: true }` (the
//!   default) a missing key, an unexpected key or a size mismatch is an [`Error::StateDict`]
//!   listing them all, and the store is left unchanged (PyTorch copies what matches before it
//!   raises). With `strict: false` the matching tensors are copied and the rest is returned in
//!   a [`LoadReport`]; a size mismatch is skipped and reported too (PyTorch raises on it even
//!   when not strict).
//!
//! ## Checkpoints
//!
//! A checkpoint puts more tensors and metadata in the same file: [`save_with`] adds named
//! tensors (optimizer state, say under `"optim."`) and string metadata (a step count); [`read`]
//! returns them all, [`SafeTensorsFile::take_prefixed`] splits the extra ones off, and
//! [`SafeTensorsFile::load_into`] loads the rest into the store. [`to_bytes`], [`from_bytes`]
//! and [`load_bytes_into`] do the same without files. [`save_checkpoint`] and
//! [`load_checkpoint`] use this to keep parameters, optimizer state and the step count in one
//! file, and resuming continues bit for bit as training straight through would.
//!
//! ## Interop with PyTorch
//!
//! `tests/interop.rs` loads a file `safetensors.torch.save_file` wrote into the matching
//! [`Mlp`](crate::nn::Mlp) and compares the logits with PyTorch's; the other way, it writes an
//! arenagrad Mlp and, with `ARENAGRAD_PYTHON` set to a Python that has torch and safetensors,
//! runs `scripts/check_interop.py`, which loads the file with `safetensors.torch.load_file` into
//! the same `nn.Sequential` (`load_state_dict`, strict), compares the logits and checks that
//! PyTorch re-saving the tensors writes the same bytes:
//!
//! ```text
//! ARENAGRAD_PYTHON=/path/to/python cargo test --release --test interop -- --nocapture
//! ```
//!
//! ## Bad input
//!
//! A truncated, corrupt or hostile file is an [`Error::Format`], never a panic, and nothing is
//! allocated beyond the file's own size plus the `f32` result: the header length is checked
//! against the bytes that follow it before the header is read (and capped at 100 MB), every
//! tensor's offsets against the data section and its shape (overflow-checked) against its
//! byte count before any tensor is converted. A key given twice in a header is rejected (JSON
//! readers would silently keep one of the two).
//!
//! ## Dependencies
//!
//! The `safetensors` crate (without its `std` feature, which only adds a file writer and
//! pulls in `tempfile`) parses and validates headers. Writing is done here in a few lines
//! because the crate orders `__metadata__` entries by a randomly seeded hash, and a
//! checkpoint should be byte-reproducible. `serde_json`/`serde` (already dependencies of
//! `safetensors`) write JSON strings and find duplicate keys.
//!
//! ## Example
//!
//! ```
//! use arenagrad::prelude::*;
//! use arenagrad::io::{self, LoadOptions};
//! use arenagrad::nn::Mlp;
//! let mut params = ParamStore::new();
//! Mlp::new(&mut params, &[4, 8, 2], &mut Rng::seed(0))?;
//! let bytes = io::to_bytes(&params)?;
//!
//! let mut other = ParamStore::new();
//! Mlp::new(&mut other, &[4, 8, 2], &mut Rng::seed(1))?;
//! let report = io::load_bytes_into(&bytes, &mut other, LoadOptions::default())?;
//! assert_eq!(report.loaded, ["0.weight", "0.bias", "2.weight", "2.bias"]);
//! assert_eq!(other.flat_data(), params.flat_data());
//!
//! // a bigger model: the first layer's weight has another shape
//! let mut wide = ParamStore::new();
//! Mlp::new(&mut wide, &[4, 16, 2], &mut Rng::seed(0))?;
//! let err = io::load_bytes_into(&bytes, &mut wide, LoadOptions::default()).unwrap_err();
//! assert!(err.to_string().contains("size mismatch for \"0.weight\""));
//! let report = io::load_bytes_into(&bytes, &mut wide, LoadOptions { strict: false })?;
//! assert_eq!(report.loaded, ["2.bias"]);
//! # Ok::<(), arenagrad::Error>(())
//! ```

mod checkpoint;
mod dtype;
mod file;
mod load;
pub mod npy;
mod read;
mod state_dict;
mod write;

#[cfg(test)]
mod tests;

pub use checkpoint::{
    checkpoint_to_bytes, load_checkpoint, load_checkpoint_bytes, save_checkpoint,
};
pub use file::{from_bytes, SafeTensorsFile};
pub use load::{load_bytes_into, LoadOptions, LoadReport};
pub use write::{to_bytes, to_bytes_with};

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::params::ParamStore;
use crate::tensor::Tensor;

/// Writes every parameter and buffer of `params` to `path` as a safetensors file (`F32`, and
/// `I64` for integer buffers; see the module doc for the layout), replacing the file atomically: the bytes go to a temporary sibling
/// first, which is renamed over `path`, so a crash never leaves half a file.
///
/// ```
/// # use arenagrad::prelude::*;
/// let mut params = ParamStore::new();
/// params.add("w", Tensor::from_slice(&[1.0, 2.0]))?;
/// let path = std::env::temp_dir().join("arenagrad-doc-save.safetensors");
/// arenagrad::io::save(&path, &params)?;
/// assert_eq!(arenagrad::io::read(&path)?.tensors["w"].to_vec(), [1.0, 2.0]);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn save(path: impl AsRef<Path>, params: &ParamStore) -> Result<()> {
    save_with(path, params, &[], &BTreeMap::new())
}

/// [`save`] plus `extra` named tensors and `metadata` entries (merged over `{"format": "pt"}`)
/// in the same file: what a checkpoint adds. Names must be unique across the parameters and
/// `extra`, and cannot be `__metadata__`.
///
/// ```
/// # use arenagrad::prelude::*;
/// # use std::collections::BTreeMap;
/// # let params = ParamStore::new();
/// let extra = [("optim.lr".to_string(), Tensor::scalar(0.01))];
/// let meta = BTreeMap::from([("step".to_string(), "100".to_string())]);
/// let path = std::env::temp_dir().join("arenagrad-doc-save-with.safetensors");
/// arenagrad::io::save_with(&path, &params, &extra, &meta)?;
/// let file = arenagrad::io::read(&path)?;
/// assert_eq!((file.metadata["step"].as_str(), file.tensors.len()), ("100", 1));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn save_with(
    path: impl AsRef<Path>,
    params: &ParamStore,
    extra: &[(String, Tensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    let bytes = write::serialize("io::save", params, extra, metadata)?;
    file::write_atomic("io::save", path.as_ref(), &bytes)
}

/// Every tensor of the safetensors file at `path`, converted to `f32`, and its metadata.
///
/// ```
/// let path = std::env::temp_dir().join("arenagrad-doc-read.safetensors");
/// std::fs::write(&path, b"\x02\0\0\0\0\0\0\0{}")?; // the smallest file: no tensors
/// let file = arenagrad::io::read(&path)?;
/// assert!(file.tensors.is_empty() && file.metadata.is_empty());
/// std::fs::write(&path, b"\x02\0\0\0\0\0\0\0{")?;  // truncated
/// assert!(arenagrad::io::read(&path).is_err());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read(path: impl AsRef<Path>) -> Result<SafeTensorsFile> {
    let bytes = file::read_all("io::read", path.as_ref())?;
    file::to_file("io::read", &bytes).map_err(|e| file::with_path(e, path.as_ref()))
}

/// Copies the tensors of the file at `path` into the parameters of the same names, like
/// PyTorch's `model.load_state_dict(safetensors.torch.load_file(path), strict)`: see
/// [`LoadOptions`] and [`LoadReport`]. Only the tensors that are loaded are converted, so an
/// unexpected tensor of an unsupported dtype (an `I32`, say) is just reported.
///
/// ```
/// # use arenagrad::prelude::*;
/// use arenagrad::io::{self, LoadOptions};
/// let mut saved = ParamStore::new();
/// saved.add("0.weight", Tensor::ones(&[2, 2])?)?;
/// let path = std::env::temp_dir().join("arenagrad-doc-load-into.safetensors");
/// io::save(&path, &saved)?;
/// let mut params = ParamStore::new();
/// let w = params.add("0.weight", Tensor::zeros(&[2, 2])?)?;
/// params.add("0.bias", Tensor::zeros(&[2])?)?;
/// let report = io::load_into(&path, &mut params, LoadOptions { strict: false })?;
/// assert_eq!((report.missing, params.data(w)), (vec!["0.bias".to_string()], &[1.0; 4][..]));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn load_into(
    path: impl AsRef<Path>,
    params: &mut ParamStore,
    options: LoadOptions,
) -> Result<LoadReport> {
    let bytes = file::read_all("io::load_into", path.as_ref())?;
    load::from_bytes("io::load_into", &bytes, params, options)
        .map_err(|e| file::with_path(e, path.as_ref()))
}

/// An [`Error::Format`] for `op`.
fn format_error(op: &'static str, message: String) -> Error {
    Error::Format { op, message }
}
