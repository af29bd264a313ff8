//! Hand-built preambles: every malformed part is an `Error::Format` with a useful message, and
//! nothing large is allocated for a header that claims a huge shape. NumPy-written files are
//! tested in `tests/npy.rs`.

use super::header::{format, parse};
use super::*;

/// A version-1.0 file with header `dict` (padded to 64 as NumPy does) and `data`.
fn file(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut text = dict.to_string();
    while !(10 + text.len() + 1).is_multiple_of(64) {
        text.push(' ');
    }
    text.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(data);
    out
}

fn err(bytes: &[u8]) -> String {
    let e = from_bytes(bytes).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Format {
                op: "npy::from_bytes",
                ..
            }
        ),
        "{e:?}"
    );
    e.to_string()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

#[test]
fn a_plain_header_reads() {
    let bytes = file(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }",
        &f32_bytes(&[1.5, -3.0]),
    );
    let t = from_bytes(&bytes).unwrap();
    assert_eq!((t.shape(), t.data()), (&[2, 1][..], &[1.5, -3.0][..]));
    // key order, quotes, spacing and the trailing comma are free; Python 2's 3L too
    let bytes = file(
        "{\"shape\":(3L,),\"fortran_order\":False,\"descr\":\"<f4\"}",
        &f32_bytes(&[1.0, 2.0, 3.0]),
    );
    assert_eq!(from_bytes(&bytes).unwrap().shape(), &[3]);
}

#[test]
fn the_preamble_is_numpys_and_parses_back() {
    for shape in [&[][..], &[0], &[5], &[2, 3], &[1, 2, 3, 4, 5, 6, 7]] {
        let pre = format(Dtype::F64, shape);
        assert_eq!(pre.len() % 64, 0, "{shape:?}");
        assert_eq!(*pre.last().unwrap(), b'\n');
        let h = parse("t", &pre).unwrap();
        assert_eq!(
            (h.dtype, &h.shape[..], h.data_start),
            (Dtype::F64, shape, pre.len())
        );
    }
    // NumPy's bytes for np.zeros((2, 3), np.float32): the dict, 20 spaces of room for the
    // first dimension to grow to 21 digits, padding to 128 bytes, '\n'
    let pre = format(Dtype::F32, &[2, 3]);
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    assert_eq!(&pre[..10], b"\x93NUMPY\x01\x00\x76\x00"); // 0x76 = 118 = 128 - 10
    assert_eq!(&pre[10..10 + dict.len()], dict.as_bytes());
    assert!(pre[10 + dict.len()..127].iter().all(|&c| c == b' '));
    assert_eq!(pre.len(), 128);
}

#[test]
fn a_header_over_64k_switches_to_version_2() {
    let shape = vec![1; 22_000]; // "1, " per dim: about 66,000 header bytes
    let pre = format(Dtype::F32, &shape);
    assert_eq!(&pre[6..8], [2, 0]);
    assert_eq!(pre.len() % 64, 0);
    let h = parse("t", &pre).unwrap();
    assert_eq!((h.shape.len(), h.data_start), (22_000, pre.len()));
}

#[test]
fn wrong_magic_and_unknown_versions_are_refused() {
    assert!(err(b"").contains("truncated"));
    assert!(err(b"\x93NUM").contains("truncated"));
    assert!(err(b"PK\x03\x04\x14\x00\x00\x00\x08\x00").contains("magic"));
    assert!(err(b"\x93NUMPX\x01\x00\x00\x00").contains("magic"));
    let mut bytes = file(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
        &[0; 4],
    );
    bytes[6] = 4;
    assert!(err(&bytes).contains("version 4.0 is not supported"));
    assert!(err(b"\x93NUMPY\x02\x00\x00\x00").contains("truncated"));
}

#[test]
fn a_truncated_header_is_refused() {
    let bytes = file(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
        &[0; 4],
    );
    assert!(err(&bytes[..40]).contains("header claims 118 bytes but the file has 30"));
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    v2.extend_from_slice(&u32::MAX.to_le_bytes()); // a 4 GiB header: refused, not allocated
    assert!(err(&v2).contains("truncated"));
}

#[test]
fn malformed_headers_are_refused() {
    let cases = [
        ("['descr', '<f4']", "expected '{'"),
        (
            "{'descr': '<f4', 'fortran_order': False}",
            "missing one of the keys",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
            "unexpected key",
        ),
        (
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}",
            "twice",
        ),
        (
            "{'descr': '<f4', 'fortran_order': 0, 'shape': ()}",
            "True or False",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
            "a dimension",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
            "below",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}",
            "expected ')'",
        ),
        ("{'descr: '<f4'}", "expected ':'"),
        (
            "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}",
            "structured",
        ),
        (
            "{'descr': '<f2', 'fortran_order': False, 'shape': ()}",
            "'<f2' is not supported",
        ),
        (
            "{'descr': '>f8', 'fortran_order': False, 'shape': ()}",
            "big-endian",
        ),
        (
            "{'descr': '<f4', 'fortran_order': True, 'shape': (1,)}",
            "Fortran",
        ),
    ];
    for (dict, want) in cases {
        let e = err(&file(dict, &[0; 8]));
        assert!(e.contains(want), "{dict}: {e}");
    }
    let e = err(&file(
        "{'descr': '|u1', 'fortran_order': False, 'shape': ()}",
        &[0],
    ));
    assert!(
        e.contains("'<f4' (float32), '<f8' (float64) and '<i8' (int64)"),
        "{e}"
    );
}

#[test]
fn the_data_must_match_the_shape_exactly() {
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
    let e = err(&file(dict, &[0; 31]));
    assert!(
        e.contains("needs 32 bytes of data but 31 follow") && e.contains("truncated"),
        "{e}"
    );
    let e = err(&file(dict, &[0; 40]));
    assert!(e.contains("does not match the data"), "{e}");
    // a huge claimed shape is compared with the 8 bytes present, never allocated
    let huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }";
    assert!(err(&file(huge, &[0; 8])).contains("needs 4000000000000 bytes"));
    let over = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }";
    assert!(err(&file(over, &[0; 8])).contains("more elements than fit in memory"));
    // an empty array with huge other dims is still empty, and needs no data
    let empty = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000000000000), }";
    assert_eq!(
        from_bytes(&file(empty, &[])).unwrap().shape(),
        &[0, 1_000_000_000_000]
    );
}

#[test]
fn int64_converts_only_when_exact() {
    let dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    let ints = |v: [i64; 3]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>();
    let t = from_bytes(&file(dict, &ints([-5, 1 << 24, 3 << 40]))).unwrap();
    assert_eq!(t.data(), [-5.0, 16_777_216.0, 3.0 * 2f32.powi(40)]);
    let e = err(&file(dict, &ints([0, 0, (1 << 24) + 1])));
    assert!(e.contains("element 2 is 16777217"), "{e}");
    assert_eq!(
        labels_from_bytes(&file(dict, &ints([0, 9, 1 << 40]))).unwrap(),
        [0, 9, 1 << 40]
    );
    let e = labels_from_bytes(&file(dict, &ints([0, -1, 2]))).unwrap_err();
    assert!(e.to_string().contains("label 1 is -1"), "{e}");
}

#[test]
fn written_bytes_read_back() {
    let t = Tensor::new(vec![0.5, -0.0, f32::INFINITY, 1e-40, 3.0, -2.0], &[3, 1, 2]).unwrap();
    let back = from_bytes(&to_bytes(&t)).unwrap();
    assert_eq!(back.shape(), t.shape());
    let bits = |t: &Tensor| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back), bits(&t)); // -0.0 and the subnormal survive bit for bit
    let nan = from_bytes(&to_bytes(&Tensor::scalar(f32::NAN))).unwrap();
    assert!(nan.item().is_nan() && nan.shape().is_empty());
    let labels = [0, 1, 9, usize::try_from(i64::MAX).unwrap()];
    assert_eq!(
        labels_from_bytes(&labels_to_bytes(&labels).unwrap()).unwrap(),
        labels
    );
    if let Ok(big) = usize::try_from(u64::MAX) {
        let e = labels_to_bytes(&[0, big]).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e}");
    }
}
