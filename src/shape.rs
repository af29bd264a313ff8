//! Shapes: dimension lists, checked element counts, NumPy broadcasting, strides.
//!
//! A shape is a list of dimensions, row-major, rank 0 meaning a scalar with one element.
//! Broadcasting follows NumPy: align the shapes at their last dimension; two dimensions are
//! compatible when equal or when one of them is 1; a missing leading dimension counts as 1.
//! Element counts are computed with `checked_mul`, so a huge shape is an [`Error::SizeOverflow`]
//! rather than a wrapped count and an undersized buffer.
//!
//! A shape is valid when the product of its non-zero dims is at most [`MAX_NUMEL`] (the most
//! `f32`s one allocation can hold). The non-zero dims count even in an empty shape: ops and
//! kernels split a shape into `outer · len · inner` around an axis, and with this rule no such
//! partial product can overflow, whatever the order of the dims (`[2⁴⁰, 2⁴⁰, 0]` is rejected
//! like `[0, 2⁴⁰, 2⁴⁰]`), and a non-empty shape's data can always be allocated.
//!
//! The free functions work on `&[usize]` so that the graph can keep shapes as arena slices;
//! [`Shape`] is the owned form users hold.

use crate::error::{Error, Result};

mod dims;
pub use dims::{Dims, INLINE_RANK};

/// An owned, row-major shape. `Shape::scalar()` has rank 0 and one element.
///
/// ```
/// use arenagrad::Shape;
/// let s = Shape::from([2, 1, 3]);
/// assert_eq!(s.numel(), 6);
/// assert_eq!(s.broadcast(&Shape::from([4, 1])).unwrap().dims(), &[2, 4, 3]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Shape(Vec<usize>);

impl Shape {
    /// The rank-0 shape of a scalar.
    pub fn scalar() -> Self {
        Shape(Vec::new())
    }
    /// A shape from its dimensions, checking that the element count fits in `usize`.
    ///
    /// ```
    /// use arenagrad::Shape;
    /// assert!(Shape::new(&[usize::MAX, 2]).is_err());
    /// ```
    pub fn new(dims: &[usize]) -> Result<Self> {
        numel("Shape::new", dims)?;
        Ok(Shape(dims.to_vec()))
    }
    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }
    /// The number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.len()
    }
    /// The number of elements (1 for a scalar; saturating at `usize::MAX` for a shape built
    /// with `From` that [`Shape::new`] would reject).
    pub fn numel(&self) -> usize {
        // saturating: a shape built with `From` is not checked (`Shape::new` is)
        if self.0.contains(&0) {
            return 0;
        }
        self.0.iter().fold(1usize, |a, &d| a.saturating_mul(d))
    }
    /// Row-major strides in elements.
    pub fn strides(&self) -> Vec<usize> {
        strides(&self.0)
    }
    /// The NumPy broadcast of two shapes.
    pub fn broadcast(&self, other: &Shape) -> Result<Shape> {
        broadcast_shapes("broadcast", &self.0, &other.0).map(Shape)
    }
}

impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}
impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}
impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape(v.to_vec())
    }
}
impl std::ops::Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

/// The element count of `dims`, or [`Error::SizeOverflow`] when the product of the non-zero
/// dims exceeds [`MAX_NUMEL`] (module doc).
pub fn numel(op: &'static str, dims: &[usize]) -> Result<usize> {
    // The product of the non-zero dims bounds every partial product of the dims (module doc).
    let mut nonzero = dims.iter().filter(|&&d| d != 0);
    match nonzero.try_fold(1usize, |acc, &d| acc.checked_mul(d)) {
        // a zero dim anywhere makes the tensor empty
        Some(n) if n <= MAX_NUMEL => Ok(if dims.contains(&0) { 0 } else { n }),
        _ => Err(Error::SizeOverflow {
            op,
            shape: dims.to_vec(),
        }),
    }
}

/// The most elements a valid shape may have (counting its non-zero dims only): `isize::MAX`
/// bytes of `f32`, the largest allocation Rust allows.
///
/// ```
/// use arenagrad::shape::{numel, MAX_NUMEL};
/// assert_eq!(numel("doc", &[MAX_NUMEL, 0]).unwrap(), 0);
/// assert!(numel("doc", &[MAX_NUMEL, 2, 0]).is_err()); // 2 · MAX_NUMEL elements, none stored
/// ```
pub const MAX_NUMEL: usize = isize::MAX as usize / std::mem::size_of::<f32>();

/// Row-major strides of `dims`, in elements.
pub fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        // saturating: only a shape that `numel` rejects can reach usize::MAX
        s[i] = s[i + 1].saturating_mul(dims[i + 1]);
    }
    s
}

/// The NumPy broadcast of `a` and `b`, or [`Error::ShapeMismatch`] naming `op` (or
/// [`Error::SizeOverflow`] when the result would hold more than [`MAX_NUMEL`] elements): the
/// `Vec` form of [`Dims::broadcast`], which holds the one implementation.
///
/// ```
/// use arenagrad::shape::broadcast_shapes;
/// assert_eq!(broadcast_shapes("add", &[2, 1, 3], &[4, 1])?, [2, 4, 3]);
/// assert!(broadcast_shapes("add", &[2, 3], &[3, 2]).is_err());
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    Dims::broadcast(op, a, b).map(|d| d.to_vec())
}

/// Whether two shapes are equal. Use this rather than `a == b` on shapes in per-op code: slice
/// equality calls `memcmp`, and glibc's AVX-512 `memcmp` reads through a masked load that takes
/// a microcode assist (about a microsecond, measured here) when a slice is empty with a
/// dangling pointer, as `&[]` and `Vec::new()` are. Rank-0 shapes are the common case of
/// scalar graphs, where that one comparison cost more than the rest of the op.
///
/// ```
/// assert!(arenagrad::shape::same(&[], &Vec::new()));
/// assert!(!arenagrad::shape::same(&[2, 3], &[2]));
/// ```
#[inline]
pub fn same(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Dimension `k` counted from the right (0 = last), 1 where `dims` is too short.
fn dim_from_right(dims: &[usize], k: usize) -> usize {
    if k < dims.len() {
        dims[dims.len() - 1 - k]
    } else {
        1
    }
}

/// Strides that read an input of shape `input` as if it had the broadcast shape `out`:
/// the input's own stride where its dimension matches, 0 where it is broadcast.
/// `input` must broadcast to `out` (checked by the caller through [`broadcast_shapes`]).
pub fn broadcast_strides(input: &[usize], out: &[usize]) -> Vec<usize> {
    let own = strides(input);
    let lead = out.len() - input.len();
    (0..out.len())
        .map(|i| {
            if i < lead || input[i - lead] == 1 {
                0
            } else {
                own[i - lead]
            }
        })
        .collect()
}

/// Resolves a possibly negative `axis` against `rank`, or [`Error::BadAxis`].
pub fn normalize_axis(op: &'static str, axis: isize, shape: &[usize]) -> Result<usize> {
    let rank = shape.len() as isize;
    let a = if axis < 0 { axis + rank } else { axis };
    if a < 0 || a >= rank {
        return Err(Error::BadAxis {
            op,
            axis,
            shape: shape.to_vec(),
        });
    }
    Ok(a as usize)
}

#[cfg(test)]
mod tests;

/// `shape` as `[outer, shape[axis], inner]`.
pub(crate) fn split3(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    (outer, shape[axis], shape[axis + 1..].iter().product())
}

/// Errors unless `perm` lists each dim of `shape` exactly once (`permute`'s check, for the
/// graph op and the eager one alike).
pub(crate) fn check_permutation(op: &'static str, perm: &[usize], shape: &[usize]) -> Result<()> {
    let rank = shape.len();
    // no duplicate among the earlier entries: quadratic in the rank, and no heap
    let valid = perm.len() == rank
        && perm
            .iter()
            .enumerate()
            .all(|(i, &p)| p < rank && !perm[..i].contains(&p));
    if valid {
        return Ok(());
    }
    Err(Error::InvalidArgument {
        op,
        message: format!(
            "{perm:?} is not a permutation of the dims of shape {shape:?}; list each of \
             0..{rank} exactly once"
        ),
    })
}

/// The dim and the `[outer, size, inner]` split of a `narrow` of `start..start + len` along
/// `axis`, or [`Error::RangeOutOfBounds`] when the range does not fit in the dim.
pub(crate) fn narrow_split(
    op: &'static str,
    axis: isize,
    start: usize,
    len: usize,
    shape: &[usize],
) -> Result<(usize, (usize, usize, usize))> {
    let axis = normalize_axis(op, axis, shape)?;
    let (outer, size, inner) = split3(shape, axis);
    if !matches!(start.checked_add(len), Some(end) if end <= size) {
        return Err(Error::RangeOutOfBounds {
            op,
            axis,
            start,
            len,
            size,
            shape: shape.to_vec(),
        });
    }
    Ok((axis, (outer, size, inner)))
}

/// The permutation that swaps dims `d0` and `d1` of `shape` (`transpose`'s), or an empty one for
/// a rank-0 shape, where PyTorch accepts the dims 0 and -1 only.
pub(crate) fn transpose_perm(
    op: &'static str,
    d0: isize,
    d1: isize,
    shape: &[usize],
) -> Result<Dims> {
    if shape.is_empty() {
        if let Some(&axis) = [d0, d1].iter().find(|&&d| d != 0 && d != -1) {
            return Err(Error::BadAxis {
                op,
                axis,
                shape: vec![],
            });
        }
        return Ok(Dims::zeros(0));
    }
    let a = normalize_axis(op, d0, shape)?;
    let b = normalize_axis(op, d1, shape)?;
    let mut perm = Dims::zeros(shape.len());
    perm.iter_mut().enumerate().for_each(|(i, p)| *p = i);
    perm.swap(a, b);
    Ok(perm)
}
