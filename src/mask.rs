//! `Mask`: owned n-d booleans, for values that select rather than carry gradients (PyTorch's
//! `dtype=torch.bool` tensors): the condition of [`Var::where_cond`](crate::Var::where_cond),
//! the mask of [`Var::masked_fill`](crate::Var::masked_fill), a causal pattern from
//! [`Mask::tril`].
//!
//! `tril(r, c, d)[i, j] = j − i ≤ d` and `triu(r, c, d)[i, j] = j − i ≥ d`: PyTorch's
//! `torch.tril(torch.ones(r, c, dtype=torch.bool), d)` and `torch.triu(..)`; `d = 0` is the main
//! diagonal, `d > 0` above it, `d < 0` below. A mask broadcasts against the values it is used
//! with by NumPy rules, like any operand.

use std::ops::Not;

use crate::error::{Error, Result};
use crate::shape::{numel, Shape};

/// Row-major booleans with a shape. Rank 0 is one value.
///
/// ```
/// use arenagrad::Mask;
/// let causal = Mask::tril(3, 3, 0);                  // query i may see keys 0..=i
/// assert_eq!(causal.data(), &[true, false, false, true, true, false, true, true, true]);
/// assert_eq!((!&causal).data()[1], true);            // the future, to fill with -inf
/// assert!(Mask::new(vec![true; 3], &[2, 2]).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    shape: Shape,
    data: Vec<bool>,
}

impl Mask {
    /// A mask from row-major data; its length must equal the shape's element count
    /// ([`Error::DataLength`] otherwise).
    pub fn new(data: Vec<bool>, shape: &[usize]) -> Result<Self> {
        let n = numel("Mask::new", shape)?;
        if n != data.len() {
            return Err(Error::DataLength {
                op: "Mask::new",
                shape: shape.to_vec(),
                len: data.len(),
            });
        }
        Ok(Mask {
            shape: Shape::from(shape),
            data,
        })
    }

    /// A `[rows, cols]` mask with `mask[i, j] = f(i, j)`.
    ///
    /// Panics if `rows · cols` overflows the element limit.
    ///
    /// ```
    /// use arenagrad::Mask;
    /// let m = Mask::from_fn(2, 3, |i, j| (i + j) % 2 == 0);
    /// assert_eq!(m.data(), &[true, false, true, false, true, false]);
    /// ```
    pub fn from_fn(rows: usize, cols: usize, f: impl Fn(usize, usize) -> bool) -> Self {
        let shape = [rows, cols];
        numel("Mask::from_fn", &shape).expect("Mask::from_fn: shape too large");
        let data = (0..rows)
            .flat_map(|i| (0..cols).map(move |j| (i, j)))
            .map(|(i, j)| f(i, j))
            .collect();
        Mask {
            shape: Shape::from(&shape[..]),
            data,
        }
    }

    /// The lower triangle: `true` where `j − i ≤ diagonal`
    /// (`torch.tril(torch.ones(rows, cols, dtype=torch.bool), diagonal)`).
    ///
    /// ```
    /// use arenagrad::Mask;
    /// let m = Mask::tril(3, 4, -1);
    /// assert_eq!(m.shape(), &[3, 4]);
    /// assert_eq!(m.data()[4..8], [true, false, false, false]);   // row 1: only j = 0
    /// ```
    pub fn tril(rows: usize, cols: usize, diagonal: isize) -> Self {
        Self::from_fn(rows, cols, |i, j| j as i128 - i as i128 <= diagonal as i128)
    }

    /// The upper triangle: `true` where `j − i ≥ diagonal`
    /// (`torch.triu(torch.ones(rows, cols, dtype=torch.bool), diagonal)`); `triu(.., 1)` is
    /// the complement of `tril(.., 0)`, the future positions of a causal mask.
    ///
    /// ```
    /// use arenagrad::Mask;
    /// assert_eq!(Mask::triu(2, 2, 1), !&Mask::tril(2, 2, 0));
    /// ```
    pub fn triu(rows: usize, cols: usize, diagonal: isize) -> Self {
        Self::from_fn(rows, cols, |i, j| j as i128 - i as i128 >= diagonal as i128)
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        self.shape.dims()
    }
    /// The row-major values.
    pub fn data(&self) -> &[bool] {
        &self.data
    }
    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.data.len()
    }
}

impl Not for &Mask {
    type Output = Mask;
    /// The element-wise complement (`~mask`).
    fn not(self) -> Mask {
        Mask {
            shape: self.shape.clone(),
            data: self.data.iter().map(|b| !b).collect(),
        }
    }
}

impl Not for Mask {
    type Output = Mask;
    /// The element-wise complement (`~mask`), in place.
    fn not(mut self) -> Mask {
        self.data.iter_mut().for_each(|b| *b = !*b);
        self
    }
}

#[cfg(test)]
mod tests;
