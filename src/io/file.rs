//! [`SafeTensorsFile`] (a file's tensors as `f32` plus its metadata) and the file system side:
//! whole-file reads and atomic writes. It builds on the reader (`read`: bytes to raw tensors)
//! and the loader (`load`: tensors into a store); neither refers back to it.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::load::{self, LoadOptions, LoadReport};
use super::read::parse;
use crate::error::{Error, Result};
use crate::params::ParamStore;
use crate::tensor::Tensor;

/// The contents of a safetensors file: every tensor converted to `f32`, by name, and the
/// `__metadata__` map (empty if the file has none).
///
/// ```
/// # use arenagrad::prelude::*;
/// # use std::collections::BTreeMap;
/// use arenagrad::io::{self, LoadOptions};
/// let mut params = ParamStore::new();
/// params.add("w", Tensor::from_slice(&[1.0, 2.0]))?;
/// let extra = [("optim.w.exp_avg".to_string(), Tensor::from_slice(&[0.1, 0.2]))];
/// let meta = BTreeMap::from([("step".to_string(), "10".to_string())]);
/// let bytes = io::to_bytes_with(&params, &extra, &meta)?;
///
/// let mut file = io::from_bytes(&bytes)?;
/// let optim = file.take_prefixed("optim.");             // the checkpoint's extra tensors
/// assert_eq!(optim["w.exp_avg"].to_vec(), [0.1, 0.2]);
/// let step: u64 = file.metadata["step"].parse().unwrap();
/// assert_eq!(step, 10);
/// let report = file.load_into(&mut params, LoadOptions::default())?; // only "w" is left
/// assert_eq!(report.loaded, ["w"]);
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SafeTensorsFile {
    /// The tensors by name, converted to `f32`.
    pub tensors: BTreeMap<String, Tensor>,
    /// The header's `__metadata__` entries.
    pub metadata: BTreeMap<String, String>,
}

impl SafeTensorsFile {
    /// The tensor named `name`.
    ///
    /// ```
    /// let file = arenagrad::io::SafeTensorsFile::default();
    /// assert!(file.get("0.weight").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.get(name)
    }

    /// Removes the tensors whose names start with `prefix` and returns them under their names
    /// without it: how a checkpoint separates its extra tensors from the parameters.
    ///
    /// ```
    /// use arenagrad::{io::SafeTensorsFile, Tensor};
    /// let mut file = SafeTensorsFile::default();
    /// file.tensors.insert("opt.m".into(), Tensor::scalar(1.0));
    /// file.tensors.insert("w".into(), Tensor::scalar(2.0));
    /// let opt = file.take_prefixed("opt.");
    /// assert_eq!(opt.keys().collect::<Vec<_>>(), ["m"]);
    /// assert_eq!(file.tensors.keys().collect::<Vec<_>>(), ["w"]);
    /// ```
    pub fn take_prefixed(&mut self, prefix: &str) -> BTreeMap<String, Tensor> {
        // the keys with a prefix are one contiguous run of the sorted map
        let keys: Vec<String> = self
            .tensors
            .range(prefix.to_string()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        keys.into_iter()
            .filter_map(|k| {
                let t = self.tensors.remove(&k)?;
                Some((k[prefix.len()..].to_string(), t))
            })
            .collect()
    }

    /// Copies the tensors into the parameters of the same names, as
    /// [`io::load_into`](super::load_into) does from a file.
    ///
    /// ```
    /// # use arenagrad::prelude::*;
    /// use arenagrad::io::{LoadOptions, SafeTensorsFile};
    /// let mut file = SafeTensorsFile::default();
    /// file.tensors.insert("w".into(), Tensor::from_slice(&[3.0]));
    /// file.tensors.insert("extra".into(), Tensor::scalar(0.0));
    /// let mut params = ParamStore::new();
    /// let w = params.add("w", Tensor::zeros(&[1])?)?;
    /// assert!(file.load_into(&mut params, LoadOptions::default()).is_err());
    /// let report = file.load_into(&mut params, LoadOptions { strict: false })?;
    /// assert_eq!((report.unexpected, params.data(w)), (vec!["extra".to_string()], &[3.0][..]));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn load_into(&self, params: &mut ParamStore, options: LoadOptions) -> Result<LoadReport> {
        load::from_tensors("SafeTensorsFile::load_into", &self.tensors, params, options)
    }
}

/// [`read`](super::read) from bytes in memory.
///
/// ```
/// let err = arenagrad::io::from_bytes(b"not a safetensors file").unwrap_err();
/// assert!(err.to_string().contains("header length"));
/// ```
pub fn from_bytes(bytes: &[u8]) -> Result<SafeTensorsFile> {
    to_file("io::from_bytes", bytes)
}

/// Every tensor of `bytes` converted to f32, and the metadata.
pub(crate) fn to_file(op: &'static str, bytes: &[u8]) -> Result<SafeTensorsFile> {
    let raw = parse(op, bytes)?;
    let tensors = raw
        .tensors
        .iter()
        .map(|t| Ok((t.name.clone(), t.to_tensor(op)?)));
    Ok(SafeTensorsFile {
        tensors: tensors.collect::<Result<_>>()?,
        metadata: raw.metadata,
    })
}

/// The whole file at `path`.
pub(crate) fn read_all(op: &'static str, path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| io_error(op, path, &e))
}

/// Writes `bytes` to a temporary sibling of `path`, syncs it and renames it over `path`.
pub(crate) fn write_atomic(op: &'static str, path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(name) = path.file_name() else {
        let e = std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        );
        return Err(io_error(op, path, &e));
    };
    let mut tmp_name = name.to_os_string();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    tmp_name.push(format!(".{}-{n}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = fs::remove_file(&tmp); // best effort: the write already failed
        io_error(op, path, &e)
    })
}

fn io_error(op: &'static str, path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        op,
        path: path.display().to_string(),
        kind: e.kind(),
        message: format!("{e}; check the path, the permissions and the free space"),
    }
}

/// Puts the path into a format error's message.
pub(crate) fn with_path(e: Error, path: &Path) -> Error {
    match e {
        Error::Format { op, message } => Error::Format {
            op,
            message: format!("{}: {message}", path.display()),
        },
        e => e,
    }
}
