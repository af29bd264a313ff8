use super::*;

#[test]
fn strided_copy_transposes_and_broadcasts() {
    // x = [[1,2,3],[4,5,6]] read as its transpose [3,2]: strides [1,3]
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut t = [0.0; 6];
    strided_copy(&x, &[1, 3], &[3, 2], &mut t, Acc::Write);
    assert_eq!(t, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    strided_copy(&x, &[1, 3], &[3, 2], &mut t, Acc::Add);
    assert_eq!(t, [2.0, 8.0, 4.0, 10.0, 6.0, 12.0]);
    // [3] broadcast to [2,3]: strides [0,1]
    let mut b = [0.0; 6];
    strided_copy(&x[..3], &[0, 1], &[2, 3], &mut b, Acc::Write);
    assert_eq!(b, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
}

/// The scalar twin of `strided_copy`: each output index unravelled on its own.
fn strided_copy_ref(src: &[f32], strides: &[usize], shape: &[usize], out: &mut [f32], acc: Acc) {
    for (o, v) in out.iter_mut().enumerate() {
        let (mut rest, mut at) = (o, 0);
        for d in (0..shape.len()).rev() {
            at += rest % shape[d] * strides[d];
            rest /= shape[d];
        }
        match acc {
            Acc::Write => *v = src[at],
            Acc::Add => *v += src[at],
        }
    }
}

#[test]
fn strided_copy_matches_its_scalar_twin_split_or_not() {
    use crate::kernels::par::on_1_and_2_threads;
    // a head permute [B, T, H, D] -> [B, H, T, D] (contiguous rows), a full transpose
    // (strided rows), a broadcast, odd sizes, and sizes on both sides of the grain
    let cases: [(&[usize], &[usize]); 5] = [
        (&[12, 4, 64, 32], &[8192, 32, 128, 1]),
        (&[3, 5, 7], &[1, 3, 15]),
        (&[7, 300, 33], &[33, 231, 1]),
        (&[2, 40000], &[1, 2]),
        (&[9, 5000], &[0, 1]),
    ];
    for (shape, strides) in cases {
        let n: usize = shape.iter().product();
        let len = shape
            .iter()
            .zip(strides)
            .map(|(d, s)| (d - 1) * s)
            .sum::<usize>()
            + 1;
        let src: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
        for acc in [Acc::Write, Acc::Add] {
            let start: Vec<f32> = (0..n).map(|i| i as f32).collect();
            let mut want = start.clone();
            strided_copy_ref(&src, strides, shape, &mut want, acc);
            let (one, two) = on_1_and_2_threads(|| {
                let mut out = start.clone();
                strided_copy(&src, strides, shape, &mut out, acc);
                out
            });
            assert!(one == want && two == want, "{shape:?} {strides:?} {acc:?}");
        }
    }
}

#[test]
fn copy_rows_moves_blocks() {
    // columns 1..3 of a 2x4 into columns 0..2 of a 2x3 (narrow / concat)
    let src = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    let mut dst = [9.0; 6];
    let s = Rows {
        offset: 1,
        stride: 4,
    };
    let d = Rows {
        offset: 0,
        stride: 3,
    };
    copy_rows(&src, s, &mut dst, d, 2, 2, Acc::Write);
    assert_eq!(dst, [1.0, 2.0, 9.0, 5.0, 6.0, 9.0]);
    copy_rows(&src, s, &mut dst, d, 2, 2, Acc::Add);
    assert_eq!(dst, [2.0, 4.0, 9.0, 10.0, 12.0, 9.0]);
    // zero rows or zero width touch nothing, whatever the offsets
    copy_rows(
        &[],
        Rows {
            offset: 5,
            stride: 3,
        },
        &mut [],
        d,
        0,
        3,
        Acc::Write,
    );
    copy_rows(
        &src,
        s,
        &mut dst,
        Rows {
            offset: 99,
            stride: 0,
        },
        2,
        0,
        Acc::Add,
    );
}

#[test]
fn index_select_and_index_add_are_adjoint() {
    // src [2, 3, 1]: select along the middle axis with indices [2, 0, 2]
    let src = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let mut out = [0.0; 6];
    index_select(&src, 3, 1, &[2, 0, 2], &mut out);
    assert_eq!(out, [3.0, 1.0, 3.0, 6.0, 4.0, 6.0]);
    // repeated index 2 accumulates; index 1 is never selected -> 0
    let mut g = [7.0; 6];
    index_add(
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        3,
        1,
        &[2, 0, 2],
        &mut g,
        Acc::Write,
    );
    assert_eq!(g, [2.0, 0.0, 4.0, 5.0, 0.0, 10.0]);
    index_add(&[1.0; 6], 3, 1, &[2, 0, 2], &mut g, Acc::Add);
    assert_eq!(g, [3.0, 0.0, 6.0, 6.0, 0.0, 12.0]);
}

#[test]
fn gather_and_scatter_add_follow_torch() {
    // torch.gather([[1,2],[3,4]], 1, [[0,0],[1,0]]) = [[1,1],[4,3]]
    let src = [1.0, 2.0, 3.0, 4.0];
    let index = [0, 0, 1, 0];
    let mut out = [0.0; 4];
    gather(&src, &[2, 2], 1, &index, &[2, 2], &mut out);
    assert_eq!(out, [1.0, 1.0, 4.0, 3.0]);
    // along axis 0 with a smaller index [1, 2]: out[0, j] = src[index[0, j], j]
    let mut o2 = [0.0; 2];
    gather(&src, &[2, 2], 0, &[1, 0], &[1, 2], &mut o2);
    assert_eq!(o2, [3.0, 2.0]);
    // scatter_add of ones through the first index: row 0 gets 2 at column 0
    let mut g = [5.0; 4];
    scatter_add(&[1.0; 4], &index, &[2, 2], 1, &[2, 2], &mut g, Acc::Write);
    assert_eq!(g, [2.0, 0.0, 1.0, 1.0]);
    scatter_add(&[1.0, 1.0], &[1, 0], &[1, 2], 0, &[2, 2], &mut g, Acc::Add);
    assert_eq!(g, [2.0, 1.0, 2.0, 1.0]);
}

#[test]
fn take_and_put_block_move_the_middle_slab() {
    // src [2, 4, 3]: element (o, k, i) = 100o + 10k + i; the slab k in 1..3
    let src: Vec<f32> = (0..24)
        .map(|e| (e / 12 * 100 + e / 3 % 4 * 10 + e % 3) as f32)
        .collect();
    let mut slab = vec![0.0; 2 * 2 * 3];
    take_block(&src, (2, 4, 3), 1, 2, &mut slab, Acc::Write);
    let want: Vec<f32> = [
        10., 11., 12., 20., 21., 22., 110., 111., 112., 120., 121., 122.,
    ]
    .to_vec();
    assert_eq!(slab, want);
    let mut back = vec![-1.0; 24];
    put_block(&slab, (2, 4, 3), 1, 2, &mut back, Acc::Write);
    for (e, (&b, &s)) in back.iter().zip(&src).enumerate() {
        let k = e / 3 % 4;
        assert_eq!(b, if (1..3).contains(&k) { s } else { -1.0 }, "element {e}");
    }
    put_block(&slab, (2, 4, 3), 1, 2, &mut back, Acc::Add);
    assert_eq!(back[3], 20.0); // (0, 1, 0) = 10, added twice
}
