//! The reference's shape ops (node ids rearranged, nothing computed) and `torch.matmul`.

use super::mirror::{broadcast_index, strides, unravel, RT};
use super::tape::{Id, Tape};

/// Resolves a PyTorch axis; `scalar_ok` lets a 0-d shape take 0 and -1.
pub fn axis(axis: isize, rank: usize, scalar_ok: bool) -> Option<usize> {
    let r = if rank == 0 && scalar_ok { 1 } else { rank } as isize;
    let a = if axis < 0 { axis + r } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

impl RT {
    pub fn reshape(&self, shape: &[usize]) -> RT {
        RT {
            shape: shape.to_vec(),
            ids: self.ids.clone(),
            hidden: None,
        }
    }

    /// Output dim `k` is input dim `perm[k]`.
    pub fn permute(&self, perm: &[usize]) -> RT {
        let shape: Vec<usize> = perm.iter().map(|&p| self.shape[p]).collect();
        let own = strides(&self.shape);
        let ids = (0..self.ids.len())
            .map(|i| {
                let c = unravel(i, &shape);
                self.ids[(0..perm.len()).map(|k| c[k] * own[perm[k]]).sum::<usize>()]
            })
            .collect();
        RT {
            shape,
            ids,
            hidden: None,
        }
    }

    pub fn transpose(&self, d0: isize, d1: isize) -> RT {
        let rank = self.shape.len();
        let (a, b) = (
            axis(d0, rank, true).expect("valid"),
            axis(d1, rank, true).expect("valid"),
        );
        let mut perm: Vec<usize> = (0..rank).collect();
        if rank > 0 {
            perm.swap(a, b);
        }
        self.permute(&perm)
    }

    pub fn broadcast_to(&self, shape: &[usize]) -> RT {
        let ids = broadcast_index(&self.shape, shape)
            .iter()
            .map(|&i| self.ids[i])
            .collect();
        RT {
            shape: shape.to_vec(),
            ids,
            hidden: None,
        }
    }

    /// `torch.cat` along `axis` (already resolved).
    pub fn concat(xs: &[&RT], axis: usize) -> RT {
        let mut shape = xs[0].shape.clone();
        shape[axis] = xs.iter().map(|x| x.shape[axis]).sum();
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let mut ids = Vec::new();
        for o in 0..outer {
            for x in xs {
                let block = x.shape[axis] * inner;
                ids.extend_from_slice(&x.ids[o * block..(o + 1) * block]);
            }
        }
        RT {
            shape,
            ids,
            hidden: None,
        }
    }

    /// The elements whose coordinate along `axis` is `map(j)` for output coordinate `j`.
    fn select(&self, axis: usize, out_len: usize, map: impl Fn(usize) -> usize) -> RT {
        let mut shape = self.shape.clone();
        shape[axis] = out_len;
        let own = strides(&self.shape);
        let n: usize = shape.iter().product();
        let ids = (0..n)
            .map(|i| {
                let mut c = unravel(i, &shape);
                c[axis] = map(c[axis]);
                self.ids[c.iter().zip(&own).map(|(a, b)| a * b).sum::<usize>()]
            })
            .collect();
        RT {
            shape,
            ids,
            hidden: None,
        }
    }

    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> RT {
        self.select(axis, len, |j| start + j)
    }

    pub fn index_select(&self, axis: usize, index: &[usize]) -> RT {
        self.select(axis, index.len(), |j| index[j])
    }

    /// Rows `index` of this `[V, D]` weight, shaped `index_shape + [D]`.
    pub fn embedding(&self, index: &[usize], index_shape: &[usize]) -> RT {
        let d = self.shape[1];
        let ids = index
            .iter()
            .flat_map(|&v| self.ids[v * d..(v + 1) * d].iter().copied())
            .collect();
        let mut shape = index_shape.to_vec();
        shape.push(d);
        RT {
            shape,
            ids,
            hidden: None,
        }
    }

    /// `out[i] = self[i with coordinate axis = index[i]]`, `out` of shape `index_shape`.
    pub fn gather(&self, axis: usize, index: &[usize], index_shape: &[usize]) -> RT {
        let own = strides(&self.shape);
        let ids = (0..index.len())
            .map(|i| {
                let mut c = unravel(i, index_shape);
                c[axis] = index[i];
                self.ids[c.iter().zip(&own).map(|(a, b)| a * b).sum::<usize>()]
            })
            .collect();
        RT {
            shape: index_shape.to_vec(),
            ids,
            hidden: None,
        }
    }
}

impl Tape {
    /// `torch.matmul(a, b)` with result shape `out` (arenagrad's, checked by the caller).
    pub fn matmul(&mut self, a: &RT, b: &RT, out: &[usize]) -> RT {
        let a2 = if a.shape.len() == 1 {
            vec![1, a.shape[0]]
        } else {
            a.shape.clone()
        };
        let b2 = if b.shape.len() == 1 {
            vec![b.shape[0], 1]
        } else {
            b.shape.clone()
        };
        let (ra, rb) = (a2.len(), b2.len());
        let (m, k, n) = (a2[ra - 2], a2[ra - 1], b2[rb - 1]);
        let (ab, bb) = (&a2[..ra - 2], &b2[..rb - 2]);
        let rank = ab.len().max(bb.len());
        let dim = |s: &[usize], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
        let batch: Vec<usize> = (0..rank).map(|i| dim(ab, i).max(dim(bb, i))).collect();
        let batch: Vec<usize> = batch
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if dim(ab, i) == 0 || dim(bb, i) == 0 {
                    0
                } else {
                    d
                }
            })
            .collect();
        let (ia, ib) = (broadcast_index(ab, &batch), broadcast_index(bb, &batch));
        let mut ids = Vec::new();
        for (&pa, &pb) in ia.iter().zip(&ib) {
            for i in 0..m {
                for j in 0..n {
                    let mut v = 0.0;
                    let mut parents: Vec<(Id, f64)> = Vec::with_capacity(2 * k);
                    for q in 0..k {
                        let (x, y) = (a.ids[(pa * m + i) * k + q], b.ids[(pb * k + q) * n + j]);
                        let (xv, yv) = (self.value(x), self.value(y));
                        v += xv * yv;
                        parents.extend([(x, yv), (y, xv)]);
                    }
                    ids.push(self.node(v, &parents, false));
                }
            }
        }
        RT {
            shape: out.to_vec(),
            ids,
            hidden: None,
        }
    }
}
