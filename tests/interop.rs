//! safetensors interop with PyTorch, both ways.
//!
//! PyTorch -> arenagrad (runs everywhere): `tests/data/mlp_64_32_10.safetensors` is the
//! state_dict of `nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))` written by
//! `safetensors.torch.save_file`; loaded into `Mlp::new(.., &[64, 32, 10], ..)` it must give
//! PyTorch's logits (`mlp_64_32_10.expected.json`) within the file's tolerance.
//! `tests/data/dtypes.safetensors` holds F16/BF16/F64 values next to PyTorch's f32 conversion
//! (`scripts/gen_dtype_file.py`; `ARENAGRAD_DTYPE_FILE` points the test at another such file,
//! e.g. the exhaustive one).
//!
//! arenagrad -> PyTorch: `arenagrad_mlp_loads_in_pytorch` writes an arenagrad Mlp and its logits
//! and, when `ARENAGRAD_PYTHON` names a Python with torch and safetensors, runs
//! `scripts/check_interop.py` on them (load_file, load_state_dict strict, same logits, same
//! bytes when re-saved by PyTorch).

use std::path::{Path, PathBuf};

use arenagrad::io::{self, LoadOptions};
use arenagrad::nn::Mlp;
use arenagrad::prelude::*;
use serde_json::{json, Value};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn tensor(v: &Value) -> Tensor {
    let shape: Vec<usize> = serde_json::from_value(v["shape"].clone()).unwrap();
    let values: Vec<f32> = serde_json::from_value(v["data"].clone()).unwrap();
    Tensor::new(values, &shape).unwrap()
}

fn logits(params: &mut ParamStore, model: &Mlp, x: &Tensor) -> Tensor {
    Graph::new()
        .run_with(params, |g| {
            Ok(model.forward(g, g.input(x.clone()))?.to_tensor())
        })
        .unwrap()
}

fn argmax_rows(t: &Tensor) -> Vec<usize> {
    let c = t.shape()[1];
    let row_max = |r: &[f32]| (0..c).fold(0, |b, j| if r[j] > r[b] { j } else { b });
    t.data().chunks(c).map(row_max).collect()
}

#[test]
fn pytorch_mlp_gives_pytorch_logits() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(data("mlp_64_32_10.expected.json")).unwrap())
            .unwrap();
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, &[64, 32, 10], &mut Rng::seed(0)).unwrap();
    let path = data("mlp_64_32_10.safetensors");
    let report = io::load_into(&path, &mut params, LoadOptions::default()).unwrap();
    assert_eq!(report.loaded, ["0.weight", "0.bias", "2.weight", "2.bias"]);

    let (x, want) = (tensor(&expected["inputs"]), tensor(&expected["logits"]));
    let got = logits(&mut params, &model, &x);
    assert_eq!(got.shape(), want.shape());
    let (rtol, atol) = (
        expected["tol"]["rtol"].as_f64().unwrap(),
        expected["tol"]["atol"].as_f64().unwrap(),
    );
    let mut worst = 0.0f64;
    for (i, (&g, &w)) in got.data().iter().zip(want.data()).enumerate() {
        let (g, w) = (f64::from(g), f64::from(w));
        let err = (g - w).abs();
        assert!(
            err <= atol + rtol * w.abs(),
            "logit {i}: arenagrad {g}, PyTorch {w}"
        );
        worst = worst.max(err);
    }
    assert_eq!(argmax_rows(&got), argmax_rows(&want));
    println!(
        "PyTorch -> arenagrad: 160 logits, max |diff| = {worst:.3e} (atol {atol}, rtol {rtol})"
    );
}

#[test]
fn pytorch_file_into_the_wrong_model_lists_the_differences() {
    let path = data("mlp_64_32_10.safetensors");
    let mut params = ParamStore::new();
    Mlp::with_prefix(&mut params, "net", &[64, 32, 10], &mut Rng::seed(0)).unwrap();
    let err = io::load_into(&path, &mut params, LoadOptions::default()).unwrap_err();
    let Error::StateDict {
        missing,
        unexpected,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((missing.len(), unexpected.len()), (4, 4));
    assert!(
        missing.contains(&"net.0.weight".to_string())
            && unexpected.contains(&"0.weight".to_string())
    );

    let mut params = ParamStore::new();
    let before = {
        Mlp::new(&mut params, &[64, 16, 10], &mut Rng::seed(0)).unwrap();
        params.flat_data().to_vec()
    };
    assert!(io::load_into(&path, &mut params, LoadOptions::default()).is_err());
    assert_eq!(params.flat_data(), &before[..]); // strict: nothing loaded
    let report = io::load_into(&path, &mut params, LoadOptions { strict: false }).unwrap();
    assert_eq!(report.loaded, ["2.bias"]);
    assert_eq!(
        report.mismatched[0],
        ("0.weight".to_string(), vec![16, 64], vec![32, 64])
    );
}

#[test]
fn pytorch_dtype_conversions_match() {
    let path = std::env::var_os("ARENAGRAD_DTYPE_FILE")
        .map_or_else(|| data("dtypes.safetensors"), PathBuf::from);
    let file = io::read(&path).unwrap();
    let mut checked = 0;
    for (name, want) in file.tensors.iter().filter(|(k, _)| k.ends_with(".as_f32")) {
        let got = file.get(name.trim_end_matches(".as_f32")).unwrap();
        assert_eq!(got.shape(), want.shape(), "{name}");
        for (i, (g, w)) in got.data().iter().zip(want.data()).enumerate() {
            // NaN payloads differ between converters (PyTorch's CPU path returns 0x7fffffff
            // for every NaN; x86's vcvtph2ps and arenagrad keep sign and payload): NaN is NaN
            let same = g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan());
            assert!(
                same,
                "{name}[{i}]: arenagrad {:#010x}, PyTorch {:#010x}",
                g.to_bits(),
                w.to_bits()
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
    println!(
        "{checked} F16/BF16/F64 values converted bit-exactly as PyTorch does ({})",
        path.display()
    );
}

#[test]
fn arenagrad_mlp_loads_in_pytorch() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(data("mlp_64_32_10.expected.json")).unwrap())
            .unwrap();
    let x = tensor(&expected["inputs"]);
    let mut params = ParamStore::new();
    let model = Mlp::new(&mut params, &[64, 32, 10], &mut Rng::seed(42)).unwrap();
    let want = logits(&mut params, &model, &x);

    let dir = std::env::var_os("ARENAGRAD_INTEROP_DIR").map_or_else(
        || std::env::temp_dir().join(format!("arenagrad-interop-{}", std::process::id())),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    let (st, js) = (
        dir.join("arenagrad_mlp.safetensors"),
        dir.join("arenagrad_mlp.expected.json"),
    );
    io::save(&st, &params).unwrap();
    let doc = json!({
        "model": "arenagrad Mlp [64, 32, 10] (Rng::seed(42)) = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))",
        "inputs": expected["inputs"],
        "logits": { "shape": want.shape(), "data": want.data() },
        "tol": { "rtol": 1e-5, "atol": 1e-5 },
    });
    std::fs::write(&js, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    // the Rust side of the round trip: a fresh model loads the file and agrees bit for bit
    let mut other = ParamStore::new();
    let copy = Mlp::new(&mut other, &[64, 32, 10], &mut Rng::seed(7)).unwrap();
    assert!(io::load_into(&st, &mut other, LoadOptions::default())
        .unwrap()
        .is_exact());
    assert_eq!(logits(&mut other, &copy, &x), want);

    match std::env::var_os("ARENAGRAD_PYTHON") {
        Some(python) => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_interop.py");
            let out = std::process::Command::new(python)
                .arg(script)
                .arg(&st)
                .arg(&js)
                .output()
                .unwrap();
            print!("{}", String::from_utf8_lossy(&out.stdout));
            assert!(
                out.status.success(),
                "check_interop.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        None => println!(
            "PyTorch check skipped: set ARENAGRAD_PYTHON to a Python with torch and safetensors \
             (and ARENAGRAD_INTEROP_DIR to keep the files)"
        ),
    }
    if std::env::var_os("ARENAGRAD_INTEROP_DIR").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
