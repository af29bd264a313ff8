use super::*;
use crate::error::Error;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Sample i has features [10 i, 10 i + 1] and label i.
fn ds(n: usize) -> TensorDataset<usize> {
    let x = (0..n).flat_map(|i| [10.0 * i as f32, 10.0 * i as f32 + 1.0]);
    TensorDataset::with_labels(Tensor::new(x.collect(), &[n, 2]).unwrap(), (0..n).collect())
        .unwrap()
}

/// One epoch's batches as (labels, features) pairs.
fn epoch(loader: &mut DataLoader<usize>) -> Vec<(Vec<usize>, Vec<f32>)> {
    let mut out = vec![];
    while let Some(b) = loader.next_batch() {
        assert_eq!(b.features_shape(), [b.len(), 2]);
        assert_eq!(b.target_shape(), [b.len()]);
        assert_eq!(b.indices(), b.targets()); // label i is sample i
        out.push((b.targets().to_vec(), b.features().to_vec()));
    }
    out
}

#[test]
fn sequential_batches_cover_the_dataset_in_order() {
    let ds = ds(5);
    let mut loader = DataLoader::new(&ds, 2).unwrap();
    let e = epoch(&mut loader);
    let labels: Vec<_> = e.iter().map(|(y, _)| y.clone()).collect();
    assert_eq!(labels, [vec![0, 1], vec![2, 3], vec![4]]);
    assert_eq!(e[2].1, [40.0, 41.0]);
    assert_eq!(epoch(&mut loader), e); // no shuffle: every epoch the same
    assert_eq!(loader.epoch(), 2);
}

#[test]
fn drop_last_drops_only_a_short_final_batch() {
    let ds = ds(6);
    let sizes = |bs, drop| {
        let mut l = DataLoader::new(&ds, bs).unwrap().drop_last(drop);
        let n = l.num_batches();
        let s: Vec<usize> = epoch(&mut l).iter().map(|(y, _)| y.len()).collect();
        assert_eq!(s.len(), n);
        s
    };
    assert_eq!(sizes(4, true), [4]);
    assert_eq!(sizes(4, false), [4, 2]);
    assert_eq!(sizes(3, true), [3, 3]); // divides: nothing dropped
    assert_eq!(sizes(7, true), Vec::<usize>::new()); // fewer samples than a batch
    assert_eq!(sizes(7, false), [6]);
}

#[test]
fn shuffle_is_the_seeded_in_place_fisher_yates() {
    let ds = ds(7);
    let mut loader = DataLoader::new(&ds, 3).unwrap().shuffle(Rng::seed(11));
    // the same permutation by hand: epochs compound on the previous order
    let mut rng = Rng::seed(11);
    let mut order: Vec<usize> = (0..7).collect();
    for _ in 0..3 {
        for i in (1..7).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let got: Vec<usize> = epoch(&mut loader)
            .into_iter()
            .flat_map(|(y, _)| y)
            .collect();
        assert_eq!(got, order);
    }
}

#[test]
fn two_samples_swap_exactly_when_the_draw_is_even() {
    // n = 2: one draw u, j = u % 2; j = 0 swaps positions 1 and 0
    let ds = ds(2);
    for seed in 0..8 {
        let u = Rng::seed(seed).next_u64();
        let mut loader = DataLoader::new(&ds, 2).unwrap().shuffle(Rng::seed(seed));
        let want = if u.is_multiple_of(2) { [1, 0] } else { [0, 1] };
        assert_eq!(loader.next_batch().unwrap().targets(), want, "seed {seed}");
    }
}

#[test]
fn float_targets_keep_their_trailing_shape() {
    let x = Tensor::new((0..6).map(|v| v as f32).collect(), &[3, 1, 2]).unwrap();
    let y = Tensor::new((0..9).map(|v| -(v as f32)).collect(), &[3, 3]).unwrap();
    let ds = TensorDataset::new(x, y).unwrap();
    let mut loader = DataLoader::new(&ds, 2).unwrap();
    loader.next_batch();
    let b = loader.next_batch().unwrap();
    assert_eq!(
        (b.features_shape(), b.features()),
        (&[1, 1, 2][..], &[4.0, 5.0][..])
    );
    assert_eq!(
        (b.target_shape(), b.targets()),
        (&[1, 3][..], &[-6.0, -7.0, -8.0][..])
    );
}

#[test]
fn empty_dataset_gives_empty_epochs() {
    let ds = TensorDataset::with_labels(Tensor::zeros(&[0, 3]).unwrap(), vec![]).unwrap();
    let mut loader = DataLoader::new(&ds, 4).unwrap().shuffle(Rng::seed(0));
    assert_eq!(loader.num_batches(), 0);
    assert!(loader.next_batch().is_none());
    assert!(loader.next_batch().is_none());
    assert_eq!(loader.epoch(), 2);
}

#[test]
fn bad_input_is_an_error_naming_the_op() {
    let ds = ds(3);
    let e = DataLoader::new(&ds, 0).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidArgument {
                op: "DataLoader::new",
                ..
            }
        ),
        "{e}"
    );
    let x = Tensor::zeros(&[3, 2]).unwrap();
    let e = TensorDataset::with_labels(x.clone(), vec![0; 4]).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("TensorDataset::new:"), "{text}");
    assert!(text.contains("[3, 2]") && text.contains("[4]"), "{text}");
    let e = TensorDataset::new(x.clone(), Tensor::zeros(&[2, 3]).unwrap()).unwrap_err();
    assert!(e.to_string().contains("hold 3 samples"), "{e}");
    let e = TensorDataset::new(x, Tensor::scalar(1.0)).unwrap_err();
    assert!(e.to_string().contains("rank-0"), "{e}");
    let e = TensorDataset::with_labels(Tensor::scalar(1.0), vec![]).unwrap_err();
    assert!(e.to_string().contains("features are a rank-0"), "{e}");
}
