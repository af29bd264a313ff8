//! The `.npy` preamble: magic, version, header length and the header, a Python dict literal
//! such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. Parsing is a small
//! recursive descent over exactly what NumPy writes (strings, `True`/`False`, tuples of
//! integers); formatting reproduces `np.save`'s bytes, padding included.

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
    let (dtype, fortran, shape) = Parser { op, text, at: 0 }.header()?;
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

/// A cursor over the header's text.
struct Parser<'a> {
    op: &'static str,
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> Error {
        Error::Format {
            op: self.op,
            message: format!(
                "the header {:?} is not a NumPy array header: {what} at byte {}; save the \
                 array with numpy.save",
                // the first 200 bytes say enough
                String::from_utf8_lossy(&self.text[..self.text.len().min(200)]).trim_end(),
                self.at
            ),
        }
    }

    /// The whole dict: its three keys, each once, and nothing else.
    fn header(mut self) -> Result<(Dtype, bool, Vec<usize>)> {
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        self.expect(b'{')?;
        while !self.eat(b'}') {
            let key = self.string()?;
            self.expect(b':')?;
            let dup = match key.as_str() {
                "descr" if self.peek() == Some(b'[') => return Err(self.structured()),
                "descr" => descr.replace(self.string()?).is_some(),
                "fortran_order" => fortran.replace(self.boolean()?).is_some(),
                "shape" => shape.replace(self.tuple()?).is_some(),
                _ => return Err(self.err(&format!("unexpected key {key:?}"))),
            };
            if dup {
                return Err(self.err(&format!("key {key:?} given twice")));
            }
            if !self.eat(b',') {
                self.expect(b'}')?;
                break;
            }
        }
        let (Some(descr), Some(fortran), Some(shape)) = (descr, fortran, shape) else {
            return Err(self.err("missing one of the keys 'descr', 'fortran_order', 'shape'"));
        };
        Ok((Dtype::from_descr(self.op, &descr)?, fortran, shape))
    }

    fn structured(&self) -> Error {
        Error::Format {
            op: self.op,
            message: format!("the array has a structured dtype; {}", Dtype::SUPPORTED),
        }
    }

    fn skip_space(&mut self) {
        while self
            .text
            .get(self.at)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.at += usize::from(hit);
        hit
    }

    fn expect(&mut self, c: u8) -> Result<()> {
        if self.eat(c) {
            return Ok(());
        }
        Err(self.err(&format!("expected {:?}", c as char)))
    }

    /// A string in single or double quotes, without escapes (NumPy's keys and dtypes have none).
    fn string(&mut self) -> Result<String> {
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(self.err("expected a quoted string")),
        };
        let begin = self.at + 1;
        let Some(len) = self.text[begin..].iter().position(|&c| c == quote) else {
            return Err(self.err("unterminated string"));
        };
        self.at = begin + len + 1;
        Ok(String::from_utf8_lossy(&self.text[begin..begin + len]).into_owned())
    }

    fn boolean(&mut self) -> Result<bool> {
        self.skip_space();
        for (word, v) in [(&b"True"[..], true), (b"False", false)] {
            if self.text[self.at..].starts_with(word) {
                self.at += word.len();
                return Ok(v);
            }
        }
        Err(self.err("expected True or False"))
    }

    /// `()`, `(3,)`, `(2, 3)`: non-negative integers that fit a `usize`.
    fn tuple(&mut self) -> Result<Vec<usize>> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        while !self.eat(b')') {
            self.skip_space();
            let digits = self.text[self.at..]
                .iter()
                .take_while(|c| c.is_ascii_digit());
            let n = digits.count();
            let text = std::str::from_utf8(&self.text[self.at..self.at + n]).unwrap_or("");
            let Ok(d) = text.parse::<usize>() else {
                return Err(self.err("expected a dimension (a non-negative integer below 2^64)"));
            };
            self.at += n;
            self.eat(b'L'); // Python 2's long literals
            dims.push(d);
            if !self.eat(b',') {
                self.expect(b')')?;
                break;
            }
        }
        Ok(dims)
    }
}
