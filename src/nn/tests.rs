//! Modules together, against PyTorch 2.15: state_dict keys and shapes of the same structures,
//! and a forward/backward pass with the same weights (values hand-copied from `repr` output).

use super::*;
use crate::prelude::*;

fn names(params: &ParamStore) -> Vec<(String, Vec<usize>)> {
    params
        .metas()
        .iter()
        .map(|m| (m.name.clone(), m.shape.clone()))
        .collect()
}
fn n(name: &str, shape: &[usize]) -> (String, Vec<usize>) {
    (name.to_string(), shape.to_vec())
}

#[test]
fn nested_names_match_pytorch() {
    // self.encoder = nn.Sequential(nn.Linear(4,8), nn.Tanh(), nn.Dropout(0.1), nn.LayerNorm(8),
    // nn.Linear(8,2)): encoder.0.weight [8, 4], encoder.0.bias [8], encoder.3.weight [8],
    // encoder.3.bias [8], encoder.4.weight [2, 8], encoder.4.bias [2]
    let (mut params, mut rng) = (ParamStore::new(), Rng::seed(1));
    let mut enc = Sequential::with_prefix("encoder");
    let drop = Dropout::new(0.1, &mut rng).unwrap();
    enc.push_with(|name| Linear::new(&mut params, name, 4, 8, &mut rng))
        .unwrap()
        .push(Tanh)
        .push(drop);
    enc.push_with(|name| LayerNorm::new(&mut params, name, 8, 1e-5))
        .unwrap();
    enc.push_with(|name| Linear::new(&mut params, name, 8, 2, &mut rng))
        .unwrap();
    let want = [
        n("encoder.0.weight", &[8, 4]),
        n("encoder.0.bias", &[8]),
        n("encoder.3.weight", &[8]),
        n("encoder.3.bias", &[8]),
        n("encoder.4.weight", &[2, 8]),
        n("encoder.4.bias", &[2]),
    ];
    assert_eq!(names(&params), want);
    // nn.Sequential(nn.Sequential(nn.Linear(2,3), nn.GELU()), nn.Sigmoid(),
    // nn.Sequential(nn.Linear(3,1))): 0.0.weight [3, 2], 0.0.bias, 2.0.weight [1, 3], 2.0.bias
    let mut params = ParamStore::new();
    let mut top = Sequential::new();
    let mut inner = Sequential::with_prefix(&top.next_name());
    inner
        .push_with(|name| Linear::new(&mut params, name, 2, 3, &mut rng))
        .unwrap()
        .push(Gelu::default());
    top.push(inner).push(Sigmoid);
    let mut last = Sequential::with_prefix(&top.next_name());
    last.push_with(|name| Linear::new(&mut params, name, 3, 1, &mut rng))
        .unwrap();
    top.push(last);
    let want = [
        n("0.0.weight", &[3, 2]),
        n("0.0.bias", &[3]),
        n("2.0.weight", &[1, 3]),
        n("2.0.bias", &[1]),
    ];
    assert_eq!(names(&params), want);
    Graph::new()
        .run_with(&mut params, |g| {
            assert_eq!(
                top.forward(g, g.input(Tensor::ones(&[4, 2])?))?.shape(),
                &[4, 1]
            );
            Ok(())
        })
        .unwrap();
}

/// PyTorch's `fill`: parameter `k` (in state_dict order) gets `sin(0.7 i + 1.3 k) / 2`.
fn fill(params: &mut ParamStore) {
    let all: Vec<Param> = params.params().collect();
    for (k, p) in all.into_iter().enumerate() {
        for (i, v) in params.data_mut(p).iter_mut().enumerate() {
            *v = ((0.7 * i as f64 + 1.3 * k as f64).sin() * 0.5) as f32;
        }
    }
}
/// `[sin(1.1 i + 0.3)]`, the output weights of the loss `Σ y · c`.
fn weights(len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (1.1 * i as f64 + 0.3).sin() as f32)
        .collect()
}
fn close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (&a, &b) in got.iter().zip(want) {
        assert!(
            (a as f64 - b).abs() <= 2e-6 * (1.0 + b.abs()),
            "{got:?}\nvs {want:?}"
        );
    }
}

#[test]
fn sequential_forward_backward_matches_pytorch() {
    // m = nn.Sequential(nn.Linear(3,4), nn.Tanh(), nn.LayerNorm(4), nn.Linear(4,2), nn.GELU(),
    // nn.Sigmoid()); x = [cos(0.9 i)] as [2, 3]; (m(x) * c).sum().backward()
    let (mut params, mut rng) = (ParamStore::new(), Rng::seed(0));
    let mut m = Sequential::new();
    m.push_with(|name| Linear::new(&mut params, name, 3, 4, &mut rng))
        .unwrap()
        .push(Tanh);
    m.push_with(|name| LayerNorm::new(&mut params, name, 4, 1e-5))
        .unwrap();
    m.push_with(|name| Linear::new(&mut params, name, 4, 2, &mut rng))
        .unwrap();
    m.push(Gelu::default()).push(Sigmoid);
    fill(&mut params);
    let dx = Graph::new()
        .run_with(&mut params, |g| {
            let x = g.leaf(Tensor::new(
                (0..6).map(|i| (0.9 * i as f64).cos() as f32).collect(),
                &[2, 3],
            )?);
            let y = m.forward(g, x)?;
            close(
                y.data(),
                &[
                    0.557_192_564_010_620_1,
                    0.510_625_720_024_108_9,
                    0.564_597_189_426_422_1,
                    0.489_228_993_654_251_1,
                ],
            );
            (y * g.input(Tensor::new(weights(4), &[2, 2])?))
                .sum()
                .backward()?;
            Ok(x.grad().unwrap().to_vec())
        })
        .unwrap();
    let want_dx = [
        0.001_831_146_655_604_243_3,
        0.012_289_169_244_468_212,
        0.016_967_402_771_115_303,
        0.018_778_482_452_034_95,
        -0.000_584_085_239_097_476,
        -0.019_671_946_763_992_31,
    ];
    close(&dx, &want_dx);
    let grad = |name: &str| params.grad(params.get(name).unwrap()).to_vec();
    close(
        &grad("2.weight"),
        &[
            0.028_766_991_570_591_927,
            0.054_054_290_056_228_64,
            0.013_050_147_332_251_072,
            -0.070_685_878_396_034_24,
        ],
    );
    close(
        &grad("2.bias"),
        &[
            -0.031_621_970_236_301_42,
            -0.002_182_889_729_738_235_5,
            0.028_282_836_079_597_473,
            0.045_446_701_347_827_91,
        ],
    );
    close(
        &grad("3.bias"),
        &[0.174_274_995_923_042_3, 0.091_695_934_534_072_88],
    );
    close(
        &grad("0.bias"),
        &[
            -0.000_786_091_201_007_366_2,
            0.034_150_477_498_769_76,
            -0.013_493_027_538_061_142,
            -0.001_186_759_211_122_989_7,
        ],
    );
    let w3 = [
        -0.050_412_360_578_775_406,
        -0.089_218_571_782_112_12,
        -0.112_086_452_543_735_5,
        0.063_065_454_363_822_94,
        -0.008_044_702_932_238_579,
        -0.059_903_923_422_098_16,
        0.060_717_243_701_219_56,
        -0.006_957_251_578_569_412,
    ];
    close(&grad("3.weight"), &w3);
    let w0 = grad("0.weight");
    close(
        &w0[..4],
        &[
            0.021_606_391_295_790_672,
            0.017_367_845_401_167_87,
            -1.434_143_905_498_785_9e-5,
            -0.043_471_757_322_549_82,
        ],
    );
    close(
        &w0[9..],
        &[
            0.028_406_418_859_958_65,
            0.022_860_851_138_830_185,
            1.464_687_011_321_075_3e-5,
        ],
    );
}

#[test]
fn embedding_backward_matches_pytorch() {
    // e = nn.Embedding(5, 3) filled as above; ids [[1, 3, 1], [4, 0, 2]]; (e(ids) * c).sum()
    let mut params = ParamStore::new();
    let e = Embedding::new(&mut params, "", 5, 3, &mut Rng::seed(0)).unwrap();
    fill(&mut params);
    Graph::new()
        .run_with(&mut params, |g| {
            let y = e.forward(g, &[1, 3, 1, 4, 0, 2], &[2, 3])?;
            assert_eq!(y.shape(), &[2, 3, 3]);
            (y * g.input(Tensor::new(weights(18), &[2, 3, 3])?))
                .sum()
                .backward()
        })
        .unwrap();
    let want = [
        0.803_784_430_027_008_1,
        0.894_791_185_855_865_5,
        0.007_963_183_335_959_911,
        0.873_960_018_157_959,
        1.974_807_977_676_391_6,
        0.917_570_471_763_610_8,
        -0.887_567_043_304_443_4,
        -0.813_157_141_208_648_7,
        0.149_877_205_491_065_98,
        -0.442_520_439_624_786_4,
        -0.999_923_229_217_529_3,
        -0.464_602_172_374_725_34,
        -0.699_874_699_115_753_2,
        -0.954_019_248_485_565_2,
        -0.165_604_174_137_115_48,
    ];
    close(params.grad(e.weight), &want);
}
