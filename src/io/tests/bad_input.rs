//! Bad input: every truncation, bit flips, random bytes and hand-made hostile headers give an
//! [`Error::Format`] with a message that says which check failed; nothing panics and nothing
//! is allocated from an unchecked length.

use super::{file, format_message, sample};
use crate::io::{from_bytes, load_bytes_into, to_bytes, LoadOptions};
use crate::rng::Rng;

#[test]
fn every_truncation_is_an_error() {
    let bytes = to_bytes(&sample()).unwrap();
    for len in 0..bytes.len() {
        let msg = format_message(from_bytes(&bytes[..len]));
        assert!(msg.contains("truncated"), "{len}: {msg}");
        let mut params = sample();
        assert!(load_bytes_into(&bytes[..len], &mut params, LoadOptions::default()).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0); // a trailing byte is corrupt too
    assert!(format_message(from_bytes(&longer)).contains("data_offsets do not end"));
}

#[test]
fn bit_flips_and_garbage_never_panic() {
    let bytes = to_bytes(&sample()).unwrap();
    let mut rng = Rng::seed(5);
    for pos in 0..bytes.len() {
        for _ in 0..4 {
            let mut b = bytes.clone();
            b[pos] ^= 1 << (rng.next_u64() % 8);
            if let Ok(f) = from_bytes(&b) {
                // a flip in the data or a harmless header byte: still a consistent file
                assert!(f
                    .tensors
                    .values()
                    .all(|t| t.data().len() == t.shape().iter().product::<usize>()));
            }
        }
    }
    for len in [0, 1, 7, 8, 9, 16, 100, 1000] {
        for _ in 0..50 {
            let junk: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            assert!(from_bytes(&junk).is_err());
        }
    }
}

#[test]
fn hostile_headers_are_rejected_before_allocating() {
    let cases: &[(Vec<u8>, &str)] = &[
        (vec![1, 2, 3], "too few"),
        (
            u64::MAX.to_le_bytes().to_vec(),
            "header length field says 18446744073709551615",
        ),
        (file("{}", b"")[..9].to_vec(), "but only 1 follow"),
        (
            [&(1u64 << 40).to_le_bytes()[..], b"{}"].concat(),
            "header length field",
        ),
        (file("{}", b"x"), "data_offsets do not end"),
        (file("[]", b""), "JSON object"),
        (file("null", b""), "JSON object"),
        (file("{} {}", b""), "JSON object"),
        (
            file(
                &format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
                b"",
            ),
            "JSON object",
        ),
        (vec![2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe], "UTF-8"),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,1000]}}"#,
                &[0; 8],
            ),
            "span differs",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[250],"data_offsets":[0,1000]}}"#,
                &[0; 8],
            ),
            "data_offsets do not end",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                &[0; 12],
            ),
            "does not start",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
                &[0; 8],
            ),
            "does not start",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "span differs",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
                b"",
            ),
            "overflow",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                &[0; 4],
            ),
            "key \"a\" twice",
        ),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                &[0; 8],
            ),
            "key \"a\" twice",
        ),
        (file(r#"{"__metadata__":{"k":1}}"#, b""), "invalid"),
        (
            file(
                r#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
                &[0; 4],
            ),
            "invalid",
        ),
        (file(r#"{"a":{"dtype":"F32"}}"#, b""), "invalid"),
    ];
    for (bytes, want) in cases {
        let msg = format_message(from_bytes(bytes));
        assert!(msg.contains(want), "want {want:?} in {msg}");
    }
}

#[test]
fn every_number_in_the_header_replaced_by_edge_values_never_panics() {
    // shapes and offsets are where sizes come from: put 0, 1, off-by-ones and values that
    // overflow usize arithmetic (or do not fit in u64 at all) in each of them
    let bytes = to_bytes(&sample()).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    let data = &bytes[8 + n..];
    let mut numbers = Vec::new(); // byte ranges of the digit runs
    let mut start = None;
    for (i, c) in header.char_indices() {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                numbers.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    let edges = [
        "0",
        "1",
        "3",
        "7",
        "9",
        "37",
        "4611686018427387904",
        "9223372036854775807",
        "18446744073709551615",
        "18446744073709551616",
        "-1",
        "1e3",
    ];
    // a few stay valid: the second dim of the [0, 3] tensor can be anything (still 0 elements)
    let mut accepted = 0;
    for r in &numbers {
        for e in edges {
            let h = format!("{}{e}{}", &header[..r.start], &header[r.end..]);
            if let Ok(f) = from_bytes(&file(&h, data)) {
                accepted += 1;
                assert_eq!(f.tensors["empty"].data().len(), 0, "{h}");
            }
        }
    }
    assert!(
        numbers.len() > 15 && accepted <= 2 * edges.len(),
        "{accepted}"
    );
}
