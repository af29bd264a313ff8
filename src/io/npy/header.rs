//! The `.npy` preamble: magic, version, header length and the header, a Python dict literal
//! such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` (read by
//! [`dict`](super::dict)). Formatting reproduces `np.save`'s bytes, padding included.

use super::dict::Parser;
use super::Dtype;
use crate::error::{Error, Result};

/// `\x93NUMPY`: the first six bytes of every `.npy` file.
pub(super) const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// `np.save` aligns the data to 64 bytes (`numpy.lib.format.ARRAY_ALIGN`).
const ALIGN: usize = 64;
/// `np.save` leaves room to grow the first dimension in place up to this many digits
/// (`numpy.lib.format.GROWTH_AXIS_MAX_DIGITS`).
const GROWTH_DIGITS: usize = 21;

/// What a header says about the array.
#[derive(Debug, PartialEq)]
pub(super) struct Header {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    /// Where the data starts in the file.
    pub data_start: usize,
}

/// Parses the preamble of `bytes`.
pub(super) fn parse(op: &'static str, bytes: &[u8]) -> Result<Header> {
    let bad = |message: String| Error::Format { op, message };
    let head = &bytes[..bytes.len().min(MAGIC.len())];
    if head == &MAGIC[..head.len()] && bytes.len() < 10 {
        return Err(bad(format!(
            "truncated: the file has {} bytes, fewer than the 10 of a .npy preamble; the file \
             was cut short, save it again",
            bytes.len()
        )));
    }
    if head != MAGIC {
        return Err(bad(format!(
            "not a .npy file: it does not start with the magic bytes \\x93NUMPY (it starts \
             with {:?}); save the array with numpy.save",
            String::from_utf8_lossy(head)
        )));
    }
    let (len, start) = match bytes[6] {
        1 => (
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
            10usize,
        ),
        2 | 3 if bytes.len() >= 12 => {
            let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (usize::try_from(len).unwrap_or(usize::MAX), 12)
        }
        2 | 3 => return Err(bad("truncated: the file ends inside its preamble".into())),
        v => {
            return Err(bad(format!(
                "format version {v}.{} is not supported (versions 1.0, 2.0 and 3.0 are); \
                 save the array with numpy.save",
                bytes[7]
            )))
        }
    };
    let Some(text) = bytes.get(start..start.saturating_add(len)) else {
        return Err(bad(format!(
            "truncated: the header claims {len} bytes but the file has {} after the \
             preamble; the file was cut short, save it again",
            bytes.len() - start
        )));
    };
    let (dtype, fortran, shape) = Parser::new(op, text).header()?;
    if fortran {
        return Err(bad(
            "the array is in Fortran (column-major) order, arenagrad reads C order only; \
             save numpy.ascontiguousarray(a) instead"
                .into(),
        ));
    }
    Ok(Header {
        dtype,
        shape,
        data_start: start + len,
    })
}

/// The preamble `np.save` writes for an array of `dtype` and `shape` (C order): version 1.0,
/// or 2.0 if the header needs more than 65,535 bytes.
pub(super) fn format(dtype: Dtype, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {dims}, }}",
        dtype.descr()
    );
    if let Some(first) = shape.first() {
        let digits = first.to_string().len();
        dict.push_str(&" ".repeat(GROWTH_DIGITS.saturating_sub(digits)));
    }
    let text_len = dict.len() + 1; // and the closing '\n'
                                   // NumPy pads by ALIGN - (n % ALIGN): a whole ALIGN when n is already aligned
    let pad_for = |prefix: usize| ALIGN - (prefix + text_len) % ALIGN;
    let (version, prefix) = if text_len + pad_for(10) <= usize::from(u16::MAX) {
        (1, 10)
    } else {
        (2, 12)
    };
    let pad = pad_for(prefix);
    let mut out = Vec::with_capacity(prefix + text_len + pad);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    let len = text_len + pad;
    if version == 1 {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(out.len() + pad, b' ');
    out.push(b'\n');
    out
}
