//! Data-parallel step time, measured: where a step's time goes with R ranks (compute on the
//! shard, the gradient allreduce, the optimizer), and the allreduce alone. The numbers in
//! README "Scaling out" come from this. Needs `--features mpi`:
//!
//! ```text
//! cargo build --release --features mpi --example ddp_scaling
//! mpirun -np 1 target/release/examples/ddp_scaling --sizes 784,512,512,10 --batch 128
//! mpirun -np 2 target/release/examples/ddp_scaling --sizes 784,512,512,10 --batch 128
//! ```
//!
//! The model is an MLP of the given sizes trained with Adam on random data (global batch
//! `--batch`, split across ranks); `--steps` timed steps follow 20 untimed ones. Per phase it
//! prints the 10th percentile and median over steps of the slowest rank: `compute` = zero_grad + forward + backward
//! on the shard, `allreduce` = [`Distributed::allreduce_grads`] (it includes waiting for the
//! slowest rank), `step` = the whole step with Adam. Then 200 allreduces of the same buffer
//! back to back (no compute): the pure cost of moving `4 × len` bytes. Last, the most that
//! overlapping communication with backward could save: a nonblocking allreduce
//! (`MPI_Iallreduce`) of a gradient-sized buffer started before forward + backward and waited
//! for after, against the two in sequence.

use std::time::Instant;

use arenagrad::distributed::mpi;
use arenagrad::distributed::mpi::collective::SystemOperation;
use arenagrad::distributed::mpi::traits::*;
use arenagrad::distributed::Distributed;
use arenagrad::prelude::*;

struct Args {
    sizes: Vec<usize>,
    batch: usize,
    steps: usize,
}

fn parse() -> std::result::Result<Args, String> {
    let mut a = Args {
        sizes: vec![784, 512, 512, 10],
        batch: 128,
        steps: 100,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: cannot parse {v:?}");
        match flag.as_str() {
            "--sizes" => {
                a.sizes = (v.split(',').map(str::parse))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(bad)?
            }
            "--batch" => a.batch = v.parse().map_err(bad)?,
            "--steps" => a.steps = v.parse().map_err(bad)?,
            _ => return Err(format!("unknown option {flag:?}")),
        }
    }
    Ok(a)
}

/// The 10th percentile and the median over steps of the per-step maximum over ranks, in µs
/// (the 10th percentile is the better estimate on a machine that other work disturbs).
fn slowest(dist: &Distributed, samples: Vec<f64>) -> Q {
    let mut max = vec![0.0f64; samples.len()];
    dist.world()
        .all_reduce_into(&samples[..], &mut max[..], SystemOperation::max());
    max.sort_by(f64::total_cmp);
    Q(max[max.len() / 10] * 1e6, max[max.len() / 2] * 1e6)
}

/// (10th percentile, median) in µs.
#[derive(Clone, Copy)]
struct Q(f64, f64);

impl std::fmt::Display for Q {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.0}/{:.0}", self.0, self.1)
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args = parse()?;
    let mut dist = Distributed::init()?;
    let (rank, ranks) = (dist.rank(), dist.world_size());
    let mut rng = Rng::seed(0);
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, &args.sizes, &mut rng)?;
    dist.broadcast_params(&mut params)?;
    let mut opt = Adam::new(&params, AdamConfig::default())?;
    let (d, c) = (args.sizes[0], *args.sizes.last().expect("sizes"));
    let rows = (rank + 1) * args.batch / ranks - rank * args.batch / ranks;
    let x = rng.normal_tensor(&[rows, d], 0.0, 1.0);
    let y: Vec<usize> = (0..rows).map(|i| i % c).collect();
    let mut graph = Graph::new();
    let (warmup, steps) = (20, args.steps);
    let mut phases = [vec![], vec![], vec![]];
    for s in 0..warmup + steps {
        dist.world().barrier(); // steps start together, so `allreduce` is imbalance + transfer
        let t0 = Instant::now();
        params.zero_grad();
        graph.run_with(&mut params, |g| {
            let logits = model.forward(g, g.input(&x))?;
            logits.cross_entropy(&y)?.backward()
        })?;
        let t1 = Instant::now();
        dist.allreduce_grads(&mut params)?;
        let t2 = Instant::now();
        opt.step(&mut params);
        let t3 = Instant::now();
        if s >= warmup {
            phases[0].push((t1 - t0).as_secs_f64());
            phases[1].push((t2 - t1).as_secs_f64());
            phases[2].push((t3 - t0).as_secs_f64());
        }
    }
    let [compute, allreduce, step] = phases.map(|p| slowest(&dist, p));
    let len = params.flat_grad().len();
    let mut alone = Vec::with_capacity(200);
    for _ in 0..200 {
        dist.world().barrier();
        let t = Instant::now();
        dist.allreduce_grads(&mut params)?;
        alone.push(t.elapsed().as_secs_f64());
    }
    let alone = slowest(&dist, alone);
    // the best case of overlapping communication with backward: a nonblocking allreduce of a
    // gradient-sized buffer started before the whole forward + backward, waited for after it
    let send = params.flat_grad().to_vec();
    let mut recv = vec![0.0f32; len];
    let mut overlapped = Vec::with_capacity(steps);
    for _ in 0..steps {
        dist.world().barrier();
        let t = Instant::now();
        mpi::request::scope(|scope| -> Result<()> {
            let req = (dist.world()).immediate_all_reduce_into(
                scope,
                &send[..],
                &mut recv[..],
                SystemOperation::sum(),
            );
            params.zero_grad();
            graph.run_with(&mut params, |g| {
                let logits = model.forward(g, g.input(&x))?;
                logits.cross_entropy(&y)?.backward()
            })?;
            req.wait();
            Ok(())
        })?;
        overlapped.push(t.elapsed().as_secs_f64());
    }
    let overlapped = slowest(&dist, overlapped);
    if rank == 0 {
        println!(
            "ranks {ranks}  mlp {:?}  {} values ({:.2} MB of gradients)  global batch {} ({rows} \
             per rank)  threads per rank {}",
            args.sizes,
            params.num_values(),
            (4 * len) as f64 / 1e6,
            args.batch,
            arenagrad::num_threads()
        );
        println!(
            "µs (p10/median): step {step}  compute {compute}  allreduce {allreduce}  \
             (allreduce alone {alone}: {:.2} GB/s of buffer)",
            (4 * len) as f64 / alone.0 / 1e3
        );
        println!(
            "overlap bound: compute + allreduce alone {:.0}/{:.0} in sequence, {overlapped} with \
             a nonblocking allreduce running through the whole compute",
            compute.0 + alone.0,
            compute.1 + alone.1
        );
    }
    Ok(())
}
