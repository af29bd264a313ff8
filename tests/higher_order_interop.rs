//! Second- and third-order gradients against PyTorch's, in float64, from
//! `tests/data/higher_order.expected.json` (written by `scripts/gen_higher_order.py`): a small
//! network through conv2d (stride, padding, dilation, groups), tanh, max_pool2d, avg_pool2d,
//! adaptive_avg_pool2d, pad, narrow, concat, index_select, gather, where, max along an axis,
//! conv_transpose2d, max, flatten and exp, differentiated three times with `grad`.
//!
//! The inputs and the projections between the orders are `sin(0.37·k + phase)·scale`, rebuilt
//! here. Tolerance: `|ours − torch| ≤ 2·10⁻⁴ + 10⁻⁴·|torch|` — f32 against float64, on
//! gradients that sum a few hundred terms of size up to ~300 (error `≈ u·Σ|terms|`,
//! `u ≈ 6·10⁻⁸`).

use arenagrad::prelude::*;
use serde_json::Value;

fn vals(n: usize, phase: f64, scale: f64, shape: &[usize]) -> Tensor {
    let data = (0..n)
        .map(|k| ((k as f64 * 0.37 + phase).sin() * scale) as f32)
        .collect();
    Tensor::new(data, shape).unwrap()
}

fn net<'g>(v: &[Var<'g>]) -> Result<Var<'g>> {
    let (x, w, b, wt) = (v[0], v[1], v[2], v[3]);
    let opts = Conv2dOptions::default()
        .stride([2, 1])
        .padding([1, 1])
        .dilation([1, 2])
        .groups(2);
    let y = x.try_conv2d(w, Some(b), opts)?.tanh();
    let p = y.try_max_pool2d(MaxPool2dOptions::square(2).stride([1, 1]))?;
    let avg = AvgPool2dOptions::square(3)
        .padding([1, 1])
        .count_include_pad(false);
    let q = y.try_avg_pool2d(avg)?;
    let r = q
        .try_adaptive_avg_pool2d([3, 3])?
        .try_pad(&[1, 0, 0, 1], 0.0)?;
    let s = Var::try_concat(&[p.try_narrow(2, 0, 3)?, r.try_narrow(2, 1, 3)?], 3)?;
    let s = s
        .try_index_select(1, &[3, 0, 0])?
        .try_gather(3, &[0, 2, 6, 6, 1, 0], &[1, 1, 1, 6])?;
    let m = Mask::new(vec![true, false, true, true, false, false], &[6])?;
    let s = Var::try_where_cond(&m, s, s * 2.0)?.try_max_axis(-1, false)?;
    let up = ConvTranspose2dOptions::default().stride([2, 2]);
    let z = y.try_conv_transpose2d(wt, None, up)?;
    let e = y
        .try_flatten(0, -1)?
        .try_index_select(0, &[5, 9, 5])?
        .exp()
        .sum();
    Ok((s * s).sum() + z.sin().sum() + y.try_max()?.powf(2.0) + e)
}

/// `Σ_k <d[k], c(first + k)>`, the projection between two orders.
fn project<'g>(g: &'g Scope<'g>, d: &[Option<Var<'g>>], first: f64) -> Result<Var<'g>> {
    let mut s = g.scalar(0.0);
    for (k, d) in d.iter().enumerate() {
        let d = d.expect("every input is used");
        let c = g.input(vals(d.numel(), first + k as f64, 1.0, d.shape()));
        s = s + (d * c).sum();
    }
    Ok(s)
}

#[test]
fn second_and_third_order_gradients_match_pytorch() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/higher_order.expected.json"
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let inputs: Vec<Tensor> = file["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let shape: Vec<usize> = serde_json::from_value(i["shape"].clone()).unwrap();
            let n = shape.iter().product();
            vals(
                n,
                i["phase"].as_f64().unwrap(),
                i["scale"].as_f64().unwrap(),
                &shape,
            )
        })
        .collect();
    let (second, third) = Graph::new()
        .run(|g| {
            let v: Vec<Var<'_>> = inputs.iter().map(|t| g.leaf(t)).collect();
            let create = GradOptions::new().create_graph(true);
            let g1 = grad(&[net(&v)?], &v, &create)?;
            let g2 = grad(&[project(g, &g1, 2.0)?], &v, &create)?;
            let g3 = grad(&[project(g, &g2, 5.0)?], &v, &GradOptions::new())?;
            let out = |d: &[Option<Var<'_>>]| -> Vec<Vec<f32>> {
                d.iter().map(|d| d.unwrap().to_vec()).collect()
            };
            Ok((out(&g2), out(&g3)))
        })
        .unwrap();
    let mut checked = 0;
    for (order, ours) in [("second", second), ("third", third)] {
        let want: Vec<Vec<f64>> = serde_json::from_value(file[order].clone()).unwrap();
        for (k, (a, b)) in ours.iter().zip(&want).enumerate() {
            assert_eq!(a.len(), b.len(), "{order} order, input {k}");
            for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
                let err = (f64::from(a) - b).abs();
                assert!(
                    err <= 2e-4 + 1e-4 * b.abs(),
                    "{order} order, input {k}[{i}]: {a} vs torch {b}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * (168 + 24 + 4 + 48));
}
