//! The `npy_load` fuzz target: arbitrary bytes into `io::npy`'s readers.
//!
//! The first byte picks the input: the remaining bytes as they are; a file whose preamble is
//! assembled from fuzz choices ([`file`]: versions 0 to 4, NumPy's dtypes and others,
//! big-endian, Fortran order, dims from 0 to past 2⁶⁴ as text, missing, repeated or unknown
//! keys, a wrong header length, data of the right length or one byte off); or a real file
//! (`npy::to_bytes` / `npy::labels_to_bytes`) with a few bytes changed, inserted, removed or
//! cut off ([`mutate`]).
//!
//! Checked: `npy::from_bytes` and `npy::labels_from_bytes` return an error, never panic; what
//! they read is no larger than the bytes that held it (4 bytes per `f32` at least, 8 per
//! label); it writes back and reads again bit for bit; an unedited real file reads back to its
//! array exactly. Allocations are bounded by the run commands (`-malloc_limit_mb`) and, in
//! `tests/fuzz_props.rs`, by a counting allocator (no single allocation beyond a small multiple
//! of the input's size).

use arenagrad::io::npy;

use crate::reader::Reader;

/// Dims as the header's text: sizes, the edges of u32/u64/usize, past them, malformed.
const DIMS: [&str; 14] = [
    "0",
    "1",
    "2",
    "3",
    "7",
    "65536",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "999999999999999999999999",
    "-1",
    "3L",
];

const DTYPES: [&str; 11] = [
    "<f4", "<f8", "<i8", ">f4", ">i8", "<i4", "|u1", "<f2", "f4", "", "<f4' ",
];

/// Equal bit for bit.
fn same(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Decodes `data` and checks every property; the body of the fuzz target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    let mode = r.u8() % 3;
    let (bytes, source) = match mode {
        0 => (r.rest().to_vec(), None),
        1 => (file(&mut r), None),
        _ => {
            let shape = r.shape();
            let t = r.tensor(&shape);
            let labels: Vec<usize> = t.data().iter().map(|&v| v.to_bits() as usize).collect();
            let as_labels = r.bool();
            let original = if as_labels {
                npy::labels_to_bytes(&labels).expect("u32 labels fit int64")
            } else {
                npy::to_bytes(&t)
            };
            let edited = mutate(&mut r, original.clone());
            let source = (edited == original).then_some((t, labels, as_labels));
            (edited, source)
        }
    };
    if crate::reader::tracing() {
        eprintln!("mode {mode}: {:?}", String::from_utf8_lossy(&bytes));
    }
    if let Ok(t) = npy::from_bytes(&bytes) {
        assert!(
            t.numel().saturating_mul(4) <= bytes.len(),
            "{:?}",
            t.shape()
        );
        let again = npy::from_bytes(&npy::to_bytes(&t)).expect("arenagrad's bytes read back");
        assert_eq!(again.shape(), t.shape());
        assert!(same(again.data(), t.data()));
    }
    if let Ok(labels) = npy::labels_from_bytes(&bytes) {
        assert!(labels.len().saturating_mul(8) <= bytes.len());
        let back = npy::labels_to_bytes(&labels).expect("labels read from int64 fit it");
        assert_eq!(npy::labels_from_bytes(&back).expect("reads back"), labels);
    }
    if let Some((t, labels, as_labels)) = source {
        // an unedited file reads back to the array it was written from
        if as_labels {
            assert_eq!(
                npy::labels_from_bytes(&bytes).expect("unedited labels"),
                labels
            );
        } else {
            let back = npy::from_bytes(&bytes).expect("an unedited f32 file");
            assert_eq!(back.shape(), t.shape());
            assert!(same(back.data(), t.data()));
        }
    }
}

/// A file whose preamble is assembled from fuzz choices.
pub fn file(r: &mut Reader) -> Vec<u8> {
    let version = [1u8, 1, 1, 2, 3, 0, 4][r.below(7)];
    // NumPy's three dtypes half the time, any of the list otherwise
    let palette = if r.bool() { 3 } else { DTYPES.len() };
    let descr = DTYPES[r.below(palette)];
    let fortran = ["False", "False", "False", "False", "False", "True", "0"][r.below(7)];
    let rank = r.below(5);
    // small dims (the first five) half the time
    let dims: Vec<&str> = (0..rank)
        .map(|_| {
            let palette = if r.bool() { 5 } else { DIMS.len() };
            DIMS[r.below(palette)]
        })
        .collect();
    let shape = match dims[..] {
        [d] => format!("({d},)"),
        _ => format!("({})", dims.join(", ")),
    };
    let mut entries = vec![
        format!("'descr': '{descr}'"),
        format!("'fortran_order': {fortran}"),
        format!("'shape': {shape}"),
    ];
    match r.u8() % 16 {
        0 => {
            entries.remove(r.below(3));
        }
        1 => entries.push(entries[r.below(3)].clone()),
        2 => entries.push("'extra': 1".into()),
        3 => entries.swap(0, 2),
        _ => {}
    }
    let mut dict = format!("{{{}, }}", entries.join(", "));
    if r.u8().is_multiple_of(16) {
        dict.truncate(r.below(dict.len() + 1)); // broken syntax
    }
    dict.push('\n');
    let long = version >= 2;
    let mut len = dict.len();
    if r.u8().is_multiple_of(16) {
        len = if long {
            r.u32() as usize
        } else {
            r.u16() as usize
        };
    }
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if long {
        out.extend_from_slice(&(len as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    // the data: the shape's byte count when it is small, give or take a byte
    let size = if descr.ends_with('4') { 4u128 } else { 8 };
    let numel = dims
        .iter()
        .try_fold(1u128, |a, d| a.checked_mul(d.parse::<u128>().ok()?));
    let n = match numel.and_then(|n| n.checked_mul(size)) {
        Some(n) if n <= 4096 => match r.u8() % 8 {
            0 => n as usize + 1,
            1 => (n as usize).saturating_sub(1),
            _ => n as usize,
        },
        _ => r.below(64),
    };
    out.extend((0..n).map(|_| r.u8()));
    out
}

/// A few edits of `bytes`: a byte changed, inserted or removed, a digit changed, a cut.
pub fn mutate(r: &mut Reader, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..r.u8() % 4 {
        // mostly inside the 128-byte preamble
        let span = if r.bool() {
            bytes.len().min(128)
        } else {
            bytes.len()
        };
        let at = if span == 0 { 0 } else { r.below(span) };
        match r.u8() % 5 {
            0 if at < bytes.len() => bytes[at] = r.u8(),
            1 => bytes.insert(at, b"0123456789(),:'{} LTF<>"[r.below(23)]),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            3 => {
                if let Some(d) = bytes[at..].iter().position(u8::is_ascii_digit) {
                    bytes[at + d] = b'0' + r.u8() % 10;
                }
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}
