//! The convolution kernels make no heap allocation once warmed up: their im2col buffers are
//! kept per thread across calls. A counting global allocator watches forward, input, weight
//! and bias gradients of 1-d and 2-d geometries (groups, strides, dilation, a 1×1 kernel) in a
//! 2-thread pool, with batches large enough to split over the threads. A thread that has only
//! served small convolutions is ready for the largest one another thread has run.

use arenagrad::kernels::conv::{
    backward_bias, backward_input, backward_weight, forward, Conv, PAR_MIN_MACS,
};
use arenagrad::kernels::Acc;
use std::sync::Mutex;

mod common;
use common::counting_alloc::allocations;

/// The count is process-wide: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn geometries() -> Vec<Conv> {
    vec![
        Conv::new(4, 8, 16, [16, 16], [3, 3], [1, 1], [1, 1], [1, 1], 1).unwrap(),
        Conv::new(4, 16, 32, [33, 31], [3, 2], [2, 1], [1, 0], [1, 2], 2).unwrap(),
        Conv::new(4, 32, 64, [16, 16], [1, 1], [1, 1], [0, 0], [1, 1], 1).unwrap(),
        Conv::new_1d(8, 32, 32, 600, 5, 2, 2, 1, 4).unwrap(),
    ]
}

/// `[x, w, y, bias, db, dy, dx, dw]` of one geometry.
type Bufs = [Vec<f32>; 8];

fn run_all(cs: &[Conv], bufs: &mut [Bufs]) {
    for (c, [x, w, y, b, db, dy, dx, dw]) in cs.iter().zip(bufs) {
        forward(c, x, w, Some(b), y, Acc::Write);
        backward_input(c, w, dy, dx, Acc::Add);
        backward_weight(c, x, dy, dw, Acc::Write);
        backward_bias(dy, c.batch, c.out_channels, db, Acc::Write);
    }
}

fn buffers(cs: &[Conv]) -> Vec<Bufs> {
    let v = |n: usize, s: f32| (0..n).map(|i| (i as f32 * s).sin() * 0.1).collect();
    cs.iter()
        .map(|c| {
            let ([x, w, y], o) = (c.lens(), c.out_channels);
            let (x1, w1, y1) = (v(x, 0.3), v(w, 0.7), v(y, 1.1));
            [
                x1,
                w1,
                y1,
                v(o, 0.5),
                v(o, 0.9),
                v(y, 1.3),
                v(x, 0.2),
                v(w, 0.4),
            ]
        })
        .collect()
}

#[test]
fn conv_kernels_do_not_allocate() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cs = geometries();
    assert!(cs.iter().all(|c| c.macs() >= PAR_MIN_MACS));
    let mut bufs = buffers(&cs);
    // Warm-up on every thread of the team: each runs every kernel itself (its nested splits
    // stay on it), so every thread's im2col and GEMM buffers reach their sizes whichever
    // pieces it takes later.
    let count = arenagrad::with_num_threads(2, || {
        assert!(arenagrad::kernels::par::team::broadcast(&|_| run_all(
            &cs,
            &mut buffers(&cs)
        )));
        run_all(&cs, &mut bufs);
        let ((), count) = allocations(|| {
            for _ in 0..3 {
                run_all(&cs, &mut bufs);
            }
        });
        count
    })
    .unwrap();
    assert_eq!(count, 0, "conv kernels allocated {count} times");
}

/// Thread A runs a convolution whose im2col buffer is 130× a small one's; thread B then runs
/// the small one, which grows B's buffer to the largest size seen, so B's first run of the
/// large one allocates nothing (a rayon worker that stole no image of a model's largest layer
/// during warm-up is ready for it too). Both stay below every parallel grain: no rayon.
#[test]
fn a_thread_that_served_a_small_convolution_is_ready_for_the_largest() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let large = [Conv::new(1, 8, 8, [32, 32], [3, 3], [1, 1], [1, 1], [1, 1], 1).unwrap()];
    let small = [Conv::new(1, 1, 4, [8, 8], [3, 3], [1, 1], [1, 1], [1, 1], 1).unwrap()];
    assert!(large[0].macs() < PAR_MIN_MACS);
    std::thread::spawn(move || run_all(&large, &mut buffers(&large)))
        .join()
        .unwrap();
    let count = std::thread::spawn(move || {
        run_all(&small, &mut buffers(&small));
        let mut bufs = buffers(&large);
        allocations(|| run_all(&large, &mut bufs)).1
    })
    .join()
    .unwrap();
    assert_eq!(count, 0, "the large convolution allocated {count} times");
}
