//! Class losses on `[N, C]` scores and `N` class indices: `cross_entropy` (fused log-sum-exp,
//! label smoothing) and `nll_loss`. The maths is in the [parent module](super).

use super::forms::class_grad;
use super::{reduce, upstream, CrossEntropy, Reduction};
use crate::error::{Error, Result};
use crate::graph::{GradSink, Node, Rule, Sink, Var};
use std::cell::Cell;

use crate::kernels::loss::{
    cross_entropy_backward, cross_entropy_fused, cross_entropy_rows, nll_backward, nll_rows, Xent,
    STATS,
};

#[derive(Clone, Copy)]
enum Kind {
    CrossEntropy { eps: f32 },
    Nll,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::CrossEntropy { .. } => "cross_entropy",
            Kind::Nll => "nll_loss",
        }
    }
}

#[derive(Clone, Copy)]
struct ClassRule<'g> {
    kind: Kind,
    targets: &'g [usize],
    ignore: Option<usize>,
    /// Cross-entropy's statistics of each row (`[max, 1/Σ exp]`, all its backward needs;
    /// empty for NLL); `None` until a deferred loss is computed.
    stats: &'g Cell<Option<&'g [f32]>>,
    reduction: Reduction,
    /// Rows not ignored: the divisor of `Mean`.
    count: usize,
}

impl<'g> ClassRule<'g> {
    /// The cross-entropy problem of logits `x`.
    fn xent<'a>(&'a self, x: &'a [f32], c: usize, eps: f32) -> Xent<'a> {
        Xent {
            logits: x,
            c,
            targets: self.targets,
            ignore: self.ignore,
            eps,
        }
    }
}

impl<'g> Rule<'g> for ClassRule<'g> {
    fn name(&self) -> &'static str {
        self.kind.name()
    }
    fn backward_graph(
        &self,
        _node: &'g Node<'g>,
        g: Var<'g>,
        sink: &mut GradSink<'_, 'g>,
    ) -> Result<()> {
        let smoothing = match self.kind {
            Kind::CrossEntropy { eps } => Some(eps),
            Kind::Nll => None,
        };
        let (t, ignore) = (self.targets, self.ignore);
        let reduce = (self.reduction, self.count);
        let dx = class_grad(sink.input(0), g, t, ignore, smoothing, reduce)?;
        sink.put(0, dx)
    }
    fn backward(&self, node: &Node<'g>, g: &[f32], sink: &mut Sink<'_, 'g>) {
        let x = node.inputs[0];
        let c = *x.shape.last().expect("checked: rank 1 or 2");
        let up = upstream(self.reduction, g, self.count);
        let (t, ign) = (self.targets, self.ignore);
        match (self.kind, self.stats.get()) {
            (Kind::CrossEntropy { eps }, Some(stats)) => sink.with(0, |out, acc| {
                cross_entropy_backward(self.xent(x.data(), c, eps), stats, up, out, acc)
            }),
            // a loss nobody read: computed with its gradient, the logits read once
            (Kind::CrossEntropy { eps }, None) => {
                let p = self.xent(x.data(), c, eps);
                let (stats, per) = self.buffers(node, t.len());
                sink.with(0, |out, acc| {
                    cross_entropy_fused(p, up, stats, per, out, acc)
                });
                self.finish(node, stats, per);
            }
            (Kind::Nll, _) => sink.with(0, |out, acc| nll_backward(c, t, ign, up, out, acc)),
        }
    }
    fn evaluate(&self, node: &Node<'g>) -> &'g [f32] {
        let Kind::CrossEntropy { eps } = self.kind else {
            unreachable!("only cross-entropy defers its values")
        };
        let x = node.inputs[0];
        let c = *x.shape.last().expect("checked: rank 1 or 2");
        let (stats, per) = self.buffers(node, self.targets.len());
        cross_entropy_rows(self.xent(x.data(), c, eps), stats, per);
        self.finish(node, stats, per)
    }
}

impl<'g> ClassRule<'g> {
    /// Buffers for a deferred loss's row statistics and per-row losses.
    fn buffers(&self, node: &Node<'g>, n: usize) -> (&'g mut [f32], &'g mut [f32]) {
        let scope = node.fuse.expect("a deferred node").scope;
        (scope.alloc_out(STATS * n), scope.alloc_out(n))
    }

    /// Keeps a deferred loss's statistics and stores its value.
    fn finish(&self, node: &Node<'g>, stats: &'g [f32], per: &'g [f32]) -> &'g [f32] {
        let scope = node.fuse.expect("a deferred node").scope;
        self.stats.set(Some(stats));
        let out = reduce(scope, self.reduction, per, self.count);
        node.set_value(out);
        out
    }
}

/// Validates scores and targets; returns `(n, c, rows not ignored)`.
fn check(
    op: &'static str,
    x: Var<'_>,
    targets: &[usize],
    ignore: Option<usize>,
) -> Result<(usize, usize, usize)> {
    let shape = x.shape();
    let (n, c) = match *shape {
        [n, c] => (n, c),
        [c] => (1, c),
        _ => {
            return Err(Error::InvalidArgument {
                op,
                message: format!(
                    "expects scores of shape [N, C] or [C], got {shape:?}; for [N, C, d1, ..] \
                     move the class axis last and reshape to [N*d1*.., C]"
                ),
            })
        }
    };
    if targets.len() != n {
        return Err(Error::ShapeMismatch {
            op,
            lhs: shape.to_vec(),
            rhs: vec![targets.len()],
        });
    }
    if c == 0 {
        return Err(Error::Empty {
            op,
            shape: shape.to_vec(),
        });
    }
    let mut count = 0;
    for &t in targets.iter().filter(|&&t| Some(t) != ignore) {
        if t >= c {
            return Err(Error::IndexOutOfRange {
                op,
                index: t,
                size: c,
                shape: shape.to_vec(),
            });
        }
        count += 1;
    }
    Ok((n, c, count))
}

fn class_loss<'g>(
    x: Var<'g>,
    kind: Kind,
    targets: &[usize],
    reduction: Reduction,
    ignore: Option<usize>,
) -> Result<Var<'g>> {
    let (n, c, count) = check(kind.name(), x, targets, ignore)?;
    let scope = x.scope();
    // PyTorch's unbatched form ([C] scores, one target) gives a 0-d loss even unreduced
    let shape: &[usize] = match (reduction, x.rank()) {
        (Reduction::None, 2) => &[n],
        _ => &[],
    };
    let rule = ClassRule {
        kind,
        targets: scope.alloc_copy(targets),
        ignore,
        stats: scope.alloc_cell(None),
        reduction,
        count,
    };
    // a reduced cross-entropy's value waits for a reader, or for backward, which computes it
    // with the gradient in one pass (`ClassRule::backward`)
    if let (Kind::CrossEntropy { .. }, Reduction::Mean | Reduction::Sum) = (kind, reduction) {
        if let Some(loss) = scope.deferred(&[x], shape, rule) {
            return Ok(loss);
        }
    }
    let per = scope.alloc(n);
    match kind {
        Kind::CrossEntropy { eps } => {
            let stats = scope.alloc(STATS * n);
            cross_entropy_rows(rule.xent(x.data(), c, eps), stats, per);
            rule.stats.set(Some(stats));
        }
        Kind::Nll => nll_rows(x.data(), c, targets, ignore, per),
    }
    let out = reduce(scope, reduction, per, count);
    Ok(scope.op(&[x], shape, out, rule))
}

impl<'g> Var<'g> {
    /// Cross-entropy of logits `[N, C]` (or `[C]`) against class indices, averaged over rows
    /// (`F.cross_entropy(logits, targets)`); see [`Var::cross_entropy_with`] for options.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     // logits [0, ln 3]: softmax [1/4, 3/4]; target 1 -> loss ln(4/3)
    ///     let x = g.leaf(Tensor::new(vec![0.0, 3f32.ln()], &[1, 2])?);
    ///     let loss = x.cross_entropy(&[1])?;
    ///     assert!((loss.item() - (4.0f32 / 3.0).ln()).abs() < 1e-6);
    ///     loss.backward()?;                      // softmax - onehot = [1/4, -1/4]
    ///     assert!((x.grad().unwrap().data()[1] + 0.25).abs() < 1e-6);
    ///     assert!(x.cross_entropy(&[2]).is_err()); // class 2 of 2
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn cross_entropy(self, targets: &[usize]) -> Result<Var<'g>> {
        self.cross_entropy_with(targets, &CrossEntropy::default())
    }

    /// Cross-entropy with a reduction, label smoothing and an ignored class
    /// (`F.cross_entropy(x, t, reduction=.., label_smoothing=.., ignore_index=..)`).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::loss::CrossEntropy;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::zeros(&[3, 4])?);
    ///     // uniform logits: every row loses ln 4, with or without smoothing; row 1 ignored
    ///     let opts = CrossEntropy {
    ///         reduction: Reduction::None,
    ///         label_smoothing: 0.1,
    ///         ignore_index: Some(9),
    ///     };
    ///     let loss = x.cross_entropy_with(&[0, 9, 3], &opts)?;
    ///     assert_eq!(loss.shape(), &[3]);
    ///     assert_eq!(loss.data()[1], 0.0);
    ///     assert!((loss.data()[2] - 4f32.ln()).abs() < 1e-6);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn cross_entropy_with(self, targets: &[usize], opts: &CrossEntropy) -> Result<Var<'g>> {
        let eps = opts.label_smoothing;
        if !(0.0..=1.0).contains(&eps) {
            return Err(Error::InvalidArgument {
                op: "cross_entropy",
                message: format!("label_smoothing must be in [0, 1], got {eps}"),
            });
        }
        let kind = Kind::CrossEntropy { eps };
        class_loss(self, kind, targets, opts.reduction, opts.ignore_index)
    }

    /// Negative log-likelihood of log-probabilities `[N, C]` (or `[C]`): `−mean_i x[i, t_i]`
    /// (`F.nll_loss`).
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.leaf(Tensor::new(vec![-1.0, -2.0, -3.0, -4.0], &[2, 2])?);
    ///     let loss = x.nll_loss(&[1, 0])?;            // (2 + 3) / 2
    ///     assert_eq!(loss.item(), 2.5);
    ///     loss.backward()?;
    ///     assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, -0.5, -0.5, 0.0]);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn nll_loss(self, targets: &[usize]) -> Result<Var<'g>> {
        self.nll_loss_with(targets, Reduction::Mean, None)
    }

    /// Negative log-likelihood with a reduction and an ignored class (`F.nll_loss(x, t,
    /// reduction=.., ignore_index=..)`); `Mean` divides by the rows not ignored.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// Graph::new().run(|g| {
    ///     let x = g.input(Tensor::new(vec![-1.0, -2.0, -3.0, -4.0], &[2, 2])?);
    ///     assert_eq!(x.nll_loss_with(&[1, 0], Reduction::Sum, Some(0))?.item(), 2.0);
    ///     Ok(())
    /// }).unwrap();
    /// ```
    pub fn nll_loss_with(
        self,
        targets: &[usize],
        reduction: Reduction,
        ignore_index: Option<usize>,
    ) -> Result<Var<'g>> {
        class_loss(self, Kind::Nll, targets, reduction, ignore_index)
    }
}
