//! The reference's reductions and normalisations, from their definitions: sums and means,
//! max (ties split evenly) and max along an axis (first argmax), softmax and log_softmax with
//! the row max as a constant shift (exact: both are shift-invariant), layer_norm over the last
//! dim with the biased variance.

use super::mirror::RT;
use super::tape::{Id, Tape, NEAR};

/// `[outer, len, inner]` around `axis` (a 0-d shape is `[1, 1, 1]`).
pub fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    if shape.is_empty() {
        return (1, 1, 1);
    }
    let outer = shape[..axis].iter().product();
    (outer, shape[axis], shape[axis + 1..].iter().product())
}

/// The node ids of each slice along `axis`: `[outer · inner][len]`.
fn slices(x: &RT, axis: usize) -> Vec<Vec<Id>> {
    let (outer, len, inner) = split(&x.shape, axis);
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            out.push((0..len).map(|k| x.ids[(o * len + k) * inner + i]).collect());
        }
    }
    out
}

/// Whether another of `values` comes within NEAR of the max at `arg`, or the max is NaN.
pub(super) fn tie(values: &[f64], arg: usize) -> bool {
    let m = values[arg];
    let near = |(k, &v): (usize, &f64)| k != arg && (m - v).abs() < NEAR * m.abs().max(1.0);
    m.is_nan() || values.iter().enumerate().any(near)
}

/// The index of the first maximum (NaN counts as the maximum), or None if empty.
pub(super) fn argmax(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (k, &v) in values.iter().enumerate() {
        match best {
            Some(b) if values[b].is_nan() || !(v > values[b] || v.is_nan()) => {}
            _ => best = Some(k),
        }
    }
    best
}

impl Tape {
    /// `scale · Σ ids` as one node.
    pub fn sum_of(&mut self, ids: &[Id], scale: f64) -> Id {
        let v: f64 = ids.iter().map(|&i| self.value(i)).sum::<f64>() * scale;
        let parents: Vec<(Id, f64)> = ids.iter().map(|&i| (i, scale)).collect();
        self.node(v, &parents, false)
    }

    /// Sum (or mean, `scale = 1/len`) along `axis` into `out` (the shape arenagrad gave).
    pub fn sum_axis(&mut self, x: &RT, axis: usize, mean: bool, out: &[usize]) -> RT {
        let s = slices(x, axis);
        let ids = s
            .iter()
            .map(|row| {
                let scale = if mean { 1.0 / row.len() as f64 } else { 1.0 };
                self.sum_of(row, scale)
            })
            .collect();
        RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        }
    }

    /// The max of all elements; the gradient is split evenly among exact ties.
    pub fn max_all(&mut self, x: &RT) -> RT {
        let values: Vec<f64> = x.ids.iter().map(|&i| self.value(i)).collect();
        let arg = argmax(&values).expect("max of an empty tensor is an error");
        let m = values[arg];
        let ties = values.iter().filter(|&&v| v == m).count() as f64;
        // an edge to every element (0 off the max), so a rough max taints them all
        let parents: Vec<(Id, f64)> = x
            .ids
            .iter()
            .zip(&values)
            .map(|(&i, &v)| (i, if v == m { 1.0 / ties } else { 0.0 }))
            .collect();
        let id = self.node(m, &parents, tie(&values, arg));
        RT {
            shape: vec![],
            ids: vec![id],
            hidden: None,
        }
    }

    /// The max along `axis`; the gradient goes to the first argmax.
    pub fn max_axis(&mut self, x: &RT, axis: usize, out: &[usize]) -> RT {
        let ids = slices(x, axis)
            .iter()
            .map(|row| {
                let values: Vec<f64> = row.iter().map(|&i| self.value(i)).collect();
                let arg = argmax(&values).expect("an empty axis is an error");
                let parents: Vec<(Id, f64)> = row
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| (i, (k == arg) as u8 as f64))
                    .collect();
                self.node(values[arg], &parents, tie(&values, arg))
            })
            .collect();
        RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        }
    }

    /// softmax (or log_softmax) along `axis`.
    pub fn softmax(&mut self, x: &RT, axis: usize, log: bool) -> RT {
        let (outer, len, inner) = split(&x.shape, axis);
        let mut ids = vec![0; x.ids.len()];
        for (r, row) in slices(x, axis).iter().enumerate() {
            let (o, i) = (r / inner, r % inner);
            let m = row
                .iter()
                .map(|&j| self.value(j))
                .fold(f64::NEG_INFINITY, |a, v| {
                    if a.is_nan() || v.is_nan() {
                        f64::NAN
                    } else {
                        a.max(v)
                    }
                });
            let e: Vec<Id> = row
                .iter()
                .map(|&j| {
                    let v = (self.value(j) - m).exp();
                    self.node(v, &[(j, v)], false)
                })
                .collect();
            let s = self.sum_of(&e, 1.0);
            let sv = self.value(s);
            for k in 0..len {
                let y = if log {
                    let v = self.value(row[k]) - m - sv.ln();
                    self.node(v, &[(row[k], 1.0), (s, -1.0 / sv)], false)
                } else {
                    let ev = self.value(e[k]);
                    self.node(ev / sv, &[(e[k], 1.0 / sv), (s, -ev / (sv * sv))], false)
                };
                ids[(o * len + k) * inner + i] = y;
            }
            let _ = outer;
        }
        RT {
            shape: x.shape.clone(),
            ids,
            hidden: None,
        }
    }

    /// layer_norm over the last dim with optional weight and bias of shape `[D]`.
    pub fn layer_norm(&mut self, x: &RT, w: Option<&RT>, b: Option<&RT>, eps: f32) -> RT {
        let d = *x.shape.last().expect("rank >= 1");
        let mut ids = Vec::with_capacity(x.ids.len());
        for row in x.ids.chunks(d) {
            let mu = self.sum_of(row, 1.0 / d as f64);
            let diffs: Vec<Id> = row
                .iter()
                .map(|&j| {
                    self.node(
                        self.value(j) - self.value(mu),
                        &[(j, 1.0), (mu, -1.0)],
                        false,
                    )
                })
                .collect();
            let dv: Vec<f64> = diffs.iter().map(|&j| self.value(j)).collect();
            let var_v = dv.iter().map(|v| v * v).sum::<f64>() / d as f64;
            let parents: Vec<(Id, f64)> = diffs
                .iter()
                .zip(&dv)
                .map(|(&j, &v)| (j, 2.0 * v / d as f64))
                .collect();
            let var = self.node(var_v, &parents, false);
            let ve = var_v + eps as f64;
            let mean_sq = row.iter().map(|&j| self.value(j).powi(2)).sum::<f64>() / d as f64;
            // a tiny variance next to the values: f32's variance is mostly rounding
            let ill = ve < 1e-4 || ve < 1e-4 * mean_sq;
            let rstd = self.node(1.0 / ve.sqrt(), &[(var, -0.5 * ve.powf(-1.5))], ill);
            let rv = self.value(rstd);
            for (k, (&j, &v)) in diffs.iter().zip(&dv).enumerate() {
                let xh = self.node(v * rv, &[(j, rv), (rstd, v)], false);
                let (xv, mut parents) = (self.value(xh), vec![]);
                let mut y = xv;
                if let Some(w) = w {
                    let wv = self.value(w.ids[k]);
                    y = xv * wv;
                    parents.extend([(xh, wv), (w.ids[k], xv)]);
                } else {
                    parents.push((xh, 1.0));
                }
                if let Some(b) = b {
                    y += self.value(b.ids[k]);
                    parents.push((b.ids[k], 1.0));
                }
                ids.push(self.node(y, &parents, false));
            }
        }
        RT {
            shape: x.shape.clone(),
            ids,
            hidden: None,
        }
    }
}
