use super::*;

#[test]
fn broadcast_follows_numpy() {
    assert_eq!(
        broadcast_shapes("t", &[2, 1, 3], &[4, 1]).unwrap(),
        vec![2, 4, 3]
    );
    assert_eq!(broadcast_shapes("t", &[], &[3]).unwrap(), vec![3]);
    assert_eq!(broadcast_shapes("t", &[0, 1], &[1, 5]).unwrap(), vec![0, 5]);
    assert!(broadcast_shapes("t", &[2, 3], &[3, 2]).is_err());
}

#[test]
fn overflow_is_an_error() {
    assert!(matches!(
        numel("t", &[usize::MAX, 3]),
        Err(Error::SizeOverflow { .. })
    ));
    assert_eq!(numel("t", &[MAX_NUMEL, 0]).unwrap(), 0);
    assert_eq!(numel("t", &[0, 1 << 30, 1 << 30]).unwrap(), 0);
    // the non-zero dims of an empty shape count too, in any order: every partial product
    // of a valid shape's dims fits (fuzz target `shapes`)
    for dims in [
        [usize::MAX, 2, 0],
        [0, usize::MAX, 2],
        [1 << 40, 1 << 40, 0],
    ] {
        assert!(numel("t", &dims).is_err(), "{dims:?}");
    }
    // a non-empty shape whose f32 data exceeds isize::MAX bytes cannot be allocated
    assert!(numel("t", &[MAX_NUMEL + 1]).is_err());
    assert!(numel("t", &[usize::MAX, 0]).is_err());
    // From does not check, numel and strides saturate instead of overflowing
    assert_eq!(Shape::from([usize::MAX, 2]).numel(), usize::MAX);
    assert_eq!(strides(&[0, usize::MAX, 3]), vec![usize::MAX, 3, 1]);
    assert!(broadcast_shapes("t", &[usize::MAX, 1], &[1, 2]).is_err());
}

#[test]
fn strides_and_broadcast_strides() {
    assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
    assert_eq!(strides(&[]), Vec::<usize>::new());
    // [3,1] read as [2,3,4]: leading dim broadcast (0), own stride 1, broadcast last (0)
    assert_eq!(broadcast_strides(&[3, 1], &[2, 3, 4]), vec![0, 1, 0]);
}

#[test]
fn axes() {
    assert_eq!(normalize_axis("t", -1, &[2, 3]).unwrap(), 1);
    assert!(normalize_axis("t", 2, &[2, 3]).is_err());
    assert!(normalize_axis("t", 0, &[]).is_err());
}
