//! Helpers shared by several integration tests (`mod common;` in each).

pub mod counting_alloc;
