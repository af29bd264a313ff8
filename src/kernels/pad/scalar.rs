//! The scalar twin of [`pad`](super::pad): each output element from its input index, one at a
//! time. The reference the row kernel is tested against.

/// [`pad`](super::pad) by its definition.
pub fn pad(
    x: &[f32],
    shape: &[usize],
    before: &[isize],
    value: f32,
    out_shape: &[usize],
    y: &mut [f32],
) {
    for (o, y) in y.iter_mut().enumerate() {
        let (mut rem, mut at, mut stride, mut inside) = (o, 0usize, 1usize, true);
        for d in (0..shape.len()).rev() {
            let i = (rem % out_shape[d]) as isize - before[d];
            rem /= out_shape[d];
            inside &= i >= 0 && (i as usize) < shape[d];
            at += i.max(0) as usize * stride;
            stride *= shape[d];
        }
        *y = if inside { x[at] } else { value };
    }
}
