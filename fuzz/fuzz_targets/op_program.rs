//! Fuzz target `op_program`: see `src/op_program/mod.rs` for the program format and the
//! properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arenagrad_fuzz::op_program::check(data));
