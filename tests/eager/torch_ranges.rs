//! `arange` and `linspace` against PyTorch 2.15 (CPU, float32): `tests/vectors/eager_ranges.json`,
//! made by `scripts/gen_eager_vectors.py`.
//!
//! linspace must equal torch bit for bit. arange must have torch's length and, element by element,
//! the file's `formula` (PyTorch's scalar formula `f32(start + i·step)` evaluated by numpy in f64);
//! torch's own SIMD body rounds a block base to f32 first, so torch may differ from the formula by
//! that rounding, at most f32 ε · max(|start|, |end|): checked too, so the file states what the
//! docs claim.

use arenagrad::Tensor;
use serde_json::Value;

use super::bits;

fn f32s(v: &Value) -> Vec<f32> {
    let parse = |x: &Value| x.as_str().unwrap().parse::<f64>().unwrap() as f32;
    v.as_array().unwrap().iter().map(parse).collect()
}

fn f64_of(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

fn cases(op: &str) -> Vec<Value> {
    let file: Value = serde_json::from_str(include_str!("../vectors/eager_ranges.json")).unwrap();
    let all = file["cases"].as_array().unwrap().clone();
    let picked: Vec<Value> = all.into_iter().filter(|c| c["op"] == op).collect();
    assert!(picked.len() >= 8, "{op}: too few cases in the file");
    picked
}

#[test]
fn linspace_is_bit_for_bit_torch() {
    for c in cases("linspace") {
        let (start, end) = (f64_of(&c["start"]) as f32, f64_of(&c["end"]) as f32);
        let steps = c["steps"].as_u64().unwrap() as usize;
        let got = Tensor::try_linspace(start, end, steps).unwrap();
        let want = Tensor::from(f32s(&c["torch"]));
        assert_eq!(got.shape(), &[steps]);
        assert_eq!(bits(&got), bits(&want), "linspace({start}, {end}, {steps})");
    }
}

#[test]
fn arange_has_torch_length_and_the_scalar_formula() {
    let mut differing = 0;
    for c in cases("arange") {
        let (start, end, step) = (f64_of(&c["start"]), f64_of(&c["end"]), f64_of(&c["step"]));
        let got = Tensor::try_arange(start, end, step).unwrap();
        let torch = f32s(&c["torch"]);
        let what = format!("arange({start}, {end}, {step})");
        assert_eq!(got.numel(), torch.len(), "{what}: length");
        assert_eq!(
            bits(&got),
            bits(&Tensor::from(f32s(&c["formula"]))),
            "{what}"
        );
        let bound = f32::EPSILON as f64 * start.abs().max(end.abs());
        for (i, (&g, &t)) in got.data().iter().zip(&torch).enumerate() {
            let diff = (g as f64 - t as f64).abs();
            assert!(diff <= bound, "{what}[{i}]: {g} vs torch {t}");
            differing += usize::from(diff != 0.0);
        }
        assert_eq!(
            c["diffs"].as_u64().unwrap() as usize,
            got.data()
                .iter()
                .zip(&torch)
                .filter(|(g, t)| g != t)
                .count()
        );
    }
    // the file holds cases where torch's SIMD rounding shows, so the bound is exercised
    assert!(differing > 0);
}
