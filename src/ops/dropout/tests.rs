use crate::prelude::*;

#[test]
fn keep_rate_scale_and_seeded_repeat() {
    let run = |seed| {
        let mut rng = Rng::seed(seed);
        Graph::new()
            .run(|g| {
                let x = g.leaf(Tensor::full(&[4000], 3.0)?);
                let y = x.dropout(0.25, &mut rng, true)?;
                // kept values are 3 / 0.75 = 4; gradient 1 / 0.75 where kept
                (y * 2.0).sum().backward()?;
                let gx = x.grad().unwrap().to_vec();
                for (v, d) in y.data().iter().zip(&gx) {
                    assert!((*v == 4.0 && *d == 2.0 / 0.75) || (*v == 0.0 && *d == 0.0));
                }
                Ok(y.to_vec())
            })
            .unwrap()
    };
    let (a, b, c) = (run(1), run(1), run(2));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let kept = a.iter().filter(|&&v| v != 0.0).count() as f32 / 4000.0;
    assert!((kept - 0.75).abs() < 0.03, "kept {kept}");
}

#[test]
fn p_zero_and_one() {
    let mut rng = Rng::seed(0);
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, -2.0]));
            let before = rng.clone().next_u64();
            assert!(x.dropout(0.0, &mut rng, true)?.is_leaf()); // the input itself
            assert_eq!(rng.clone().next_u64(), before); // no draws
            let y = x.dropout(1.0, &mut rng, true)?;
            assert_eq!(y.to_vec(), vec![0.0, -0.0]);
            y.sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 0.0]);
            for p in [-0.1, 1.1, f32::NAN] {
                let err = x.dropout(p, &mut rng, false).unwrap_err().to_string();
                assert!(err.starts_with("dropout: probability has to be between 0 and 1"));
            }
            Ok(())
        })
        .unwrap();
}
