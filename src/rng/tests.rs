use super::*;

#[test]
fn xoshiro_reference_stream() {
    // Reference: xoshiro256** from state [1, 2, 3, 4] (the authors' C code) gives
    // 11520, 0, 1509978240, 1215971899390074240 as its first outputs.
    let mut r = Rng {
        s: [1, 2, 3, 4],
        spare: None,
    };
    let got: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
    assert_eq!(got, vec![11520, 0, 1509978240, 1215971899390074240]);
}

#[test]
fn seeds_differ_and_repeat() {
    let a: Vec<u64> = (0..3)
        .scan(Rng::seed(7), |r, _| Some(r.next_u64()))
        .collect();
    let b: Vec<u64> = (0..3)
        .scan(Rng::seed(7), |r, _| Some(r.next_u64()))
        .collect();
    let c: Vec<u64> = (0..3)
        .scan(Rng::seed(8), |r, _| Some(r.next_u64()))
        .collect();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn uniform_and_normal_moments() {
    let mut r = Rng::seed(123);
    let n = 200_000;
    let u: Vec<f32> = (0..n).map(|_| r.uniform()).collect();
    assert!(u.iter().all(|&v| (0.0..1.0).contains(&v)));
    let mean = u.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    assert!((mean - 0.5).abs() < 0.005, "uniform mean {mean}");
    let z: Vec<f64> = (0..n).map(|_| r.normal() as f64).collect();
    let m = z.iter().sum::<f64>() / n as f64;
    let var = z.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64;
    assert!(
        m.abs() < 0.01 && (var - 1.0).abs() < 0.02,
        "normal {m} {var}"
    );
    // ~4.55% of a standard normal lies beyond 2 sigma
    let tail = z.iter().filter(|v| v.abs() > 2.0).count() as f64 / n as f64;
    assert!((tail - 0.0455).abs() < 0.003, "tail {tail}");
}

#[test]
fn tensors_have_shape_and_range() {
    let mut r = Rng::seed(0);
    let t = r.uniform_tensor(&[4, 5], -2.0, 3.0);
    assert_eq!(t.shape(), &[4, 5]);
    assert!(t.data().iter().all(|&v| (-2.0..=3.0).contains(&v)));
    assert_eq!(r.normal_tensor(&[0, 3], 0.0, 1.0).numel(), 0);
    let mut mask = [0.0; 1000];
    r.fill_keep_mask(&mut mask, 0.25, 4.0);
    let kept = mask.iter().filter(|&&m| m == 4.0).count();
    assert!(mask.iter().all(|&m| m == 0.0 || m == 4.0));
    assert!((200..300).contains(&kept), "kept {kept}");
}
