//! The timing harness of `bench_suite`: torch_ref's `timeit`, peak-memory probes, JSON lines.

use std::time::Instant;

/// (key, value) pairs of one result line, after `workload`, `impl` and `threads`.
pub type Metrics = Vec<(&'static str, f64)>;

/// MiB.
pub const MIB: f64 = (1 << 20) as f64;

/// torch_ref's `timeit` with an untimed `setup` before each call of `run`: `warmup` untimed
/// calls, then `reps` timed ones; returns `median_ms` (the mean of the middle two for an even
/// count, as Python's `statistics.median`) and `min_ms`.
pub fn timeit(
    reps: usize,
    warmup: usize,
    mut setup: impl FnMut(),
    mut run: impl FnMut(),
) -> Metrics {
    for _ in 0..warmup {
        setup();
        run();
    }
    let mut ts: Vec<f64> = (0..reps)
        .map(|_| {
            setup();
            let t0 = Instant::now();
            run();
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    let median = (ts[(reps - 1) / 2] + ts[reps / 2]) / 2.0;
    vec![("median_ms", median), ("min_ms", ts[0])]
}

/// [`timeit`] without a setup step.
pub fn time(reps: usize, warmup: usize, run: impl FnMut()) -> Metrics {
    timeit(reps, warmup, || {}, run)
}

/// The median of a result's metrics.
pub fn median_ms(m: &Metrics) -> f64 {
    m[0].1
}

/// Peak resident set since the last [`reset_peak_rss`], MiB (`VmHWM`; `None` off Linux).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets `VmHWM` to the current resident set (Linux >= 4.0; a no-op elsewhere).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// One JSON line in torch_ref's format: times rounded to 4 decimals, other metrics to 3.
pub fn json_line(workload: &str, threads: usize, metrics: &Metrics) -> String {
    let round = |v: f64, digits: i32| (v * 10f64.powi(digits)).round() / 10f64.powi(digits);
    let fields: Vec<String> = metrics
        .iter()
        .map(|&(k, v)| {
            format!(
                "\"{k}\": {}",
                round(v, if k.ends_with("_ms") { 4 } else { 3 })
            )
        })
        .collect();
    format!(
        "{{\"workload\": \"{workload}\", \"impl\": \"arenagrad\", \"threads\": {threads}, {}, \"simd\": \"{}\"}}",
        fields.join(", "),
        arenagrad::simd_level()
    )
}
