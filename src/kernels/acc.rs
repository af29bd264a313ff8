//! How a kernel stores what it computes: [`Acc::Write`] overwrites the output, [`Acc::Add`] adds
//! to it.
//!
//! Backward passes the mode down to every gradient kernel: the first contribution to a gradient
//! writes, later ones (real fan-in) add, so a value with one consumer never has its gradient
//! buffer zero-filled first. The mode belongs to the kernels layer because every kernel that
//! writes a gradient takes it; the graph only decides which mode to pass.

/// Whether a kernel stores into its output or adds to it.
///
/// ```
/// use arenagrad::kernels::Acc;
/// let mut out = 1.0;
/// Acc::Add.put(&mut out, 2.0);
/// assert_eq!(out, 3.0);
/// Acc::Write.put(&mut out, 5.0);
/// assert_eq!(out, 5.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acc {
    /// `out[i] = v`
    Write,
    /// `out[i] += v`
    Add,
}

impl Acc {
    /// Applies the mode to one element.
    #[inline(always)]
    pub fn put(self, out: &mut f32, v: f32) {
        match self {
            Acc::Write => *out = v,
            Acc::Add => *out += v,
        }
    }
}
