use super::{Conv1d, Conv2d, ConvTranspose2d};
use crate::nn::{Flatten, Linear, MaxPool2d, Module, Relu, Sequential};
use crate::prelude::*;
use crate::{Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions, MaxPool2dOptions};

#[test]
fn names_shapes_and_init_follow_pytorch() {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(3);
    let opts = Conv2dOptions::default().groups(2);
    let c = Conv2d::new(&mut params, "0", 4, 6, [3, 2], opts, true, &mut rng).unwrap();
    assert_eq!(params.name(c.weight), "0.weight");
    assert_eq!(params.shape(c.weight), &[6, 2, 3, 2]);
    assert_eq!(params.shape(c.bias.unwrap()), &[6]);
    // U(−1/√fan_in, 1/√fan_in), fan_in = 2·3·2 = 12: within the bound, and spread over it
    let bound = 1.0 / 12f32.sqrt();
    let w = params.data(c.weight);
    assert!(w.iter().all(|v| v.abs() <= bound));
    assert!(w.iter().any(|v| v.abs() > 0.8 * bound));
    let t = ConvTranspose2d::new(
        &mut params,
        "up",
        4,
        6,
        [2, 2],
        ConvTranspose2dOptions::default().groups(2),
        false,
        &mut rng,
    )
    .unwrap();
    assert_eq!(params.shape(t.weight), &[4, 3, 2, 2]);
    assert!(t.bias.is_none() && params.get("up.bias").is_none());
    let bound = 1.0 / 12f32.sqrt(); // fan_in = (out/groups)·kh·kw = 3·2·2
    assert!(params.data(t.weight).iter().all(|v| v.abs() <= bound));
    let c1 = Conv1d::new(
        &mut params,
        "c1",
        3,
        5,
        4,
        Conv1dOptions::default(),
        true,
        &mut rng,
    );
    assert_eq!(params.shape(c1.unwrap().weight), &[5, 3, 4]);
}

#[test]
fn bad_layer_arguments_are_errors_that_register_nothing() {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(0);
    let opts = Conv2dOptions::default().groups(2);
    let e = Conv2d::new(&mut params, "c", 3, 4, [3, 3], opts, true, &mut rng).unwrap_err();
    assert!(e.to_string().contains("divisible by groups"), "{e}");
    let opts = Conv2dOptions::default().groups(0);
    assert!(Conv2d::new(&mut params, "c", 3, 4, [3, 3], opts, true, &mut rng).is_err());
    let opts = Conv2dOptions::default();
    assert!(Conv2d::new(&mut params, "c", 3, 4, [0, 3], opts, true, &mut rng).is_err());
    assert!(params.is_empty());
}

#[test]
fn a_small_cnn_in_a_sequential_trains() {
    let mut params = ParamStore::new();
    let mut rng = Rng::seed(1);
    let mut net = Sequential::new();
    let name = net.next_name();
    let opts = Conv2dOptions::default().padding([1, 1]);
    let conv = Conv2d::new(&mut params, &name, 1, 4, [3, 3], opts, true, &mut rng).unwrap();
    net.push(conv)
        .push(Relu)
        .push(MaxPool2d(MaxPool2dOptions::square(2)))
        .push(Flatten::default());
    let name = net.next_name();
    net.push(Linear::new(&mut params, &name, 4 * 4 * 4, 2, &mut rng).unwrap());
    assert!(params.get("4.weight").is_some());
    let x = rng.normal_tensor(&[8, 1, 8, 8], 0.0, 1.0);
    let y: Vec<usize> = (0..8).map(|i| i % 2).collect();
    let mut opt = Adam::new(
        &params,
        AdamConfig {
            lr: 1e-2,
            ..Default::default()
        },
    )
    .unwrap();
    let mut graph = Graph::new();
    let mut losses = vec![];
    for _ in 0..30 {
        params.zero_grad();
        let loss = graph
            .run_with(&mut params, |g| {
                let loss = net.forward(g, g.input(&x))?.cross_entropy(&y)?;
                loss.backward()?;
                Ok(loss.item())
            })
            .unwrap();
        opt.step(&mut params);
        losses.push(loss);
    }
    assert!(losses[29] < 0.5 * losses[0], "{losses:?}");
}
