//! split, chunk and stack: several outputs from one input, or one output from several.
//!
//! On the `[outer, axis, inner]` view of the input, `split(sizes)` is one `narrow` per piece:
//! piece `p` holds elements `s_p..s_p + sizes[p]` of the axis, `s_p = Σ_{q<p} sizes[q]`. Its
//! backward is narrow's: the piece's gradient copied into its block of `dx`. The first piece
//! reached in a pass writes `dx` (zeros outside its block), the others add into their own blocks
//! only, so the pieces' gradients join into the input without a concat buffer, and a piece
//! that is never used contributes nothing (PyTorch's undefined gradient, read as zeros).
//!
//! `stack(vars, axis)` is `concat` of the inputs each given a new size-1 dim at `axis`
//! (a reshape, which shares data): `y[.., k, ..] = vars[k]`, and `d vars[k] = dy[.., k, ..]`.

use crate::error::{or_panic, Error, Result};
use crate::graph::Var;
use crate::shape::{normalize_axis, Dims};

impl<'g> Var<'g> {
    /// Splits along `axis` into pieces of the given `sizes` (`torch.split(x, sizes, dim)` with a
    /// list): the sizes must sum to the dim, else [`Error::InvalidArgument`] naming the shape
    /// and the sizes. The pieces' gradients join into this var's.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new((0..10).map(|v| v as f32).collect(), &[2, 5])?);
    ///     let p = x.try_split(&[2, 3], 1)?;
    ///     assert_eq!((p[0].shape(), p[1].shape()), (&[2, 2][..], &[2, 3][..]));
    ///     assert_eq!(p[0].to_vec(), vec![0.0, 1.0, 5.0, 6.0]);
    ///     (p[1] * 2.0).sum().backward()?;      // only the second piece is used
    ///     assert_eq!(x.grad().unwrap().to_vec()[..5], [0.0, 0.0, 2.0, 2.0, 2.0]);
    ///     assert!(x.try_split(&[2, 2], 1).is_err()); // 2 + 2 != 5
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_split(self, sizes: &[usize], axis: isize) -> Result<Vec<Var<'g>>> {
        let shape = self.shape();
        let a = normalize_axis("split", axis, shape)?;
        let total = sizes.iter().try_fold(0usize, |s, &v| s.checked_add(v));
        if total != Some(shape[a]) {
            return Err(Error::InvalidArgument {
                op: "split",
                message: format!(
                    "split sizes {sizes:?} must sum exactly to {} (the size of dim {a} of the \
                     input of shape {shape:?}); pass sizes that add up to the dimension",
                    shape[a]
                ),
            });
        }
        let mut start = 0;
        let mut out = Vec::with_capacity(sizes.len());
        for &len in sizes {
            out.push(self.try_narrow(a as isize, start, len)?);
            start += len;
        }
        Ok(out)
    }
    /// Panicking form of [`Var::try_split`].
    #[track_caller]
    pub fn split(self, sizes: &[usize], axis: isize) -> Vec<Var<'g>> {
        or_panic(self.try_split(sizes, axis))
    }

    /// Splits along `axis` into `chunks` pieces of `⌈dim / chunks⌉` elements, the last one
    /// smaller (`torch.chunk`): as in PyTorch there may be fewer than `chunks` pieces (a dim of
    /// 6 in 4 chunks gives 3 of 2), and a dim of 0 gives `chunks` empty pieces. `chunks = 0` is
    /// [`Error::InvalidArgument`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0]));
    ///     let c = x.try_chunk(3, 0)?;                 // sizes 2, 2, 1
    ///     assert_eq!(c.iter().map(|v| v.numel()).collect::<Vec<_>>(), vec![2, 2, 1]);
    ///     (c[0] + c[1]).sum().backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 1.0, 1.0, 1.0, 0.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_chunk(self, chunks: usize, axis: isize) -> Result<Vec<Var<'g>>> {
        let shape = self.shape();
        let a = normalize_axis("chunk", axis, shape)?;
        if chunks == 0 {
            return Err(Error::InvalidArgument {
                op: "chunk",
                message: format!(
                    "chunks must be greater than 0 (input of shape {shape:?}); pass at least 1"
                ),
            });
        }
        let d = shape[a];
        if d == 0 {
            return self.try_split(&vec![0; chunks], axis);
        }
        let size = d.div_ceil(chunks);
        let sizes: Vec<usize> = (0..d.div_ceil(size))
            .map(|p| size.min(d - p * size))
            .collect();
        self.try_split(&sizes, axis)
    }
    /// Panicking form of [`Var::try_chunk`].
    #[track_caller]
    pub fn chunk(self, chunks: usize, axis: isize) -> Vec<Var<'g>> {
        or_panic(self.try_chunk(chunks, axis))
    }

    /// Joins `vars`, which must all have the same shape, along a new dim at `axis`
    /// (`torch.stack`; `axis` in `-(rank + 1)..=rank`). Different shapes are
    /// [`Error::ShapeMismatch`], an empty list [`Error::InvalidArgument`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let a = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
    ///     let b = g.leaf(Tensor::from_slice(&[3.0, 4.0]));
    ///     let s = Var::try_stack(&[a, b], 1)?;
    ///     assert_eq!((s.shape(), s.to_vec()), (&[2, 2][..], vec![1.0, 3.0, 2.0, 4.0]));
    ///     let w = Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?;
    ///     s.backward_with(&Backward::gradient(w))?;  // a gets column 0, b column 1
    ///     assert_eq!(a.grad().unwrap().to_vec(), vec![1.0, 3.0]);
    ///     assert_eq!(b.grad().unwrap().to_vec(), vec![2.0, 4.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_stack(vars: &[Var<'g>], axis: isize) -> Result<Var<'g>> {
        let Some(first) = vars.first() else {
            return Err(Error::InvalidArgument {
                op: "stack",
                message: "expected a non-empty list of vars to stack".into(),
            });
        };
        let shape = first.shape();
        if let Some(v) = vars.iter().find(|v| v.shape() != shape) {
            return Err(Error::ShapeMismatch {
                op: "stack",
                lhs: shape.to_vec(),
                rhs: v.shape().to_vec(),
            });
        }
        // the new dim's position, in 0..=rank
        let r = shape.len() as isize + 1;
        if !(-r..r).contains(&axis) {
            return Err(Error::InvalidArgument {
                op: "stack",
                message: format!(
                    "axis {axis} is out of range for stacking inputs of shape {shape:?}: the \
                     result has rank {r}, so use an axis in -{r}..{r}"
                ),
            });
        }
        let a = axis.rem_euclid(r) as usize;
        let mut with_new = Dims::zeros(shape.len() + 1);
        with_new[..a].copy_from_slice(&shape[..a]);
        with_new[a] = 1;
        with_new[a + 1..].copy_from_slice(&shape[a..]);
        let parts = vars
            .iter()
            .map(|v| v.try_reshape(&with_new))
            .collect::<Result<Vec<_>>>()?;
        Var::try_concat(&parts, a as isize)
    }
    /// Panicking form of [`Var::try_stack`].
    #[track_caller]
    pub fn stack(vars: &[Var<'g>], axis: isize) -> Var<'g> {
        or_panic(Var::try_stack(vars, axis))
    }
}

#[cfg(test)]
mod tests;
