//! The scalar twin: attention with the whole probability matrix of a pair materialised, in
//! f64, straight from the formulas in the module doc. Test reference only.

use super::{Dims, Mask};

/// Whether query `i` of pair `p` may attend to key `j`.
fn allowed(mask: &Mask<'_>, p: usize, i: usize, j: usize) -> bool {
    match *mask {
        Mask::None => true,
        Mask::Causal => j <= i,
        Mask::Bool {
            data,
            offsets,
            row,
            col,
        } => data[offsets[p] + i * row + j * col],
    }
}

/// `P` of pair `p` ([l, s], f64; a row with no allowed key is all zeros).
fn probs(q: &[f32], k: &[f32], d: &Dims, mask: &Mask<'_>, scale: f32, p: usize) -> Vec<f64> {
    let Dims { l, s, e, .. } = *d;
    let mut pm = vec![0.0f64; l * s];
    for i in 0..l {
        let row = &mut pm[i * s..(i + 1) * s];
        let mut m = f64::NEG_INFINITY;
        for (j, x) in row.iter_mut().enumerate() {
            *x = if allowed(mask, p, i, j) {
                let dot: f64 = (0..e)
                    .map(|c| q[(p * l + i) * e + c] as f64 * k[(p * s + j) * e + c] as f64)
                    .sum();
                dot * scale as f64
            } else {
                f64::NEG_INFINITY
            };
            m = m.max(*x);
        }
        if m == f64::NEG_INFINITY {
            row.fill(0.0);
            continue;
        }
        let total: f64 = row.iter().map(|x| (x - m).exp()).sum();
        for x in row.iter_mut() {
            *x = (*x - m).exp() / total;
        }
    }
    pm
}

/// Forward of every pair: `out = P·V`.
pub(crate) fn forward_ref(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    d: Dims,
    mask: Mask<'_>,
    scale: f32,
) -> Vec<f32> {
    let Dims { l, s, ev, .. } = d;
    let mut out = vec![0.0f32; d.pairs * l * ev];
    for p in 0..d.pairs {
        let pm = probs(q, k, &d, &mask, scale, p);
        for i in 0..l {
            for c in 0..ev {
                let o: f64 = (0..s)
                    .map(|j| pm[i * s + j] * v[(p * s + j) * ev + c] as f64)
                    .sum();
                out[(p * l + i) * ev + c] = o as f32;
            }
        }
    }
    out
}

/// Backward of every pair for the output gradient `dout`: `(dq, dk, dv)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_ref(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    dout: &[f32],
    d: Dims,
    mask: Mask<'_>,
    scale: f32,
) -> [Vec<f32>; 3] {
    let Dims { l, s, e, ev, .. } = d;
    let (mut dq, mut dk, mut dv) = (
        vec![0.0f64; d.pairs * l * e],
        vec![0.0f64; d.pairs * s * e],
        vec![0.0f64; d.pairs * s * ev],
    );
    for p in 0..d.pairs {
        let pm = probs(q, k, &d, &mask, scale, p);
        let g = |i: usize, c: usize| dout[(p * l + i) * ev + c] as f64;
        for i in 0..l {
            // dP[i][j] = dO[i]·V[j]; dS = P ∘ (dP − rowsum(P ∘ dP))
            let dp: Vec<f64> = (0..s)
                .map(|j| {
                    (0..ev)
                        .map(|c| g(i, c) * v[(p * s + j) * ev + c] as f64)
                        .sum()
                })
                .collect();
            let dd: f64 = (0..s).map(|j| pm[i * s + j] * dp[j]).sum();
            for j in 0..s {
                let pij = pm[i * s + j];
                let ds = pij * (dp[j] - dd) * scale as f64;
                for c in 0..ev {
                    dv[(p * s + j) * ev + c] += pij * g(i, c);
                }
                for c in 0..e {
                    dq[(p * l + i) * e + c] += ds * k[(p * s + j) * e + c] as f64;
                    dk[(p * s + j) * e + c] += ds * q[(p * l + i) * e + c] as f64;
                }
            }
        }
    }
    let f = |x: Vec<f64>| x.into_iter().map(|x| x as f32).collect();
    [f(dq), f(dk), f(dv)]
}
