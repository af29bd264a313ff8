//! `set_num_threads` / `num_threads` / `with_num_threads` in a process of their own (the count
//! is process-wide).

use arenagrad::{num_threads, set_num_threads, with_num_threads, Graph, Tensor};

/// The sum of 2^20 halves through a graph: large enough for its kernels to split.
fn total() -> f32 {
    let a = Tensor::from_slice(&vec![0.5f32; 1 << 20]);
    Graph::new().run(|g| Ok(g.input(&a).sum().item())).unwrap()
}

#[test]
fn the_count_can_change_at_any_time_and_per_block() {
    set_num_threads(3).unwrap();
    assert_eq!(num_threads(), 3);
    assert_eq!(total(), 0.5 * (1 << 20) as f32);
    // unlike a fixed pool, the count can change after kernels ran (PyTorch's behaviour)
    set_num_threads(2).unwrap();
    assert_eq!(num_threads(), 2);
    let err = set_num_threads(0).unwrap_err().to_string();
    assert!(
        err.contains("set_num_threads") && err.contains("0 threads"),
        "{err}"
    );
    // a block of this thread's code on one thread; the count comes back afterwards
    let one = with_num_threads(1, || {
        assert_eq!(num_threads(), 1);
        total()
    })
    .unwrap();
    assert_eq!(num_threads(), 2);
    assert_eq!(one.to_bits(), total().to_bits());
    assert!(with_num_threads(0, || ()).is_err());
    // another thread sees the process-wide count, not this thread's block
    with_num_threads(1, || {
        std::thread::scope(|s| s.spawn(|| assert_eq!(num_threads(), 2)).join().unwrap())
    })
    .unwrap();
}
