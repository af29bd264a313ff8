use super::super::{broadcast_shapes, broadcast_strides, strides};

/// NumPy's rule written out independently: pad the shorter shape with leading 1s, then each
/// pair of dimensions must be equal or contain a 1.
fn numpy_broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let pad = |s: &[usize]| [vec![1; rank - s.len()], s.to_vec()].concat();
    let (a, b) = (pad(a), pad(b));
    a.iter()
        .zip(&b)
        .map(|(&x, &y)| match (x, y) {
            _ if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}
use super::*;

#[test]
fn agrees_with_the_vec_helpers_inline_and_on_the_heap() {
    let shapes: [&[usize]; 6] = [
        &[],
        &[3],
        &[2, 1, 3],
        &[4, 1],
        &[1; 9],
        &[2, 1, 1, 1, 1, 1, 1, 1, 1, 5],
    ];
    for a in shapes {
        assert_eq!(&*Dims::strides(a), &strides(a)[..]);
        assert_eq!(&*Dims::from_slice(a), a);
        for b in shapes {
            let want = numpy_broadcast(a, b);
            match (Dims::broadcast("t", a, b), broadcast_shapes("t", a, b)) {
                (Ok(d), Ok(v)) => {
                    assert_eq!(Some(v.clone()), want, "{a:?} {b:?}");
                    assert_eq!(&*d, &v[..]);
                    assert_eq!(
                        &*Dims::broadcast_strides(a, &d),
                        &broadcast_strides(a, &v)[..]
                    );
                }
                (Err(e), Err(f)) => {
                    assert_eq!(want, None, "{a:?} {b:?}");
                    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
                    assert_eq!(e.to_string(), f.to_string());
                }
                (d, v) => panic!("{a:?} {b:?}: {d:?} vs {v:?}"),
            }
        }
    }
    assert!(
        matches!(Dims::zeros(9).0, Repr::Heap(_))
            && matches!(Dims::zeros(8).0, Repr::Inline { .. })
    );
    // an empty Dims points at real memory
    assert_ne!(
        Dims::zeros(0).as_ptr() as usize,
        std::ptr::NonNull::<usize>::dangling().as_ptr() as usize
    );
}
