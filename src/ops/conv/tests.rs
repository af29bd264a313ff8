use crate::ops::tests::fd;
use crate::prelude::*;

fn z(shape: &[usize]) -> Tensor {
    Tensor::zeros(shape).unwrap()
}

/// The error of `f` on zero tensors of the given shapes (bias last, if any), as text; panics
/// if `f` succeeds or errs with another variant than `InvalidArgument` / `SizeOverflow`.
fn err(shapes: &[&[usize]], f: impl for<'g> Fn(&[Var<'g>]) -> Result<Var<'g>>) -> String {
    Graph::new()
        .run(|g| {
            let v: Vec<Var<'_>> = shapes.iter().map(|s| g.leaf(z(s))).collect();
            let e = f(&v).map(|y| y.shape().to_vec()).expect_err("an error");
            assert!(
                matches!(
                    e,
                    Error::InvalidArgument { .. } | Error::SizeOverflow { .. }
                ),
                "{e:?}"
            );
            Ok(e.to_string())
        })
        .unwrap()
}

fn c2(v: &[Var<'_>], o: Conv2dOptions) -> Result<()> {
    v[0].try_conv2d(v[1], v.get(2).copied(), o).map(drop)
}

/// Asserts `msg` starts with the op's name and mentions every piece of `parts`.
fn says(msg: &str, op: &str, parts: &[&str]) {
    assert!(msg.starts_with(&format!("{op}: ")), "{msg}");
    for p in parts {
        assert!(msg.contains(p), "{msg:?} does not mention {p:?}");
    }
}

fn conv2d_err(shapes: &[&[usize]], o: Conv2dOptions) -> String {
    err(shapes, |v| c2(v, o).map(|_| v[0]))
}

#[test]
fn conv2d_weight_channels_must_be_input_channels_over_groups() {
    let d = Conv2dOptions::default();
    let m = conv2d_err(&[&[2, 4, 6, 6], &[4, 3, 3, 3]], d);
    says(
        &m,
        "conv2d",
        &[
            "[4, 3, 3, 3]",
            "[2, 4, 6, 6]",
            "expects the input to have 3 channels",
            "in_channels / groups",
        ],
    );
    let m = conv2d_err(&[&[2, 4, 6, 6], &[4, 4, 3, 3]], d.groups(2));
    says(
        &m,
        "conv2d",
        &["groups=2", "expects the input to have 8 channels"],
    );
}

#[test]
fn channels_must_be_divisible_by_groups() {
    let d = Conv2dOptions::default();
    let m = conv2d_err(&[&[1, 3, 6, 6], &[4, 1, 3, 3]], d.groups(2));
    says(
        &m,
        "conv2d",
        &["input channels 3", "divisible by groups = 2"],
    );
    let m = conv2d_err(&[&[1, 4, 6, 6], &[3, 2, 3, 3]], d.groups(2));
    says(
        &m,
        "conv2d",
        &["output channels", "3", "divisible by groups = 2"],
    );
}

#[test]
fn a_kernel_larger_than_the_padded_input() {
    let m = conv2d_err(&[&[1, 1, 4, 4], &[1, 1, 5, 5]], Conv2dOptions::default());
    says(
        &m,
        "conv2d",
        &["padded input (4 x 4", "dilated kernel (5 x 5", "pad more"],
    );
    // dilation makes a 3-tap kernel span 5
    let o = Conv2dOptions::default().dilation([2, 2]).padding([0, 0]);
    let m = conv2d_err(&[&[1, 1, 4, 6], &[1, 1, 3, 3]], o);
    says(&m, "conv2d", &["(4 x 6", "(5 x 5"]);
    // with padding 1 the same input fits
    Graph::new()
        .run(|g| {
            let y = g.leaf(z(&[1, 1, 4, 4])).try_conv2d(
                g.leaf(z(&[1, 1, 5, 5])),
                None,
                Conv2dOptions::default().padding([1, 1]),
            )?;
            assert_eq!(y.shape(), [1, 1, 2, 2]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn zero_stride_dilation_or_groups() {
    let s = &[&[1, 2, 5, 5][..], &[2, 2, 3, 3]];
    let d = Conv2dOptions::default();
    for o in [d.stride([0, 1]), d.dilation([1, 0]), d.groups(0)] {
        says(&conv2d_err(s, o), "conv2d", &["must be positive"]);
    }
    let m = err(&[&[1, 2, 5], &[2, 2, 3]], |v| {
        v[0].try_conv1d(v[1], None, Conv1dOptions::default().stride(0))
    });
    says(&m, "conv1d", &["stride (0)", "must be positive"]);
    let m = err(&[&[1, 2, 5, 5], &[2, 2, 3, 3]], |v| {
        v[0].try_conv_transpose2d(
            v[1],
            None,
            ConvTranspose2dOptions::default().dilation([0, 0]),
        )
    });
    says(&m, "conv_transpose2d", &["dilation ([0, 0])"]);
}

#[test]
fn wrong_ranks() {
    let d = Conv2dOptions::default();
    let m = conv2d_err(&[&[2, 6, 6], &[4, 2, 3, 3]], d);
    says(
        &m,
        "conv2d",
        &[
            "batched 4-d input [N, C, H, W]",
            "[2, 6, 6]",
            "batch dimension",
        ],
    );
    let m = conv2d_err(&[&[1, 2, 6, 6], &[4, 2, 3]], d);
    says(&m, "conv2d", &["weight of shape [4, 2, 3]", "rank 4"]);
    let m = err(&[&[1, 2, 6, 6], &[4, 2, 3]], |v| {
        v[0].try_conv1d(v[1], None, Conv1dOptions::default())
    });
    says(&m, "conv1d", &["batched 3-d input [N, C, L]"]);
    let m = err(&[&[1, 2, 6], &[2, 2, 3, 3]], |v| {
        v[0].try_conv_transpose2d(v[1], None, ConvTranspose2dOptions::default())
    });
    says(&m, "conv_transpose2d", &["batched 4-d input"]);
}

#[test]
fn empty_dimensions() {
    let d = Conv2dOptions::default();
    let m = conv2d_err(&[&[1, 2, 0, 6], &[4, 2, 3, 3]], d);
    says(&m, "conv2d", &["[1, 2, 0, 6]", "only the batch"]);
    let m = conv2d_err(&[&[1, 2, 6, 6], &[4, 2, 0, 3]], d);
    says(&m, "conv2d", &["[4, 2, 0, 3]", "zero dimension"]);
    // an empty batch is fine: an empty output of the right shape
    Graph::new()
        .run(|g| {
            let x = g.leaf(z(&[0, 2, 6, 6]));
            let y = x.try_conv2d(g.leaf(z(&[4, 2, 3, 3])), None, d)?;
            assert_eq!(y.shape(), [0, 4, 4, 4]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn bias_must_be_out_channels() {
    let m = conv2d_err(
        &[&[1, 2, 6, 6], &[4, 2, 3, 3], &[2]],
        Conv2dOptions::default(),
    );
    says(&m, "conv2d", &["bias of shape [2]", "shape [4]"]);
    let m = err(&[&[1, 4, 5, 5], &[4, 3, 3, 3], &[4]], |v| {
        v[0].try_conv_transpose2d(
            v[1],
            Some(v[2]),
            ConvTranspose2dOptions::default().groups(2),
        )
    });
    says(&m, "conv_transpose2d", &["bias of shape [4]", "shape [6]"]);
}

#[test]
fn transpose_rules() {
    let s = &[&[1, 4, 5, 5][..], &[4, 3, 3, 3]];
    let t = |o: ConvTranspose2dOptions| err(s, |v| v[0].try_conv_transpose2d(v[1], None, o));
    let d = ConvTranspose2dOptions::default();
    let m = t(d.stride([2, 2]).output_padding([2, 0]));
    says(
        &m,
        "conv_transpose2d",
        &["output_padding [2, 0]", "smaller than either stride"],
    );
    // output_padding below the dilation is allowed (PyTorch's rule), even at stride 1
    Graph::new()
        .run(|g| {
            let (x, w) = (g.leaf(fd::ramp(s[0])), g.leaf(fd::ramp(s[1])));
            let y = x.try_conv_transpose2d(w, None, d.dilation([2, 2]).output_padding([1, 0]))?;
            assert_eq!(y.shape(), [1, 3, 10, 9]);
            Ok(())
        })
        .unwrap();
    let m = t(d.padding([4, 0]));
    says(&m, "conv_transpose2d", &["output size (-1 x 7)", "below 1"]);
    let m = err(&[&[1, 4, 5, 5], &[3, 3, 3, 3]], |v| {
        v[0].try_conv_transpose2d(v[1], None, d)
    });
    says(
        &m,
        "conv_transpose2d",
        &[
            "expects the input to have 3 channels",
            "[in_channels, out_channels / groups, kh, kw]",
        ],
    );
    let m = err(&[&[1, 3, 5, 5], &[3, 3, 3, 3]], |v| {
        v[0].try_conv_transpose2d(v[1], None, d.groups(2))
    });
    says(
        &m,
        "conv_transpose2d",
        &["input channels 3", "divisible by groups = 2"],
    );
}

#[test]
fn huge_padding_is_an_error_not_an_allocation() {
    let o = Conv2dOptions::default().padding([usize::MAX / 4, 1]);
    let m = conv2d_err(&[&[1, 1, 3, 3], &[1, 1, 3, 3]], o);
    assert!(m.starts_with("conv2d: "), "{m}");
}

#[test]
#[should_panic(expected = "conv2d: expected a batched 4-d input")]
fn the_panicking_form_panics_with_the_message() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(z(&[2, 3, 3]));
            x.conv2d(g.leaf(z(&[1, 2, 1, 1])), None, Conv2dOptions::default());
            Ok(())
        })
        .unwrap();
}

/// A value computed by hand, and the gradients of a small transposed convolution against
/// finite differences (the integration tests check all three ops more widely).
#[test]
fn by_hand_and_finite_differences() {
    Graph::new()
        .run(|g| {
            // [[1, 2], [3, 4]] padded by 1 to 4×4 and sampled at stride 2 by a 1×1 kernel reads
            // rows and columns 0 and 2 of the padded input: three zeros of padding, and 4
            let x = g.leaf(Tensor::new(vec![1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2])?);
            let w = g.leaf(Tensor::new(vec![2.0], &[1, 1, 1, 1])?);
            let b = g.leaf(Tensor::from_slice(&[1.0]));
            let o = Conv2dOptions::default().stride([2, 2]).padding([1, 1]);
            let y = x.try_conv2d(w, Some(b), o)?;
            assert_eq!(y.to_vec(), [1.0, 1.0, 1.0, 9.0]);
            y.sum().backward()?;
            assert_eq!(x.grad().unwrap().to_vec(), [0.0, 0.0, 0.0, 2.0]);
            assert_eq!(w.grad().unwrap().to_vec(), [4.0]);
            assert_eq!(b.grad().unwrap().to_vec(), [4.0]);
            Ok(())
        })
        .unwrap();
    let inputs = [
        Tensor::new(fd::uniform(2 * 4 * 3 * 2, 1), &[2, 4, 3, 2]).unwrap(),
        Tensor::new(fd::uniform(4 * 3 * 2 * 3, 2), &[4, 3, 2, 3]).unwrap(),
        Tensor::new(fd::uniform(6, 3), &[6]).unwrap(),
    ];
    let o = ConvTranspose2dOptions::default()
        .stride([2, 1])
        .padding([1, 1])
        .output_padding([1, 0])
        .groups(2);
    fd::check(&inputs, |v| {
        let y = v[0].try_conv_transpose2d(v[1], Some(v[2]), o)?;
        Ok((y * y).sum())
    });
}
