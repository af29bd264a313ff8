//! argmax and topk against PyTorch 2.15's results (printed for the same inputs) and a
//! brute-force reference.

use crate::tensor::Tensor;

fn t(data: &[f32], shape: &[usize]) -> Tensor {
    Tensor::new(data.to_vec(), shape).unwrap()
}

#[test]
fn argmax_takes_the_first_maximum_and_nan() {
    // torch.argmax(tensor([[1, 5, 5], [7, 7, 2]])) = 3; along dim 1: [1, 0]
    let x = t(&[1.0, 5.0, 5.0, 7.0, 7.0, 2.0], &[2, 3]);
    assert_eq!(x.argmax(), 3);
    assert_eq!(x.argmax_axis(1, false), vec![1, 0]);
    assert_eq!(x.argmax_axis(-2, true), vec![1, 1, 0]);
    // torch.argmax(tensor([1, nan, 3, nan])) = 1
    assert_eq!(t(&[1.0, f32::NAN, 3.0, f32::NAN], &[4]).argmax(), 1);
    assert_eq!(Tensor::scalar(2.0).argmax_axis(0, false), vec![0]);
    assert!(Tensor::zeros(&[0]).unwrap().try_argmax().is_err());
    assert!(Tensor::zeros(&[2, 0])
        .unwrap()
        .try_argmax_axis(1, false)
        .is_err());
    assert!(x.try_argmax_axis(2, false).is_err());
}

#[test]
fn topk_values_indices_and_shapes() {
    // torch.topk(tensor([[1, 5, 2], [7, 0, 9]]), 2, 0) = values [[7, 5, 9], [1, 0, 2]],
    // indices [[1, 0, 1], [0, 1, 0]]
    let x = t(&[1.0, 5.0, 2.0, 7.0, 0.0, 9.0], &[2, 3]);
    let (v, i) = x.topk(2, 0);
    assert_eq!(
        (v.shape(), v.data()),
        (&[2, 3][..], &[7.0, 5.0, 9.0, 1.0, 0.0, 2.0][..])
    );
    assert_eq!(i, vec![1, 0, 1, 0, 1, 0]);
    // torch.topk(tensor([1, nan, 3]), 2) = values [nan, 3], indices [1, 2]
    let (v, i) = t(&[1.0, f32::NAN, 3.0], &[3]).topk(2, 0);
    assert!(v.data()[0].is_nan() && v.data()[1] == 3.0 && i == [1, 2]);
    // ties: values as torch, indices in index order
    let (v, i) = t(&[1.0, 3.0, 3.0, 2.0, 3.0], &[5]).topk(3, -1);
    assert_eq!((v.data(), &i[..]), (&[3.0; 3][..], &[1, 2, 4][..]));
    let (v, i) = Tensor::scalar(3.0).topk(1, 0);
    assert_eq!(
        (v.shape(), v.data(), &i[..]),
        (&[][..], &[3.0][..], &[0][..])
    );
    assert_eq!(x.topk(0, 1).0.shape(), &[2, 0]);
    let e = x.try_topk(4, 1).unwrap_err().to_string();
    assert!(e.contains("topk") && e.contains("[2, 3]"), "{e}");
}

#[test]
fn topk_matches_a_full_sort_on_random_lines() {
    let mut s = 12345u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % 7) as f32 - 3.0 // few distinct values: many ties
    };
    let shape = [3, 9, 4];
    let data: Vec<f32> = (0..108).map(|_| next()).collect();
    let x = t(&data, &shape);
    for k in 0..=9 {
        let (v, i) = x.topk(k, 1);
        for o in 0..3 {
            for c in 0..4 {
                let mut line: Vec<(f32, usize)> =
                    (0..9).map(|j| (data[(o * 9 + j) * 4 + c], j)).collect();
                line.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(&b.1)));
                for (j, want) in line[..k].iter().enumerate() {
                    let at = (o * k + j) * 4 + c;
                    assert_eq!((v.data()[at], i[at]), *want, "k={k} o={o} c={c} j={j}");
                }
            }
        }
    }
}
