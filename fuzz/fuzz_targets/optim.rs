//! Fuzz target `optim`: see `src/optim/mod.rs` for what it decodes and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arenagrad_fuzz::optim::check(data));
