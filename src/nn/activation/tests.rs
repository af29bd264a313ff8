use super::*;
use crate::prelude::*;

#[test]
fn activations_forward_and_backward() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[-2.0, 0.5]));
            let layers: [&dyn Module; 4] = [&Relu, &Tanh, &Sigmoid, &Gelu::default()];
            let ys: Vec<Var> = layers.iter().map(|l| l.forward(g, x).unwrap()).collect();
            // tanh 0.5 = 0.46211716, σ(0.5) = 0.62245935, gelu(0.5) = 0.5·Φ(0.5) = 0.34573123
            assert_eq!(ys[0].to_vec(), vec![0.0, 0.5]);
            assert!((ys[1].to_vec()[1] - 0.462_117_16).abs() < 1e-7);
            assert!((ys[2].to_vec()[1] - 0.622_459_3).abs() < 1e-7);
            assert!((ys[3].to_vec()[1] - 0.345_731_23).abs() < 1e-6);
            // d/dx of the sum of all four at 0.5: 1 + (1 − tanh²) + σ(1 − σ) + gelu'
            let s = ys.iter().fold(g.scalar(0.0), |s, y| s + y.sum());
            s.backward()?;
            let want = 1.0 + (1.0 - 0.462_117_16f32.powi(2)) + 0.622_459_3 * 0.377_540_7;
            let gelu_d = 0.691_462_5 + 0.5 * 0.352_065_3; // Φ(0.5) + 0.5·φ(0.5)
            let got = x.grad().unwrap().to_vec()[1];
            assert!((got - (want + gelu_d)).abs() < 1e-5, "{got}");
            Ok(())
        })
        .unwrap();
}
