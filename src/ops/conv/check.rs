//! Argument checks of the convolution ops: every shape and hyper-parameter rule of PyTorch's,
//! turned into a typed error that names the op and the shapes and says what to do; what
//! passes becomes the kernels' [`Conv`] geometry.

use crate::error::{Error, Result};
use crate::kernels::conv::{out_len, Conv};

/// The spatial hyper-parameters of one call, `[h, w]` (1-d: height 1, stride and dilation 1,
/// padding 0 along it).
pub(super) struct Spatial {
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub groups: usize,
}

pub(super) fn invalid(op: &'static str, message: String) -> Error {
    Error::InvalidArgument { op, message }
}

/// The common checks: ranks, positive stride / dilation / groups, positive non-batch input
/// dims and kernel, channels divisible by groups, the bias shape. `dims` is 1 or 2; returns
/// the input and weight shapes as `[N, C, H, W]` and `[A, B, kh, kw]` (height 1 for 1-d).
pub(super) fn common(
    op: &'static str,
    dims: usize,
    x: &[usize],
    w: &[usize],
    sp: &Spatial,
) -> Result<([usize; 4], [usize; 4])> {
    let layout = if dims == 1 {
        "[N, C, L]"
    } else {
        "[N, C, H, W]"
    };
    let as4 = |s: &[usize]| -> [usize; 4] {
        if dims == 1 {
            [s[0], s[1], 1, s[2]]
        } else {
            [s[0], s[1], s[2], s[3]]
        }
    };
    if x.len() != dims + 2 {
        let message = format!(
            "expected a batched {}-d input {layout}, got shape {x:?} (rank {}); reshape it \
             (a single sample needs a leading batch dimension of 1)",
            dims + 2,
            x.len()
        );
        return Err(invalid(op, message));
    }
    if w.len() != dims + 2 {
        let message = format!(
            "weight of shape {w:?} must have rank {} (channels, channels, {} kernel size{}); \
             pass a weight of that layout",
            dims + 2,
            dims,
            if dims == 1 { "" } else { "s" }
        );
        return Err(invalid(op, message));
    }
    let zero = |a: [usize; 2]| a[0] == 0 || a[1] == 0;
    let shown = |a: [usize; 2]| {
        if dims == 1 {
            format!("{}", a[1])
        } else {
            format!("{a:?}")
        }
    };
    if zero(sp.stride) || zero(sp.dilation) || sp.groups == 0 {
        let message = format!(
            "stride ({}), dilation ({}) and groups ({}) must be positive",
            shown(sp.stride),
            shown(sp.dilation),
            sp.groups
        );
        return Err(invalid(op, message));
    }
    if x[1..].contains(&0) {
        let message = format!(
            "input of shape {x:?} has an empty channel or spatial dimension; only the batch \
             dimension may be 0"
        );
        return Err(invalid(op, message));
    }
    if w.contains(&0) {
        let message =
            format!("weight of shape {w:?} has a zero dimension; pass a non-empty weight");
        return Err(invalid(op, message));
    }
    Ok((as4(x), as4(w)))
}

/// `channels` (named `what`) must be divisible by `groups`.
pub(super) fn divisible(
    op: &'static str,
    what: &str,
    channels: usize,
    groups: usize,
    x: &[usize],
    w: &[usize],
) -> Result<()> {
    if channels.is_multiple_of(groups) {
        return Ok(());
    }
    let message = format!(
        "{what} {channels} must be divisible by groups = {groups} (input {x:?}, weight {w:?}); \
         change groups or the channel count"
    );
    Err(invalid(op, message))
}

/// The bias, if any, must be `[channels]`.
pub(super) fn bias_shape(
    op: &'static str,
    b: Option<&[usize]>,
    channels: usize,
    w: &[usize],
) -> Result<()> {
    match b {
        Some(b) if b != [channels] => {
            let message = format!(
                "bias of shape {b:?} must have shape [{channels}], one value per output channel \
                 (weight {w:?}); pass a bias of that shape or None"
            );
            Err(invalid(op, message))
        }
        _ => Ok(()),
    }
}

/// The geometry of `conv1d` (`dims` 1) or `conv2d` (`dims` 2): input `x [N, C, ..]`, weight
/// `w [O, C/groups, ..]`, bias `[O]`.
pub(super) fn conv(
    op: &'static str,
    dims: usize,
    x: &[usize],
    w: &[usize],
    b: Option<&[usize]>,
    sp: &Spatial,
) -> Result<Conv> {
    let ([n, c, h, wd], [o, cg, kh, kw]) = common(op, dims, x, w, sp)?;
    divisible(op, "input channels", c, sp.groups, x, w)?;
    divisible(
        op,
        "output channels (weight's first dimension)",
        o,
        sp.groups,
        x,
        w,
    )?;
    if cg * sp.groups != c {
        let message = format!(
            "given groups={}, weight of size {w:?} expects the input to have {} channels, but \
             the input {x:?} has {c}; the weight's second dimension must be in_channels / groups",
            sp.groups,
            cg * sp.groups
        );
        return Err(invalid(op, message));
    }
    bias_shape(op, b, o, w)?;
    let ks = [kh, kw];
    let fits = |a: usize| {
        out_len(
            [h, wd][a],
            ks[a],
            sp.stride[a],
            sp.padding[a],
            sp.dilation[a],
        )
    };
    if fits(0).is_none() || fits(1).is_none() {
        // in u128: the message never overflows
        let u = |v: usize| v as u128;
        let span = |a: usize| u(sp.dilation[a]) * (u(ks[a]) - 1) + 1;
        let padded = |a: usize| u([h, wd][a]) + 2 * u(sp.padding[a]);
        let (span, padded) = if dims == 1 {
            (span(1).to_string(), padded(1).to_string())
        } else {
            (
                format!("{} x {}", span(0), span(1)),
                format!("{} x {}", padded(0), padded(1)),
            )
        };
        let message = format!(
            "the padded input ({padded}, input {x:?}) is smaller than the dilated kernel \
             ({span}, weight {w:?}): the output would be empty; pad more, or use a smaller \
             kernel or dilation"
        );
        return Err(invalid(op, message));
    }
    let (s, p, d) = (sp.stride, sp.padding, sp.dilation);
    Conv::new(n, c, o, [h, wd], ks, s, p, d, sp.groups).ok_or_else(|| {
        let shape = vec![n, o, fits(0).unwrap_or(0), fits(1).unwrap_or(0)];
        Error::SizeOverflow { op, shape }
    })
}
