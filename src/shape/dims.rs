//! [`Dims`]: a dimension or stride list held inline (no heap) up to rank [`INLINE_RANK`], for
//! the shapes and strides ops compute on every call.
//!
//! The `Vec`-returning helpers of the parent module allocate once per call for any rank ≥ 1;
//! an op that runs every training step must not (a step makes no heap allocation, see
//! `tests/alloc_steady/`). `Dims` keeps up to eight entries in an array inside the value and
//! falls back to a `Vec` beyond that, so the common ranks cost nothing and a rank-9 tensor
//! still works.
//!
//! A rank-0 `Dims` also points into its own array: an empty slice built from a real address,
//! unlike `Vec::new()` or `&[]`, whose dangling pointer makes glibc's AVX-512 `memcmp` take a
//! microcode assist on its masked load when two empty shapes are compared (measured: about
//! 1 µs per comparison on this machine; see [`same`](super::same)).

use std::ops::{Deref, DerefMut};

use super::{dim_from_right, numel, MAX_NUMEL};
use crate::error::{Error, Result};

/// Ranks up to this are stored inline.
pub const INLINE_RANK: usize = 8;

/// A list of dimensions (or strides), inline up to [`INLINE_RANK`] entries.
///
/// ```
/// use arenagrad::shape::Dims;
/// let out = Dims::broadcast("add", &[2, 1, 3], &[4, 1]).unwrap();
/// assert_eq!(&*out, &[2, 4, 3]);
/// assert_eq!(&*Dims::broadcast_strides(&[4, 1], &out), &[0, 1, 0]);
/// assert_eq!(&*Dims::strides(&[2, 3, 4]), &[12, 4, 1]);
/// ```
#[derive(Clone, Debug)]
pub struct Dims(Repr);

#[derive(Clone, Debug)]
enum Repr {
    /// The first `len` entries of the array.
    Inline {
        len: usize,
        dims: [usize; INLINE_RANK],
    },
    /// Beyond [`INLINE_RANK`].
    Heap(Vec<usize>),
}

impl Dims {
    /// `rank` zeros.
    pub fn zeros(rank: usize) -> Self {
        Dims(if rank <= INLINE_RANK {
            Repr::Inline {
                len: rank,
                dims: [0; INLINE_RANK],
            }
        } else {
            Repr::Heap(vec![0; rank])
        })
    }
    /// A copy of `dims`.
    pub fn from_slice(dims: &[usize]) -> Self {
        let mut d = Self::zeros(dims.len());
        d.copy_from_slice(dims);
        d
    }
    /// Row-major strides of `dims`, in elements (as [`strides`](super::strides)).
    pub fn strides(dims: &[usize]) -> Self {
        let mut s = Self::zeros(dims.len());
        let mut acc = 1usize;
        for i in (0..dims.len()).rev() {
            s[i] = acc;
            acc = acc.wrapping_mul(dims[i]);
        }
        s
    }
    /// The NumPy broadcast of `a` and `b`, or [`Error::ShapeMismatch`](crate::Error) naming
    /// `op` (as [`broadcast_shapes`](super::broadcast_shapes)).
    ///
    /// On a hot path, test [`same`](super::same)`(a, b)` first and use `a` itself when it
    /// holds (the common case of element-wise ops): returning a `Dims` copies it, and that
    /// copy's wide loads wait on the narrow stores that just built it (a store-forwarding
    /// stall that took most of this function's samples in a profile of the scalar graph).
    #[inline]
    pub fn broadcast(op: &'static str, a: &[usize], b: &[usize]) -> Result<Self> {
        match Self::try_broadcast(a, b) {
            Some(out) => Ok(out),
            None => Err(broadcast_error(op, a, b)),
        }
    }

    /// The broadcast shape, `None` when the shapes do not broadcast or its element count
    /// exceeds [`MAX_NUMEL`] (the error is then built on the cold path).
    #[inline]
    pub(crate) fn try_broadcast(a: &[usize], b: &[usize]) -> Option<Self> {
        let rank = a.len().max(b.len());
        let mut out = Self::zeros(rank);
        // as `numel`: the product of the non-zero dims must be at most `MAX_NUMEL`
        let mut count = Some(1usize);
        for (i, o) in out.iter_mut().enumerate() {
            let (da, db) = (
                dim_from_right(a, rank - 1 - i),
                dim_from_right(b, rank - 1 - i),
            );
            *o = if da == db || db == 1 {
                da
            } else if da == 1 {
                db
            } else {
                return None;
            };
            if *o != 0 {
                count = count.and_then(|c| c.checked_mul(*o));
            }
        }
        count.is_some_and(|c| c <= MAX_NUMEL).then_some(out)
    }

    /// Strides that read `input` as the broadcast shape `out` (as
    /// [`broadcast_strides`](super::broadcast_strides)): row-major strides of `input`, 0 on
    /// its size-1 dimensions and on the leading ones it lacks; `input` must broadcast to `out`.
    pub fn broadcast_strides(input: &[usize], out: &[usize]) -> Self {
        let mut s = Self::zeros(out.len());
        let lead = out.len() - input.len();
        let mut own = 1usize;
        for i in (0..input.len()).rev() {
            if input[i] != 1 {
                s[lead + i] = own;
            }
            own = own.wrapping_mul(input[i]);
        }
        s
    }
}

impl Deref for Dims {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        match &self.0 {
            Repr::Inline { len, dims } => &dims[..*len],
            Repr::Heap(v) => v,
        }
    }
}

impl DerefMut for Dims {
    fn deref_mut(&mut self) -> &mut [usize] {
        match &mut self.0 {
            Repr::Inline { len, dims } => &mut dims[..*len],
            Repr::Heap(v) => v,
        }
    }
}

#[cfg(test)]
mod tests;

/// Why `a` and `b` do not broadcast: a pair of dimensions that differ with neither 1
/// ([`Error::ShapeMismatch`]), else a result too large to hold ([`Error::SizeOverflow`], from
/// [`numel`]).
#[cold]
fn broadcast_error(op: &'static str, a: &[usize], b: &[usize]) -> Error {
    let rank = a.len().max(b.len());
    let dims = (0..rank)
        .rev()
        .map(|i| (dim_from_right(a, i), dim_from_right(b, i)));
    let mut out = Vec::with_capacity(rank);
    for (da, db) in dims {
        if da != db && da != 1 && db != 1 {
            return Error::ShapeMismatch {
                op,
                lhs: a.to_vec(),
                rhs: b.to_vec(),
            };
        }
        out.push(if da == 1 { db } else { da });
    }
    // `try_broadcast` rejects only mismatches and overflows, so `numel` fails here
    numel(op, &out).err().unwrap_or(Error::ShapeMismatch {
        op,
        lhs: a.to_vec(),
        rhs: b.to_vec(),
    })
}
