//! Walking an n-d index space with per-operand strides (broadcast strides are 0).
//!
//! The innermost dimension is a plain loop; only the outer dimensions use an odometer, so the
//! per-element cost is an add per operand.

/// Calls `f(out_index, offset_a, offset_b)` for every element of `shape` in row-major order,
/// where the offsets advance by `sa` and `sb` per dimension.
pub fn for_each2(
    shape: &[usize],
    sa: &[usize],
    sb: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    let n: usize = shape.iter().product();
    if n == 0 {
        return;
    }
    if shape.is_empty() {
        return f(0, 0, 0);
    }
    let r = shape.len();
    let (inner, ia_step, ib_step) = (shape[r - 1], sa[r - 1], sb[r - 1]);
    let mut idx = vec![0usize; r - 1];
    let (mut oa, mut ob) = (0usize, 0usize);
    let mut o = 0usize;
    loop {
        let (mut a, mut b) = (oa, ob);
        for _ in 0..inner {
            f(o, a, b);
            o += 1;
            a += ia_step;
            b += ib_step;
        }
        // odometer over the outer dimensions
        let mut d = r - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            oa += sa[d];
            ob += sb[d];
            if idx[d] < shape[d] {
                break;
            }
            oa -= sa[d] * shape[d];
            ob -= sb[d] * shape[d];
            idx[d] = 0;
        }
    }
}

/// Calls `f(out_index, offset)` for every element of `shape`, offsets advancing by `s`.
pub fn for_each1(shape: &[usize], s: &[usize], mut f: impl FnMut(usize, usize)) {
    for_each2(shape, s, s, |o, a, _| f(o, a));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_in_row_major_order_with_broadcast_strides() {
        // shape [2,3]; a is [2,1] (strides [1,0]), b is [3] (strides [0,1])
        let mut seen = vec![];
        for_each2(&[2, 3], &[1, 0], &[0, 1], |o, a, b| seen.push((o, a, b)));
        assert_eq!(
            seen,
            vec![
                (0, 0, 0),
                (1, 0, 1),
                (2, 0, 2),
                (3, 1, 0),
                (4, 1, 1),
                (5, 1, 2)
            ]
        );
    }

    #[test]
    fn scalar_and_empty_shapes() {
        let mut n = 0;
        for_each1(&[], &[], |_, _| n += 1);
        assert_eq!(n, 1);
        for_each1(&[3, 0, 2], &[0, 2, 1], |_, _| n += 1);
        assert_eq!(n, 1);
    }
}
