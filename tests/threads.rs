//! `set_num_threads` / `num_threads` in a process of their own (the pool is global).

#[test]
fn set_num_threads_sizes_the_pool_once() {
    arenagrad::set_num_threads(3).unwrap();
    assert_eq!(arenagrad::num_threads(), 3);
    assert_eq!(rayon::current_num_threads(), 3);
    // the same size again is fine; another size cannot be applied to a running pool
    arenagrad::set_num_threads(3).unwrap();
    let err = arenagrad::set_num_threads(2).unwrap_err().to_string();
    assert!(
        err.contains("set_num_threads") && err.contains("3 threads"),
        "{err}"
    );
    assert!(arenagrad::set_num_threads(0).is_err());
    // kernels run on it: a product large enough to split gives the one-thread result
    let a = arenagrad::Tensor::from_slice(&vec![0.5f32; 1 << 20]);
    let total: f32 = arenagrad::Graph::new()
        .run(|g| Ok(g.input(&a).sum().item()))
        .unwrap();
    assert_eq!(total, 0.5 * (1 << 20) as f32);
}
