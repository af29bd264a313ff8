//! Fuzz target `safetensors_load`: see `src/safetensors/mod.rs` for what it decodes and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arenagrad_fuzz::safetensors::check(data));
