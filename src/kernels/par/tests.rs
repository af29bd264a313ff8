use super::*;

#[test]
fn parts_are_fixed_by_length() {
    assert_eq!(part_len(10), SUM_CHUNK);
    assert_eq!(part_len(SUM_CHUNK * MAX_PARTS), SUM_CHUNK);
    assert_eq!(part_len(SUM_CHUNK * MAX_PARTS + 1), SUM_CHUNK + 8);
    // 0 + 1 + ... + (n-1) over several parts
    let n = 3 * SUM_CHUNK + 5;
    let s = sum_parts(n, |r| r.map(|i| i as f64).sum());
    assert_eq!(s, (n * (n - 1) / 2) as f64);
}

#[test]
fn chunks_and_rows_cover_everything_once() {
    let mut v = vec![0.0f32; EW_GRAIN * 3 + 17];
    for_chunks(&mut v, EW_GRAIN, |start, c| {
        c.iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x += (start + i) as f32)
    });
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as f32));
    let mut v = vec![0.0f32; 1000 * 100];
    for_rows(&mut v, 100, 4096, |r0, c| {
        assert_eq!(c.len() % 100, 0);
        c.iter_mut()
            .enumerate()
            .for_each(|(i, x)| *x += (r0 * 100 + i) as f32)
    });
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as f32));
}
