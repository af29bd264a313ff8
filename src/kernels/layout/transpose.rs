//! A transpose by 8×8 register blocks: `panel[p·w + s] = src[base + s·ts + p]`. The GEMM
//! packs its transposed operands with it (the forward `x·Wᵀ`'s weight) and attention its
//! `Kᵀ` and `Vᵀ`. A transpose moves values and computes nothing, so the register form and
//! the element loop give the same bits; the test holds the one to the other.

use crate::kernels::simd::{f32x8, load, store};

/// `panel[p·w + s] = src[base + s·ts + p]` for `s < width`, `p < kc`: 8 rows at a time, each
/// read front to back (8 sequential streams, which the hardware prefetchers follow, rather
/// than tiles of the depth across all `width` rows, which keep 64 streams open: `docs/perf.md`,
/// "GEMM"), in 8×8 blocks transposed in registers; the edges element by element.
pub(crate) fn transpose_panel(
    panel: &mut [f32],
    src: &[f32],
    base: usize,
    ts: usize,
    width: usize,
    kc: usize,
    w: usize,
) {
    const B: usize = 8;
    let (w8, k8) = (width / B * B, kc / B * B);
    for s0 in (0..w8).step_by(B) {
        for pb in (0..k8).step_by(B) {
            let rows: [f32x8; B] = std::array::from_fn(|r| load(&src[base + (s0 + r) * ts + pb..]));
            for (q, v) in f32x8::transpose(rows).into_iter().enumerate() {
                store(v, &mut panel[(pb + q) * w + s0..]);
            }
        }
    }
    // the depths past the last whole block, and the rows past the last whole block
    for s in 0..width {
        let from = if s < w8 { k8 } else { 0 };
        for p in from..kc {
            panel[p * w + s] = src[base + s * ts + p];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::transpose_panel;

    #[test]
    fn blocks_and_edges_match_the_element_loop() {
        for (width, kc) in [
            (1, 1),
            (7, 9),
            (8, 8),
            (16, 32),
            (64, 32),
            (65, 33),
            (13, 40),
        ] {
            let (ts, base, w) = (kc + 3, 5, width + 2);
            let src: Vec<f32> = (0..base + width * ts)
                .map(|i| i as f32 * 0.5 - 7.0)
                .collect();
            let mut got = vec![f32::NAN; kc * w];
            transpose_panel(&mut got, &src, base, ts, width, kc, w);
            for p in 0..kc {
                for s in 0..w {
                    let g = got[p * w + s];
                    if s < width {
                        assert_eq!(
                            g.to_bits(),
                            src[base + s * ts + p].to_bits(),
                            "{width}x{kc}"
                        );
                    } else {
                        assert!(g.is_nan(), "{width}x{kc}: wrote past the width");
                    }
                }
            }
        }
    }
}
