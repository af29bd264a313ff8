//! Reading: the header, then the data, checked against the shape before anything is
//! allocated, converted to `f32` (or, for labels, `usize`).

use super::header::{parse, Header};
use super::Dtype;
use crate::error::{Error, Result};
use crate::io::dtype::i64_to_f32;
use crate::shape::MAX_NUMEL;
use crate::tensor::Tensor;

/// The array in `bytes` as an `f32` tensor.
pub(super) fn tensor(op: &'static str, bytes: &[u8]) -> Result<Tensor> {
    let h = parse(op, bytes)?;
    let data = data(op, bytes, &h)?;
    let values = match h.dtype {
        Dtype::F32 => decode(data, f32::from_le_bytes),
        Dtype::F64 => decode(data, |b| f64::from_le_bytes(b) as f32),
        Dtype::I64 => {
            let ints = decode(data, i64::from_le_bytes);
            if let Some((i, v)) = ints
                .iter()
                .enumerate()
                .find(|(_, &v)| i64_to_f32(v).is_none())
            {
                return Err(Error::Format {
                    op,
                    message: format!(
                        "int64 element {i} is {v}, which f32 cannot hold exactly; convert with \
                         a.astype(numpy.float32) if rounding is fine, or read integer labels \
                         with npy::load_labels"
                    ),
                });
            }
            ints.into_iter().map(|v| v as f32).collect()
        }
    };
    Tensor::new(values, &h.shape)
}

/// The rank-1 `<i8` array in `bytes` as labels.
pub(super) fn labels(op: &'static str, bytes: &[u8]) -> Result<Vec<usize>> {
    let h = parse(op, bytes)?;
    let bad = |message: String| Err(Error::Format { op, message });
    if h.dtype != Dtype::I64 {
        return bad(format!(
            "labels must be int64 ('<i8'), the file holds '{}'; save a.astype(numpy.int64)",
            h.dtype.descr()
        ));
    }
    if h.shape.len() != 1 {
        return bad(format!(
            "labels must have rank 1 (one label per sample), the file's shape is {:?}; save \
             a.reshape(-1)",
            h.shape
        ));
    }
    let data = data(op, bytes, &h)?;
    let ints = decode(data, i64::from_le_bytes);
    let mut out = Vec::with_capacity(ints.len());
    for (i, v) in ints.into_iter().enumerate() {
        match usize::try_from(v) {
            Ok(v) => out.push(v),
            Err(_) => {
                return bad(format!(
                    "label {i} is {v}; class labels are indices in 0..C and cannot be \
                     negative (for PyTorch's ignore_index=-100, map the ignored samples to an \
                     unused index and pass it as CrossEntropy's ignore_index)"
                ))
            }
        }
    }
    Ok(out)
}

/// The data section, exactly the shape's byte count: checked (overflow included) against
/// what follows the header before any allocation.
fn data<'a>(op: &'static str, bytes: &'a [u8], h: &Header) -> Result<&'a [u8]> {
    let bad = |message: String| Err(Error::Format { op, message });
    // the product of the non-zero dims bounds every partial product (shape::numel's rule)
    let mut nonzero = h.shape.iter().filter(|&&d| d != 0);
    let numel = match nonzero.try_fold(1usize, |a, &d| a.checked_mul(d)) {
        Some(n) if n <= MAX_NUMEL => {
            if h.shape.contains(&0) {
                0
            } else {
                n
            }
        }
        _ => {
            return bad(format!(
                "the header's shape {:?} has more elements than fit in memory; the file is \
                 corrupt, save it again",
                h.shape
            ))
        }
    };
    let have = bytes.len() - h.data_start;
    let need = numel.saturating_mul(h.dtype.size());
    if have != need {
        let what = if have < need {
            "the file is truncated (cut short): save it again"
        } else {
            "the header's shape does not match the data: save it again with numpy.save"
        };
        return bad(format!(
            "shape {:?} of '{}' needs {need} bytes of data but {have} follow the header; {what}",
            h.shape,
            h.dtype.descr()
        ));
    }
    Ok(&bytes[h.data_start..])
}

fn decode<T, const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
    let chunks = bytes.chunks_exact(N);
    chunks
        .map(|b| f(b.try_into().expect("chunks_exact yields N bytes")))
        .collect()
}
