//! The header's dict literal, `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`:
//! a small recursive descent over exactly what NumPy writes (quoted strings without escapes,
//! `True`/`False`, tuples of non-negative integers), with its three keys each required once
//! and no others, as `numpy.load` requires.

use super::Dtype;
use crate::error::{Error, Result};

/// A cursor over the header's text.
pub(super) struct Parser<'a> {
    op: &'static str,
    text: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    /// A parser of `text` for `op`'s errors.
    pub(super) fn new(op: &'static str, text: &'a [u8]) -> Self {
        Parser { op, text, at: 0 }
    }

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
    pub(super) fn header(mut self) -> Result<(Dtype, bool, Vec<usize>)> {
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
