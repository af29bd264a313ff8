//! Fuzz target `shapes`: see `src/shapes/mod.rs` for what it decodes and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arenagrad_fuzz::shapes::check(data));
