//! NumPy's `.npy` files: one array each, read into a [`Tensor`] (or class labels) and written
//! from one, as `numpy.save` / `numpy.load` do.
//!
//! ## The format
//!
//! ```text
//! \x93NUMPY | major minor | header length (u16 LE in 1.0, u32 LE in 2.0 and 3.0) | header | data
//! ```
//!
//! The header is a Python dict literal, padded with spaces and a final `\n` so the data starts
//! 64-byte aligned: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. The data is
//! the array's elements in the dtype `descr` names (`<` little-endian, `f4` float32, `f8`
//! float64, `i8` int64), row-major when `fortran_order` is `False`, exactly
//! `numel · itemsize` bytes. Version 3.0 differs from 2.0 only in allowing UTF-8 in the header.
//!
//! ## What arenagrad reads and writes
//!
//! - [`load`] / [`from_bytes`] read versions 1.0, 2.0 and 3.0, C order, little-endian `<f4`
//!   (as is), `<f8` (rounded to nearest, PyTorch's `.float()`) and `<i8` (only when every
//!   value is exact in `f32`, as the safetensors reader does) into an `f32` [`Tensor`] of the
//!   file's shape: rank 0 and empty arrays included.
//! - [`load_labels`] / [`labels_from_bytes`] read a rank-1 `<i8` array (NumPy's default
//!   integer) of class labels into `Vec<usize>`, the type `cross_entropy` and
//!   [`TensorDataset::with_labels`](crate::data::TensorDataset::with_labels) take; a negative
//!   label is an error naming it.
//! - [`save`] / [`to_bytes`] write an `f32` tensor as `<f4`, [`save_labels`] /
//!   [`labels_to_bytes`] labels as a rank-1 `<i8`, each byte for byte what `numpy.save`
//!   writes for the same array (version 1.0, its padding included). [`save`] replaces the file
//!   atomically (a temporary sibling renamed over it), as [`io::save`](super::save) does.
//!
//! `tests/npy.rs` reads files NumPy wrote (`scripts/gen_npy_fixtures.py`, committed in
//! `tests/data/npy/`) and checks that arenagrad writes the same bytes for them; the script's
//! `--check` reads the files arenagrad wrote there with `numpy.load` (see the script).
//!
//! ## Bad input
//!
//! Each of these is an [`Error::Format`] naming the operation, the file and what to do, never a
//! panic: wrong magic bytes, an unknown version, a truncated preamble or header, a header that
//! is not NumPy's dict, a dtype other than the three above (the message lists them), a
//! big-endian dtype, `fortran_order: True`, and a shape whose byte count differs from the data
//! that follows the header (too few bytes: a truncated file; too many: a wrong shape). The
//! shape's byte count is checked (overflow included) against the file's length before
//! anything is allocated, so a header claiming a huge shape costs nothing; the only
//! allocations are the file's bytes and the result.

mod dict;
mod header;
mod read;
mod write;

#[cfg(test)]
mod tests;

use std::path::Path;

use super::file::{read_all, with_path, write_atomic};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The element types arenagrad reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dtype {
    F32,
    F64,
    I64,
}

impl Dtype {
    /// The end of an unsupported-dtype message.
    const SUPPORTED: &'static str = "arenagrad reads '<f4' (float32), '<f8' (float64) and \
         '<i8' (int64) arrays; convert with a.astype(numpy.float32), or numpy.int64 for labels";

    fn descr(self) -> &'static str {
        match self {
            Dtype::F32 => "<f4",
            Dtype::F64 => "<f8",
            Dtype::I64 => "<i8",
        }
    }

    fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F64 | Dtype::I64 => 8,
        }
    }

    fn from_descr(op: &'static str, descr: &str) -> Result<Dtype> {
        let known = [Dtype::F32, Dtype::F64, Dtype::I64];
        if let Some(&d) = known.iter().find(|d| d.descr() == descr) {
            return Ok(d);
        }
        let message = match descr.strip_prefix('>') {
            Some(rest) if known.iter().any(|d| &d.descr()[1..] == rest) => format!(
                "the array is big-endian ('{descr}'); arenagrad reads little-endian only: \
                 save a.astype('<{rest}') instead"
            ),
            _ => format!("the dtype '{descr}' is not supported; {}", Dtype::SUPPORTED),
        };
        Err(Error::Format { op, message })
    }
}

/// The array in the `.npy` file at `path` as an `f32` tensor of its shape (`<f4`, `<f8`
/// rounded, `<i8` when exact; see the module docs).
///
/// ```
/// use arenagrad::{io::npy, Tensor};
/// let path = std::env::temp_dir().join("arenagrad-doc-npy-load.npy");
/// npy::save(&path, &Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?)?;
/// let t = npy::load(&path)?;
/// assert_eq!((t.shape(), t.data()), (&[2, 2][..], &[1.0, 2.0, 3.0, 4.0][..]));
/// std::fs::write(&path, b"PK\x03\x04 a zip file")?;
/// let err = npy::load(&path).unwrap_err().to_string();
/// assert!(err.starts_with("npy::load: ") && err.contains("arenagrad-doc-npy-load.npy"));
/// assert!(err.contains("magic"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let bytes = read_all("npy::load", path)?;
    read::tensor("npy::load", &bytes).map_err(|e| with_path(e, path))
}

/// The rank-1 `<i8` array of class labels in the `.npy` file at `path` (a negative label, or
/// another dtype or rank, is an error).
///
/// ```
/// use arenagrad::io::npy;
/// let path = std::env::temp_dir().join("arenagrad-doc-npy-labels.npy");
/// npy::save_labels(&path, &[3, 1, 4, 1, 5])?;
/// assert_eq!(npy::load_labels(&path)?, [3, 1, 4, 1, 5]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_labels(path: impl AsRef<Path>) -> Result<Vec<usize>> {
    let path = path.as_ref();
    let bytes = read_all("npy::load_labels", path)?;
    read::labels("npy::load_labels", &bytes).map_err(|e| with_path(e, path))
}

/// Writes `tensor` to `path` as a `<f4` `.npy` file (the bytes of `numpy.save`), replacing the
/// file atomically.
///
/// ```
/// use arenagrad::{io::npy, Tensor};
/// let path = std::env::temp_dir().join("arenagrad-doc-npy-save.npy");
/// npy::save(&path, &Tensor::scalar(2.5))?;
/// assert_eq!(npy::load(&path)?.item(), 2.5);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn save(path: impl AsRef<Path>, tensor: &Tensor) -> Result<()> {
    write_atomic("npy::save", path.as_ref(), &to_bytes(tensor))
}

/// Writes `labels` to `path` as a rank-1 `<i8` `.npy` file (NumPy's `int64`), replacing the
/// file atomically. A label above `i64::MAX` is an [`Error::InvalidArgument`].
///
/// ```
/// use arenagrad::io::npy;
/// let path = std::env::temp_dir().join("arenagrad-doc-npy-save-labels.npy");
/// npy::save_labels(&path, &[])?;
/// assert!(npy::load_labels(&path)?.is_empty());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn save_labels(path: impl AsRef<Path>, labels: &[usize]) -> Result<()> {
    let bytes = write::labels("npy::save_labels", labels)?;
    write_atomic("npy::save_labels", path.as_ref(), &bytes)
}

/// [`load`] from bytes in memory.
///
/// ```
/// use arenagrad::{io::npy, Tensor};
/// let bytes = npy::to_bytes(&Tensor::zeros(&[2, 0, 3])?);
/// assert_eq!(npy::from_bytes(&bytes)?.shape(), &[2, 0, 3]);
/// let err = npy::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
/// assert!(err.to_string().contains("truncated"));
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn from_bytes(bytes: &[u8]) -> Result<Tensor> {
    read::tensor("npy::from_bytes", bytes)
}

/// [`load_labels`] from bytes in memory.
///
/// ```
/// use arenagrad::{io::npy, Tensor};
/// let bytes = npy::labels_to_bytes(&[0, 9])?;
/// assert_eq!(npy::labels_from_bytes(&bytes)?, [0, 9]);
/// // f32 values are not labels
/// let floats = npy::to_bytes(&Tensor::from_slice(&[0.0, 9.0]));
/// assert!(npy::labels_from_bytes(&floats).unwrap_err().to_string().contains("'<i8'"));
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn labels_from_bytes(bytes: &[u8]) -> Result<Vec<usize>> {
    read::labels("npy::labels_from_bytes", bytes)
}

/// The bytes of a `<f4` `.npy` file holding `tensor`, as [`save`] writes them.
///
/// ```
/// use arenagrad::{io::npy, Tensor};
/// let bytes = npy::to_bytes(&Tensor::from_slice(&[1.0]));
/// assert_eq!(bytes.len(), 128 + 4); // a 128-byte preamble, then one f32
/// assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
/// ```
pub fn to_bytes(tensor: &Tensor) -> Vec<u8> {
    write::tensor(tensor)
}

/// The bytes of a rank-1 `<i8` `.npy` file holding `labels`, as [`save_labels`] writes them.
///
/// ```
/// let bytes = arenagrad::io::npy::labels_to_bytes(&[7])?;
/// assert_eq!(&bytes[128..], &7i64.to_le_bytes());
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn labels_to_bytes(labels: &[usize]) -> Result<Vec<u8>> {
    write::labels("npy::labels_to_bytes", labels)
}
