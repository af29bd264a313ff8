//! The reader: checks the bytes, lets the `safetensors` crate validate the header, and
//! borrows each tensor's bytes; conversion to `f32` happens only for the tensors needed.
//!
//! Checked here before the crate sees the bytes: at least 8 bytes, a header length no larger
//! than what follows it, UTF-8, a JSON object, no key twice (JSON readers, the crate's
//! included, silently keep the last of two equal keys). The crate then checks the rest: header
//! size cap, dtype and shape fields, offsets that tile the data section exactly, shape × dtype
//! size = byte count with overflow checks. The byte counts are checked once more here, so a
//! later change in the crate cannot turn into a panic.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use safetensors::{Dtype, SafeTensorError, SafeTensors};
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::dtype::ToF32;
use super::format_error;
use crate::error::Result;
use crate::tensor::Tensor;

/// One tensor of a parsed file, its data still raw bytes.
pub(crate) struct RawTensor<'a> {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: Dtype,
    pub bytes: &'a [u8],
}

/// A parsed file: tensors in name order, metadata.
pub(crate) struct RawFile<'a> {
    pub tensors: Vec<RawTensor<'a>>,
    pub metadata: BTreeMap<String, String>,
}

impl RawTensor<'_> {
    /// The decoder for this tensor's dtype, or an error naming the key and the dtype (or, for
    /// an I64, the first value f32 cannot hold exactly).
    pub(crate) fn decoder(&self, op: &'static str) -> Result<ToF32> {
        let to_f32 = ToF32::of(self.dtype).ok_or_else(|| {
            format_error(
                op,
                format!(
                    "tensor {:?} has dtype {}, which does not convert to f32: arenagrad reads \
                     F32, F64, F16, BF16 and I64; convert the tensor before saving (in PyTorch: \
                     t.float()) or keep non-float values in the metadata",
                    self.name, self.dtype
                ),
            )
        })?;
        if let Some((i, v)) = to_f32.first_inexact(self.bytes) {
            return Err(format_error(
                op,
                format!(
                    "tensor {:?} (I64) holds {v} at element {i}, which f32 cannot represent \
                     exactly (integers are exact up to 2^24 = 16777216 in magnitude), and \
                     arenagrad keeps every value as f32; save a smaller value, or convert the \
                     tensor in PyTorch (t.float()) if rounding it is acceptable",
                    self.name
                ),
            ));
        }
        Ok(to_f32)
    }

    /// The tensor converted to f32.
    pub(crate) fn to_tensor(&self, op: &'static str) -> Result<Tensor> {
        let to_f32 = self.decoder(op)?;
        // the byte count was checked against the shape, so this is at most 2x the bytes
        let mut data = vec![0.0f32; self.bytes.len() * 8 / self.dtype.bitsize()];
        to_f32.decode(self.bytes, &mut data);
        Tensor::new(data, &self.shape)
    }
}

/// Parses and validates `bytes` as a safetensors file.
pub(crate) fn parse<'a>(op: &'static str, bytes: &'a [u8]) -> Result<RawFile<'a>> {
    let header = header_text(op, bytes)?;
    let mut de = serde_json::Deserializer::from_str(header);
    let duplicate = (&mut de)
        .deserialize_map(FirstDuplicateKey)
        .and_then(|d| de.end().map(|()| d))
        .map_err(|e| corrupt(op, format!("the header is not a valid JSON object ({e})")))?;
    if let Some(key) = duplicate {
        return Err(corrupt(
            op,
            format!("the header lists the key {key:?} twice"),
        ));
    }
    let (n, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| corrupt(op, describe(&e, bytes.len())))?;
    let data = bytes.get(8 + n..).unwrap_or_default();
    let names = meta.offset_keys();
    let mut tensors = Vec::with_capacity(names.len());
    for name in names {
        let invalid = || corrupt(op, format!("tensor {name:?}: offsets or shape invalid"));
        let info = meta.info(&name).ok_or_else(invalid)?;
        let (begin, end) = info.data_offsets;
        let bits = info
            .shape
            .iter()
            .try_fold(info.dtype.bitsize(), |a, &d| a.checked_mul(d));
        let bytes = data
            .get(begin..end)
            .filter(|b| bits.is_some_and(|n| b.len().checked_mul(8) == Some(n)))
            .ok_or_else(invalid)?;
        let (shape, dtype) = (info.shape.clone(), info.dtype);
        tensors.push(RawTensor {
            name,
            shape,
            dtype,
            bytes,
        });
    }
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let metadata = meta.metadata().iter().flatten();
    let metadata = metadata.map(|(k, v)| (k.clone(), v.clone())).collect();
    Ok(RawFile { tensors, metadata })
}

/// The header as text, after checking its length field against the bytes that follow it.
fn header_text<'a>(op: &'static str, bytes: &'a [u8]) -> Result<&'a str> {
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(corrupt(
            op,
            format!(
                "{} bytes are too few: a file starts with an 8-byte header length",
                bytes.len()
            ),
        ));
    };
    let n = u64::from_le_bytes(*len);
    let header = usize::try_from(n).ok().and_then(|n| rest.get(..n));
    let header = header.ok_or_else(|| {
        corrupt(
            op,
            format!(
                "the header length field says {n} bytes but only {} follow it",
                rest.len()
            ),
        )
    })?;
    std::str::from_utf8(header).map_err(|e| corrupt(op, format!("the header is not UTF-8 ({e})")))
}

/// A format error with the advice every corrupt-file error shares.
fn corrupt(op: &'static str, detail: String) -> crate::error::Error {
    format_error(
        op,
        format!("invalid safetensors data: {detail}; the file is truncated, corrupt or not a safetensors file"),
    )
}

/// The crate's error in words that say which check failed.
fn describe(e: &SafeTensorError, file_len: usize) -> String {
    match e {
        SafeTensorError::HeaderTooLarge => format!(
            "the header is larger than the {} bytes safetensors allows",
            super::write::MAX_HEADER
        ),
        SafeTensorError::MetadataIncompleteBuffer => format!(
            "the tensors' data_offsets do not end where the file ends ({file_len} bytes): \
             data is missing or extra bytes follow"
        ),
        SafeTensorError::InvalidOffset(name) => format!(
            "tensor {name:?} does not start where the previous one ends (data_offsets must \
             tile the data section)"
        ),
        SafeTensorError::TensorInvalidInfo => "a tensor's data_offsets span differs from its \
                                               shape's element count times its dtype's size"
            .to_string(),
        e => format!("{e}"),
    }
}

/// Visits a JSON object's keys (values skipped) and returns the first key seen twice.
struct FirstDuplicateKey;

impl<'de> Visitor<'de> for FirstDuplicateKey {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = HashSet::new();
        let mut first = None;
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            if first.is_none() && !seen.insert(key.clone()) {
                first = Some(key);
            }
        }
        Ok(first)
    }
}
