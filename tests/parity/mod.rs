//! Helpers of tests/torch_parity.rs (a subdirectory, so cargo does not build it as a test crate).

pub mod dispatch;
pub mod higher;
pub mod optim;
pub mod scenario;
pub mod vectors;
