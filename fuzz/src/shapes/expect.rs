//! The reference: what each op must return for given shapes, computed here with checked
//! arithmetic, independently of arenagrad's `shape` module.
//!
//! The contract (PyTorch's rules plus one of arenagrad's): a shape is valid when the product of
//! its non-zero dims is at most [`MAX_ELEMS`], the most `f32`s one allocation can hold
//! (`isize::MAX` bytes); its element count is that product, or 0 when a dim is 0. So no partial
//! product of a valid shape's dims overflows, whatever the order of the dims. An op whose result
//! shape is not valid is [`Kind::SizeOverflow`]. When several of an op's checks fail, any of
//! their errors is accepted, so a reference result lists every failed check's kind.

use arenagrad::prelude::*;

/// The most elements of a valid shape (non-zero dims only).
pub const MAX_ELEMS: usize = isize::MAX as usize / std::mem::size_of::<f32>();

/// An `Error` variant, without its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ShapeMismatch,
    MatmulMismatch,
    BadAxis,
    ReshapeNumel,
    DataLength,
    SizeOverflow,
    IndexOutOfRange,
    RangeOutOfBounds,
    Empty,
    InvalidArgument,
}

/// The kind of `e`; panics on a variant no shape op may return.
pub fn kind(e: &Error) -> Kind {
    match e {
        Error::ShapeMismatch { .. } => Kind::ShapeMismatch,
        Error::MatmulMismatch { .. } => Kind::MatmulMismatch,
        Error::BadAxis { .. } => Kind::BadAxis,
        Error::ReshapeNumel { .. } => Kind::ReshapeNumel,
        Error::DataLength { .. } => Kind::DataLength,
        Error::SizeOverflow { .. } => Kind::SizeOverflow,
        Error::IndexOutOfRange { .. } => Kind::IndexOutOfRange,
        Error::RangeOutOfBounds { .. } => Kind::RangeOutOfBounds,
        Error::Empty { .. } => Kind::Empty,
        Error::InvalidArgument { .. } => Kind::InvalidArgument,
        e => panic!("a shape op returned {e:?}"),
    }
}

/// The result shape, or the kinds of error the op may return.
pub type Expect = Result<Vec<usize>, Vec<Kind>>;

/// The element count of a valid shape, or `SizeOverflow`.
pub fn numel(dims: &[usize]) -> Result<usize, Kind> {
    let mut nonzero = dims.iter().filter(|&&d| d != 0);
    match nonzero.try_fold(1usize, |a, &d| a.checked_mul(d)) {
        Some(n) if n <= MAX_ELEMS => Ok(if dims.contains(&0) { 0 } else { n }),
        _ => Err(Kind::SizeOverflow),
    }
}

/// `shape` if it is valid.
fn valid(shape: Vec<usize>) -> Expect {
    numel(&shape).map_err(|k| vec![k])?;
    Ok(shape)
}

/// `Err(kinds)` if any check failed, else `Ok(())`.
fn failed(kinds: Vec<Kind>) -> Result<(), Vec<Kind>> {
    if kinds.is_empty() {
        Ok(())
    } else {
        Err(kinds)
    }
}

/// PyTorch's dim wrapping: `-rank..rank`; with `scalar_ok` a 0-d shape takes 0 and -1.
pub fn axis(axis: isize, rank: usize, scalar_ok: bool) -> Result<usize, Kind> {
    let r = if rank == 0 && scalar_ok { 1 } else { rank } as isize;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        Ok(a as usize)
    } else {
        Err(Kind::BadAxis)
    }
}

/// NumPy broadcasting.
pub fn broadcast(a: &[usize], b: &[usize]) -> Expect {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let (x, y) = (dim(a, i), dim(b, i));
        out.push(match (x, y) {
            _ if x == y => x,
            (1, _) => y,
            (_, 1) => x,
            _ => return Err(vec![Kind::ShapeMismatch]),
        });
    }
    valid(out)
}

/// `torch.matmul`.
pub fn matmul(a: &[usize], b: &[usize]) -> Expect {
    if a.is_empty() || b.is_empty() {
        return Err(vec![Kind::MatmulMismatch]);
    }
    let (ra, rb) = (a.len(), b.len());
    let kb = if rb == 1 { b[0] } else { b[rb - 2] };
    let mut errs = vec![];
    if a[ra - 1] != kb {
        errs.push(Kind::MatmulMismatch);
    }
    let batch = broadcast(&a[..ra.saturating_sub(2)], &b[..rb.saturating_sub(2)]);
    if let Err(k) = &batch {
        errs.extend(k);
    }
    failed(errs)?;
    let mut out = batch.expect("checked");
    if ra > 1 {
        out.push(a[ra - 2]);
    }
    if rb > 1 {
        out.push(b[rb - 1]);
    }
    valid(out)
}

pub fn reshape(from: &[usize], to: &[usize]) -> Expect {
    let n = numel(to).map_err(|k| vec![k])?;
    if Ok(n) != numel(from) {
        return Err(vec![Kind::ReshapeNumel]);
    }
    Ok(to.to_vec())
}

/// `torch.cat` (0-d inputs cannot be concatenated).
pub fn concat(shapes: &[&[usize]], axis_: isize) -> Expect {
    let first = shapes.first().ok_or(vec![Kind::InvalidArgument])?;
    let a = axis(axis_, first.len(), false).map_err(|k| vec![k])?;
    let mut errs = vec![];
    let mut total = Some(0usize);
    for s in shapes {
        let fits = s.len() == first.len() && (0..s.len()).all(|d| d == a || s[d] == first[d]);
        if !fits {
            errs.push(Kind::ShapeMismatch);
            continue;
        }
        total = total.and_then(|t| t.checked_add(s[a]));
    }
    let mut out = first.to_vec();
    match total {
        Some(t) => out[a] = t,
        None => errs.push(Kind::SizeOverflow),
    }
    failed(errs)?;
    valid(out)
}

/// `sum`/`mean`/`max` along an axis; `nonempty`: the axis may not have length 0 (mean, max).
pub fn reduce(shape: &[usize], axis_: isize, keepdim: bool, nonempty: bool) -> Expect {
    let a = axis(axis_, shape.len(), true).map_err(|k| vec![k])?;
    if shape.is_empty() {
        return Ok(vec![]);
    }
    if nonempty && shape[a] == 0 {
        return Err(vec![Kind::Empty]);
    }
    let mut out = shape.to_vec();
    if keepdim {
        out[a] = 1;
    } else {
        out.remove(a);
    }
    Ok(out)
}

/// softmax / log_softmax: the shape is kept.
pub fn softmax(shape: &[usize], axis_: isize) -> Expect {
    axis(axis_, shape.len(), true).map_err(|k| vec![k])?;
    Ok(shape.to_vec())
}

/// layer_norm over the last dim, without weight and bias.
pub fn layer_norm(shape: &[usize]) -> Expect {
    match shape.last() {
        None => Err(vec![Kind::BadAxis]),
        Some(0) => Err(vec![Kind::Empty]),
        Some(_) => Ok(shape.to_vec()),
    }
}

pub fn transpose(shape: &[usize], d0: isize, d1: isize) -> Expect {
    let a = axis(d0, shape.len(), true).map_err(|k| vec![k])?;
    let b = axis(d1, shape.len(), true).map_err(|k| vec![k])?;
    let mut out = shape.to_vec();
    if !out.is_empty() {
        out.swap(a, b);
    }
    Ok(out)
}

pub fn permute(shape: &[usize], perm: &[usize]) -> Expect {
    let mut sorted = perm.to_vec();
    sorted.sort_unstable();
    if sorted != (0..shape.len()).collect::<Vec<_>>() {
        return Err(vec![Kind::InvalidArgument]);
    }
    Ok(perm.iter().map(|&p| shape[p]).collect())
}

pub fn broadcast_to(shape: &[usize], target: &[usize]) -> Expect {
    match broadcast(shape, target)? {
        full if full == target => Ok(full),
        _ => Err(vec![Kind::ShapeMismatch]),
    }
}

pub fn narrow(shape: &[usize], axis_: isize, start: usize, len: usize) -> Expect {
    let a = axis(axis_, shape.len(), false).map_err(|k| vec![k])?;
    match start.checked_add(len) {
        Some(end) if end <= shape[a] => {
            let mut out = shape.to_vec();
            out[a] = len;
            Ok(out)
        }
        _ => Err(vec![Kind::RangeOutOfBounds]),
    }
}

pub fn index_select(shape: &[usize], axis_: isize, index: &[usize]) -> Expect {
    let a = axis(axis_, shape.len(), false).map_err(|k| vec![k])?;
    if index.iter().any(|&i| i >= shape[a]) {
        return Err(vec![Kind::IndexOutOfRange]);
    }
    let mut out = shape.to_vec();
    out[a] = index.len();
    valid(out)
}

/// The length check of an index list against its shape.
fn index_len(index: &[usize], index_shape: &[usize]) -> Result<(), Kind> {
    match numel(index_shape)? {
        n if n == index.len() => Ok(()),
        _ => Err(Kind::DataLength),
    }
}

pub fn embedding(weight: &[usize], index: &[usize], index_shape: &[usize]) -> Expect {
    if weight.len() != 2 {
        return Err(vec![Kind::InvalidArgument]);
    }
    let mut errs = vec![];
    if let Err(k) = index_len(index, index_shape) {
        errs.push(k);
    }
    if index.iter().any(|&i| i >= weight[0]) {
        errs.push(Kind::IndexOutOfRange);
    }
    failed(errs)?;
    let mut out = index_shape.to_vec();
    out.push(weight[1]);
    valid(out)
}

pub fn gather(shape: &[usize], axis_: isize, index: &[usize], index_shape: &[usize]) -> Expect {
    let a = axis(axis_, shape.len(), false).map_err(|k| vec![k])?;
    let mut errs = vec![];
    if let Err(k) = index_len(index, index_shape) {
        errs.push(k);
    }
    let fits = index_shape.len() == shape.len()
        && (0..shape.len()).all(|d| d == a || index_shape[d] <= shape[d]);
    if !fits {
        errs.push(Kind::InvalidArgument);
    }
    if index.iter().any(|&i| i >= shape[a]) {
        errs.push(Kind::IndexOutOfRange);
    }
    failed(errs)?;
    Ok(index_shape.to_vec())
}
