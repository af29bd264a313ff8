use super::super::{broadcast_shapes, broadcast_strides, strides};
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
            match (Dims::broadcast("t", a, b), broadcast_shapes("t", a, b)) {
                (Ok(d), Ok(v)) => {
                    assert_eq!(&*d, &v[..]);
                    assert_eq!(
                        &*Dims::broadcast_strides(a, &d),
                        &broadcast_strides(a, &v)[..]
                    );
                }
                (Err(e), Err(f)) => assert_eq!(e.to_string(), f.to_string()),
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
