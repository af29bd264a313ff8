//! The scalar reference evaluator: a micrograd-style tape of `f64` scalars.
//!
//! Every element of every value in a program is one node: a constant, a leaf, or an op node
//! with its value and the local derivative towards each parent. Backward is a reverse sweep
//! (node ids are a topological order) that accumulates adjoints, and along with them:
//!
//! - a magnitude `Σ |adjoint|·(|∂| + FLOOR)` that has no cancellation, the scale of the
//!   rounding error an `f32` evaluation of the same gradient may carry;
//! - a taint: set below any rough node. A node is rough where the program is not smooth or
//!   not well conditioned at the point (a kink within [`NEAR`] of its input, near a pole, a
//!   value beyond [`BIG`] or not finite), and so is every node computed from a rough one (its
//!   value is uncertain: `f32` may land on the other side of the kink). A tainted leaf's
//!   gradient is not compared.

/// Relative tolerance on a gradient, against its no-cancellation magnitude (`f32` rounding
/// through a 32-op program stays near 32 · 6e-8 of it).
pub const RTOL: f64 = 1e-3;
/// Values beyond this magnitude taint (f32 rounding grows with them).
pub const BIG: f64 = 1e4;
/// Distance from a kink (relu's 0, a clamp bound, a tie) below which a node taints.
pub const NEAR: f64 = 1e-3;
/// Absolute slack per local derivative in the magnitude: an `f32` derivative such as
/// `1 − tanh²` near saturation is only good to an absolute `~1e-7` (so its relative error is
/// large); with the `1e-3` relative tolerance this allows `1e-6` per unit of adjoint.
pub const FLOOR: f64 = 1e-3;

/// A node's index in the tape.
pub type Id = u32;

#[derive(Default)]
pub struct Tape {
    values: Vec<f64>,
    rough: Vec<bool>,
    /// `(first edge, edge count)` of each node.
    spans: Vec<(u32, u32)>,
    edges: Vec<(Id, f64)>,
}

/// Adjoints, magnitudes and taints of one backward pass, indexed by node.
pub struct Grads {
    pub adj: Vec<f64>,
    pub mag: Vec<f64>,
    pub taint: Vec<bool>,
}

impl Tape {
    pub fn value(&self, id: Id) -> f64 {
        self.values[id as usize]
    }

    /// Whether the node itself is rough (not smooth or badly conditioned at the point).
    pub fn rough(&self, id: Id) -> bool {
        self.rough[id as usize]
    }

    /// A node with `value`, local derivatives towards `parents`, rough if `rough` or if the
    /// value or a derivative is not finite or the value is beyond [`BIG`].
    pub fn node(&mut self, value: f64, parents: &[(Id, f64)], rough: bool) -> Id {
        let bad = |v: f64| !v.is_finite() || v.abs() > BIG;
        // a value computed from an uncertain one is uncertain: roughness flows forward
        let rough = rough
            || bad(value)
            || parents
                .iter()
                .any(|&(p, d)| !d.is_finite() || self.rough[p as usize]);
        let id = self.values.len() as Id;
        self.values.push(value);
        self.rough.push(rough);
        self.spans
            .push((self.edges.len() as u32, parents.len() as u32));
        self.edges.extend_from_slice(parents);
        id
    }

    /// A constant or a leaf: a node without parents.
    pub fn constant(&mut self, value: f64) -> Id {
        self.node(value, &[], false)
    }

    /// A constant holding node `id`'s value (and its roughness): `detach`.
    pub fn detached(&mut self, id: Id) -> Id {
        self.node(self.value(id), &[], self.rough(id))
    }

    /// Backward from `seeds` (node, output gradient) pairs; a seed that is not finite or
    /// beyond [`BIG`] taints its node.
    pub fn backward(&self, seeds: &[(Id, f64)]) -> Grads {
        let n = self.values.len();
        let mut g = Grads {
            adj: vec![0.0; n],
            mag: vec![0.0; n],
            taint: vec![false; n],
        };
        let mut reached = vec![false; n];
        let mut top = 0;
        for &(id, s) in seeds {
            let i = id as usize;
            g.adj[i] += s;
            g.mag[i] += s.abs();
            g.taint[i] |= !s.is_finite() || s.abs() > BIG;
            reached[i] = true;
            top = top.max(i + 1);
        }
        for i in (0..top).rev() {
            if !reached[i] {
                continue;
            }
            let (first, count) = self.spans[i];
            let taint = g.taint[i] || self.rough[i] || !g.adj[i].is_finite();
            let (adj, mag) = (g.adj[i], g.mag[i]);
            for &(p, d) in &self.edges[first as usize..(first + count) as usize] {
                let p = p as usize;
                reached[p] = true;
                g.adj[p] += adj * d;
                g.mag[p] += mag * (d.abs() + FLOOR);
                g.taint[p] |= taint;
            }
        }
        g
    }
}
