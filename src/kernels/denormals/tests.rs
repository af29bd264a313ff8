use super::*;

#[test]
fn flushing_turns_subnormal_results_and_inputs_into_zero() {
    use std::hint::black_box;
    let tiny = black_box(1e-39f32);
    assert!(tiny * black_box(1.0f32) > 0.0); // off: IEEE gradual underflow
    if !set_flush_denormal(true) {
        return;
    }
    assert!(flush_denormal());
    assert_eq!(tiny * black_box(1.0f32), 0.0); // DAZ: a subnormal input reads as 0
    let small = black_box(1e-20f32);
    assert_eq!(small * small, 0.0); // FTZ: a subnormal result becomes 0
    assert_eq!(black_box(1.5f32) * black_box(2.0f32), 3.0); // normal values are unchanged
    set_flush_denormal(false);
    assert!(!flush_denormal());
    assert!(tiny * black_box(1.0f32) > 0.0);
}

#[test]
fn pool_workers_start_flushing() {
    let pool = flush_denormals_in_pool(rayon::ThreadPoolBuilder::new().num_threads(2))
        .build()
        .unwrap();
    let on: Vec<bool> = pool.broadcast(|_| flush_denormal());
    assert_eq!(on, vec![cfg!(target_arch = "x86_64"); 2]);
    assert!(!flush_denormal(), "the calling thread is unchanged");
}
