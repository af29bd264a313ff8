//! The `scalar_graph_30k` workload: a chain of 0-d ops, `h = tanh(h·w + x)` 10,000 times (30,000
//! nodes), then backward; what a graph costs per node when the data is a single float.
//!
//! `cargo run --release --example scalar_graph [reps]` prints the median ns per node of `reps`
//! runs (default 50), each building the graph in a reused arena and backpropagating through it.

use std::time::Instant;

use arenagrad::prelude::*;

const NODES: usize = 30_000;

fn run(graph: &mut Graph) -> f32 {
    graph
        .run(|g| {
            let x = g.leaf(Tensor::scalar(0.5));
            let w = g.leaf(Tensor::scalar(0.9));
            let mut h = x;
            for _ in 0..NODES / 3 {
                h = (h * w + x).tanh();
            }
            h.backward()?;
            Ok(w.grad().map_or(0.0, |t| t.item()))
        })
        .expect("the chain is valid")
}

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let mut graph = Graph::new();
    let dw = run(&mut graph); // warm-up: sizes the arena
    let mut ns: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(run(&mut graph));
            t.elapsed().as_nanos() as f64 / NODES as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    println!(
        "scalar_graph_30k: median {:.1} ns/node (min {:.1}, max {:.1}, {reps} runs); dL/dw = {dw}; arena {} KiB",
        ns[ns.len() / 2],
        ns[0],
        ns[ns.len() - 1],
        graph.arena_capacity() / 1024
    );
}
