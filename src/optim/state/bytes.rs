//! [`OptimState`]'s byte layout (see [`OptimState::to_bytes`]): little-endian, length-prefixed,
//! checked on read so truncated or hostile input is an error, never a panic or a huge
//! allocation.

use super::OptimState;
use crate::error::{Error, Result};
use crate::optim::options::invalid;
use crate::tensor::Tensor;

const MAGIC: &[u8; 8] = b"AGOPTST1";

impl OptimState {
    /// A simple byte layout, all integers and floats little-endian, strings as a `u32` byte
    /// length then UTF-8: `b"AGOPTST1"`, the optimizer name; a `u32` group count, per group a
    /// `u32` count then the names; a `u32` scalar count, per scalar its key then an `f64`; a
    /// `u32` tensor count, per tensor its key, a `u32` rank, `rank × u64` dims and
    /// `numel × f32` data.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let put_str = |out: &mut Vec<u8>, s: &str| {
            out.extend((s.len() as u32).to_le_bytes());
            out.extend(s.as_bytes());
        };
        put_str(&mut out, &self.optimizer);
        out.extend((self.groups.len() as u32).to_le_bytes());
        for g in &self.groups {
            out.extend((g.len() as u32).to_le_bytes());
            g.iter().for_each(|n| put_str(&mut out, n));
        }
        out.extend((self.scalars.len() as u32).to_le_bytes());
        for (k, v) in &self.scalars {
            put_str(&mut out, k);
            out.extend(v.to_le_bytes());
        }
        out.extend((self.tensors.len() as u32).to_le_bytes());
        for (k, t) in &self.tensors {
            put_str(&mut out, k);
            out.extend((t.shape().len() as u32).to_le_bytes());
            t.shape()
                .iter()
                .for_each(|&d| out.extend((d as u64).to_le_bytes()));
            t.data().iter().for_each(|v| out.extend(v.to_le_bytes()));
        }
        out
    }

    /// Parses [`OptimState::to_bytes`]' layout; truncated or malformed input is an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<OptimState> {
        let mut r = Reader(bytes);
        if r.take(8)? != MAGIC {
            return Err(bad("not an arenagrad optimizer state (bad magic)"));
        }
        let optimizer = r.string()?;
        let groups = (0..r.u32()?)
            .map(|_| (0..r.u32()?).map(|_| r.string()).collect())
            .collect::<Result<_>>()?;
        let scalars = (0..r.u32()?)
            .map(|_| Ok((r.string()?, f64::from_le_bytes(r.array()?))))
            .collect::<Result<_>>()?;
        let tensors = (0..r.u32()?)
            .map(|_| {
                let key = r.string()?;
                let shape = (0..r.u32()?)
                    .map(|_| {
                        usize::try_from(u64::from_le_bytes(r.array()?))
                            .map_err(|_| bad("dim overflows"))
                    })
                    .collect::<Result<Vec<usize>>>()?;
                let numel = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
                let bytes = r.take(
                    numel
                        .and_then(|n| n.checked_mul(4))
                        .ok_or_else(|| bad("size overflows"))?,
                )?;
                let data = bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                Ok((key, Tensor::new(data.collect(), &shape)?))
            })
            .collect::<Result<_>>()?;
        if !r.0.is_empty() {
            return Err(bad("trailing bytes after the last tensor"));
        }
        Ok(OptimState {
            optimizer,
            groups,
            scalars,
            tensors,
        })
    }
}

fn bad(what: &str) -> Error {
    invalid(
        "OptimState::from_bytes",
        format!("{what}; the bytes must come from OptimState::to_bytes"),
    )
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(bad("truncated input"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn string(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| bad("a name is not UTF-8"))
    }
}
