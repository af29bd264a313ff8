//! Writing: the preamble `np.save` writes, then the elements little-endian.

use super::header::format;
use super::Dtype;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// A `<f4` file holding `t`.
pub(super) fn tensor(t: &Tensor) -> Vec<u8> {
    let mut out = format(Dtype::F32, t.shape());
    out.reserve_exact(t.numel() * 4);
    for v in t.data() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// A rank-1 `<i8` file holding `labels`.
pub(super) fn labels(op: &'static str, labels: &[usize]) -> Result<Vec<u8>> {
    let mut out = format(Dtype::I64, &[labels.len()]);
    out.reserve_exact(labels.len() * 8);
    for (i, &v) in labels.iter().enumerate() {
        let Ok(v) = i64::try_from(v) else {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "label {v} (element {i}) does not fit NumPy's int64; class labels are \
                     indices in 0..C, check how they were computed"
                ),
            });
        };
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}
