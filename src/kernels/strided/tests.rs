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
    for_each1(&[4], &[1], |_, _| n += 1);
    assert_eq!(n, 5);
}

#[test]
fn rank_above_the_stack_limit() {
    // rank 10 of 2s: 1024 elements, offsets of a contiguous walk are 0..1024
    let shape = [2usize; 10];
    let s = Dims::broadcast_strides(&shape, &shape);
    let mut k = 0;
    for_each1(&shape, &s, |o, a| {
        assert_eq!((o, a), (k, k));
        k += 1;
    });
    assert_eq!(k, 1024);
}

#[test]
fn plans() {
    let p = |a: &[usize], b: &[usize], o: &[usize]| plan(a, b, o);
    let full = |outer, inner, a, b| Some(Plan { outer, inner, a, b });
    use Role::*;
    assert_eq!(p(&[2, 3], &[2, 3], &[2, 3]), full(1, 6, Full, Full));
    assert_eq!(p(&[2, 3], &[], &[2, 3]), full(1, 6, Full, Scalar));
    assert_eq!(p(&[1], &[2, 3], &[2, 3]), full(1, 6, Scalar, Full));
    assert_eq!(p(&[4, 2, 3], &[3], &[4, 2, 3]), full(8, 3, Full, Row));
    assert_eq!(p(&[4, 2, 3], &[2, 3], &[4, 2, 3]), full(4, 6, Full, Row));
    assert_eq!(p(&[1, 2, 3], &[4, 2, 3], &[4, 2, 3]), full(4, 6, Row, Full));
    assert_eq!(p(&[4, 2, 3], &[4, 1, 1], &[4, 2, 3]), full(4, 6, Full, Col));
    assert_eq!(p(&[4, 2, 3], &[4, 2, 1], &[4, 2, 3]), full(8, 3, Full, Col));
    // outer product [N,1] x [C]: a per row, b one row
    assert_eq!(p(&[5, 1], &[3], &[5, 3]), full(5, 3, Col, Row));
    // size-1 dims in the middle are free
    assert_eq!(p(&[3, 1, 1], &[1, 5], &[3, 1, 5]), full(3, 5, Col, Row));
    // needs the general walk
    assert_eq!(p(&[4, 1, 3], &[4, 2, 3], &[4, 2, 3]), None);
    assert_eq!(
        p(&[5, 1], &[1, 3], &[5, 3]).map(|p| (p.a, p.b)),
        Some((Col, Row))
    );
    assert_eq!(p(&[2, 1, 3], &[2, 1], &[2, 2, 3]), None);
    // empty outputs
    assert_eq!(p(&[0, 3], &[3], &[0, 3]), full(0, 3, Full, Row));
}
