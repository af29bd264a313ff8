//! One arm per op of the vector schema (tests/vectors/README.md), reading its attrs.
//!
//! Beyond the README's table, files from `scripts/gen_vectors.py` may hold these ops:
//! `permute {dims}`, `broadcast_to {shape}`, `narrow {axis, start, length}`,
//! `index_select {axis, indices}`, `gather {axis, index, index_shape}`, `l1_loss {reduction}`,
//! `huber_loss {delta, reduction}`, `smooth_l1_loss {beta, reduction}`; and losses may carry
//! `reduction` "sum" / "none" and `ignore_index`. An op without an arm is an error.

use arenagrad::loss::{CrossEntropy, Reduction};
use arenagrad::{AvgPool2dOptions, BatchNormMode, Graph, Mask, MaxPool2dOptions, Tensor};
use arenagrad::{Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions, Result, Var};
use serde_json::Value;

type Attrs<'a> = &'a Value;

fn get<'a>(a: Attrs<'a>, key: &str) -> std::result::Result<&'a Value, String> {
    a.get(key).ok_or_else(|| format!("attr {key:?} missing"))
}
fn float(a: Attrs<'_>, key: &str) -> std::result::Result<f32, String> {
    get(a, key)?
        .as_f64()
        .map(|v| v as f32)
        .ok_or_else(|| format!("attr {key:?} is not a number"))
}
/// A float attr that may be `null` (or absent): `None`.
fn opt_float(a: Attrs<'_>, key: &str) -> Option<f32> {
    a.get(key).and_then(Value::as_f64).map(|v| v as f32)
}
fn int(a: Attrs<'_>, key: &str) -> std::result::Result<isize, String> {
    get(a, key)?
        .as_i64()
        .map(|v| v as isize)
        .ok_or_else(|| format!("attr {key:?} is not an integer"))
}
/// An axis that may be `null` (all elements).
fn opt_axis(a: Attrs<'_>, key: &str) -> std::result::Result<Option<isize>, String> {
    match a.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => int(a, key).map(Some),
    }
}
fn flag(a: Attrs<'_>, key: &str) -> bool {
    a.get(key).and_then(Value::as_bool).unwrap_or(false)
}
fn usizes(a: Attrs<'_>, key: &str) -> std::result::Result<Vec<usize>, String> {
    get(a, key)?
        .as_array()
        .ok_or_else(|| format!("attr {key:?} is not a list"))?
        .iter()
        .map(|v| {
            v.as_u64()
                .map(|u| u as usize)
                .ok_or(format!("attr {key:?}: {v} is not an index"))
        })
        .collect()
}
fn reduction(a: Attrs<'_>) -> std::result::Result<Reduction, String> {
    match a.get("reduction").and_then(Value::as_str).unwrap_or("mean") {
        "mean" => Ok(Reduction::Mean),
        "sum" => Ok(Reduction::Sum),
        "none" => Ok(Reduction::None),
        r => Err(format!("unknown reduction {r:?}")),
    }
}
/// torch's `ignore_index` (default -100, never a class): `None` unless a valid class.
fn ignore_index(a: Attrs<'_>) -> Option<usize> {
    a.get("ignore_index")
        .and_then(Value::as_u64)
        .map(|v| v as usize)
}

/// `sum`/`mean`/`max` over all elements (then `keepdim` keeps rank-many 1s) or one axis.
fn reduce<'g>(
    x: Var<'g>,
    a: Attrs<'_>,
    all: impl FnOnce(Var<'g>) -> Result<Var<'g>>,
    axis: impl FnOnce(Var<'g>, isize, bool) -> Result<Var<'g>>,
) -> std::result::Result<Var<'g>, String> {
    let keepdim = flag(a, "keepdim");
    let y = match opt_axis(a, "axis")? {
        Some(ax) => axis(x, ax, keepdim),
        None if keepdim => all(x).and_then(|y| y.try_reshape(&vec![1; x.rank()])),
        None => all(x),
    };
    y.map_err(|e| e.to_string())
}

/// A `[h, w]` attr, also given as one int for both; `None` when absent or `null`.
fn pair(a: Attrs<'_>, key: &str) -> std::result::Result<Option<[usize; 2]>, String> {
    match a.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(_)) => int(a, key).map(|v| Some([v as usize; 2])),
        Some(_) => match usizes(a, key)?[..] {
            [h, w] => Ok(Some([h, w])),
            ref v => Err(format!("attr {key:?}: {v:?} is not [h, w]")),
        },
    }
}
fn floats(a: Attrs<'_>, key: &str) -> std::result::Result<Vec<f32>, String> {
    let items = get(a, key)?
        .as_array()
        .ok_or(format!("attr {key:?} is not a list"))?;
    let f = |v: &Value| {
        v.as_f64()
            .map(|x| x as f32)
            .ok_or(format!("attr {key:?}: {v}"))
    };
    items.iter().map(f).collect()
}

/// The case's `mask` (flat 0/1) of shape `mask_shape`.
fn mask(a: Attrs<'_>) -> std::result::Result<Mask, String> {
    let bits = usizes(a, "mask")?.iter().map(|&b| b != 0).collect();
    Mask::new(bits, &usizes(a, "mask_shape")?).map_err(|e| e.to_string())
}

/// `batch_norm` with the case's running stats (copied: the case keeps the values before the
/// call); `running` receives them after the call.
fn batch_norm<'g>(
    x: Var<'g>,
    a: Attrs<'_>,
    v: &[Var<'g>],
    running: &mut Vec<(String, Tensor)>,
) -> Result<Var<'g>, String> {
    let (mut mean, mut var) = (floats(a, "running_mean")?, floats(a, "running_var")?);
    let eps = float(a, "eps")?;
    let mode = if flag(a, "training") {
        let momentum = float(a, "momentum")?;
        let running = Some((&mut mean[..], &mut var[..]));
        BatchNormMode::Train {
            running,
            momentum,
            eps,
        }
    } else {
        BatchNormMode::Eval {
            mean: &mean.clone(),
            var: &var.clone(),
            eps,
        }
    };
    let y = x.try_batch_norm(v.get(1).copied(), v.get(2).copied(), mode);
    running.push(("running_mean".into(), Tensor::from_slice(&mean)));
    running.push(("running_var".into(), Tensor::from_slice(&var)));
    y.map_err(|e| e.to_string())
}

/// The outputs beyond the result that an op's case lists under `extra` (batch_norm's running
/// stats after the call), from a forward on `inputs` under no_grad.
pub fn extra(
    op: &str,
    a: Attrs<'_>,
    inputs: &[Tensor],
) -> std::result::Result<Vec<(String, Tensor)>, String> {
    let mut out = Vec::new();
    if op == "batch_norm" {
        Graph::new()
            .run(|g| {
                let v: Vec<Var<'_>> = inputs.iter().map(|t| g.input(t)).collect();
                Ok(batch_norm(v[0], a, &v, &mut out).map(|_| ()))
            })
            .map_err(|e| e.to_string())??;
    }
    Ok(out)
}

/// An `[h, w]` attr that must be present.
fn pair2(a: Attrs<'_>, key: &str) -> std::result::Result<[usize; 2], String> {
    let v = usizes(a, key)?;
    v.try_into()
        .map_err(|v| format!("attr {key:?}: {v:?} is not a pair"))
}
fn conv1d_opts(a: Attrs<'_>) -> std::result::Result<Conv1dOptions, String> {
    let u = |k| int(a, k).map(|v| v as usize);
    Ok(Conv1dOptions {
        stride: u("stride")?,
        padding: u("padding")?,
        dilation: u("dilation")?,
        groups: u("groups")?,
    })
}
fn conv2d_opts(a: Attrs<'_>) -> std::result::Result<Conv2dOptions, String> {
    let groups = int(a, "groups")? as usize;
    Ok(Conv2dOptions {
        stride: pair2(a, "stride")?,
        padding: pair2(a, "padding")?,
        dilation: pair2(a, "dilation")?,
        groups,
    })
}
fn conv_t_opts(a: Attrs<'_>) -> std::result::Result<ConvTranspose2dOptions, String> {
    let c = conv2d_opts(a)?;
    let output_padding = pair2(a, "output_padding")?;
    Ok(ConvTranspose2dOptions {
        stride: c.stride,
        padding: c.padding,
        output_padding,
        dilation: c.dilation,
        groups: c.groups,
    })
}

/// Runs `op` on the leaves `v` with the case's `attrs`.
pub fn apply<'g>(op: &str, a: Attrs<'_>, v: &[Var<'g>]) -> std::result::Result<Var<'g>, String> {
    let arity = match op {
        "concat" | "stack" => v.len().max(1),
        "layer_norm" | "batch_norm" => v.len().clamp(1, 3),
        "rms_norm" => v.len().clamp(1, 2),
        "linear" | "conv1d" | "conv2d" | "conv_transpose2d" => v.len().clamp(2, 3),
        "add"
        | "sub"
        | "mul"
        | "div"
        | "maximum"
        | "minimum"
        | "matmul"
        | "mse_loss"
        | "binary_cross_entropy_with_logits"
        | "l1_loss"
        | "huber_loss"
        | "smooth_l1_loss"
        | "where" => 2,
        "neg" | "exp" | "log" | "sqrt" | "tanh" | "sigmoid" | "relu" | "abs" | "sin" | "cos"
        | "pow_scalar" | "gelu" | "softplus" | "clamp" | "sum" | "mean" | "max" | "transpose"
        | "silu" | "leaky_relu" | "elu" | "reshape" | "permute" | "broadcast_to" | "narrow"
        | "index_select" | "gather" | "softmax" | "log_softmax" | "cross_entropy" | "nll_loss"
        | "embedding" => 1,
        "max_pool2d" | "avg_pool2d" | "adaptive_avg_pool2d" | "pad" => 1,
        "scaled_dot_product_attention" => 3,
        "logsumexp" | "var" => 1,
        "masked_fill" => 1,
        _ => return Err(format!("unknown op {op:?}: the harness has no arm for it")),
    };
    if v.len() != arity {
        return Err(format!("{op}: {} inputs, the schema has {arity}", v.len()));
    }
    let x = v[0];
    let y: Result<Var<'g>> = match op {
        "add" => x.try_add(v[1]),
        "sub" => x.try_sub(v[1]),
        "mul" => x.try_mul(v[1]),
        "div" => x.try_div(v[1]),
        "maximum" => x.try_maximum(v[1]),
        "minimum" => x.try_minimum(v[1]),
        "neg" => Ok(x.neg()),
        "exp" => Ok(x.exp()),
        "log" => Ok(x.log()),
        "sqrt" => Ok(x.sqrt()),
        "tanh" => Ok(x.tanh()),
        "sigmoid" => Ok(x.sigmoid()),
        "relu" => Ok(x.relu()),
        "abs" => Ok(x.abs()),
        "sin" => Ok(x.sin()),
        "cos" => Ok(x.cos()),
        "pow_scalar" => Ok(x.powf(float(a, "exponent")?)),
        "gelu" => match a
            .get("approximate")
            .and_then(Value::as_str)
            .unwrap_or("none")
        {
            "tanh" => Ok(x.gelu_tanh()),
            "none" => Ok(x.gelu()),
            other => return Err(format!("gelu: unknown approximate {other:?}")),
        },
        "softplus" => Ok(x.softplus(
            opt_float(a, "beta").unwrap_or(1.0),
            opt_float(a, "threshold").unwrap_or(20.0),
        )),
        "clamp" => Ok(x.clamp(opt_float(a, "min"), opt_float(a, "max"))),
        "silu" => Ok(x.silu()),
        "leaky_relu" => Ok(x.leaky_relu(opt_float(a, "negative_slope").unwrap_or(0.01))),
        "elu" => Ok(x.elu(opt_float(a, "alpha").unwrap_or(1.0))),
        "sum" => return reduce(x, a, |x| Ok(x.sum()), Var::try_sum_axis),
        "mean" => return reduce(x, a, Var::try_mean, Var::try_mean_axis),
        "max" => return reduce(x, a, Var::try_max, Var::try_max_axis),
        "logsumexp" => x.try_logsumexp(int(a, "axis")?, flag(a, "keepdim")),
        "var" => x.try_var(
            int(a, "axis")?,
            int(a, "correction")? as usize,
            flag(a, "keepdim"),
        ),
        "matmul" => x.try_matmul(v[1]),
        "transpose" => x.try_transpose(int(a, "dim0")?, int(a, "dim1")?),
        "reshape" => x.try_reshape(&usizes(a, "shape")?),
        "permute" => x.try_permute(&usizes(a, "dims")?),
        "broadcast_to" => x.try_broadcast_to(&usizes(a, "shape")?),
        "narrow" => x.try_narrow(
            int(a, "axis")?,
            int(a, "start")? as usize,
            int(a, "length")? as usize,
        ),
        // ops.json names the indices "indices", nn_ops.json "index"
        "index_select" => {
            let key = if a.get("index").is_some() {
                "index"
            } else {
                "indices"
            };
            x.try_index_select(int(a, "axis")?, &usizes(a, key)?)
        }
        "linear" => x.try_linear(v[1], v.get(2).copied()),
        "conv1d" => x.try_conv1d(v[1], v.get(2).copied(), conv1d_opts(a)?),
        "conv2d" => x.try_conv2d(v[1], v.get(2).copied(), conv2d_opts(a)?),
        "conv_transpose2d" => x.try_conv_transpose2d(v[1], v.get(2).copied(), conv_t_opts(a)?),
        "gather" => x.try_gather(
            int(a, "axis")?,
            &usizes(a, "index")?,
            &usizes(a, "index_shape")?,
        ),
        "concat" => Var::try_concat(v, int(a, "axis")?),
        "stack" => Var::try_stack(v, int(a, "axis")?),
        "where" => Var::try_where_cond(&mask(a)?, x, v[1]),
        "masked_fill" => x.try_masked_fill(&mask(a)?, float(a, "value")?),
        "softmax" => x.try_softmax(int(a, "axis")?),
        "log_softmax" => x.try_log_softmax(int(a, "axis")?),
        "layer_norm" => {
            let d = usizes(a, "normalized_shape")?;
            if d.len() != 1 || x.shape().last() != Some(&d[0]) {
                return Err(format!(
                    "layer_norm: normalized_shape {d:?} is not the last dim of {:?}",
                    x.shape()
                ));
            }
            x.try_layer_norm(v.get(1).copied(), v.get(2).copied(), float(a, "eps")?)
        }
        "rms_norm" => x.try_rms_norm(
            &usizes(a, "normalized_shape")?,
            v.get(1).copied(),
            opt_float(a, "eps"),
        ),
        "cross_entropy" => x.cross_entropy_with(
            &usizes(a, "targets")?,
            &CrossEntropy {
                reduction: reduction(a)?,
                label_smoothing: opt_float(a, "label_smoothing").unwrap_or(0.0),
                ignore_index: ignore_index(a),
            },
        ),
        "nll_loss" => x.nll_loss_with(&usizes(a, "targets")?, reduction(a)?, ignore_index(a)),
        "mse_loss" => x.mse_loss_with(v[1], reduction(a)?),
        "l1_loss" => x.l1_loss_with(v[1], reduction(a)?),
        "huber_loss" => x.huber_loss_with(v[1], float(a, "delta")?, reduction(a)?),
        "smooth_l1_loss" => match reduction(a)? {
            Reduction::Mean => x.smooth_l1_loss(v[1], float(a, "beta")?),
            _ => return Err("smooth_l1_loss: the API has reduction mean only".into()),
        },
        "binary_cross_entropy_with_logits" => x.bce_with_logits_with(v[1], reduction(a)?),
        "embedding" => x.try_embedding(&usizes(a, "indices")?, &usizes(a, "indices_shape")?),
        "max_pool2d" => x.try_max_pool2d(MaxPool2dOptions {
            kernel_size: pair(a, "kernel_size")?.ok_or("attr \"kernel_size\" missing")?,
            stride: pair(a, "stride")?,
            padding: pair(a, "padding")?.unwrap_or([0, 0]),
            dilation: pair(a, "dilation")?.unwrap_or([1, 1]),
            ceil_mode: flag(a, "ceil_mode"),
        }),
        "avg_pool2d" => x.try_avg_pool2d(AvgPool2dOptions {
            kernel_size: pair(a, "kernel_size")?.ok_or("attr \"kernel_size\" missing")?,
            stride: pair(a, "stride")?,
            padding: pair(a, "padding")?.unwrap_or([0, 0]),
            ceil_mode: flag(a, "ceil_mode"),
            count_include_pad: a
                .get("count_include_pad")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        }),
        "adaptive_avg_pool2d" => {
            x.try_adaptive_avg_pool2d(pair(a, "output_size")?.ok_or("output_size missing")?)
        }
        "batch_norm" => return batch_norm(x, a, v, &mut Vec::new()),
        "pad" => {
            let pads = get(a, "pad")?
                .as_array()
                .ok_or("attr \"pad\" is not a list")?;
            let pads: Option<Vec<isize>> = pads
                .iter()
                .map(|p| p.as_i64().map(|p| p as isize))
                .collect();
            x.try_pad(
                &pads.ok_or("attr \"pad\": not integers")?,
                float(a, "value")?,
            )
        }
        "scaled_dot_product_attention" => {
            let mask = match a.get("attn_mask") {
                None | Some(Value::Null) => None,
                Some(_) => {
                    let bits = usizes(a, "attn_mask")?.iter().map(|&b| b != 0).collect();
                    let shape = usizes(a, "attn_mask_shape")?;
                    Some(Mask::new(bits, &shape).map_err(|e| e.to_string())?)
                }
            };
            let scale = opt_float(a, "scale");
            x.try_scaled_dot_product_attention(
                v[1],
                v[2],
                mask.as_ref(),
                flag(a, "is_causal"),
                scale,
            )
        }
        _ => unreachable!("{op}: an arity without an arm"),
    };
    y.map_err(|e| e.to_string())
}
