//! The `safetensors_load` fuzz target: arbitrary bytes into every loader.
//!
//! The first byte picks the input: the remaining bytes as they are; a file whose header
//! [`build::file`] assembles from fuzz choices (names, dtypes, shapes with dims up to 2⁶⁴ and
//! beyond, offsets that tile or not, checkpoint metadata with broken values, a wrong length
//! prefix, short or long data); or a real checkpoint (any optimizer, after 0 to 3 steps), or a
//! real parameter file, with a few edits ([`build::mutate`]).
//!
//! The bytes go to `io::from_bytes`, `io::load_bytes_into` (strict and not) and
//! `io::load_checkpoint_bytes` (with the optimizer the checkpoint was made with, or another).
//! Checked: an error, never a panic; every tensor read has as many values as its shape says; a
//! failed load changes neither the store nor the optimizer; a successful load copies exactly
//! the file's values into the keys it reports as loaded; an unedited checkpoint loads and
//! restores the optimizer's state exactly. Allocations are bounded by the run commands
//! (`-malloc_limit_mb`) and, in `tests/fuzz_props.rs`, by a counting allocator: no single
//! allocation may exceed a small multiple of the input's size.

pub mod build;

use arenagrad::io::{self, LoadOptions};
use arenagrad::prelude::*;

use crate::reader::Reader;

/// Equal bit for bit, any NaN matching any NaN.
fn same(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// Decodes `data` and checks every property; the body of the fuzz target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let (mode, kind) = (r.u8(), r.u8());
    let (bytes, pristine) = match mode % 4 {
        0 => (r.rest().to_vec(), false),
        1 => (build::file(&mut r), false),
        2 => {
            let original = build::checkpoint(kind, r.u8() % 4);
            let edited = build::mutate(&mut r, original.clone());
            let pristine = edited == original;
            (edited, pristine)
        }
        _ => (
            build::mutate(
                &mut r,
                io::to_bytes(&build::store(0.25)).expect("serialises"),
            ),
            false,
        ),
    };
    if crate::reader::tracing() {
        eprintln!(
            "mode {} kind {kind}: {:?}",
            mode % 4,
            String::from_utf8_lossy(&bytes)
        );
    }
    let file = io::from_bytes(&bytes);
    if let Ok(f) = &file {
        for (name, t) in &f.tensors {
            assert_eq!(
                t.data().len(),
                t.shape().iter().product::<usize>(),
                "{name}"
            );
        }
    }
    for strict in [true, false] {
        let mut params = build::store(-1.0);
        let before = params.flat_data().to_vec();
        match io::load_bytes_into(&bytes, &mut params, LoadOptions { strict }) {
            Err(e) => {
                assert!(
                    matches!(e, Error::Format { .. } | Error::StateDict { .. }),
                    "{e:?}"
                );
                assert!(
                    same(params.flat_data(), &before),
                    "a failed load changed the store"
                );
            }
            Ok(report) => {
                let all = report.loaded.len() + report.missing.len() + report.mismatched.len();
                assert_eq!(all, params.len(), "{report:?}");
                assert!(!strict || report.is_exact(), "{report:?}");
                for key in &report.loaded {
                    let p = params.get(key).expect("a loaded key is a parameter");
                    if let Ok(f) = &file {
                        assert!(same(params.data(p), f.tensors[key].data()), "{key}");
                    }
                }
            }
        }
    }
    checkpoint(&bytes, kind, r.u8(), pristine);
}

/// `load_checkpoint_bytes` with the checkpoint's own optimizer kind, or another.
fn checkpoint(bytes: &[u8], kind: u8, other: u8, pristine: bool) {
    let same_kind = !other.is_multiple_of(4) || pristine;
    let kind = if same_kind { kind } else { other };
    let mut params = build::store(-1.0);
    let mut opt = build::optimizer(kind, &params);
    let (before, state) = (params.flat_data().to_vec(), opt.state_dict(&params));
    match io::load_checkpoint_bytes(bytes, &mut params, opt.as_mut()) {
        Err(e) => {
            assert!(
                !pristine || !same_kind,
                "an unedited checkpoint failed to load: {e}"
            );
            assert!(
                same(params.flat_data(), &before),
                "a failed load changed the store"
            );
            assert!(
                opt.state_dict(&params) == state,
                "a failed load changed the optimizer"
            );
        }
        Ok(step) if pristine => {
            // everything was restored: saving again gives the same bytes
            let again = io::checkpoint_to_bytes(&params, opt.as_ref(), step).expect("serialises");
            assert!(
                again == bytes,
                "save(load(checkpoint)) differs from the checkpoint"
            );
        }
        Ok(_) => {}
    }
}
