//! Sliding-window index arithmetic shared by convolution and pooling.
//!
//! Along one axis of input length `len`, an output position `o` (of `out`) reads the input at
//! `o·s + off − pad` for a kernel tap at offset `off` (`j·dilation`). The outputs for which that
//! index falls inside `0..len` form one contiguous range, so a kernel can walk each tap over a
//! whole range of outputs with no per-element bounds test.

/// The output positions `lo..hi` whose input index `o·s + off − pad` lies in `0..len`, for `o`
/// in `0..out` (`lo == hi` when there are none).
#[inline]
pub(crate) fn valid(off: usize, pad: usize, s: usize, len: usize, out: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(off).div_ceil(s);
    let hi = (len + pad).saturating_sub(off).div_ceil(s).min(out);
    (lo.min(hi), hi)
}

#[cfg(test)]
mod tests {
    use super::valid;

    /// The range against a direct test of every output position.
    #[test]
    fn valid_matches_a_bounds_test() {
        for len in 0..7 {
            for s in 1..4 {
                for pad in 0..3 {
                    for off in 0..5 {
                        for out in 0..8 {
                            let inside =
                                |o: usize| (o * s + off).checked_sub(pad).is_some_and(|i| i < len);
                            let want: Vec<usize> = (0..out).filter(|&o| inside(o)).collect();
                            let (lo, hi) = valid(off, pad, s, len, out);
                            assert_eq!(
                                (lo..hi).collect::<Vec<_>>(),
                                want,
                                "{len} {s} {pad} {off} {out}"
                            );
                        }
                    }
                }
            }
        }
    }
}
