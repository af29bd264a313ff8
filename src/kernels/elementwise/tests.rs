use super::*;

#[test]
fn binary_broadcasts_rows_columns_and_scalars() {
    let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // [2,3]
    let mut out = [0.0; 6];
    binary(
        &a,
        &[2, 3],
        &[10.0, 20.0],
        &[2, 1],
        &[2, 3],
        &mut out,
        |x, y| x + y,
    );
    assert_eq!(out, [11.0, 12.0, 13.0, 24.0, 25.0, 26.0]);
    binary(
        &[1.0, 2.0, 3.0],
        &[3],
        &a,
        &[2, 3],
        &[2, 3],
        &mut out,
        |x, y| y - x,
    );
    assert_eq!(out, [0.0, 0.0, 0.0, 3.0, 3.0, 3.0]);
    binary(&[2.0], &[], &a, &[2, 3], &[2, 3], &mut out, |x, y| x * y);
    assert_eq!(out, [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
}

#[test]
fn store_modes() {
    let mut o = [1.0, 1.0];
    store(&mut o, &[2.0, 3.0], Acc::Add);
    assert_eq!(o, [3.0, 4.0]);
    store(&mut o, &[2.0, 3.0], Acc::Write);
    assert_eq!(o, [2.0, 3.0]);
}
