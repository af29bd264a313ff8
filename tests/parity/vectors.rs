//! Reading the vector files and comparing against them.
//!
//! Files come from the directory named by `ARENAGRAD_VECTORS`, or `tests/vectors/` of this
//! crate. The committed directory must hold every file; another directory may hold a subset
//! (a missing file is skipped with a message).

use std::collections::BTreeMap;
use std::path::PathBuf;

use arenagrad::Tensor;
use serde_json::Value;

/// The vectors directory and whether it is the committed default.
pub fn dir() -> (PathBuf, bool) {
    match std::env::var_os("ARENAGRAD_VECTORS") {
        Some(d) => (PathBuf::from(d), false),
        None => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
            true,
        ),
    }
}

/// The parsed file, or `None` (with a message) if a non-default directory lacks it.
pub fn load(name: &str) -> Option<Value> {
    let (dir, default) = dir();
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not valid JSON: {e}", path.display())),
        ),
        Err(e) if default => panic!("{}: {e} (the committed vectors)", path.display()),
        Err(_) => {
            eprintln!("{} does not exist: skipped", path.display());
            None
        }
    }
}

/// `{"shape": [..], "data": [..]}` as a tensor (each f64 value cast to f32: exact for the files).
pub fn tensor(v: &Value) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap_or_else(|| panic!("a tensor needs \"shape\": {v}"))
        .iter()
        .map(|d| d.as_u64().expect("dimensions are non-negative integers") as usize)
        .collect();
    let data: Vec<f32> = v["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a tensor needs \"data\": {v}"))
        .iter()
        .map(|x| x.as_f64().expect("values are numbers") as f32)
        .collect();
    Tensor::new(data, &shape).unwrap_or_else(|e| panic!("{e}"))
}

/// Pass criterion: `|got - want| <= atol + rtol * |want|`.
#[derive(Clone, Copy, Debug)]
pub struct Tol {
    pub atol: f64,
    pub rtol: f64,
}

impl Tol {
    /// The README's default (rtol 1e-4, atol 1e-5).
    pub const DEFAULT: Tol = Tol {
        atol: 1e-5,
        rtol: 1e-4,
    };
    /// A case's `"tol"` object, or the default where absent.
    pub fn of(v: &Value) -> Tol {
        Tol {
            atol: v["atol"].as_f64().unwrap_or(Tol::DEFAULT.atol),
            rtol: v["rtol"].as_f64().unwrap_or(Tol::DEFAULT.rtol),
        }
    }
}

/// Largest errors seen for one op (or scenario).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub cases: usize,
    pub failed: usize,
    pub max_abs: f64,
    /// `|got - want| / |want|` over non-zero `want`.
    pub max_rel: f64,
    /// `|got - want| / (atol + rtol |want|)`: at most 1 when passing.
    pub max_ratio: f64,
}

/// Compares `got` (values and shape) with `want`; on failure, says where (first 3 elements).
pub fn compare(
    what: &str,
    got: &Tensor,
    want: &Tensor,
    tol: Tol,
    st: &mut Stats,
) -> Result<(), String> {
    if got.shape() != want.shape() {
        return Err(format!(
            "{what}: shape {:?}, want {:?}",
            got.shape(),
            want.shape()
        ));
    }
    let mut bad = Vec::new();
    for (k, (&g32, &w32)) in got.data().iter().zip(want.data()).enumerate() {
        let (g, w) = (f64::from(g32), f64::from(w32));
        let err = (g - w).abs();
        let allowed = tol.atol + tol.rtol * w.abs();
        if err <= allowed {
            st.max_abs = st.max_abs.max(err);
            if w != 0.0 {
                st.max_rel = st.max_rel.max(err / w.abs());
            }
            st.max_ratio = st.max_ratio.max(err / allowed);
        } else {
            // NaN lands here too
            st.max_abs = f64::max(st.max_abs, err);
            st.max_ratio = f64::INFINITY;
            bad.push(format!(
                "[{k}] got {g32:e} want {w32:e} (|diff| {err:.3e} > {allowed:.3e})"
            ));
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        let n = bad.len();
        bad.truncate(3);
        Err(format!(
            "{what}: {n} of {} elements off: {}",
            want.numel(),
            bad.join(", ")
        ))
    }
}

/// Prints one row per op: cases, failed cases, max abs error and max rel error (over the
/// compared elements), worst error / tolerance.
pub fn print_table(title: &str, stats: &BTreeMap<String, Stats>) {
    println!("\n{title}");
    let head = ["op", "cases", "failed", "max abs", "max rel", "err/tol"];
    println!(
        "{:<34} {:>5} {:>6} {:>10} {:>10} {:>8}",
        head[0], head[1], head[2], head[3], head[4], head[5]
    );
    for (op, s) in stats {
        println!(
            "{op:<34} {:>5} {:>6} {:>10.3e} {:>10.3e} {:>8.3}",
            s.cases, s.failed, s.max_abs, s.max_rel, s.max_ratio
        );
    }
}
