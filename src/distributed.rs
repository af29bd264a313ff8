//! Data-parallel training over MPI (feature `mpi`): every rank holds a replica of the model,
//! computes gradients on its shard of each batch, and one collective makes the gradients the
//! mean over ranks before an identical optimizer step everywhere.
//!
//! ## The maths
//!
//! With a global batch of `N` rows split into shards `S_r` of `N / R` rows on `R` ranks, the
//! mean loss is `L = (1/R) Σ_r L_r` with `L_r` the mean over `S_r`, so `∇L = (1/R) Σ_r ∇L_r`:
//! averaging the per-rank gradients gives exactly the single-process gradient of the whole
//! batch (up to float summation order). Unequal shards need the local loss weighted by
//! `|S_r| · R / N` first (see examples/ddp_check.rs). The optimizer then applies the same
//! update to the same values on every rank, so replicas stay in sync without sending values.
//!
//! ## One collective for the whole model
//!
//! All gradients live in one flat buffer ([`ParamStore::flat_grad`]), so
//! [`Distributed::allreduce_grads`] is a single `MPI_Allreduce` of `4 × len` bytes: no buckets,
//! no per-parameter calls (PyTorch's DDP copies gradients into ~25 MB buckets to get the same
//! effect). rsmpi exposes no `MPI_IN_PLACE` in its safe API, so the reduction goes from the
//! store's buffer into a scratch buffer of the same size owned by [`Distributed`], and the two
//! are then swapped (O(1)): no copy of the buffer per step, at the cost of one extra gradient
//! buffer of memory. As PyTorch's reducer does, gradients are multiplied by `1 / R` before the
//! sum (exact for a power-of-two `R`; within an ulp of PyTorch's result otherwise, same maths).
//!
//! ## Has-grad flags
//!
//! A parameter that no backward reached on a rank has no gradient there (PyTorch's `p.grad is
//! None`; its range of the flat buffer holds zeros). Optimizers skip such parameters, so
//! the flags must agree or the replicas drift apart. Before the gradients, one small allreduce
//! (one byte per parameter, `MPI_MAX`) ORs the flags: a parameter reached on any rank gets the
//! mean of the gradients (zeros from ranks that did not reach it), a parameter reached on none
//! keeps no gradient and is skipped everywhere. That is PyTorch DDP with
//! `find_unused_parameters=True`: locally unused parameters count as zero gradients, and a
//! globally unused one is left untouched.
//!
//! ## Failures
//!
//! - Different layouts (another model on some rank): [`Distributed::check_layout`] (run by
//!   [`broadcast_params`](Distributed::broadcast_params), and by the first `allreduce_grads` of
//!   a store) gathers every rank's [`ParamStore::layout_hash`] and returns the same
//!   [`Error::InvalidArgument`] on every rank, naming the ranks that differ, before any buffer
//!   of the wrong size is exchanged. A store whose layout changes after the check makes that
//!   rank abort the job with a message (the others are already inside a collective).
//! - A rank that panics while holding a [`Distributed`] aborts the job (`MPI_Abort`), so the
//!   others do not wait forever in a collective. An error that only one rank sees must end
//!   the job the same way: [`Distributed::abort`]. MPI errors use MPI's default handler,
//!   `MPI_ERRORS_ARE_FATAL` (the job is aborted with MPI's message). See README "Scaling out"
//!   for the timeout of a whole job.

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;

pub use mpi;

use crate::error::{Error, Result};
use crate::params::{AlignedBuf, ParamStore};

/// The process exit code of a job aborted because a rank panicked.
pub const PANIC_EXIT_CODE: i32 = 101;

/// This process's membership of an MPI job: its rank, the world, and the scratch buffer of
/// the gradient allreduce. One per process; MPI is finalised when it is dropped.
///
/// ```no_run
/// use arenagrad::distributed::Distributed;
/// use arenagrad::prelude::*;
/// let mut dist = Distributed::init()?;
/// let mut params = ParamStore::new();
/// let model = Mlp::new(&mut params, &[64, 128, 10], &mut Rng::seed(0))?;
/// dist.broadcast_params(&mut params)?;            // every rank starts from rank 0's values
/// let mut opt = Adam::new(&params, AdamConfig::default())?;
/// // per step: zero_grad, forward + backward on this rank's shard, then
/// dist.allreduce_grads(&mut params)?;             // gradients = mean over ranks
/// opt.step(&mut params);                          // the same update on every rank
/// # Ok::<(), arenagrad::Error>(())
/// ```
pub struct Distributed {
    world: SimpleCommunicator,
    /// The receive side of the gradient allreduce; swapped with the store's buffer after it.
    scratch: AlignedBuf,
    flags: Vec<u8>,
    reduced_flags: Vec<u8>,
    /// (store id, layout hash) of the stores whose layout all ranks agreed on.
    checked: Vec<(u64, u64)>,
    /// Declared last: dropped (MPI_Finalize) after the communicator.
    _universe: Universe,
}

impl Distributed {
    /// Initialises MPI (thread level `Funneled`: kernels may run rayon threads, only this
    /// thread calls MPI). Run under `mpirun -np R`; without it this is a world of one rank.
    /// Errors if MPI was already initialised in this process.
    pub fn init() -> Result<Distributed> {
        let fail = |message: String| Error::InvalidArgument {
            op: "Distributed::init",
            message,
        };
        let (universe, level) = mpi::initialize_with_threading(Threading::Funneled)
            .ok_or_else(|| fail("MPI is already initialised in this process".into()))?;
        if level < Threading::Funneled {
            return Err(fail(format!(
                "the MPI library provides thread level {level:?}, arenagrad needs Funneled"
            )));
        }
        Ok(Distributed {
            world: universe.world(),
            scratch: AlignedBuf::zeros(0),
            flags: Vec::new(),
            reduced_flags: Vec::new(),
            checked: Vec::new(),
            _universe: universe,
        })
    }

    /// This process's rank, `0..world_size()`.
    pub fn rank(&self) -> usize {
        self.world.rank() as usize
    }
    /// The number of ranks in the job.
    pub fn world_size(&self) -> usize {
        self.world.size() as usize
    }
    /// The MPI world communicator, for collectives of your own (metrics, say).
    pub fn world(&self) -> &SimpleCommunicator {
        &self.world
    }
    /// Ends the whole job now (`MPI_Abort`): every rank exits with `code`. The way out of an
    /// error that only some ranks see, which would leave the others waiting in a collective.
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }

    /// Checks that every rank's `params` has the same layout (names, shapes, offsets): one
    /// allgather of a few numbers per rank. On a mismatch every rank returns the same error.
    pub fn check_layout(&mut self, params: &ParamStore) -> Result<()> {
        let mine = [
            params.layout_hash(),
            params.len() as u64,
            params.num_values() as u64,
        ];
        let mut all = vec![0u64; 3 * self.world_size()];
        self.world.all_gather_into(&mine[..], &mut all[..]);
        let ranks: Vec<&[u64]> = all.chunks(3).collect();
        let differ: Vec<usize> = (0..ranks.len()).filter(|&r| ranks[r] != ranks[0]).collect();
        if !differ.is_empty() {
            let show = |r: usize| {
                let [hash, n, values] = [ranks[r][0], ranks[r][1], ranks[r][2]];
                format!("rank {r}: {n} params, {values} values, layout hash {hash:016x}")
            };
            let lines: Vec<String> = std::iter::once(0).chain(differ).map(show).collect();
            return Err(Error::InvalidArgument {
                op: "Distributed::check_layout",
                message: format!(
                    "the ranks hold different models ({}); build the same model (names, \
                     shapes, order) on every rank",
                    lines.join("; ")
                ),
            });
        }
        self.checked.retain(|&(id, _)| id != params.id());
        self.checked.push((params.id(), mine[0]));
        Ok(())
    }

    /// Makes every rank's parameter values rank 0's (one broadcast of the flat value buffer),
    /// after [`check_layout`](Self::check_layout). Call it once after building the model.
    pub fn broadcast_params(&mut self, params: &mut ParamStore) -> Result<()> {
        self.check_layout(params)?;
        let (data, _) = params.flat_mut();
        self.world.process_at_rank(0).broadcast_into(data);
        Ok(())
    }

    /// Replaces every rank's gradients by their mean over the ranks and ORs the has-grad flags
    /// (see the module docs): one small allreduce of the flags, one of the whole flat gradient
    /// buffer. Every rank must call it at the same point of each step.
    pub fn allreduce_grads(&mut self, params: &mut ParamStore) -> Result<()> {
        self.ensure_checked(params)?;
        self.flags.clear();
        self.flags
            .extend(params.grad_flags().iter().map(|&f| f as u8));
        self.reduced_flags.resize(self.flags.len(), 0);
        let (flags, reduced) = (&self.flags[..], &mut self.reduced_flags[..]);
        self.world
            .all_reduce_into(flags, reduced, SystemOperation::max());

        let len = params.flat_grad().len();
        if self.scratch.as_slice().len() != len {
            self.scratch = AlignedBuf::zeros(len);
        }
        let grad = params.flat_grad_mut();
        crate::optim::clip::kernel::scale(grad, 1.0 / self.world_size() as f32);
        let recv = self.scratch.as_mut_slice();
        self.world
            .all_reduce_into(&*grad, recv, SystemOperation::sum());
        params.swap_grad_buffer(&mut self.scratch);

        let flags = params.grad_flags_mut();
        for (flag, &any) in flags.iter_mut().zip(&self.reduced_flags) {
            *flag = any != 0;
        }
        Ok(())
    }

    /// The first time a store is seen, the collective layout check; afterwards only a local
    /// comparison, since a changed layout on one rank cannot be reported collectively any more.
    fn ensure_checked(&mut self, params: &ParamStore) -> Result<()> {
        match self.checked.iter().find(|&&(id, _)| id == params.id()) {
            None => self.check_layout(params),
            Some(&(_, hash)) if hash == params.layout_hash() => Ok(()),
            Some(_) => {
                eprintln!(
                    "arenagrad::distributed: rank {}: the ParamStore's layout changed after the \
                     ranks checked it; aborting the job (call check_layout on every rank after \
                     changing a model)",
                    self.rank()
                );
                self.abort(1)
            }
        }
    }
}

impl Drop for Distributed {
    /// A rank that unwinds from a panic would otherwise wait in `MPI_Finalize` for ranks that
    /// wait for it in a collective: abort the job instead.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "arenagrad::distributed: rank {} panicked; aborting the MPI job",
                self.rank()
            );
            self.world.abort(PANIC_EXIT_CODE);
        }
    }
}
