use super::*;

#[test]
fn primed_chunks_hand_out_buffers_in_range_and_new_chunks_are_not() {
    let mut bump = Bump::with_capacity(1 << 16);
    let w = Written::prime(&mut bump);
    assert!(w.still_valid(&bump));
    let buf = w.alloc(&bump, 1000);
    let a = buf.as_ptr() as usize;
    assert!(a >= w.start && a + 4000 <= w.end);
    buf.fill(7.0);
    // more than the chunk holds: a new chunk, outside the range, zero-filled (release)
    let big = w.alloc(&bump, 1 << 16);
    let b = big.as_ptr() as usize;
    assert!(b + (1 << 18) <= w.start || b >= w.end);
    if !cfg!(debug_assertions) {
        assert!(big.iter().all(|&v| v == 0.0));
    }
    bump.reset();
    assert!(!w.still_valid(&bump), "a chunk was added: prime again");
    assert_eq!(Written::default().alloc(&bump, 3).len(), 3);
}
