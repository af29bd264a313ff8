//! `Rng::multinomial`: indices drawn from unnormalised category weights, with or without
//! replacement (`torch.multinomial`).
//!
//! With replacement each draw is one uniform `u ∈ [0, W)` (53 bits, `W = Σ w` in `f64`) and the
//! first category whose cumulative weight exceeds `u` (a binary search): category `c` is drawn
//! with probability `w_c / W`, and a zero weight, whose cumulative weight equals its
//! predecessor's, is never drawn. Without replacement each draw is from the weights not yet
//! drawn (sequential draws, `O(samples · categories)`); as PyTorch does, once every positive
//! weight is drawn, zero-weight categories follow (here in index order).
//!
//! The stream is arenagrad's own xoshiro: a seed reproduces arenagrad's draws, not PyTorch's.

use super::Rng;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

fn invalid(message: String) -> Error {
    Error::InvalidArgument {
        op: "multinomial",
        message,
    }
}

impl Rng {
    /// A uniform `f64` in `[0, 1)`, a multiple of 2⁻⁵³.
    fn uniform64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `num_samples` category indices per row of `weights` (`[C]`, or `[N, C]` for N
    /// distributions), drawn with probability proportional to the weights, which need not sum
    /// to 1 (`torch.multinomial(weights, num_samples, replacement)`). The result is row-major
    /// `[num_samples]` or `[N, num_samples]`.
    ///
    /// Errors ([`Error::InvalidArgument`] naming `multinomial`): a rank other than 1 or 2, a
    /// negative, NaN or infinite weight, a row whose weights sum to 0, `num_samples = 0`, and,
    /// without replacement, more samples than categories.
    ///
    /// ```
    /// use arenagrad::{Rng, Tensor};
    /// let w = Tensor::from_slice(&[0.0, 3.0, 1.0]);
    /// let draws = Rng::seed(7).multinomial(&w, 1000, true)?;
    /// assert!(!draws.contains(&0));                          // weight 0: never drawn
    /// let ones = draws.iter().filter(|&&c| c == 1).count();  // about 3/4 of them
    /// assert!((650..850).contains(&ones));
    /// assert_eq!(Rng::seed(7).multinomial(&w, 1000, true)?, draws); // the seed fixes them
    /// let mut perm = Rng::seed(1).multinomial(&w, 3, false)?;
    /// assert_eq!(perm[2], 0);                                // zeros come last
    /// perm.sort();
    /// assert_eq!(perm, vec![0, 1, 2]);
    /// assert!(Rng::seed(1).multinomial(&Tensor::from_slice(&[1.0, -1.0]), 1, true).is_err());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn multinomial(
        &mut self,
        weights: &Tensor,
        num_samples: usize,
        replacement: bool,
    ) -> Result<Vec<usize>> {
        let shape = weights.shape();
        let c = match shape {
            [c] | [_, c] => *c,
            _ => {
                return Err(invalid(format!(
                    "weights must be 1-D [C] or 2-D [N, C], got shape {shape:?}"
                )))
            }
        };
        if num_samples == 0 {
            return Err(invalid(format!(
                "cannot draw 0 samples (weights of shape {shape:?}); ask for at least 1"
            )));
        }
        if !replacement && num_samples > c {
            return Err(invalid(format!(
                "cannot draw {num_samples} samples without replacement from {c} categories \
                 (weights of shape {shape:?}); pass replacement = true or fewer samples"
            )));
        }
        let rows = weights.numel().checked_div(c).unwrap_or(1);
        let mut out = Vec::with_capacity(rows * num_samples);
        let mut cum = vec![0.0f64; c];
        for r in 0..rows {
            let w = &weights.data()[r * c..(r + 1) * c];
            if let Some(&bad) = w.iter().find(|v| !v.is_finite() || **v < 0.0) {
                return Err(invalid(format!(
                    "row {r} of the weights (shape {shape:?}) holds {bad}; weights must be \
                     finite and >= 0"
                )));
            }
            let mut total = 0.0f64;
            for (s, &v) in cum.iter_mut().zip(w) {
                total += v as f64;
                *s = total;
            }
            if total <= 0.0 {
                return Err(invalid(format!(
                    "row {r} of the weights (shape {shape:?}) sums to 0; give some category a \
                     positive weight"
                )));
            }
            if replacement {
                // `u·total` may round up to `total`: then the last positive category
                let last = w.iter().rposition(|&v| v > 0.0).unwrap_or(0);
                for _ in 0..num_samples {
                    let u = self.uniform64() * total;
                    let i = cum.partition_point(|&s| s <= u);
                    out.push(if i == c { last } else { i });
                }
            } else {
                self.draw_without_replacement(w, num_samples, &mut out);
            }
        }
        Ok(out)
    }

    /// `n` distinct categories of `w`, each draw from the weights not yet drawn; zero
    /// weights, in index order, once the positive ones are used up.
    fn draw_without_replacement(&mut self, w: &[f32], n: usize, out: &mut Vec<usize>) {
        let mut left: Vec<f64> = w.iter().map(|&v| v as f64).collect();
        let mut taken = vec![false; w.len()];
        for _ in 0..n {
            let total: f64 = left.iter().sum();
            let pick = if total > 0.0 {
                let u = self.uniform64() * total;
                let mut acc = 0.0;
                // the first category whose running sum exceeds u; the last positive one if
                // rounding leaves u at the very top
                let last = left.iter().rposition(|&v| v > 0.0).unwrap_or(0);
                left.iter()
                    .position(|&v| {
                        acc += v;
                        v > 0.0 && acc > u
                    })
                    .unwrap_or(last)
            } else {
                taken.iter().position(|&t| !t).expect("n <= categories")
            };
            taken[pick] = true;
            left[pick] = 0.0;
            out.push(pick);
        }
    }
}

#[cfg(test)]
mod tests;
