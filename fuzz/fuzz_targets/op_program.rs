//! Fuzz target `op_program`: see `src/lib.rs` for the program format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arenagrad_fuzz::check(data));
