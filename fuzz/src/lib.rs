//! arenagrad's fuzz targets, one module each; `fuzz_targets/*.rs` are one-line wrappers.
//!
//! | target | module | what it feeds | what it checks |
//! |---|---|---|---|
//! | `op_program` | [`op_program`] | a program of ops (convolutions, pooling and batch norm among them), backward calls, `detach`/`no_grad` | no panic, PyTorch's errors and argument rules, gradients (and the CNN ops' outputs) against a scalar `f64` reference, bitwise determinism |
//! | `shapes` | [`shapes`] | shapes with zero and huge dims into shape arithmetic and ops | errors (never overflow panics or hangs), shapes against a reference calculator |
//! | `optim` | [`optim`] | optimizer configs (invalid ones too) and NaN/inf/subnormal gradients | validation as PyTorch's, every flat buffer bitwise against a scalar reference |
//! | `safetensors_load` | [`safetensors`] | raw, structured and mutated safetensors bytes | an error, never a panic or a large allocation; a failed load changes nothing |
//! | `npy_load` | [`npy`] | raw, structured and mutated `.npy` bytes | an error, never a panic or a large allocation; what is read writes back bit for bit |
//!
//! Each module's `check(data: &[u8])` is the whole target: it panics on a violated property
//! and is also what `tests/fuzz_props.rs` (seeded random inputs) and
//! `tests/fuzz_regressions.rs` (every crash found) call. The tests include these files with
//! `#[path]` under the same module names, so every path here is `crate::<module>`.

pub mod npy;
pub mod op_program;
pub mod optim;
pub mod reader;
pub mod safetensors;
pub mod shapes;
