//! Helpers shared by the ops' unit tests.

pub(crate) mod fd;
