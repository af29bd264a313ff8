use crate::prelude::*;

fn t(shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    Tensor::new((0..n).map(|v| v as f32).collect(), shape).unwrap()
}

/// The error's text, which must name the op and contain each of `parts`.
fn err_text(r: Result<Var<'_>>, op: &str, parts: &[&str]) {
    let Err(e) = r else {
        panic!("{op}: expected an error")
    };
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
    let s = e.to_string();
    assert!(s.starts_with(op), "{s}");
    for p in parts {
        assert!(s.contains(p), "{s} lacks {p:?}");
    }
}

#[test]
fn shapes_and_ceil_mode() {
    Graph::new()
        .run(|g| {
            let x = g.input(t(&[2, 3, 5, 5]));
            let o = MaxPool2dOptions::square(2);
            assert_eq!(x.try_max_pool2d(o)?.shape(), &[2, 3, 2, 2]);
            assert_eq!(x.try_max_pool2d(o.ceil_mode(true))?.shape(), &[2, 3, 3, 3]);
            let a = AvgPool2dOptions::square(3).stride([2, 2]).padding([1, 1]);
            assert_eq!(x.try_avg_pool2d(a)?.shape(), &[2, 3, 3, 3]);
            assert_eq!(x.try_adaptive_avg_pool2d([7, 1])?.shape(), &[2, 3, 7, 1]);
            // an empty batch pools to an empty batch
            let e = g.input(Tensor::zeros(&[0, 3, 4, 4])?);
            assert_eq!(e.try_max_pool2d(o)?.shape(), &[0, 3, 2, 2]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn bad_input_is_an_error_naming_op_and_shapes() {
    Graph::new()
        .run(|g| {
            let x3 = g.input(t(&[3, 4, 4]));
            let o = MaxPool2dOptions::square(2);
            err_text(
                x3.try_max_pool2d(o),
                "max_pool2d",
                &["4-d", "[3, 4, 4]", "[1, C, H, W]"],
            );
            err_text(
                x3.try_avg_pool2d(AvgPool2dOptions::square(2)),
                "avg_pool2d",
                &["[3, 4, 4]"],
            );
            err_text(
                x3.try_adaptive_avg_pool2d([1, 1]),
                "adaptive_avg_pool2d",
                &["4-d"],
            );
            let x = g.input(t(&[1, 2, 4, 4]));
            err_text(
                x.try_max_pool2d(MaxPool2dOptions::new([0, 2])),
                "max_pool2d",
                &["kernel_size [0, 2]"],
            );
            err_text(
                x.try_max_pool2d(o.stride([1, 0])),
                "max_pool2d",
                &["stride [1, 0]"],
            );
            err_text(
                x.try_max_pool2d(o.dilation([0, 1])),
                "max_pool2d",
                &["dilation"],
            );
            err_text(
                x.try_avg_pool2d(AvgPool2dOptions::square(2).stride([0, 0])),
                "avg_pool2d",
                &["stride"],
            );
            // padding over half the kernel: 2 > 3 / 2
            err_text(
                x.try_max_pool2d(MaxPool2dOptions::square(3).padding([2, 0])),
                "max_pool2d",
                &["padding [2, 0]", "half"],
            );
            err_text(
                x.try_avg_pool2d(AvgPool2dOptions::square(2).padding([0, 2])),
                "avg_pool2d",
                &["padding"],
            );
            // output smaller than 1x1
            err_text(
                x.try_max_pool2d(MaxPool2dOptions::square(5)),
                "max_pool2d",
                &["[1, 2, 4, 4]", "too small", "0x0"],
            );
            err_text(
                x.try_max_pool2d(MaxPool2dOptions::square(3).dilation([2, 2])),
                "max_pool2d",
                &["too small"],
            );
            err_text(
                x.try_adaptive_avg_pool2d([2, 0]),
                "adaptive_avg_pool2d",
                &["[2, 0]"],
            );
            let empty = g.input(Tensor::zeros(&[1, 0, 4, 4])?);
            err_text(empty.try_max_pool2d(o), "max_pool2d", &["empty"]);
            Ok(())
        })
        .unwrap();
}

#[test]
#[should_panic(expected = "max_pool2d: expected a 4-d")]
fn panicking_form_panics_with_the_message() {
    Graph::new()
        .run(|g| {
            g.input(t(&[4, 4])).max_pool2d(MaxPool2dOptions::square(2));
            Ok(())
        })
        .unwrap();
}

#[test]
fn gradient_accumulates_with_fan_in() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(t(&[1, 1, 2, 2]));
            let y = x.max_pool2d(MaxPool2dOptions::square(2)).sum()
                + x.avg_pool2d(AvgPool2dOptions::square(2)).sum()
                + x.adaptive_avg_pool2d([1, 1]).sum();
            y.backward()?;
            // max: 1 at the last element; avg and adaptive: 1/4 each everywhere
            assert_eq!(x.grad().unwrap().to_vec(), vec![0.5, 0.5, 0.5, 1.5]);
            Ok(())
        })
        .unwrap();
}
