//! The writer: F32 tensors (and `I64` buffers) in name order, `__metadata__` first, header
//! padded to 8 bytes.
//!
//! This is the layout the `safetensors` crate's `serialize` produces (and so
//! `safetensors.torch.save_file`, which calls it): tensors sorted by dtype (the larger
//! alignment first: `I64` before `F32`) then name, compact JSON, `"__metadata__"` before the
//! tensors, spaces up to a multiple of 8. Done here instead because the crate emits the
//! metadata entries in hash order, which differs from run to run.
//!
//! Parameters, `F32` buffers and extra tensors are written as `F32`; a buffer registered as
//! [`BufferDtype::I64`] (batch norm's `num_batches_tracked`) as little-endian `int64`, as
//! PyTorch stores it, after checking that every value is a whole number in `int64`'s range.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::error::{Error, Result};
use crate::params::{fits_i64, BufferDtype, ParamStore};
use crate::tensor::Tensor;

/// The largest header safetensors readers accept (the crate's `MAX_HEADER_SIZE`).
pub(crate) const MAX_HEADER: usize = 100_000_000;

/// One tensor to write: name, shape, values, the dtype the file holds them as.
type Entry<'a> = (&'a str, &'a [usize], &'a [f32], BufferDtype);

/// The safetensors bytes [`save`](super::save) writes.
///
/// ```
/// # use arenagrad::prelude::*;
/// let mut params = ParamStore::new();
/// params.add("w", Tensor::from_slice(&[1.0]))?;
/// let bytes = arenagrad::io::to_bytes(&params)?;
/// assert_eq!(&bytes[..8], &(bytes.len() as u64 - 12).to_le_bytes()); // header length N
/// assert_eq!(&bytes[bytes.len() - 4..], &1.0f32.to_le_bytes());
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn to_bytes(params: &ParamStore) -> Result<Vec<u8>> {
    serialize("io::to_bytes", params, &[], &BTreeMap::new())
}

/// The safetensors bytes [`save_with`](super::save_with) writes.
///
/// ```
/// # use arenagrad::prelude::*;
/// # use std::collections::BTreeMap;
/// let extra = [("step".to_string(), Tensor::scalar(7.0))];
/// let meta = BTreeMap::from([("note".to_string(), "hi".to_string())]);
/// let bytes = arenagrad::io::to_bytes_with(&ParamStore::new(), &extra, &meta)?;
/// let file = arenagrad::io::from_bytes(&bytes)?;
/// assert_eq!(file.get("step").unwrap().item(), 7.0);
/// assert_eq!(file.metadata["note"], "hi");
/// assert_eq!(file.metadata["format"], "pt");
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn to_bytes_with(
    params: &ParamStore,
    extra: &[(String, Tensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    serialize("io::to_bytes_with", params, extra, metadata)
}

/// The file bytes for the parameters and buffers of `params`, the `extra` tensors and
/// `metadata` (merged over `{"format": "pt"}`).
pub(crate) fn serialize(
    op: &'static str,
    params: &ParamStore,
    extra: &[(String, Tensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let f32 = BufferDtype::F32;
    let mut entries: Vec<Entry<'_>> = params
        .params()
        .map(|p| (params.name(p), params.shape(p), params.data(p), f32))
        .chain(params.buffers().map(|b| {
            let name = params.buffer_name(b);
            let dtype = params.buffer_dtype(b);
            (name, params.buffer_shape(b), params.buffer(b), dtype)
        }))
        .chain(
            extra
                .iter()
                .map(|(n, t)| (n.as_str(), t.shape(), t.data(), f32)),
        )
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    check_names(op, &entries)?;
    check_whole(op, &entries)?;
    // the crate's order: larger alignment first (I64 before F32), then by name
    entries.sort_by_key(|e| e.3 == BufferDtype::F32);

    let mut meta: BTreeMap<&str, &str> = BTreeMap::from([("format", "pt")]);
    meta.extend(metadata.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut header = format!("{{\"__metadata__\":{}", json(op, &meta)?);
    let mut offset = 0usize;
    for &(name, shape, data, dtype) in &entries {
        let end = data
            .len()
            .checked_mul(size_of(dtype))
            .and_then(|n| n.checked_add(offset))
            .ok_or_else(|| Error::SizeOverflow {
                op,
                shape: shape.to_vec(),
            })?;
        write!(
            header,
            ",{}:{{\"dtype\":\"{}\",\"shape\":{},\"data_offsets\":[{offset},{end}]}}",
            json(op, name)?,
            dtype_name(dtype),
            json(op, shape)?
        )
        .expect("writing to a String cannot fail");
        offset = end;
    }
    header.push('}');
    let padded = header.len().next_multiple_of(8);
    header.extend(std::iter::repeat_n(' ', padded - header.len()));
    if header.len() > MAX_HEADER {
        return Err(Error::InvalidArgument {
            op,
            message: format!(
                "the header would take {} bytes, over the {MAX_HEADER} safetensors readers \
                 accept; save fewer tensors (or shorter names and metadata)",
                header.len()
            ),
        });
    }

    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for (_, _, data, dtype) in entries {
        match dtype {
            BufferDtype::F32 => out.extend(data.iter().flat_map(|v| v.to_le_bytes())),
            // exact: check_whole saw every value is a whole number in range
            BufferDtype::I64 => out.extend(data.iter().flat_map(|&v| (v as i64).to_le_bytes())),
        }
    }
    Ok(out)
}

/// Bytes per element of `dtype`.
fn size_of(dtype: BufferDtype) -> usize {
    match dtype {
        BufferDtype::F32 => 4,
        BufferDtype::I64 => 8,
    }
}

/// The safetensors name of `dtype`.
fn dtype_name(dtype: BufferDtype) -> &'static str {
    match dtype {
        BufferDtype::F32 => "F32",
        BufferDtype::I64 => "I64",
    }
}

/// Every value of an `I64` entry must be a whole number in `int64`'s range (a buffer's values
/// can be changed after registration, through `buffer_mut`).
fn check_whole(op: &'static str, entries: &[Entry<'_>]) -> Result<()> {
    for &(name, _, data, _) in entries.iter().filter(|e| e.3 == BufferDtype::I64) {
        if let Some(i) = data.iter().position(|&v| !fits_i64(v)) {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "buffer {name:?} is I64 (written as int64, as PyTorch stores it) but element \
                     {i} is {}, not a whole number in int64's range; set it to a whole number \
                     before saving",
                    data[i]
                ),
            });
        }
    }
    Ok(())
}

/// Names must be unique (one namespace for parameters and extra tensors) and must not be the
/// header's reserved `__metadata__` key. `entries` is sorted by name.
fn check_names(op: &'static str, entries: &[Entry<'_>]) -> Result<()> {
    let bad = |message: String| Err(Error::InvalidArgument { op, message });
    if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        return bad(format!(
            "the tensor name {:?} is given twice (parameters and extra tensors share one \
             namespace); rename one, e.g. with a prefix such as \"optim.\"",
            w[0].0
        ));
    }
    if entries.iter().any(|e| e.0 == "__metadata__") {
        return bad(
            "\"__metadata__\" is the header's metadata key and cannot name a tensor; \
                    rename the tensor"
                .to_string(),
        );
    }
    Ok(())
}

/// Compact JSON for a string, a shape or a string map.
fn json<T: serde::Serialize + ?Sized>(op: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::InvalidArgument {
        op,
        message: format!("cannot write the header: {e}"),
    })
}
