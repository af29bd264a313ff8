//! Inputs for the loader that random bytes rarely reach: headers assembled from fuzz choices
//! (names, dtypes, shapes with huge dims, consistent or broken offsets, checkpoint metadata)
//! and real checkpoints with a few edits.

use std::fmt::Write;

use arenagrad::optim::Optimizer;
use arenagrad::prelude::*;

use crate::reader::Reader;

/// The parameters every loaded store has: `p0 [2, 3]`, `p1 [3]`, `p2 []`.
pub fn store(seed: f32) -> ParamStore {
    let mut s = ParamStore::new();
    let values = |n: usize| (0..n).map(|i| seed + i as f32 / 8.0).collect::<Vec<_>>();
    s.add("p0", Tensor::new(values(6), &[2, 3]).expect("6 values"))
        .expect("new name");
    s.add("p1", Tensor::from_slice(&values(3)))
        .expect("new name");
    s.add("p2", Tensor::scalar(seed)).expect("new name");
    s
}

/// A fresh optimizer of kind `kind` over `params`, with every state buffer in use.
pub fn optimizer(kind: u8, params: &ParamStore) -> Box<dyn Optimizer> {
    let built: Result<Box<dyn Optimizer>> = match kind % 5 {
        0 => Sgd::new(
            params,
            SgdConfig {
                momentum: 0.9,
                ..Default::default()
            },
        )
        .map(|o| Box::new(o) as _),
        1 => Adam::new(
            params,
            AdamConfig {
                amsgrad: true,
                ..Default::default()
            },
        )
        .map(|o| Box::new(o) as _),
        2 => AdamW::new(params, AdamWConfig::default()).map(|o| Box::new(o) as _),
        3 => {
            let c = RmspropConfig {
                centered: true,
                momentum: 0.5,
                ..Default::default()
            };
            Rmsprop::new(params, c).map(|o| Box::new(o) as _)
        }
        _ => Adagrad::new(params, AdagradConfig::default()).map(|o| Box::new(o) as _),
    };
    built.expect("valid options")
}

/// The bytes of a checkpoint after `steps` steps of an optimizer of kind `kind`.
pub fn checkpoint(kind: u8, steps: u8) -> Vec<u8> {
    let mut params = store(0.5);
    let mut opt = optimizer(kind, &params);
    let handles: Vec<Param> = params.params().collect();
    for s in 0..steps {
        params.zero_grad();
        for (i, &p) in handles.iter().enumerate().skip(s as usize % 2) {
            let g: Vec<f32> = (0..params.numel_of(p))
                .map(|k| (k + i) as f32 - 1.5)
                .collect();
            params
                .set_grad(p, &g)
                .expect("gradient of the parameter's size");
        }
        opt.step(&mut params);
    }
    arenagrad::io::checkpoint_to_bytes(&params, opt.as_ref(), steps as u64).expect("serialises")
}

/// A few edits of `bytes`, mostly inside the header: overwritten, inserted, removed bytes,
/// a digit changed, a truncation.
pub fn mutate(r: &mut Reader, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..r.u8() % 4 {
        let header = 8usize.saturating_add(u64::from_le_bytes(
            bytes
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or([0; 8]),
        ) as usize);
        let span = if r.bool() {
            header.min(bytes.len())
        } else {
            bytes.len()
        };
        let at = if span == 0 { 0 } else { r.below(span) };
        match r.u8() % 6 {
            0 if at < bytes.len() => bytes[at] = r.u8(),
            1 => bytes.insert(at, b"0123456789-.e,:[]{}\"E "[r.below(22)]),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            3 => {
                let digit = bytes[at..].iter().position(u8::is_ascii_digit);
                if let Some(d) = digit {
                    bytes[at + d] = b'0' + r.u8() % 10;
                }
            }
            4 => bytes.truncate(at),
            _ => bytes
                .splice(at..at, r.rest().iter().take(16).copied())
                .for_each(drop),
        }
    }
    bytes
}

const NAMES: [&str; 8] = [
    "p0",
    "p1",
    "p2",
    "optim.state.p0.exp_avg",
    "__metadata__",
    "",
    "q",
    "p0",
];
const DTYPES: [&str; 10] = [
    "F32", "F64", "F16", "BF16", "I64", "U8", "BOOL", "F8_E4M3", "F4", "X",
];

/// The byte size of one element of `dtype` (what offsets are computed with; 1 when unknown).
fn size_of(dtype: &str) -> u128 {
    match dtype {
        "F64" | "I64" => 8,
        "F32" => 4,
        "F16" | "BF16" => 2,
        _ => 1,
    }
}

/// A dim as JSON text: small, huge, beyond `u64`, negative or fractional.
fn dim_text(r: &mut Reader) -> (String, u128) {
    let d: u128 = match r.u8() % 12 {
        0..=5 => (r.u8() % 4) as u128,
        6 => 1 << 31,
        7 => 1 << 62,
        8 => u64::MAX as u128,
        9 => 1 << 64,
        10 => return ("-1".into(), 0),
        _ => return ("1.5".into(), 1),
    };
    (d.to_string(), d)
}

/// Metadata as a checkpoint has it, with fuzz-chosen (often broken) values.
fn metadata(r: &mut Reader) -> String {
    let mut m = String::from("{\"format\":\"pt\"");
    let values: [(&str, &[&str]); 5] = [
        ("arenagrad.checkpoint", &["1"]),
        ("step", &["3", "-1", "18446744073709551616", "x", ""]),
        (
            "optim.optimizer",
            &["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS"],
        ),
        (
            "optim.groups",
            &[
                "[[\\\"p0\\\",\\\"p1\\\",\\\"p2\\\"]]",
                "[[]]",
                "[[\\\"p0\\\"],[\\\"p0\\\"]]",
                "[",
                "{}",
            ],
        ),
        (
            "optim.scalars",
            &[
                "[[\\\"group.0.lr\\\",\\\"0.001\\\"],[\\\"state.p0.step\\\",\\\"1.5\\\"]]",
                "[]",
                "[[\\\"a\\\"]]",
                "[[\\\"group.0.lr\\\",\\\"nan\\\"]]",
                "[[1,2]]",
            ],
        ),
    ];
    for (key, choices) in values {
        match r.u8() % 4 {
            0 => {}
            1 => write!(m, ",\"{key}\":7").expect("string write"),
            _ => write!(m, ",\"{key}\":\"{}\"", choices[r.below(choices.len())])
                .expect("string write"),
        }
    }
    m.push('}');
    m
}

/// A file whose header is assembled from fuzz choices, with its length prefix and data.
pub fn file(r: &mut Reader) -> Vec<u8> {
    let mut header = String::from("{");
    let mut end: u128 = 0;
    if r.bool() {
        write!(header, "\"__metadata__\":{},", metadata(r)).expect("string write");
    }
    for _ in 0..r.u8() % 5 {
        let name = NAMES[r.below(NAMES.len())];
        let dtype = DTYPES[r.below(DTYPES.len())];
        let dims: Vec<(String, u128)> = (0..r.u8() % 4).map(|_| dim_text(r)).collect();
        let numel = dims.iter().fold(1u128, |a, d| a.saturating_mul(d.1));
        let size = numel.saturating_mul(size_of(dtype));
        let (begin, stop) = match r.u8() % 8 {
            0 => (end, end.saturating_add(1)),
            1 => (
                end.saturating_add(1),
                end.saturating_add(1).saturating_add(size),
            ),
            2 => (size, end),
            3 => (0, u64::MAX as u128),
            _ => (end, end.saturating_add(size)),
        };
        end = stop.max(end);
        let shape: Vec<&str> = dims.iter().map(|d| d.0.as_str()).collect();
        let dtype_json = if r.u8().is_multiple_of(16) {
            "7".to_string()
        } else {
            format!("\"{dtype}\"")
        };
        write!(
            header,
            "\"{name}\":{{\"dtype\":{dtype_json},\"shape\":[{}],\"data_offsets\":[{begin},{stop}]}},",
            shape.join(",")
        )
        .expect("string write");
    }
    if header.ends_with(',') {
        header.pop();
    }
    header.push('}');
    let n = header.len() as u64;
    let prefix = match r.u8() % 8 {
        0 => n + 1,
        1 => n.saturating_sub(1),
        2 => u64::MAX,
        3 => 100_000_001,
        _ => n,
    };
    let mut bytes = prefix.to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    // the data: as long as the offsets say (capped), plus or minus a little
    let want = end.min(4096) as usize;
    let len = match r.u8() % 4 {
        0 => want.saturating_sub(1),
        1 => want + 1,
        _ => want,
    };
    bytes.extend((0..len).map(|_| r.u8()));
    bytes
}
