use super::*;

#[test]
fn units_cover_every_unit_once_with_fixed_boundaries() {
    // 10 units of 3 values and 1 flag each; chunk 4: pieces [0,4) [4,8) [8,10)
    let (mut vals, mut flags, mut none) = (vec![0.0; 30], vec![0.0; 10], Vec::<f32>::new());
    let bufs = [&mut vals[..], &mut flags[..], &mut none[..]];
    for_units(bufs, [3, 1, 5], 10, 4, 0, &|first, [v, fl, e]| {
        assert!(first % 4 == 0 && fl.len() <= 4 && e.is_empty());
        v.iter_mut().for_each(|x| *x += first as f32);
        fl.iter_mut().for_each(|x| *x += 1.0);
    });
    assert!(flags.iter().all(|&x| x == 1.0));
    let want: Vec<f32> = (0..30).map(|i| (i / 3 / 4 * 4) as f32).collect();
    assert_eq!(vals, want);
    // below the grain: one call with everything
    let mut calls = 0;
    let cell = std::sync::Mutex::new(&mut calls);
    for_units([&mut vals[..]], [3], 10, 4, 11, &|first, [v]| {
        assert_eq!((first, v.len()), (0, 30));
        **cell.lock().unwrap() += 1;
    });
    assert_eq!(calls, 1);
}

#[test]
fn tree_sum_is_the_same_tree_on_any_thread_count() {
    // 1/3 is inexact, so the bits of the sum depend on the order of additions
    let leaf = |r: Range<usize>| r.map(|i| 1.0 / (3.0 + i as f64)).sum::<f64>();
    let seq = tree_sum(100_003, 1000, usize::MAX, &leaf);
    let (one, two) = on_1_and_2_threads(|| tree_sum(100_003, 1000, 0, &leaf));
    assert_eq!(seq.to_bits(), one.to_bits());
    assert_eq!(one.to_bits(), two.to_bits());
    assert_eq!(tree_sum(0, 8, 0, &leaf), 0.0);
}
