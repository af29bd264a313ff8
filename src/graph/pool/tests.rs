use super::*;

#[test]
fn released_buffers_are_reused_by_length_without_growing_the_arena() {
    let bump = Bump::new();
    let pool = Pool::new();
    let fresh = |n| {
        pool.acquire(n)
            .unwrap_or_else(|| bump.alloc_slice_fill_copy(n, 0.0))
    };
    let a = fresh(512);
    let a_ptr = a.as_ptr();
    let b = fresh(40);
    pool.release(&bump, a);
    pool.release(&bump, b);
    let used = bump.allocated_bytes_including_metadata();
    for _ in 0..100 {
        // same lengths: the same memory comes back, and no new cell is needed
        let c = pool.acquire(512).unwrap();
        assert_eq!(c.as_ptr(), a_ptr);
        let d = pool.acquire(40).unwrap();
        pool.release(&bump, c);
        pool.release(&bump, d);
    }
    assert_eq!(bump.allocated_bytes_including_metadata(), used);
    // another length is not in the pool
    assert!(pool.acquire(70).is_none());
    // short buffers are not pooled
    let short = fresh(MIN_POOLED - 1);
    pool.release(&bump, short);
    assert!(pool.acquire(MIN_POOLED - 1).is_none());
}

#[test]
fn a_crowded_list_is_probed_a_bounded_number_of_times() {
    let bump = Bump::new();
    let pool = Pool::new();
    // lengths sharing one list
    let same: Vec<usize> = (MIN_POOLED..100_000)
        .filter(|&n| bucket(n) == bucket(MIN_POOLED))
        .take(PROBES + 2)
        .collect();
    let mut ptrs = Vec::new();
    for &n in &same {
        let b = pool
            .acquire(n)
            .unwrap_or_else(|| bump.alloc_slice_fill_copy(n, 0.0));
        ptrs.push(b.as_ptr());
        pool.release(&bump, b);
    }
    // the newest entry is found; the oldest is beyond the probe window: a fresh buffer
    let last = pool.acquire(same[PROBES + 1]).unwrap();
    assert_eq!(last.as_ptr(), ptrs[PROBES + 1]);
    assert!(pool.acquire(same[0]).is_none());
}
