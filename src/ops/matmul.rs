//! Matrix products with `torch.matmul` semantics.
//!
//! Per matrix: `C = A·B`, `dA = dC·Bᵀ`, `dB = Aᵀ·dC`, with `A: m×k`, `B: k×n`. Shapes:
//! a 1-D left operand is a row `[1, k]` and a 1-D right operand a column `[k, 1]`, the 1 then
//! dropped from the result (so 1-D·1-D is a 0-d dot product); dims before the last two are batch
//! dims that broadcast by NumPy rules (`[2,1,3,4]·[5,4,6] → [2,5,3,6]`). Nothing is saved:
//! backward reads both operands from the arena.
//!
//! The differentiable form (`backward_graph`) writes the same two products with `matmul` and
//! `transpose` ops on `A₂`, `B₂` (the operands with a 1-D one's unit dim restored) and `dC₂`
//! (`dC` with those dims restored): `dA₂ = dC₂·B₂ᵀ`, `dB₂ = A₂ᵀ·dC₂`, each summed over the batch
//! dims its operand was broadcast along (`sum_to`) and reshaped back; when `B` has no batch dims
//! `dB` is one product of the stacked rows, `A₂ᵀ·dC₂` as `[rows, k]ᵀ·[rows, n]`.
//!
//! Every product is one call of [`kernels::gemm::matmul`](crate::kernels::gemm::matmul) on strided views; a transpose is a
//! [`Mat::t`] view, never a copy, and the sink's [`Acc`] is GEMM's write/add mode. Layouts:
//! - The right operand has no batch (its batch dims are all 1; N-D·2-D, 2-D·2-D, any·1-D): the
//!   left's batches are contiguous, so they stack into `(batch·m)×k` rows and forward, `dA` and
//!   `dB` are one GEMM each — for `dB` the sum over batches is GEMM's own inner sum.
//! - Otherwise one GEMM per output batch. The gradient of an operand broadcast across batches
//!   accumulates in place: the first batch reading a matrix stores with the sink's mode, later
//!   ones with `Acc::Add` — no temporary, no reduction pass.

use super::grad_forms::sum_to;
use crate::error::{or_panic, Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use crate::kernels::gemm::{matmul as gemm, Mat};
use crate::kernels::Acc;
use crate::shape::{numel, Dims};

/// The matrix view of a (validated) pair of operand shapes.
struct Plan<'a> {
    a_batch: &'a [usize],
    b_batch: &'a [usize],
    m: usize,
    k: usize,
    n: usize,
    /// Number of output batches (product of the broadcast batch dims).
    batches: usize,
}

/// Dim `r` counted from the right (0 = last), 1 where `dims` is shorter.
fn from_right(dims: &[usize], r: usize) -> usize {
    dims.len().checked_sub(r + 1).map_or(1, |i| dims[i])
}

fn plan<'a>(a: &'a [usize], b: &'a [usize]) -> Plan<'a> {
    let (ra, rb) = (a.len(), b.len());
    let (a_batch, m, k) = match ra {
        1 => (&a[..0], 1, a[0]),
        _ => (&a[..ra - 2], a[ra - 2], a[ra - 1]),
    };
    let (b_batch, n) = match rb {
        1 => (&b[..0], 1),
        _ => (&b[..rb - 2], b[rb - 1]),
    };
    let batches = (0..a_batch.len().max(b_batch.len()))
        .map(|r| broadcast_dim(from_right(a_batch, r), from_right(b_batch, r)))
        .product();
    Plan {
        a_batch,
        b_batch,
        m,
        k,
        n,
        batches,
    }
}

fn broadcast_dim(da: usize, db: usize) -> usize {
    if da == 1 {
        db
    } else {
        da
    }
}

/// Where output batch `bi` reads: matrix offsets (in matrices) into each operand, and whether
/// it is the first batch (row-major) to read that matrix, i.e. all its broadcast coordinates
/// are 0. Computed from the shapes alone, so backward allocates nothing.
#[derive(Clone, Copy)]
struct At {
    a: usize,
    b: usize,
    a_first: bool,
    b_first: bool,
}

fn at(p: &Plan<'_>, bi: usize) -> At {
    let mut at = At {
        a: 0,
        b: 0,
        a_first: true,
        b_first: true,
    };
    let (mut rem, mut sa, mut sb) = (bi, 1, 1);
    for r in 0..p.a_batch.len().max(p.b_batch.len()) {
        let (da, db) = (from_right(p.a_batch, r), from_right(p.b_batch, r));
        let d = broadcast_dim(da, db);
        let i = rem % d;
        rem /= d;
        if da == 1 {
            at.a_first &= i == 0;
        } else {
            at.a += i * sa;
        }
        if db == 1 {
            at.b_first &= i == 0;
        } else {
            at.b += i * sb;
        }
        sa *= da;
        sb *= db;
    }
    at
}

/// The result shape, or the error naming both operand shapes (built inline: no heap unless
/// there is an error or more than [`INLINE_RANK`](crate::shape::INLINE_RANK) dims).
fn out_shape(a: &[usize], b: &[usize]) -> Result<Dims> {
    let mismatch = || Error::MatmulMismatch {
        op: "matmul",
        lhs: a.to_vec(),
        rhs: b.to_vec(),
    };
    if a.is_empty() || b.is_empty() {
        return Err(mismatch());
    }
    let kb = if b.len() == 1 { b[0] } else { b[b.len() - 2] };
    if a[a.len() - 1] != kb {
        return Err(mismatch());
    }
    // the batch dims are checked before anything multiplies them (fuzz target `shapes`: batch
    // dims that do not broadcast can have an overflowing product)
    let (a_batch, b_batch) = (
        &a[..a.len().saturating_sub(2)],
        &b[..b.len().saturating_sub(2)],
    );
    let batch = Dims::broadcast("matmul", a_batch, b_batch).map_err(|e| match e {
        Error::ShapeMismatch { op, .. } => Error::ShapeMismatch {
            op,
            lhs: a.to_vec(),
            rhs: b.to_vec(),
        },
        other => other,
    })?;
    let tail = [
        (a.len() > 1).then(|| a[a.len() - 2]),
        (b.len() > 1).then(|| b[b.len() - 1]),
    ];
    let mut shape = Dims::zeros(batch.len() + tail.iter().flatten().count());
    shape[..batch.len()].copy_from_slice(&batch);
    for (d, v) in shape[batch.len()..].iter_mut().zip(tail.iter().flatten()) {
        *d = *v;
    }
    numel("matmul", &shape)?;
    Ok(shape)
}

#[derive(Clone, Copy)]
struct Matmul;

impl<'g> Rule<'g> for Matmul {
    fn name(&self) -> &'static str {
        "matmul"
    }
    fn backward_graph(
        &self,
        node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let (a, b) = (sink.input(0), sink.input(1));
        // a 1-D operand as a row [1, k] (left) or a column [k, 1] (right)
        let a2 = match a.shape() {
            &[k] => a.try_reshape(&[1, k])?,
            _ => a,
        };
        let b2 = match b.shape() {
            &[k] => b.try_reshape(&[k, 1])?,
            _ => b,
        };
        // dC with the dims the 1-D operands dropped: [*batch, m, n]
        let dropped = usize::from(a.rank() > 1) + usize::from(b.rank() > 1);
        let batch = &node.shape[..node.shape.len() - dropped];
        let mut shape = batch.to_vec();
        shape.extend([a2.shape()[a2.rank() - 2], b2.shape()[b2.rank() - 1]]);
        let g2 = g.try_reshape(&shape)?;
        if sink.needs(0) {
            let da = g2.try_matmul(b2.try_transpose(-1, -2)?)?;
            sink.put(0, sum_to(da, a2.shape())?.try_reshape(a.shape())?)?;
        }
        if sink.needs(1) && b2.rank() == 2 {
            // B has no batch, so A's batch is the output's: one product over the stacked rows,
            // the batch sum inside it
            let (k, n) = (b2.shape()[0], b2.shape()[1]);
            let rows: usize = a2.shape()[..a2.rank() - 1].iter().product();
            let (a_rows, g_rows) = (a2.try_reshape(&[rows, k])?, g2.try_reshape(&[rows, n])?);
            let db = a_rows.try_transpose(0, 1)?.try_matmul(g_rows)?;
            sink.put(1, db.try_reshape(b.shape())?)?;
        } else if sink.needs(1) {
            let db = a2.try_transpose(-1, -2)?.try_matmul(g2)?;
            sink.put(1, sum_to(db, b2.shape())?.try_reshape(b.shape())?)?;
        }
        Ok(())
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        if node.numel() == 0 {
            // an empty product gives zero gradients; no batch loop: an empty result may still
            // have 2⁶⁰ (empty) batches (fuzz target `shapes`)
            for i in 0..2 {
                sink.with(i, |out, acc| {
                    if acc == Acc::Write {
                        out.fill(0.0);
                    }
                });
            }
            return;
        }
        let (a, b) = (node.inputs[0].data(), node.inputs[1].data());
        let p = plan(node.inputs[0].shape, node.inputs[1].shape);
        let (m, k, n) = (p.m, p.k, p.n);
        if p.b_batch.iter().product::<usize>() == 1 {
            let rows = p.batches * m;
            let dc = Mat::row_major(g, rows, n);
            // dA = dC·Bᵀ; dB = Aᵀ·dC, the batch sum folded into GEMM's inner dimension
            sink.with(0, |out, acc| {
                gemm(dc, Mat::row_major(b, k, n).t(), out, acc)
            });
            sink.with(1, |out, acc| {
                gemm(Mat::row_major(a, rows, k).t(), dc, out, acc)
            });
            return;
        }
        let dc = |bi: usize| Mat::row_major(&g[bi * m * n..][..m * n], m, n);
        sink.with(0, |out, acc| {
            if p.batches == 0 && acc == Acc::Write {
                out.fill(0.0); // no batch read A (a 0-size batch dim of B): its gradient is 0
            }
            for bi in 0..p.batches {
                let at = at(&p, bi);
                let bm = Mat::row_major(&b[at.b * k * n..][..k * n], k, n);
                let acc = if at.a_first { acc } else { Acc::Add };
                gemm(dc(bi), bm.t(), &mut out[at.a * m * k..][..m * k], acc);
            }
        });
        sink.with(1, |out, acc| {
            if p.batches == 0 && acc == Acc::Write {
                out.fill(0.0);
            }
            for bi in 0..p.batches {
                let at = at(&p, bi);
                let am = Mat::row_major(&a[at.a * m * k..][..m * k], m, k);
                let acc = if at.b_first { acc } else { Acc::Add };
                gemm(am.t(), dc(bi), &mut out[at.b * k * n..][..k * n], acc);
            }
        });
    }
}

impl<'g> Var<'g> {
    /// The matrix product `self · rhs` with `torch.matmul` semantics: 1-D·1-D is a dot product
    /// (0-d), a 1-D operand is a row on the left / a column on the right, and dims before the
    /// last two are batch dims that broadcast. An inner-dim mismatch or a 0-d operand is
    /// [`Error::MatmulMismatch`]; batch dims that do not broadcast are
    /// [`Error::ShapeMismatch`].
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let a = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[2, 2])?);
    ///     let b = g.leaf(Tensor::new(vec![5.0, 6.0, 7.0, 8.0], &[2, 2])?);
    ///     let c = a.try_matmul(b)?;
    ///     assert_eq!(c.to_vec(), vec![19.0, 22.0, 43.0, 50.0]);
    ///     c.sum().backward()?;                       // dA = 1·Bᵀ: row sums of B
    ///     assert_eq!(a.grad().unwrap().to_vec(), vec![11.0, 15.0, 11.0, 15.0]);
    ///     let batched = g.input(Tensor::zeros(&[2, 1, 3, 4])?);
    ///     let rhs = g.input(Tensor::zeros(&[5, 4, 6])?);
    ///     assert_eq!(batched.try_matmul(rhs)?.shape(), &[2, 5, 3, 6]);
    ///     assert!(a.try_matmul(rhs).is_err());       // inner dims 2 and 4
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn try_matmul(self, rhs: Var<'g>) -> Result<Var<'g>> {
        let shape = out_shape(self.shape(), rhs.shape())?;
        let scope = self.scope();
        if numel("matmul", &shape)? == 0 {
            return Ok(scope.op(&[self, rhs], &shape, scope.alloc(0), Matmul));
        }
        let p = plan(self.shape(), rhs.shape());
        let (a, b, (m, k, n)) = (self.data(), rhs.data(), (p.m, p.k, p.n));
        let out = scope.alloc(p.batches * m * n);
        if p.b_batch.iter().product::<usize>() == 1 {
            let rows = p.batches * m;
            gemm(
                Mat::row_major(a, rows, k),
                Mat::row_major(b, k, n),
                out,
                Acc::Write,
            );
        } else {
            for bi in 0..p.batches {
                let at = at(&p, bi);
                let am = Mat::row_major(&a[at.a * m * k..][..m * k], m, k);
                let bm = Mat::row_major(&b[at.b * k * n..][..k * n], k, n);
                gemm(am, bm, &mut out[bi * m * n..][..m * n], Acc::Write);
            }
        }
        Ok(scope.op(&[self, rhs], &shape, out, Matmul))
    }
    /// Panicking form of [`Var::try_matmul`].
    #[track_caller]
    pub fn matmul(self, rhs: Var<'g>) -> Var<'g> {
        or_panic(self.try_matmul(rhs))
    }
}

#[cfg(test)]
mod tests;
