//! io tests: round trips, the layout, load_state_dict semantics (here), and fuzz-like bad
//! input in `bad_input.rs` (every truncation, bit flips, garbage, hostile headers: always an
//! error, never a panic).

mod bad_input;
mod checkpoint;
mod files;
mod int64;

use std::collections::BTreeMap;

use super::*;

/// A file from a header string and data bytes.
pub(super) fn file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

pub(super) fn store(entries: &[(&str, Tensor)]) -> ParamStore {
    let mut s = ParamStore::new();
    for (name, t) in entries {
        s.add(name, t.clone()).unwrap();
    }
    s
}

pub(super) fn format_message(r: Result<SafeTensorsFile>) -> String {
    match r {
        Err(e @ Error::Format { .. }) => e.to_string(),
        other => panic!("expected a format error, got {other:?}"),
    }
}

pub(super) fn sample() -> ParamStore {
    let odd = [
        1.5,
        -0.0,
        f32::INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE / 4.0,
        -3.25,
    ];
    store(&[
        ("layer.weight", Tensor::new(odd.to_vec(), &[2, 3]).unwrap()),
        ("layer.bias", Tensor::from_slice(&[0.5, 0.25])),
        ("scale", Tensor::scalar(2.0)),
        ("empty", Tensor::zeros(&[0, 3]).unwrap()),
    ])
}
#[test]
fn round_trip_is_bit_exact_and_keeps_shapes() {
    let params = sample();
    let file = from_bytes(&to_bytes(&params).unwrap()).unwrap();
    assert_eq!(file.tensors.len(), 4);
    for p in params.params() {
        let t = &file.tensors[params.name(p)];
        assert_eq!(t.shape(), params.shape(p));
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(t.data()), bits(params.data(p)), "{}", params.name(p));
    }
    assert_eq!(
        file.metadata,
        BTreeMap::from([("format".into(), "pt".into())])
    );
}

#[test]
fn layout_is_what_safetensors_writes() {
    let bytes = to_bytes(&sample()).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(n % 8, 0); // data section 8-byte aligned
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    assert!(header.starts_with(
        "{\"__metadata__\":{\"format\":\"pt\"},\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\
         \"data_offsets\":[0,0]},\"layer.bias\":{\"dtype\":\"F32\",\"shape\":[2],\
         \"data_offsets\":[0,8]},"
    ));
    assert!(header
        .trim_end()
        .ends_with("\"scale\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[32,36]}}"));
    // the crate's own parser agrees
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let w = st.tensor("layer.weight").unwrap();
    assert_eq!(
        (w.dtype(), w.shape()),
        (safetensors::Dtype::F32, &[2, 3][..])
    );
    assert_eq!(&w.data()[..4], &1.5f32.to_le_bytes());
}

#[test]
fn writing_is_deterministic_and_merges_metadata() {
    let meta: BTreeMap<String, String> =
        (0..20).map(|i| (format!("k{i}"), i.to_string())).collect();
    let extra = [("zz.step".to_string(), Tensor::scalar(3.0))];
    let a = to_bytes_with(&sample(), &extra, &meta).unwrap();
    assert_eq!(a, to_bytes_with(&sample(), &extra, &meta).unwrap());
    let file = from_bytes(&a).unwrap();
    assert_eq!(file.metadata.len(), 21);
    assert_eq!(file.get("zz.step").unwrap().item(), 3.0);
    let over = BTreeMap::from([("format".to_string(), "np".to_string())]);
    let file = from_bytes(&to_bytes_with(&sample(), &[], &over).unwrap()).unwrap();
    assert_eq!(file.metadata["format"], "np"); // the caller's entries win
}

#[test]
fn names_must_be_unique_and_not_the_metadata_key() {
    let dup = [("scale".to_string(), Tensor::scalar(1.0))];
    let err = to_bytes_with(&sample(), &dup, &BTreeMap::new()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { .. })
            && err.to_string().contains("\"scale\" is given twice")
    );
    let reserved = [("__metadata__".to_string(), Tensor::scalar(1.0))];
    let err = to_bytes_with(&ParamStore::new(), &reserved, &BTreeMap::new()).unwrap_err();
    assert!(err.to_string().contains("__metadata__"));
}

#[test]
fn f64_f16_bf16_convert_and_other_dtypes_are_errors() {
    let mut data = Vec::new();
    data.extend([0.1f64, -2.0].iter().flat_map(|v| v.to_le_bytes())); // F64 [0, 16)
    data.extend(
        [0x3c00u16, 0x0001, 0xfc00]
            .iter()
            .flat_map(|v| v.to_le_bytes()),
    ); // F16 [16, 22)
    data.extend([0x3f80u16, 0xc040].iter().flat_map(|v| v.to_le_bytes())); // BF16 [22, 26)
    let header = r#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[3,1],"data_offsets":[16,22]},"c":{"dtype":"BF16","shape":[2],"data_offsets":[22,26]}}"#;
    let f = from_bytes(&file(header, &data)).unwrap();
    assert_eq!(f.tensors["a"].to_vec(), [0.1f32, -2.0]);
    assert_eq!(
        f.tensors["b"].to_vec(),
        [1.0, 2f32.powi(-24), f32::NEG_INFINITY]
    );
    assert_eq!(f.tensors["b"].shape(), &[3, 1]);
    assert_eq!(f.tensors["c"].to_vec(), [1.0, -3.0]);
    assert!(f.metadata.is_empty());

    let i32_file = file(
        r#"{"steps":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#,
        &[0; 4],
    );
    let msg = format_message(from_bytes(&i32_file));
    assert!(
        msg.contains("\"steps\"") && msg.contains("I32") && msg.contains("F16"),
        "{msg}"
    );
    // an unknown dtype name is a header error
    let f128 = file(
        r#"{"x":{"dtype":"F128","shape":[],"data_offsets":[0,16]}}"#,
        &[0; 16],
    );
    assert!(format_message(from_bytes(&f128)).contains("F128"));
}

#[test]
fn unsupported_dtypes_fail_only_when_loaded() {
    let header = r#"{"count":{"dtype":"I32","shape":[],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let bytes = file(header, &[0, 0, 0, 0, 0, 0, 0x80, 0x3f]);
    let mut params = store(&[("w", Tensor::zeros(&[1]).unwrap())]);
    let lenient = LoadOptions { strict: false };
    let report = load_bytes_into(&bytes, &mut params, lenient).unwrap();
    assert_eq!(report.unexpected, ["count"]); // reported, not converted
    assert_eq!(params.data(params.get("w").unwrap()), &[1.0]);

    let mut params = store(&[
        ("w", Tensor::zeros(&[1]).unwrap()),
        ("count", Tensor::scalar(5.0)),
    ]);
    let err = load_bytes_into(&bytes, &mut params, lenient).unwrap_err();
    assert!(err.to_string().contains("I32"));
    assert_eq!(params.data(params.get("w").unwrap()), &[0.0]); // nothing written
}

#[test]
fn strict_errors_list_everything_and_change_nothing() {
    let bytes = to_bytes(&sample()).unwrap();
    let mut params = store(&[
        ("layer.weight", Tensor::zeros(&[3, 2]).unwrap()),
        ("layer.bias", Tensor::zeros(&[2]).unwrap()),
        ("extra.w", Tensor::zeros(&[1]).unwrap()),
    ]);
    let before = params.flat_data().to_vec();
    let err = load_bytes_into(&bytes, &mut params, LoadOptions::default()).unwrap_err();
    let Error::StateDict {
        op: "io::load_bytes_into",
        missing,
        unexpected,
        mismatched,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(missing, &["extra.w"]);
    assert_eq!(unexpected, &["empty", "scale"]);
    assert_eq!(
        mismatched,
        &[("layer.weight".to_string(), vec![3, 2], vec![2, 3])]
    );
    let msg = err.to_string();
    for part in [
        "missing keys",
        "\"extra.w\"",
        "unexpected keys",
        "\"scale\"",
        "size mismatch for \"layer.weight\": the store has [3, 2], the state dict [2, 3]",
        "strict: false",
    ] {
        assert!(msg.contains(part), "{part:?} not in {msg}");
    }
    assert_eq!(params.flat_data(), &before[..]);

    let report = load_bytes_into(&bytes, &mut params, LoadOptions { strict: false }).unwrap();
    assert_eq!(report.loaded, ["layer.bias"]);
    assert!(!report.is_exact());
    assert_eq!(params.data(params.get("layer.bias").unwrap()), &[0.5, 0.25]);
    assert_eq!(params.data(params.get("layer.weight").unwrap()), &[0.0; 6]);
}
