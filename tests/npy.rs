//! `.npy` files NumPy wrote (`scripts/gen_npy_fixtures.py`, committed in `tests/data/npy/`):
//! arenagrad reads each with the values computed here independently, refuses each bad one
//! with a message naming the file and the problem, and writes the same bytes as `numpy.save`.
//! The files arenagrad writes are committed in `tests/data/npy/arenagrad/` (rewritten with
//! `ARENAGRAD_WRITE_NPY=1`), and `gen_npy_fixtures.py --check` reads them with `numpy.load`.

use std::path::PathBuf;

use arenagrad::data::TensorDataset;
use arenagrad::io::npy;
use arenagrad::{Error, Tensor};

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/npy")
        .join(name)
}

fn load(name: &str) -> Tensor {
    npy::load(path(&format!("{name}.npy"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The arrays of `ARENAGRAD` in the script, built here: (name, tensor).
fn arenagrad_arrays() -> Vec<(&'static str, Tensor)> {
    let f32_2x3 = vec![0.5, -1.25, 3.0, 1e-8, -0.0, 65504.0];
    let tenths = (0..15).map(|i| i as f32 * 0.1).collect();
    vec![
        ("f32_2x3", Tensor::new(f32_2x3, &[2, 3]).unwrap()),
        ("f32_3x1x5", Tensor::new(tenths, &[3, 1, 5]).unwrap()),
        ("f32_scalar", Tensor::scalar(2.5)),
        ("f32_empty_0x3", Tensor::zeros(&[0, 3]).unwrap()),
    ]
}

const LABELS: [usize; 8] = [3, 1, 4, 1, 5, 9, 2, 6];

#[test]
fn numpy_float32_files_read_with_their_shapes() {
    for (name, want) in arenagrad_arrays() {
        let t = load(name);
        assert_eq!(t.shape(), want.shape(), "{name}");
        assert_eq!(bits(t.data()), bits(want.data()), "{name}"); // -0.0 included
    }
    let t = load("f32_empty_4x0x2");
    assert_eq!((t.shape(), t.numel()), (&[4, 0, 2][..], 0));
    let eighths: Vec<f32> = (1..=7).map(|i| i as f32 / 8.0).collect();
    assert_eq!(load("f32_7").data(), eighths);
    assert_eq!(load("f32_7").shape(), [7]);
}

#[test]
fn version_2_and_3_headers_read() {
    let t = load("f32_v2");
    assert_eq!(
        (t.shape(), t.data()),
        (&[2, 2][..], &[1.5, -2.0, 0.25, 8.0][..])
    );
    let t = load("f32_v3");
    assert_eq!((t.shape(), t.data()), (&[3][..], &[1.5, -2.0, 0.25][..]));
}

#[test]
fn float64_rounds_to_nearest_f32() {
    let t = load("f64_2x2");
    assert_eq!(t.shape(), [2, 2]);
    // 1 + 2^-24 is halfway between 1 and 1 + 2^-23: ties to even, 1.0; 1e40 overflows to inf
    let want = [0.1f64 as f32, (1.0f64 / 3.0) as f32, f32::INFINITY, 1.0];
    assert_eq!(bits(t.data()), bits(&want));
    assert_ne!(t.data()[0] as f64, 0.1); // rounded, not widened back
}

#[test]
fn int64_reads_as_labels_and_exact_floats() {
    assert_eq!(npy::load_labels(path("i64_labels.npy")).unwrap(), LABELS);
    assert!(npy::load_labels(path("i64_labels_empty.npy"))
        .unwrap()
        .is_empty());
    let t = load("i64_2x2");
    assert_eq!(
        t.data(),
        [0.0, -7.0, 16_777_216.0, 3.0 * (1u64 << 40) as f32]
    );
}

#[test]
fn labels_and_features_make_a_dataset() {
    let x = load("f32_3x1x5");
    let y = npy::load_labels(path("i64_labels.npy")).unwrap();
    let err = TensorDataset::with_labels(x.clone(), y.clone()).unwrap_err();
    assert!(err.to_string().contains("hold 3 samples"), "{err}");
    let ds = TensorDataset::with_labels(x, y[..3].to_vec()).unwrap();
    assert_eq!(ds.get(2).unwrap().1, [4]);
}

#[test]
fn bad_numpy_files_are_errors_that_say_what_to_do() {
    let cases = [
        ("bad_big_endian", "load", "big-endian ('>f4')"),
        ("bad_fortran", "load", "Fortran"),
        (
            "bad_int32",
            "load",
            "'<i4' is not supported; arenagrad reads '<f4'",
        ),
        (
            "bad_truncated",
            "load",
            "needs 24 bytes of data but 23 follow",
        ),
        (
            "bad_inexact_i64",
            "load",
            "16777217, which f32 cannot hold exactly",
        ),
        ("bad_negative_label", "load_labels", "label 1 is -100"),
        ("bad_labels_2d", "load_labels", "rank 1"),
        ("f32_2x3", "load_labels", "labels must be int64"),
    ];
    for (name, op, want) in cases {
        let file = path(&format!("{name}.npy"));
        let e = match op {
            "load" => npy::load(&file).unwrap_err(),
            _ => npy::load_labels(&file).unwrap_err(),
        };
        assert!(matches!(e, Error::Format { .. }), "{name}: {e:?}");
        let text = e.to_string();
        assert!(text.starts_with(&format!("npy::{op}: ")), "{name}: {text}");
        assert!(text.contains(&format!("{name}.npy")), "{name}: {text}");
        assert!(text.contains(want), "{name}: {text}");
    }
    let e = npy::load(path("no_such_file.npy")).unwrap_err();
    assert!(matches!(
        e,
        Error::Io {
            op: "npy::load",
            kind: std::io::ErrorKind::NotFound,
            ..
        }
    ));
}

#[test]
fn arenagrad_writes_numpys_bytes() {
    let rewrite = std::env::var_os("ARENAGRAD_WRITE_NPY").is_some();
    let mut files = vec![];
    for (name, t) in arenagrad_arrays() {
        // the same array np.save wrote: the same bytes
        let numpy = std::fs::read(path(&format!("{name}.npy"))).unwrap();
        assert_eq!(npy::to_bytes(&t), numpy, "{name}");
        files.push((name, npy::to_bytes(&t)));
    }
    let numpy = std::fs::read(path("i64_labels.npy")).unwrap();
    assert_eq!(npy::labels_to_bytes(&LABELS).unwrap(), numpy);
    files.push(("labels", npy::labels_to_bytes(&LABELS).unwrap()));
    let numpy = std::fs::read(path("i64_labels_empty.npy")).unwrap();
    assert_eq!(npy::labels_to_bytes(&[]).unwrap(), numpy);
    files.push(("labels_empty", npy::labels_to_bytes(&[]).unwrap()));
    for (name, bytes) in files {
        let file = path(&format!("arenagrad/{name}.npy"));
        if rewrite {
            match name {
                "labels" => npy::save_labels(&file, &LABELS).unwrap(),
                "labels_empty" => npy::save_labels(&file, &[]).unwrap(),
                _ => npy::save(&file, &npy::from_bytes(&bytes).unwrap()).unwrap(),
            }
        }
        let committed = std::fs::read(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(committed, bytes, "{name}: rerun with ARENAGRAD_WRITE_NPY=1");
    }
}
