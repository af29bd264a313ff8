//! Fuzz target `npy_load`: see `src/npy.rs` for what it decodes and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arenagrad_fuzz::npy::check(data));
