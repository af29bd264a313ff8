//! Backward through a chain of fused element-wise nodes in one pass.
//!
//! When backward reaches a fused node (`lazy.rs`), it gathers the *region* below it: the node
//! and, recursively, those of its inputs that are fused op nodes read by nothing else
//! (`uses == 1`) and carry no hook. Their gradients are wanted by no one but the region, so
//! they need no buffer: one [`kernels::fused::backward`] pass recomputes what the rules read
//! (pending values), carries each intermediate gradient in a cached piece, and stores only the
//! gradients of the region's *boundary* inputs. For `tanh(a·b + c).sum()` that is one pass
//! reading `a`, `b`, `c` and writing three gradients, where the rules one by one write and
//! re-read the values of `a·b + c` and `tanh`, and two gradient buffers.
//!
//! **Same bits as the rules.** The steps call the rules' own kernels, and each intermediate
//! gradient has one contribution. A boundary's gradient is a sum of contributions whose
//! order the fused pass changes (it adds the region's at the root's turn), so a region is
//! fused only when every boundary that takes a gradient receives at most two terms in all
//! (its uses, plus what a leaf or parameter already holds): two terms add to the same bits in
//! either order. A parameter entered more than once has several nodes adding to one range,
//! each at its own turn, so no region writes it. Otherwise, or when a boundary needs a
//! reduced gradient (a one-element operand that requires grad), or the pass would save
//! nothing, the node's rule runs as usual.

use std::cell::RefMut;

use super::lazy::{Builder, Elem, Fuse};
use super::node::{Kind, Node};
use super::scope::Scope;
use crate::kernels::binary::Binary;
use crate::kernels::fused::{self, Dst, GradStep, Src, Step, MAX_OUTS, MAX_SLOTS};
use crate::kernels::unary::Unary;
use crate::kernels::Acc;

#[cfg(test)]
thread_local! {
    /// Fused backward passes run on this thread (tests check that theirs take this path).
    pub(crate) static RAN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The most nodes of a region.
const MAX_REGION: usize = 12;

/// Runs the backward of the region rooted at `root` (a reached fused op node, not hooked) in
/// one fused pass and returns how many op nodes it reached for the first time in this pass;
/// `None`, having changed nothing, when the region does not qualify (see the module doc).
pub(super) fn run<'g>(
    scope: &'g Scope<'g>,
    root: &'g Node<'g>,
    pass: u32,
    retain: bool,
) -> Option<usize> {
    if let Some(Fuse {
        op: Elem::Sum { .. } | Elem::Deferred,
        ..
    }) = root.fuse
    {
        // a sum's rule hands its input a splat: nothing to fuse; a deferred op is not
        // element-wise
        return None;
    }
    // a region whose program outgrows the kernel's slots is cut down until it fits
    for limit in [MAX_REGION, 6, 3, 1] {
        match attempt(scope, root, pass, retain, limit) {
            Attempt::TooBig => continue,
            Attempt::No => return None,
            Attempt::Ran(reached) => return Some(reached),
        }
    }
    None
}

enum Attempt {
    /// Ran, reaching this many op nodes for the first time.
    Ran(usize),
    /// The region does not qualify; nothing changed.
    No,
    /// The program would not fit; nothing changed.
    TooBig,
}

/// [`run`] with the region cut at `limit` nodes.
fn attempt<'g>(
    scope: &'g Scope<'g>,
    root: &'g Node<'g>,
    pass: u32,
    retain: bool,
    limit: usize,
) -> Attempt {
    let n = root.numel();
    // the region, parents before children
    let mut region: [&'g Node<'g>; MAX_REGION] = [root; MAX_REGION];
    let mut count = 1;
    let mut i = 0;
    while i < count {
        for &x in region[i].inputs {
            let internal = x
                .fuse
                .is_some_and(|f| matches!(f.op, Elem::Unary(_) | Elem::Binary(_)))
                && matches!(x.kind, Kind::Op(_))
                && x.uses.get() == 1
                && !x.hooked.get()
                && x.numel() == n
                && x.grad_pass.get() != pass;
            if internal && count < limit {
                region[count] = x;
                count += 1;
            }
        }
        i += 1;
    }
    let region = &region[..count];
    let inside = |x: &Node<'g>| region.iter().any(|&r| std::ptr::eq(r, x));

    // the boundary inputs that take a gradient, each once
    let mut outs: [&'g Node<'g>; MAX_OUTS] = [root; MAX_OUTS];
    let mut nouts = 0;
    let mut pending_input = false;
    for &r in region {
        for &x in r.inputs {
            pending_input |= x.is_pending();
            if inside(x) || !x.requires_grad || outs[..nouts].iter().any(|&o| std::ptr::eq(o, x)) {
                continue;
            }
            let prior = match x.kind {
                // another node of the same parameter adds to its range at its own turn
                Kind::Param { index, .. } if scope.param_shared(index) => return Attempt::No,
                Kind::Param { index, .. } => scope.param_flag(index).get(),
                Kind::Leaf => {
                    let g = x.grad.take();
                    let had = g.is_some();
                    x.grad.set(g);
                    had
                }
                _ => false,
            };
            let terms = x.uses.get() as usize + usize::from(prior);
            if x.numel() != n || terms > 2 {
                return Attempt::No;
            }
            if nouts == MAX_OUTS {
                return Attempt::TooBig;
            }
            outs[nouts] = x;
            nouts += 1;
        }
    }
    if (count == 1 && !pending_input) || nouts == 0 {
        return Attempt::No;
    }

    // the program: forward steps for what the rules read, then the gradients
    let mut b = Builder::new(n);
    let root_grad = root.grad.take();
    let g_root = match (root.splat.get(), root_grad.as_deref()) {
        (Some(v), _) => b.push(Step::Fill(v), std::ptr::null()),
        (None, Some(g)) => b.leaf_slice(g),
        (None, None) => unreachable!("a reached node has a gradient"),
    };
    let mut reads = [[Src::Leaf(0); 3]; MAX_REGION];
    for (k, &r) in region.iter().enumerate() {
        reads[k] = operands(&mut b, r, g_root);
    }
    // a pending sum of the root's values is computed on the way
    let sum = root
        .fuse
        .and_then(|f| f.reduced.get())
        .filter(|s| s.is_pending());
    let sum_of = sum.map(|_| b.src(root));
    let k0 = b.nsteps;
    if b.overflow || k0 + 2 * count > MAX_SLOTS {
        root.grad.set(root_grad);
        return Attempt::TooBig;
    }
    let mut grads = [GradStep::Unary {
        op: Unary::Neg,
        x: g_root,
        y: g_root,
        g: g_root,
        dst: Dst::Slot,
        acc: Acc::Write,
    }; 2 * MAX_REGION];
    let mut ng = 0;
    let mut g_of = [g_root; MAX_REGION];
    let mut first = [true; MAX_OUTS];
    let mut out_acc = [Acc::Write; MAX_OUTS];
    let mut bufs = Buffers::new(scope, pass);
    for (o, &x) in outs[..nouts].iter().enumerate() {
        out_acc[o] = bufs.acquire(o, x);
    }
    for (k, &r) in region.iter().enumerate() {
        let [a_src, b_src, y] = reads[k];
        for (which, &x) in r.inputs.iter().enumerate() {
            if !x.requires_grad {
                continue;
            }
            let op = r.fuse.expect("fused").op;
            let (dst, acc) = match region.iter().position(|&q| std::ptr::eq(q, x)) {
                // `∂(a + b)/∂a · g` and `∂(a − b)/∂a · g` are `g` itself: no step, no copy
                Some(q)
                    if matches!(
                        (op, which),
                        (Elem::Binary(Binary::Add), _) | (Elem::Binary(Binary::Sub), 0)
                    ) =>
                {
                    g_of[q] = g_of[k];
                    continue;
                }
                Some(q) => {
                    g_of[q] = Src::Slot((k0 + ng) as u8);
                    (Dst::Slot, Acc::Write)
                }
                None => {
                    let o = outs[..nouts]
                        .iter()
                        .position(|&o| std::ptr::eq(o, x))
                        .expect("a boundary");
                    let acc = if first[o] { out_acc[o] } else { Acc::Add };
                    first[o] = false;
                    (Dst::Out(o as u8), acc)
                }
            };
            grads[ng] = match op {
                Elem::Unary(op) => GradStep::Unary {
                    op,
                    x: a_src,
                    y,
                    g: g_of[k],
                    dst,
                    acc,
                },
                Elem::Sum { .. } | Elem::Deferred => unreachable!("element-wise region nodes only"),
                Elem::Binary(op) => GradStep::Binary {
                    op,
                    which: which as u8,
                    g: g_of[k],
                    a: a_src,
                    b: b_src,
                    y,
                    dst,
                    acc,
                },
            };
            ng += 1;
        }
    }
    let mut slices: [&mut [f32]; MAX_OUTS] = Default::default();
    bufs.lend(&mut slices);
    let total = fused::backward(&b.program(), &grads[..ng], n, slices, sum_of);
    bufs.give_back();
    if let (Some(s), Some(total)) = (sum, total) {
        s.set_sum(total);
    }
    #[cfg(test)]
    RAN.set(RAN.get() + 1);
    if let Some(g) = root_grad {
        scope.recycle(g);
    }
    root.splat.set(None);
    if !retain {
        for &r in &region[1..] {
            r.freed.set(true);
        }
    }
    Attempt::Ran(bufs.reached)
}

/// What `r`'s backward kernel reads, `[x or a, b, y]`: values it does not read are given as
/// `unused` (an operand of the right length), so no step computes them.
fn operands<'a, 'g: 'a>(b: &mut Builder<'a>, r: &Node<'g>, unused: Src) -> [Src; 3] {
    match r.fuse.expect("fused").op {
        Elem::Unary(op) => {
            let (reads_x, reads_y) = op.grad_reads();
            let x = if reads_x { b.src(r.inputs[0]) } else { unused };
            let y = if reads_y { b.src(r) } else { unused };
            [x, unused, y]
        }
        Elem::Sum { .. } | Elem::Deferred => unreachable!("element-wise region nodes only"),
        Elem::Binary(op) => {
            let (reads_ab, reads_y) = op.grad_reads();
            let (a, bb) = if reads_ab {
                (b.operand(r.inputs[0]), b.operand(r.inputs[1]))
            } else {
                (unused, unused)
            };
            let y = if reads_y { b.src(r) } else { unused };
            [a, bb, y]
        }
    }
}

/// The gradient buffers of a region's boundary inputs, held for one fused pass.
struct Buffers<'s, 'g> {
    scope: &'s Scope<'g>,
    pass: u32,
    nodes: [Option<&'g Node<'g>>; MAX_OUTS],
    held: [Option<&'g mut [f32]>; MAX_OUTS],
    params: Option<RefMut<'s, &'g mut [f32]>>,
    reached: usize,
}

impl<'s, 'g> Buffers<'s, 'g> {
    fn new(scope: &'s Scope<'g>, pass: u32) -> Self {
        Buffers {
            scope,
            pass,
            nodes: [None; MAX_OUTS],
            held: Default::default(),
            params: None,
            reached: 0,
        }
    }

    /// Takes `x`'s gradient buffer as output `o` and returns how its first contribution is
    /// stored: the rules of `Sink::with`, buffer for buffer.
    fn acquire(&mut self, o: usize, x: &'g Node<'g>) -> Acc {
        self.nodes[o] = Some(x);
        match x.kind {
            Kind::Param { index, .. } => self.scope.param_acc(index),
            Kind::Leaf => match x.grad.take() {
                Some(buf) => {
                    self.held[o] = Some(buf);
                    Acc::Add
                }
                None => {
                    self.held[o] = Some(self.scope.alloc_out(x.numel()));
                    Acc::Write
                }
            },
            Kind::Op(_) if x.grad_pass.get() == self.pass => {
                let buf = match x.splat.take() {
                    Some(v) => {
                        let buf = self.scope.grad_buffer(x.numel());
                        crate::kernels::elementwise::fill(buf, v, Acc::Write);
                        buf
                    }
                    None => x.grad.take().expect("reached this pass: has a gradient"),
                };
                self.held[o] = Some(buf);
                Acc::Add
            }
            Kind::Op(_) => {
                x.grad_pass.set(self.pass);
                self.reached += 1;
                self.held[o] = Some(self.scope.grad_buffer(x.numel()));
                Acc::Write
            }
            Kind::Const => unreachable!("a boundary that takes a gradient requires grad"),
        }
    }

    /// The held buffers and the parameters' ranges of the flat gradient buffer, as outputs.
    fn lend<'a>(&'a mut self, out: &mut [&'a mut [f32]; MAX_OUTS]) {
        let mut ranges: [(usize, usize, usize); MAX_OUTS] = [(usize::MAX, 0, 0); MAX_OUTS];
        for (o, x) in self.nodes.iter().enumerate() {
            if let Some(x) = x {
                if let Kind::Param { offset, .. } = x.kind {
                    ranges[o] = (offset, x.numel(), o);
                }
            }
        }
        if ranges.iter().any(|r| r.0 != usize::MAX) {
            self.params = Some(self.scope.param_grads());
        }
        for (o, h) in self.held.iter_mut().enumerate() {
            if let Some(buf) = h {
                out[o] = &mut buf[..];
            }
        }
        // disjoint parameter ranges, cut from the flat buffer in order of offset
        ranges.sort_unstable();
        if let Some(flat) = self.params.as_deref_mut() {
            let mut rest: &mut [f32] = &mut flat[..];
            let mut at = 0;
            for &(offset, len, o) in ranges.iter().take_while(|r| r.0 != usize::MAX) {
                let (_, tail) = std::mem::take(&mut rest).split_at_mut(offset - at);
                let (mine, tail) = tail.split_at_mut(len);
                out[o] = mine;
                rest = tail;
                at = offset + len;
            }
        }
    }

    /// Puts the held buffers back into their nodes' gradient slots.
    fn give_back(&mut self) {
        self.params = None;
        for (o, x) in self.nodes.iter().enumerate() {
            if let (Some(x), Some(buf)) = (x, self.held[o].take()) {
                x.grad.set(Some(buf));
            }
        }
    }
}
