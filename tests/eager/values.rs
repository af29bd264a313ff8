//! Eager results against values worked out by hand (each comment shows the arithmetic).

use arenagrad::tensor::Compare;
use arenagrad::{Mask, Rng, Tensor};

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[test]
fn ranges_by_hand() {
    // 0, 0.5, ..., 2.5: ⌈(3 − 0) / 0.5⌉ = 6 elements, 3 excluded
    assert_eq!(
        Tensor::arange(0.0, 3.0, 0.5).to_vec(),
        vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    );
    // ⌈(0 − 2) / −0.75⌉ = ⌈2.67⌉ = 3: 2, 1.25, 0.5
    assert_eq!(
        Tensor::arange(2.0, 0.0, -0.75).to_vec(),
        vec![2.0, 1.25, 0.5]
    );
    assert_eq!(Tensor::arange(4.0, 4.0, 1.0).shape(), &[0]);
    // step (1 − (−1)) / 4 = 0.5, both ends exact
    assert_eq!(
        Tensor::linspace(-1.0, 1.0, 5).to_vec(),
        vec![-1.0, -0.5, 0.0, 0.5, 1.0]
    );
    assert_eq!(Tensor::linspace(2.0, 2.0, 3).to_vec(), vec![2.0; 3]);
    assert_eq!(Tensor::linspace(0.0, 1.0, 0).shape(), &[0]);
    // the last element of a long linspace is `end` itself (the second half counts from it)
    let l = Tensor::linspace(0.1, 0.7, 1001);
    assert_eq!((l.data()[0], l.data()[1000]), (0.1, 0.7));
}

#[test]
fn from_fn_rand_randn() {
    // f([i, j, k]) = 100i + 10j + k over [2, 2, 3], row-major
    let x = Tensor::from_fn(&[2, 2, 3], |ix| (100 * ix[0] + 10 * ix[1] + ix[2]) as f32).unwrap();
    let want = [
        0., 1., 2., 10., 11., 12., 100., 101., 102., 110., 111., 112.,
    ];
    assert_eq!(x.data(), &want);
    assert_eq!(
        Tensor::from_fn(&[0, 4], |_| unreachable!())
            .unwrap()
            .numel(),
        0
    );
    // rand/randn are the Rng's own uniform/normal streams, in order
    let (mut r1, mut r2) = (Rng::seed(9), Rng::seed(9));
    let u = Tensor::rand(&[3, 2], &mut r1).unwrap();
    assert_eq!(
        u.data(),
        &(0..6).map(|_| r2.uniform()).collect::<Vec<_>>()[..]
    );
    let z = Tensor::randn(&[5], &mut r1).unwrap();
    assert_eq!(
        z.data(),
        &(0..5).map(|_| r2.normal()).collect::<Vec<_>>()[..]
    );
    assert_eq!(Tensor::zeros(&[2]).unwrap().to_vec(), vec![0.0; 2]);
    assert_eq!(Tensor::ones(&[]).unwrap().item(), 1.0);
    assert_eq!(Tensor::full(&[1, 2], -3.5).unwrap().to_vec(), vec![-3.5; 2]);
}

#[test]
fn arithmetic_and_operators_by_hand() {
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let col = t(&[10.0, 20.0], &[2, 1]);
    // [2, 3] + [2, 1]: each row gets its own value
    assert_eq!(
        (&a + &col).to_vec(),
        vec![11.0, 12.0, 13.0, 24.0, 25.0, 26.0]
    );
    // [3, 1] × [1, 5] → [3, 5]: an outer product
    let outer = &t(&[1.0, 2.0, 3.0], &[3, 1]) * &t(&[1.0, -1.0, 0.5, 0.0, 2.0], &[1, 5]);
    assert_eq!(outer.shape(), &[3, 5]);
    assert_eq!(outer.data()[5..10], [2.0, -2.0, 1.0, 0.0, 4.0]);
    // owned and borrowed forms agree; 0-d with 0-d stays 0-d
    assert_eq!(a.clone() - col.clone(), &a - &col);
    assert_eq!(
        (Tensor::scalar(6.0) / Tensor::scalar(4.0)).shape(),
        &[] as &[usize]
    );
    assert_eq!((2.0 - &a).data()[..3], [1.0, 0.0, -1.0]);
    assert_eq!((-&a).data()[0], -1.0);
    assert_eq!(t(&[-4.0, 9.0], &[2]).abs().sqrt().to_vec(), vec![2.0, 3.0]);
    assert_eq!(
        t(&[-1.0, 0.0, 2.0], &[3]).relu().to_vec(),
        vec![0.0, 0.0, 2.0]
    );
    assert!(t(&[f32::NAN], &[1])
        .maximum(&Tensor::scalar(1.0))
        .item()
        .is_nan());
}

#[test]
fn comparisons_broadcast_and_follow_ieee() {
    let x = t(&[1.0, f32::NAN, 3.0], &[3]);
    let two = Tensor::scalar(2.0);
    assert_eq!(x.gt(&two).data(), &[false, false, true]);
    assert_eq!(x.le(&two).data(), &[true, false, false]);
    // NaN is unequal to everything, itself included
    assert_eq!(x.eq_elem(&x).data(), &[true, false, true]);
    assert_eq!(x.ne_elem(&x).data(), &[false, true, false]);
    // [2, 1] ⋄ [3] → [2, 3]
    let m = t(&[0.0, 5.0], &[2, 1]).compare(Compare::Lt, &t(&[-1.0, 0.0, 1.0], &[3]));
    assert_eq!(
        m,
        Mask::new(vec![false, false, true, false, false, false], &[2, 3]).unwrap()
    );
    assert_eq!(
        Tensor::from(&m).to_vec(),
        vec![0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(x.ge(&x).shape(), &[3]);
    assert_eq!(Tensor::scalar(1.0).lt(&Tensor::scalar(2.0)).data(), &[true]);
}

#[test]
fn reductions_by_hand() {
    // [[1, 5, 2], [4, 0, 6]]
    let x = t(&[1.0, 5.0, 2.0, 4.0, 0.0, 6.0], &[2, 3]);
    assert_eq!(x.sum().item(), 18.0);
    assert_eq!(x.mean().item(), 3.0);
    assert_eq!((x.max().item(), x.min().item()), (6.0, 0.0));
    assert_eq!(x.sum_axis(0, false).to_vec(), vec![5.0, 5.0, 8.0]);
    assert_eq!(x.mean_axis(1, true).shape(), &[2, 1]);
    assert_eq!(x.mean_axis(1, true).to_vec(), vec![8.0 / 3.0, 10.0 / 3.0]);
    assert_eq!(x.max_axis(1, false).to_vec(), vec![5.0, 6.0]);
    assert_eq!(x.min_axis(0, false).to_vec(), vec![1.0, 0.0, 2.0]);
    assert_eq!(x.min_axis(-1, true).to_vec(), vec![1.0, 0.0]);
    assert_eq!(x.argmax(), 5);
    assert_eq!(x.argmax_axis(1, false), vec![1, 2]);
    // NaN wins max and min
    let n = t(&[1.0, f32::NAN, -1.0], &[3]);
    assert!(n.max().item().is_nan() && n.min().item().is_nan());
    assert!(n.min_axis(0, false).item().is_nan());
    // 0-d: axis 0 and −1 both reduce the one element
    let s = Tensor::scalar(2.5);
    assert_eq!(s.sum_axis(-1, true).shape(), &[] as &[usize]);
    assert_eq!(s.min_axis(0, false).item(), 2.5);
    // empty: the sum is 0, the sum along an empty axis is zeros
    let e = Tensor::zeros(&[2, 0]).unwrap();
    assert_eq!(e.sum().item(), 0.0);
    assert_eq!(e.sum_axis(1, false).to_vec(), vec![0.0, 0.0]);
}

#[test]
fn shape_ops_by_hand() {
    let x = Tensor::arange(0.0, 24.0, 1.0).reshape(&[2, 3, 4]).unwrap();
    // y[i, j, k] = x[k, j, i]: y[3, 1, 0] = x[0, 1, 3] = 7
    let y = x.transpose(0, 2);
    assert_eq!(y.shape(), &[4, 3, 2]);
    assert_eq!(y.data()[3 * 6 + 2], 7.0);
    assert_eq!(x.permute(&[1, 2, 0]).shape(), &[3, 4, 2]);
    // x[:, 1:3, :] starts at x[0, 1, 0] = 4 and skips to x[1, 1, 0] = 16 after 8 values
    let n = x.narrow(1, 1, 2);
    assert_eq!(
        (n.shape(), n.data()[0], n.data()[8]),
        (&[2, 2, 4][..], 4.0, 16.0)
    );
    assert_eq!(x.narrow(2, 4, 0).numel(), 0);
    let s = x.index_select(-1, &[3, 3, 0]);
    assert_eq!(s.data()[..3], [3.0, 3.0, 0.0]);
    assert_eq!(x.index_select(0, &[]).shape(), &[0, 3, 4]);
    assert_eq!(Tensor::scalar(1.0).transpose(0, -1), Tensor::scalar(1.0));
}

#[test]
fn conversions() {
    let v = vec![1.5f32, -2.0, 0.25];
    let x = Tensor::from(v.clone());
    assert_eq!((x.shape(), x.data()), (&[3][..], &v[..]));
    assert_eq!(Tensor::from(&v[..]), x);
    assert_eq!(Tensor::from([1.5, -2.0, 0.25]), x);
    assert_eq!(Vec::<f32>::from(x.clone()), v);
    assert_eq!(Tensor::from(Vec::new()).shape(), &[0]);
    assert_eq!(
        Tensor::from(&!Mask::tril(2, 2, 0)).to_vec(),
        vec![0.0, 1.0, 0.0, 0.0]
    );
}
