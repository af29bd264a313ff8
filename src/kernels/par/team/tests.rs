use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

use super::*;
use crate::kernels::par::count::with_threads;

/// Runs `tasks` pieces on `threads` threads; returns how often each piece ran.
fn counts(threads: usize, tasks: usize) -> Vec<usize> {
    let hits: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
    with_threads(threads, || {
        run(tasks, &|i| {
            hits[i].fetch_add(1, SeqCst);
        })
    });
    hits.into_iter().map(AtomicUsize::into_inner).collect()
}

#[test]
fn every_piece_runs_exactly_once() {
    for threads in [1, 2, 3, 5] {
        for tasks in [0, 1, 2, 3, 7, 64, 1000] {
            assert_eq!(
                counts(threads, tasks),
                vec![1; tasks],
                "{threads} threads, {tasks}"
            );
        }
    }
}

#[test]
fn pieces_run_on_more_than_one_thread() {
    // another test may hold the team for a moment (then the pieces run here alone): retry
    let seen = (0..200).find_map(|_| {
        let ids = Mutex::new(HashSet::new());
        with_threads(2, || {
            run(64, &|_| {
                ids.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(Duration::from_micros(50));
            })
        });
        let n = ids.into_inner().unwrap().len();
        (n == 2).then_some(n)
    });
    assert_eq!(seen, Some(2), "a helper never took a piece");
}

#[test]
fn a_panic_in_a_piece_reaches_the_caller_and_the_team_stays_usable() {
    for bad in [0, 5, 63] {
        let r = std::panic::catch_unwind(|| {
            with_threads(2, || {
                run(64, &|i| {
                    if i == bad {
                        panic!("piece {i} failed");
                    }
                })
            })
        });
        let msg = r.expect_err("the panic is raised again");
        let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(msg, format!("piece {bad} failed"));
        assert_eq!(counts(2, 100), vec![1; 100]);
    }
}

#[test]
fn nested_and_concurrent_calls_finish() {
    let total = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    with_threads(2, || {
                        run(8, &|_| {
                            run(4, &|_| {
                                total.fetch_add(1, SeqCst);
                            })
                        })
                    });
                }
            });
        }
    });
    assert_eq!(total.into_inner(), 4 * 50 * 8 * 4);
}

#[test]
fn helpers_take_the_callers_flush_setting() {
    if !denormals::set_flush_denormal(true) {
        return; // not x86-64: nothing to copy
    }
    let seen = Mutex::new(Vec::new());
    with_threads(2, || {
        run(32, &|_| {
            seen.lock().unwrap().push(denormals::flush_denormal());
            std::thread::sleep(Duration::from_micros(20));
        })
    });
    denormals::set_flush_denormal(false);
    assert!(seen.into_inner().unwrap().iter().all(|&f| f));
    let seen = Mutex::new(Vec::new());
    with_threads(2, || {
        run(32, &|_| {
            seen.lock().unwrap().push(denormals::flush_denormal())
        })
    });
    assert!(seen.into_inner().unwrap().iter().all(|&f| !f));
}

#[test]
fn helpers_that_park_at_once_are_woken_for_every_job() {
    // spin 0: a helper parks as soon as it finds no job, so each job below has to unpark it
    set_spin(Duration::ZERO);
    for tasks in [2, 3, 17, 64] {
        for _ in 0..50 {
            assert_eq!(counts(2, tasks), vec![1; tasks]);
        }
    }
    set_spin(Duration::from_millis(1));
}
