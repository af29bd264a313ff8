//! Checks data-parallel training against one process, on one machine: run it under
//! `mpirun -np 2 target/release/examples/ddp_check` (any number of ranks works; as root add
//! `--allow-run-as-root --oversubscribe`). Needs `--features mpi`.
//!
//! Every rank trains the same model twice, in lockstep, on the same synthetic batches:
//! - data-parallel: its shard of each global batch, [`Distributed::allreduce_grads`], Adam;
//! - reference: the whole global batch in this one process, Adam, no MPI.
//!
//! After every step the averaged gradients must match the reference's and the has-grad flags
//! must agree; after the last step the parameters must match within a float tolerance (the
//! summation order differs), and all replicas must be bitwise identical. The global batch (25
//! rows) does not split evenly, so the local losses are weighted by `|shard| · R / N`. Beside
//! the MLP the model has `aux`, a per-class bias that only rows labelled 0 use (some steps
//! have such rows on rank 0 only, some on the last rank only, some nowhere: the flags OR), and
//! `unused`, reached by no backward (it must keep its value and stay without a gradient).
//! Rank 0 prints the numbers; every rank exits 1 if a check failed.
//!
//! `--mismatch`: rank 1 builds a wider hidden layer. Every rank must get the layout error from
//! `broadcast_params` (exit 0 if so, 1 if not), and nobody may hang.
//! `--die`: rank 1 panics at step 3; the job must be aborted (non-zero exit), not hang.
//! `--hang`: rank 1 returns from `main` with an error instead of calling
//! [`Distributed::abort`]: the job hangs (rank 0 waits in a collective, rank 1 in
//! `MPI_Finalize`) until `mpirun --timeout SECONDS` ends it. Not run by CI.

use std::process::ExitCode;

use arenagrad::distributed::mpi::collective::SystemOperation;
use arenagrad::distributed::mpi::traits::*;
use arenagrad::distributed::Distributed;
use arenagrad::prelude::*;

const SIZES: [usize; 4] = [20, 48, 48, 5];
const BATCH: usize = 25;
const STEPS: usize = 20;
/// Largest allowed |data-parallel − reference| of a parameter after `STEPS` steps, relative to
/// max(1, |reference|); measured: at most 9e-8 with 2, 3 or 4 ranks.
const PARAM_TOL: f32 = 1e-5;
/// Same for the averaged gradients of each step; measured: at most 4.5e-8.
const GRAD_TOL: f32 = 1e-6;

struct Model {
    mlp: Mlp,
    aux: Param,
}

fn build(params: &mut ParamStore, hidden: usize) -> Result<Model> {
    let mut rng = Rng::seed(7);
    let [d, _, h2, c] = SIZES;
    let mlp = Mlp::new(params, &[d, hidden, h2, c], &mut rng)?;
    let aux = params.add("aux", rng.normal_tensor(&[c], 0.0, 0.1))?;
    params.add("unused", Tensor::full(&[3], 0.5)?)?;
    Ok(Model { mlp, aux })
}

/// Step `s`'s global batch: rows of normal noise; labels 1.. except row 0 (steps 1, 4, ..) or
/// the last row (steps 2, 5, ..) labelled 0.
fn batch(s: usize) -> (Vec<f32>, Vec<usize>) {
    let x = Rng::seed(1000 + s as u64).normal_tensor(&[BATCH, SIZES[0]], 0.0, 1.0);
    let c = SIZES[3];
    let mut y: Vec<usize> = (0..BATCH).map(|i| 1 + (i * 7 + s) % (c - 1)).collect();
    match s % 3 {
        1 => y[0] = 0,
        2 => y[BATCH - 1] = 0,
        _ => {}
    }
    (x.data().to_vec(), y)
}

/// Zero grads, then the weighted cross-entropy of `rows` and its backward.
fn grads(
    m: &Model,
    p: &mut ParamStore,
    g: &mut Graph,
    x: &[f32],
    y: &[usize],
    w: f32,
) -> Result<()> {
    p.zero_grad();
    if y.is_empty() {
        return Ok(()); // an empty shard contributes zero gradients
    }
    g.run_with(p, |g| {
        let mut logits = m
            .mlp
            .forward(g, g.try_input_slice(x, &[y.len(), SIZES[0]])?)?;
        if y.contains(&0) {
            let mask: Vec<f32> = y.iter().map(|&t| (t == 0) as u8 as f32).collect();
            let mask = g.try_input_slice(&mask, &[y.len(), 1])?;
            logits = logits + mask * g.param(m.aux);
        }
        (logits.cross_entropy(y)? * w).backward()
    })
}

fn max_rel_diff(a: &[f32], b: &[f32]) -> f32 {
    let d = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0));
    d.fold(0.0, f32::max)
}

fn checksum(values: &[f32]) -> u64 {
    let mix = |h: u64, v: &f32| (h ^ v.to_bits() as u64).wrapping_mul(0x100_0000_01b3);
    values.iter().fold(0xcbf2_9ce4_8422_2325, mix)
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut dist = match Distributed::init() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ddp_check: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rank = dist.rank();
    let hidden = SIZES[1] + (mode == "--mismatch" && rank == 1) as usize;
    let mut params = ParamStore::new();
    let model = build(&mut params, hidden).expect("model");
    let layout = dist.broadcast_params(&mut params);
    if mode == "--mismatch" {
        // every rank sees the error and exits normally: no rank is left inside a collective
        return match layout {
            Err(e) => {
                println!("ddp_check --mismatch: rank {rank} got the expected error: {e}");
                ExitCode::SUCCESS
            }
            Ok(()) => {
                eprintln!("ddp_check --mismatch: rank {rank}: layouts were not told apart");
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = layout {
        eprintln!("ddp_check: rank {rank}: {e}");
        return ExitCode::FAILURE;
    }
    if mode == "--hang" && rank == 1 {
        // the mistake `abort` exists for: this rank finalises MPI and exits while rank 0 waits
        // for it in a collective; only mpirun's --timeout ends the job
        eprintln!("ddp_check --hang: rank 1 exits without aborting the job");
        drop(dist);
        return ExitCode::FAILURE;
    }
    match run(&mut dist, &model, params, &mode) {
        Ok(failed) => {
            let mut any = 0u8;
            dist.world()
                .all_reduce_into(&failed, &mut any, SystemOperation::max());
            if any == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("ddp_check: rank {rank}: {e}");
            dist.abort(1) // only this rank may have failed: end the job so nobody waits
        }
    }
}

/// Trains both ways; returns 1 when a check failed on this rank.
fn run(dist: &mut Distributed, model: &Model, mut params: ParamStore, mode: &str) -> Result<u8> {
    let (rank, ranks) = (dist.rank(), dist.world_size());
    let mut reference = params.clone(); // same values: the store was just broadcast
    let adam = AdamConfig {
        lr: 1e-2,
        ..Default::default()
    };
    let mut opt = Adam::new(&params, adam)?;
    let mut ref_opt = Adam::new(&reference, adam)?;
    let (mut graph, mut ref_graph) = (Graph::new(), Graph::new());
    let (lo, hi) = (rank * BATCH / ranks, (rank + 1) * BATCH / ranks);
    let weight = ((hi - lo) * ranks) as f32 / BATCH as f32;
    let (mut grad_diff, mut flags_agree, mut aux_steps) = (0.0f32, true, [0usize; 2]);
    for s in 0..STEPS {
        if mode == "--die" && rank == 1 && s == 3 {
            panic!("ddp_check --die: rank 1 dies at step 3");
        }

        let (x, y) = batch(s);
        let d = SIZES[0];
        grads(
            model,
            &mut params,
            &mut graph,
            &x[lo * d..hi * d],
            &y[lo..hi],
            weight,
        )?;
        aux_steps[0] += params.has_grad(model.aux) as usize;
        dist.allreduce_grads(&mut params)?;
        aux_steps[1] += params.has_grad(model.aux) as usize;
        grads(model, &mut reference, &mut ref_graph, &x, &y, 1.0)?;
        grad_diff = grad_diff.max(max_rel_diff(params.flat_grad(), reference.flat_grad()));
        flags_agree &= params.grad_flags() == reference.grad_flags();
        opt.step(&mut params);
        ref_opt.step(&mut reference);
    }
    let param_diff = max_rel_diff(params.flat_data(), reference.flat_data());
    let unused = params.get("unused").expect("registered");
    let unused_ok = params.data(unused) == [0.5; 3] && !params.has_grad(unused);
    let mut sums = vec![0u64; ranks];
    dist.world()
        .all_gather_into(&checksum(params.flat_data()), &mut sums[..]);
    let replicas_equal = sums.iter().all(|&c| c == sums[0]);
    let ok = param_diff <= PARAM_TOL
        && grad_diff <= GRAD_TOL
        && flags_agree
        && unused_ok
        && replicas_equal;
    if rank == 0 || !ok {
        println!(
            "ddp_check rank {rank}/{ranks}: {STEPS} Adam steps, global batch {BATCH} (shard {}), \
             {} values: max rel diff params {param_diff:.2e} (tol {PARAM_TOL:.0e}), grads \
             {grad_diff:.2e} (tol {GRAD_TOL:.0e}); flags agree {flags_agree} (aux had a grad \
             on {}/{STEPS} steps locally, {}/{STEPS} after the OR); unused param untouched \
             {unused_ok}; replicas identical {replicas_equal} => {}",
            hi - lo,
            params.num_values(),
            aux_steps[0],
            aux_steps[1],
            if ok { "PASS" } else { "FAIL" }
        );
    }
    Ok(!ok as u8)
}
