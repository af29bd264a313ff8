//! A long run: 10,000 training steps of a small MLP (forward, cross-entropy, backward,
//! gradient clipping, Adam, a checkpoint to bytes every 1,000 steps) must not grow. Resident
//! memory (`VmRSS` from `/proc/self/status`) at step 10,000 is within 1 MB of step 100, and the
//! graph arena's capacity is the same at both (it stops growing once the first steps have
//! sized it).
//!
//! Alone in its test binary, so no other test allocates meanwhile. About a second in release;
//! run it with `cargo test --release --test long_run -- --nocapture` to see the figures.

use arenagrad::prelude::*;

/// Resident memory in KiB, or `None` where `/proc` does not exist.
fn vm_rss_kib() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn long_run_memory_stays_flat() {
    const STEPS: usize = 10_000;
    let mut rng = Rng::seed(7);
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, &[16, 64, 64, 4], &mut rng).unwrap();
    let mut opt = Adam::new(
        &params,
        AdamConfig {
            lr: 1e-3,
            ..Default::default()
        },
    )
    .unwrap();
    let x = rng.normal_tensor(&[32, 16], 0.0, 1.0);
    let y: Vec<usize> = (0..32).map(|i| (i * 7) % 4).collect();
    let mut graph = Graph::new();
    let (mut at_100, mut first_loss, mut last_loss) = (None, 0.0, 0.0);
    for step in 1..=STEPS {
        params.zero_grad();
        let loss = graph
            .run_with(&mut params, |g| {
                let loss = model.forward(g, g.input(&x))?.cross_entropy(&y)?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        clip_grad_norm(&mut params, 1.0, false).unwrap();
        opt.step(&mut params);
        if step % 1000 == 0 {
            let bytes = arenagrad::io::checkpoint_to_bytes(&params, &opt, step as u64).unwrap();
            assert!(bytes.len() > params.num_values() * 4);
        }
        if step == 1 {
            first_loss = loss;
        }
        last_loss = loss;
        if step == 100 {
            at_100 = Some((vm_rss_kib(), graph.arena_capacity()));
        }
    }
    let (rss_100, arena_100) = at_100.unwrap();
    let (rss_end, arena_end) = (vm_rss_kib(), graph.arena_capacity());
    eprintln!(
        "long run: {STEPS} steps, loss {first_loss:.4} -> {last_loss:.4}; VmRSS {rss_100:?} KiB at \
         step 100, {rss_end:?} KiB at step {STEPS}; arena capacity {arena_100} B at step 100, \
         {arena_end} B at step {STEPS}"
    );
    assert!(last_loss < 0.5 * first_loss, "the model trained");
    assert_eq!(arena_end, arena_100, "the arena kept growing after warm-up");
    if let (Some(a), Some(b)) = (rss_100, rss_end) {
        assert!(
            b.abs_diff(a) <= 1024,
            "VmRSS moved by more than 1 MB: {a} -> {b} KiB"
        );
    }
}
